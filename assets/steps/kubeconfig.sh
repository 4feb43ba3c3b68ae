# shellcheck shell=bash
# kubeconfig: hands the admin kubeconfig to the workstation (::kw::file kubeconfig BASE64).
# Runs every time: `check` always fails.

# Reads only: no trace on the node (see kw_main).
# shellcheck disable=SC2034 # read by kw_main (lib.sh)
KW_READ_ONLY=1

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
