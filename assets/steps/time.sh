# shellcheck shell=bash
# time: chrony installed, enabled and running; timezone KW_TIMEZONE (optional, empty = leave).

chrony_service() {
  case $(kw_os_family) in
    rhel) echo chronyd ;;
    debian) echo chrony ;;
  esac
}

current_timezone() {
  local tz
  if tz=$(timedatectl show -p Timezone --value 2>/dev/null) && [[ -n $tz ]]; then
    printf '%s\n' "$tz"
  elif tz=$(timedatectl status 2>/dev/null | awk -F': ' '/Time zone/ { split($2, a, " "); print a[1] }') && [[ -n $tz ]]; then
    printf '%s\n' "$tz"
  else
    readlink /etc/localtime 2>/dev/null | sed 's#.*/zoneinfo/##'
  fi
}

check() {
  if [[ -n ${KW_TIMEZONE:-} ]]; then
    kw_need_re KW_TIMEZONE '^[A-Za-z0-9_+/-]+$'
    [[ $(current_timezone) == "$KW_TIMEZONE" ]] || return 1
  fi
  kw_pkg_installed chrony && kw_service_on "$(chrony_service)"
}

apply() {
  kw_pkg_ensure chrony
  local svc
  svc=$(chrony_service)
  kw_log "enabling and starting $svc"
  systemctl enable --now "$svc"
  if [[ -n ${KW_TIMEZONE:-} && $(current_timezone) != "$KW_TIMEZONE" ]]; then
    kw_log "timezone $KW_TIMEZONE"
    timedatectl set-timezone "$KW_TIMEZONE"
  fi
}
