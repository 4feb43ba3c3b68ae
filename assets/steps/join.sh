# shellcheck shell=bash
# join: `kubeadm join` of a worker or of another control plane.
# Inputs: KW_API_ENDPOINT (host:port), KW_NODE_NAME, KW_NODE_ADDRESS, KW_JOIN_CONTROL_PLANE (0|1);
# secrets minted just before on the first control plane: KW_JOIN_TOKEN, KW_CA_CERT_HASH, and
# KW_CERTIFICATE_KEY for control planes.

KUBELET_CONF=/etc/kubernetes/kubelet.conf

control_plane() {
  [[ ${KW_JOIN_CONTROL_PLANE:-0} == 1 ]]
}

check() {
  kw_need_re KW_API_ENDPOINT '^[]A-Za-z0-9.:[-]+:[0-9]+$'
  kw_need_re KW_NODE_NAME '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  kw_need_re KW_NODE_ADDRESS '^[0-9A-Fa-f.:]+$'
  [[ -f $KUBELET_CONF ]] || return 1
  if control_plane; then
    kw_root_kubeconfig_ok
  fi
}

apply() {
  if [[ ! -f $KUBELET_CONF ]]; then
    kw_need_secret KW_JOIN_TOKEN '^[a-z0-9]{6}\.[a-z0-9]{16}$'
    kw_need_secret KW_CA_CERT_HASH '^sha256:[0-9a-f]{64}$'
    local args=(join "$KW_API_ENDPOINT" --token "$KW_JOIN_TOKEN" --discovery-token-ca-cert-hash "$KW_CA_CERT_HASH"
      --node-name "$KW_NODE_NAME" --cri-socket "$KW_CRI_ENDPOINT")
    if control_plane; then
      kw_need_secret KW_CERTIFICATE_KEY '^[0-9a-f]{64}$'
      args+=(--control-plane --certificate-key "$KW_CERTIFICATE_KEY" --apiserver-advertise-address "$KW_NODE_ADDRESS")
      kw_log "kubeadm join $KW_API_ENDPOINT as a control plane"
    else
      kw_log "kubeadm join $KW_API_ENDPOINT as a worker"
    fi
    if kw_leftovers; then kw_reset_leftovers; fi
    local log
    log=$(mktemp)
    kubeadm "${args[@]}" 2>&1 | kw_redact | tee "$log" || {
      if grep -q 'already exists in the cluster' "$log"; then
        kw_hint "the cluster still has a Node named $KW_NODE_NAME (from before a reset): on the control plane run 'kubectl delete node $KW_NODE_NAME' (kubewiz reset --node $KW_NODE_NAME does it), then apply again"
      elif grep -Eq 'could not find a JWS signature|Unauthorized|invalid bootstrap token' "$log"; then
        kw_hint "the join token was refused (expired?): apply again, kubewiz mints a fresh one"
      else
        kw_hint "if kubeadm complains about existing files, the node holds a half-done join: run 'kubewiz reset -c cluster.toml --yes --node $KW_NODE_NAME' and apply again"
      fi
      rm -f "$log"
      kw_die "kubeadm join failed"
    }
    rm -f "$log"
  fi
  if control_plane; then
    kw_install_root_kubeconfig
  fi
}
