# shellcheck shell=bash
# swap: off now (swapoff -a), and at boot: swap entries of /etc/fstab commented out (only lines
# whose third field is "swap"), active systemd swap units masked.

FSTAB=/etc/fstab

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

# Entries whose third field (the type) is "swap"; comments and other lines that merely
# contain the word (a mount point /mnt/swapdata, a comment) are left alone.
fstab_has_swap() {
  [[ -f $FSTAB ]] && awk '$1 !~ /^#/ && NF >= 3 && $3 == "swap" { found = 1 } END { exit !found }' "$FSTAB"
}

fstab_comment_swap() {
  [[ -f $FSTAB.kubewiz.bak ]] || cp -p "$FSTAB" "$FSTAB.kubewiz.bak"
  awk '$1 !~ /^#/ && NF >= 3 && $3 == "swap" { print "#" $0; next } { print }' "$FSTAB" |
    kw_write_file "$FSTAB" 644
}

active_swap_units() {
  systemctl list-units --type=swap --state=active --plain --no-legend --no-pager 2>/dev/null |
    awk '$1 ~ /\.swap$/ { print $1 }' || true
}

check() {
  ! swap_active && ! fstab_has_swap
}

apply() {
  local units unit
  # Listed before swapoff (afterwards none is active): swap units that do not come from
  # /etc/fstab (zram, unit files) would come back at boot unless masked.
  units=$(active_swap_units)
  kw_log "swapoff -a"
  swapoff -a
  if fstab_has_swap; then
    kw_log "commenting swap entries out of $FSTAB (backup: $FSTAB.kubewiz.bak)"
    fstab_comment_swap
  fi
  for unit in $units; do
    kw_log "masking systemd swap unit $unit"
    systemctl mask "$unit"
  done
}
