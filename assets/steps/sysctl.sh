# shellcheck shell=bash
# sysctl: IP forwarding (required by kubeadm) and bridge netfilter (needs br_netfilter, loaded by
# the modules step) in /etc/sysctl.d/99-kubernetes.conf, applied now.

SYSCTL_CONF=/etc/sysctl.d/99-kubernetes.conf
SYSCTL_KEYS="net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables"

conf_content() {
  echo "# kubewiz: kernel parameters for Kubernetes"
  local k
  for k in $SYSCTL_KEYS; do
    echo "$k = 1"
  done
}

values_ok() {
  local k v
  for k in $SYSCTL_KEYS; do
    v=$(sysctl -n "$k" 2>/dev/null) || return 1
    [[ $v == 1 ]] || return 1
  done
}

check() {
  conf_content | kw_same_content "$SYSCTL_CONF" && values_ok
}

apply() {
  kw_log "writing $SYSCTL_CONF"
  conf_content | kw_write_file "$SYSCTL_CONF" 644
  kw_log "sysctl --system"
  # Errors in other files (keys this kernel lacks) must not stop us: our keys are verified below.
  sysctl --system >/dev/null || kw_warn "sysctl --system reported errors in other files; checking our keys"
  local k v
  for k in $SYSCTL_KEYS; do
    v=$(sysctl -n "$k" 2>/dev/null) || kw_die "sysctl $k is missing (is the br_netfilter module loaded?)"
    [[ $v == 1 ]] || kw_die "sysctl $k is $v after sysctl --system, expected 1 (another file in /etc/sysctl.d overrides it?)"
  done
}
