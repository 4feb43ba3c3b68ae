# shellcheck shell=bash
# upgrade-apply: `kubeadm upgrade apply vX.Y.Z -y` on the first control plane (kubeadm-upgrade.md "Choose a
# version to upgrade to"): health checks, version policy, images, the static pods, kubeadm's certificates
# renewed (its default, --certificate-renewal=true). Done when the API server runs the version and this node's
# three control plane manifests name it: kubeadm upgrades them one at a time, the API server first
# (phases/upgrade/staticpods.go StaticPodControlPlane loops over constants.ControlPlaneComponents: kube-apiserver,
# kube-controller-manager, kube-scheduler), so a kubeadm that died with its connection can leave the API server
# new and the others old. Inputs: KW_K8S_VERSION.

check() {
  kw_need_re KW_K8S_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$'
  local c
  [[ $(kw_server_version) == "v$KW_K8S_VERSION" ]] || return 1
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    [[ $(kw_manifest_version "$c") == "v$KW_K8S_VERSION" ]] || return 1
  done
}

# running_apply: the pid of a `kubeadm upgrade apply` running on this node, if any (found in /proc: procps is
# not everywhere). An earlier attempt's may still run: the connection was lost and the step is tried again
# (kubewiz reconnects, or the user runs the upgrade again), while kubeadm goes on on the node. KW_PROC: another /proc
# (tests/upgrade_scripts.rs).
running_apply() {
  local d c
  for d in "${KW_PROC:-/proc}"/[0-9]*; do
    c=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
    if [[ $c =~ (^|/)kubeadm\ upgrade\ apply ]]; then
      printf '%s\n' "${d##*/}"
      return 0
    fi
  done
  return 1
}

apply() {
  local pid waited=0
  # Never two at once: both would rewrite the static pod manifests (and roll them back) under each other.
  while pid=$(running_apply); do
    if ((waited == 0)); then
      kw_log "kubeadm upgrade apply is already running on this node (pid $pid; an earlier attempt whose connection was lost?): waiting for it to end"
    fi
    if ((waited >= 900)); then
      kw_hint "look at it on the node (ps -fp $pid): let it end or stop it, then run the upgrade again (it resumes here)"
      kw_die "kubeadm upgrade apply (pid $pid) still runs after $waited s"
    fi
    sleep 2
    waited=$((waited + 2))
  done
  if ((waited > 0)) && check; then
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
