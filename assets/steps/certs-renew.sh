# shellcheck shell=bash
# certs-renew (not a step; entry kw_certs_renew): `kubeadm certs renew all` on a control plane, then the
# restart of its static pods the kubeadm-certs docs describe ("Manual certificate renewal": move the manifests
# out of /etc/kubernetes/manifests, the kubelet stops the pods, move them back, it starts them again), then
# root's kubeconfig from the renewed admin.conf. With KW_RETURN_KUBECONFIG=1 the admin kubeconfig comes back
# to the workstation (`::kw::file kubeconfig`). An interrupted run left the manifests aside: they go back first.

MANIFESTS=/etc/kubernetes/manifests
ASIDE=/etc/kubernetes/kubewiz-restart-manifests

restore_aside() {
  if compgen -G "$ASIDE/*.yaml" >/dev/null; then
    kw_log "moving the static pod manifests of an interrupted restart back"
    mv -f "$ASIDE"/*.yaml "$MANIFESTS"/
  fi
}

static_containers() {
  kw_crictl ps -q --name '^(etcd|kube-apiserver|kube-controller-manager|kube-scheduler)$' 2>/dev/null
}

kw_certs_renew() {
  set -o errtrace
  trap 'kw_on_error "$?" "$BASH_COMMAND"' ERR
  restore_aside
  kubeadm certs renew all 2>&1 | kw_redact || kw_die "kubeadm certs renew all failed"
  kw_log "restarting the static pods so that they load the new certificates"
  install -d -m 700 "$ASIDE"
  mv -f "$MANIFESTS"/*.yaml "$ASIDE"/
  local i
  for ((i = 0; i < 120; i++)); do
    [[ -z $(static_containers) ]] && break
    sleep 1
  done
  [[ -z $(static_containers) ]] || kw_warn "the kubelet did not stop every static pod in 120 s; moving the manifests back anyway"
  mv -f "$ASIDE"/*.yaml "$MANIFESTS"/
  for ((i = 0; i < 90; i++)); do
    kw_kubectl --request-timeout=10s get nodes >/dev/null 2>&1 && break
    sleep 2
  done
  kw_kubectl --request-timeout=10s get nodes >/dev/null 2>&1 ||
    kw_die "the API server does not answer 180 s after the restart (see: crictl ps -a; journalctl -u kubelet)"
  kw_install_root_kubeconfig
  if [[ ${KW_RETURN_KUBECONFIG:-0} == 1 ]]; then
    kw_file kubeconfig "$KW_ADMIN_CONF"
  fi
  kw_log "certificates renewed and loaded"
}
