# shellcheck shell=bash
# upgrade-plan: `kubeadm upgrade plan vX.Y.Z` on the first control plane: kubeadm checks the cluster's health
# and the version policy before anything changes (kubeadm-upgrade.md "Verify the upgrade plan"). With the
# version given, kubeadm does not look up dl.k8s.io (nodes in China cannot reach it). Changes nothing.
# Inputs: KW_K8S_VERSION.

# shellcheck disable=SC2034 # read by kw_main (lib.sh)
KW_READ_ONLY=1

check() {
  kw_need_re KW_K8S_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$'
  # Already applied (a resumed hop): nothing to plan.
  [[ $(kw_server_version) == "v$KW_K8S_VERSION" ]]
}

apply() {
  kubeadm upgrade plan "v$KW_K8S_VERSION" 2>&1 | kw_redact || {
    kw_hint "kubeadm refused the plan (see above): fix what it names (a NotReady control plane, kubelets too old, the kubeadm version) and run the upgrade again; nothing was changed"
    kw_die "kubeadm upgrade plan v$KW_K8S_VERSION failed"
  }
}

verify() {
  true
}
