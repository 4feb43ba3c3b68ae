# shellcheck shell=bash
# delete-node (not a step): run on the first control plane when a node is reset, so that it
# can join again: kubeadm join refuses a name the cluster still has as a Node ("a Node with
# name ... already exists"). Input: KW_TARGET_NODE.

kw_delete_node() {
  kw_need_re KW_TARGET_NODE '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  if [[ ! -f $KW_ADMIN_CONF ]]; then
    kw_log "no $KW_ADMIN_CONF on this node: no cluster to remove $KW_TARGET_NODE from"
    printf '::kw::result skipped\n'
    return 0
  fi
  if ! kw_kubectl get node "$KW_TARGET_NODE" >/dev/null 2>&1; then
    kw_log "the cluster has no node $KW_TARGET_NODE"
    printf '::kw::result skipped\n'
    return 0
  fi
  kw_log "kubectl delete node $KW_TARGET_NODE"
  kw_kubectl delete node "$KW_TARGET_NODE"
  printf '::kw::result applied\n'
}
