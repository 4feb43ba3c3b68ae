# shellcheck shell=bash
# uncordon: runs on the first control plane; node KW_TARGET_NODE takes pods again after its upgrade
# (kubeadm-upgrade.md "Uncordon the node": `kubectl uncordon <node>`). Inputs: KW_TARGET_NODE.

check() {
  kw_need_re KW_TARGET_NODE '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  ! kw_node_cordoned "$KW_TARGET_NODE"
}

apply() {
  kw_kubectl uncordon "$KW_TARGET_NODE"
}
