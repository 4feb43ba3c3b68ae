# shellcheck shell=bash
# upgrade-node: `kubeadm upgrade node` on every node but the first control plane (kubeadm-upgrade.md "For the
# other control plane nodes", upgrading-linux-nodes.md "Call kubeadm upgrade"): on a control plane its static
# pods move to the cluster's version (certificates renewed); on a worker only the kubelet configuration. A
# control plane is done when its three manifests name the version (kw_control_plane_at: kubeadm upgrades them
# one at a time); never beside a `kubeadm upgrade node` still running on the node (kw_wait_for_running_kubeadm).
# Inputs: KW_K8S_VERSION, KW_NODE_NAME.

check() {
  kw_need_re KW_K8S_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$'
  kw_need_re KW_NODE_NAME '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  if kw_is_control_plane; then
    kw_control_plane_at "v$KW_K8S_VERSION"
  else
    kw_marked upgrade-node || [[ $(kw_node_kubelet "$KW_NODE_NAME" "$KW_K8S_DIR/kubelet.conf") == "v$KW_K8S_VERSION" ]]
  fi
}

apply() {
  local rc=0
  kw_wait_for_running_kubeadm upgrade node || rc=$?
  if ((rc == 2)) && check; then
    kw_log "the earlier kubeadm upgrade node finished"
    kw_mark upgrade-node
    return 0
  fi
  kw_log "kubeadm upgrade node"
  kubeadm upgrade node 2>&1 | kw_redact || {
    kw_hint "kubeadm upgrade node failed (see above); fix the cause and run the upgrade again: it resumes here"
    kw_die "kubeadm upgrade node failed"
  }
  kw_mark upgrade-node
}
