# shellcheck shell=bash
# firewall: firewalld / ufw stopped and disabled; SELinux permissive (now and at boot).
# A production cluster should open the needed ports instead (6443, 2379-2380, 10250, 10257,
# 10259, 30000-32767 and the CNI's ports); kubewiz follows the guide and turns the firewall off.

firewalld_on() {
  systemctl is-active --quiet firewalld 2>/dev/null || systemctl is-enabled --quiet firewalld 2>/dev/null
}

ufw_on() {
  command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'
}

selinux_enforcing_now() {
  command -v getenforce >/dev/null 2>&1 && [[ $(getenforce 2>/dev/null) == Enforcing ]]
}

selinux_enforcing_at_boot() {
  [[ -f /etc/selinux/config ]] && grep -Eq '^[[:space:]]*SELINUX=enforcing' /etc/selinux/config
}

check() {
  ! firewalld_on && ! ufw_on && ! selinux_enforcing_now && ! selinux_enforcing_at_boot
}

apply() {
  if firewalld_on; then
    kw_log "stopping and disabling firewalld"
    systemctl stop firewalld
    systemctl disable firewalld
  fi
  if ufw_on; then
    kw_log "disabling ufw"
    ufw disable
  fi
  if selinux_enforcing_now; then
    kw_log "SELinux: setenforce 0 (permissive until reboot)"
    setenforce 0
  fi
  if selinux_enforcing_at_boot; then
    kw_log "SELinux: SELINUX=permissive in /etc/selinux/config"
    sed -E 's/^([[:space:]]*)SELINUX=enforcing/\1SELINUX=permissive/' /etc/selinux/config |
      kw_write_file /etc/selinux/config 644
  fi
}
