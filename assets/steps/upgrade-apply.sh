# shellcheck shell=bash
# upgrade-apply: `kubeadm upgrade apply vX.Y.Z -y` on the first control plane (kubeadm-upgrade.md "Choose a
# version to upgrade to"): health checks, version policy, images, the static pods, kubeadm's certificates
# renewed (its default, --certificate-renewal=true). Done when the API server runs the version and this node's
# three control plane manifests name it (kw_control_plane_at). Never beside a `kubeadm upgrade apply` still
# running on the node (kw_wait_for_running_kubeadm). Inputs: KW_K8S_VERSION.

check() {
  kw_need_re KW_K8S_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$'
  [[ $(kw_server_version) == "v$KW_K8S_VERSION" ]] && kw_control_plane_at "v$KW_K8S_VERSION"
}

apply() {
  local rc=0
  kw_wait_for_running_kubeadm upgrade apply || rc=$?
  if ((rc == 2)) && check; then
    kw_log "the earlier kubeadm upgrade apply finished: the control plane runs v$KW_K8S_VERSION"
    return 0
  fi
  kw_log "kubeadm upgrade apply v$KW_K8S_VERSION -y"
  kubeadm upgrade apply "v$KW_K8S_VERSION" -y 2>&1 | kw_redact || {
    kw_hint "kubeadm upgrade apply failed (see above); kubeadm rolls the static pods back itself. Fix the cause and run the upgrade again: it resumes here (kubeadm upgrade apply is safe to repeat)"
    kw_die "kubeadm upgrade apply v$KW_K8S_VERSION failed"
  }
  # The apiserver restarted: wait until it answers with the new version.
  local i
  for ((i = 0; i < 60; i++)); do
    [[ $(kw_server_version) == "v$KW_K8S_VERSION" ]] && return 0
    sleep 2
  done
}
