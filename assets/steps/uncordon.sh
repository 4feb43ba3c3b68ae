# shellcheck shell=bash
# uncordon: runs on the first control plane; node KW_TARGET_NODE takes pods again after its upgrade
# (kubeadm-upgrade.md "Uncordon the node": `kubectl uncordon <node>`). A node that was cordoned before the
# upgrade began stays so (KW_LEAVE_CORDONED=1). Inputs: KW_TARGET_NODE, optional KW_LEAVE_CORDONED.

check() {
  kw_need_re KW_TARGET_NODE '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  if [[ ${KW_LEAVE_CORDONED:-0} == 1 ]]; then
    kw_log "$KW_TARGET_NODE was cordoned before the upgrade: left cordoned"
    return 0
  fi
  ! kw_node_cordoned "$KW_TARGET_NODE"
}

apply() {
  kw_kubectl uncordon "$KW_TARGET_NODE"
}
