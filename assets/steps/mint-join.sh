# shellcheck shell=bash
# mint-join (not a step): run by the engine on the first control plane when a join needs
# secrets. Prints ::kw::secret token=..., ::kw::secret ca_cert_hash=... and, with
# KW_NEED_CERT_KEY=1, ::kw::secret certificate_key=... Nothing else reveals them.

kw_mint() {
  [[ -f $KW_ADMIN_CONF ]] || kw_die "$KW_ADMIN_CONF is missing: this node is not an initialised control plane"
  local errf cmd token hash out key
  errf=$(mktemp)
  cmd=$(kubeadm token create --ttl 2h --print-join-command 2>"$errf") || {
    kw_redact <"$errf" >&2
    rm -f "$errf"
    kw_die "kubeadm token create failed"
  }
  token=$(printf '%s\n' "$cmd" | awk '{ for (i = 1; i < NF; i++) if ($i == "--token") print $(i + 1) }' | head -n1)
  hash=$(printf '%s\n' "$cmd" | awk '{ for (i = 1; i < NF; i++) if ($i == "--discovery-token-ca-cert-hash") print $(i + 1) }' | head -n1)
  [[ $token =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || kw_die "kubeadm token create --print-join-command printed no token"
  [[ $hash =~ ^sha256:[0-9a-f]{64}$ ]] || kw_die "kubeadm token create --print-join-command printed no CA certificate hash"
  kw_secret token "$token"
  kw_secret ca_cert_hash "$hash"
  if [[ ${KW_NEED_CERT_KEY:-0} == 1 ]]; then
    out=$(kubeadm init phase upload-certs --upload-certs 2>"$errf") || {
      kw_redact <"$errf" >&2
      rm -f "$errf"
      kw_die "kubeadm init phase upload-certs failed"
    }
    key=$(printf '%s\n' "$out" | grep -E '^[0-9a-f]{64}$' | tail -n1 || true)
    [[ -n $key ]] || { rm -f "$errf"; kw_die "kubeadm init phase upload-certs printed no certificate key"; }
    kw_secret certificate_key "$key"
  fi
  rm -f "$errf"
  kw_log "join secrets minted (token valid 2 h)"
}
