# shellcheck shell=bash
# modules: kernel modules loaded now and at boot (/etc/modules-load.d/kubewiz.conf).
# Inputs: KW_PROXY_MODE (iptables | ipvs). IPVS mode adds ip_vs, ip_vs_rr, ip_vs_wrr, ip_vs_sh and
# the conntrack module: nf_conntrack_ipv4 on kernels < 4.19 that still have it (CentOS 7's 3.10),
# nf_conntrack otherwise (kernel >= 4.19, and RHEL 8.3+'s 4.18 where it was merged); plus the
# ipset and ipvsadm tools.

MODULES_CONF=/etc/modules-load.d/kubewiz.conf

# The conntrack module for this kernel. Only probes (modprobe) on kernels < 4.19.
conntrack_module() {
  if kw_kernel_ge 4.19; then
    echo nf_conntrack
  elif modprobe nf_conntrack_ipv4 >/dev/null 2>&1; then
    echo nf_conntrack_ipv4
  else
    echo nf_conntrack
  fi
}

wanted_modules() {
  echo overlay
  echo br_netfilter
  if [[ $KW_PROXY_MODE == ipvs ]]; then
    echo ip_vs
    echo ip_vs_rr
    echo ip_vs_wrr
    echo ip_vs_sh
    # Recorded by apply; check reads it back so that check does not load modules itself.
    if [[ -f $MODULES_CONF ]] && grep -qx 'nf_conntrack_ipv4' "$MODULES_CONF"; then
      echo nf_conntrack_ipv4
    elif [[ -f $MODULES_CONF ]] && grep -qx 'nf_conntrack' "$MODULES_CONF"; then
      echo nf_conntrack
    else
      conntrack_module
    fi
  fi
}

module_loaded() {
  lsmod | awk -v m="$1" 'NR > 1 && $1 == m { found = 1 } END { exit !found }'
}

conf_content() {
  echo "# kubewiz: kernel modules for Kubernetes (proxy mode $KW_PROXY_MODE)"
  wanted_modules
}

check() {
  kw_need_re KW_PROXY_MODE '^(iptables|ipvs)$'
  [[ -f $MODULES_CONF ]] || return 1
  conf_content | kw_same_content "$MODULES_CONF" || return 1
  local m
  for m in $(wanted_modules); do
    module_loaded "$m" || return 1
  done
  if [[ $KW_PROXY_MODE == ipvs ]]; then
    kw_pkg_installed ipset && kw_pkg_installed ipvsadm
  fi
}

apply() {
  local modules m
  rm -f "$MODULES_CONF"
  modules=$(wanted_modules)
  for m in $modules; do
    if ! module_loaded "$m"; then
      kw_log "modprobe $m"
      modprobe "$m" || kw_die "cannot load kernel module $m (kernel $(uname -r))"
    fi
  done
  kw_log "writing $MODULES_CONF"
  { echo "# kubewiz: kernel modules for Kubernetes (proxy mode $KW_PROXY_MODE)"; printf '%s\n' "$modules"; } |
    kw_write_file "$MODULES_CONF" 644
  if [[ $KW_PROXY_MODE == ipvs ]]; then
    kw_pkg_ensure ipset ipvsadm
  fi
}
