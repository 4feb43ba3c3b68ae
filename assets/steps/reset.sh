# shellcheck shell=bash
# reset (not a step): `kubeadm reset -f` and the cleanup kubeadm leaves behind: CNI config,
# iptables rules of kube-proxy and the CNI, IPVS tables, root's kubeconfig, kubewiz's files.

KW_RESET_IPT_PATTERN='KUBE-|cali-|cali:|CNI-|FLANNEL'

reset_iptables() {
  local save restore rules
  for save in iptables-save ip6tables-save; do
    command -v "$save" >/dev/null 2>&1 || continue
    restore=${save%-save}-restore
    command -v "$restore" >/dev/null 2>&1 || continue
    rules=$("$save" 2>/dev/null) || continue
    if grep -Eq "$KW_RESET_IPT_PATTERN" <<<"$rules"; then
      kw_log "removing Kubernetes/CNI rules with $restore"
      grep -Ev "$KW_RESET_IPT_PATTERN" <<<"$rules" | "$restore" || kw_warn "$restore failed"
    fi
  done
}

kw_reset() {
  if command -v kubeadm >/dev/null 2>&1; then
    kw_log "kubeadm reset -f"
    kubeadm reset -f 2>&1 | kw_redact || kw_warn "kubeadm reset failed; cleaning up anyway"
  fi
  kw_log "removing /etc/cni/net.d"
  rm -rf /etc/cni/net.d
  reset_iptables
  if command -v ipvsadm >/dev/null 2>&1; then
    kw_log "ipvsadm --clear"
    ipvsadm --clear || kw_warn "ipvsadm --clear failed"
  fi
  local link
  for link in cni0 flannel.1 vxlan.calico; do
    if ip link show "$link" >/dev/null 2>&1; then
      kw_log "deleting network interface $link"
      ip link delete "$link" || kw_warn "cannot delete $link"
    fi
  done
  rm -rf "$KW_ROOT_KUBECONFIG" "$KW_K8S_DIR/kubewiz-kubeadm.yaml" "$KW_STATE_DIR/manifests"
  mkdir -p "$KW_LOG_DIR"
  printf '%s %s apply\n' "$(date +%s)" reset >>"$KW_LOG_DIR/steps.log"
  kw_log "node reset; run kubewiz apply to install it again"
  printf '::kw::result applied\n'
}
