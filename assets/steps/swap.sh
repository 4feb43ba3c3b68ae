# shellcheck shell=bash
# swap: off now (swapoff -a), and at boot: swap entries of /etc/fstab commented out (only lines
# whose third field is "swap"), active systemd swap units masked.

swap_active() {
  local out
  if out=$(swapon --show --noheadings 2>/dev/null); then
    [[ -n $out ]]
  elif [[ -r /proc/swaps ]]; then
    (($(wc -l </proc/swaps) > 1))
  else
    return 1
  fi
}

fstab_has_swap() {
  [[ -f /etc/fstab ]] && awk '$1 !~ /^#/ && NF >= 3 && $3 == "swap" { found = 1 } END { exit !found }' /etc/fstab
}

active_swap_units() {
  systemctl list-units --type=swap --state=active --plain --no-legend --no-pager 2>/dev/null |
    awk '$1 ~ /\.swap$/ { print $1 }' || true
}

check() {
  ! swap_active && ! fstab_has_swap
}

apply() {
  kw_log "swapoff -a"
  swapoff -a
  if fstab_has_swap; then
    kw_log "commenting swap entries out of /etc/fstab (backup: /etc/fstab.kubewiz.bak)"
    [[ -f /etc/fstab.kubewiz.bak ]] || cp -p /etc/fstab /etc/fstab.kubewiz.bak
    awk '$1 !~ /^#/ && NF >= 3 && $3 == "swap" { print "#" $0; next } { print }' /etc/fstab |
      kw_write_file /etc/fstab 644
  fi
  local unit
  for unit in $(active_swap_units); do
    kw_log "masking systemd swap unit $unit"
    systemctl mask "$unit"
  done
}
