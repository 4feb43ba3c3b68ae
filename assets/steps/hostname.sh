# shellcheck shell=bash
# hostname: the node's hostname and a managed block of every node in /etc/hosts.
# Inputs: KW_HOSTNAME; KW_HOSTS: lines "ADDR NAME" (one per node).

HOSTS_BEGIN="# BEGIN kubewiz"
HOSTS_END="# END kubewiz"
HOSTS_FILE=/etc/hosts

hosts_block() {
  printf '%s\n' "$HOSTS_BEGIN"
  printf '%s\n' "$KW_HOSTS" | awk 'NF == 2 { print $1 " " $2 }'
  printf '%s\n' "$HOSTS_END"
}

# /etc/hosts without our block.
hosts_without_block() {
  awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '
    $0 == b { skip = 1; next }
    $0 == e { skip = 0; next }
    !skip { print }
  ' "$HOSTS_FILE"
}

current_block() {
  awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '
    $0 == b { on = 1 }
    on { print }
    $0 == e { on = 0 }
  ' "$HOSTS_FILE"
}

write_hosts() {
  touch "$HOSTS_FILE"
  kw_log "writing the kubewiz block of $HOSTS_FILE"
  { hosts_without_block; hosts_block; } | kw_write_file "$HOSTS_FILE" 644
}

check() {
  kw_need_re KW_HOSTNAME '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  kw_need KW_HOSTS
  [[ $(kw_hostname) == "$KW_HOSTNAME" ]] || return 1
  [[ $(cat /etc/hostname 2>/dev/null) == "$KW_HOSTNAME" ]] || return 1
  [[ -f $HOSTS_FILE ]] || return 1
  [[ $(current_block) == "$(hosts_block)" ]]
}

apply() {
  if [[ $(kw_hostname) != "$KW_HOSTNAME" || $(cat /etc/hostname 2>/dev/null) != "$KW_HOSTNAME" ]]; then
    kw_log "setting hostname $KW_HOSTNAME"
    hostnamectl set-hostname "$KW_HOSTNAME"
  fi
  write_hosts
}
