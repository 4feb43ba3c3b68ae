# shellcheck shell=bash
# kubeconfig: hands the admin kubeconfig to the workstation (::kw::file kubeconfig BASE64).
# Runs every time: `check` always fails.

check() {
  return 1
}

verify() {
  return 0
}

apply() {
  kw_file kubeconfig "$KW_ADMIN_CONF"
  kw_log "admin kubeconfig sent to the workstation"
}
