# shellcheck shell=bash
# repo-versions (not a step; entry kw_repo_versions): the Kubernetes patches the node's package
# repository carries for the cluster's minor, read from its index (the deb repository's flat
# `Packages` file, which every mirror of the pkgs.k8s.io layout has, RHEL nodes included), without
# touching the node's package configuration. Prints `::kw::fact repo_versions=1.35.0 1.35.1 ...`,
# or `::kw::fact repo_error=...` when the index cannot be read.
# Inputs: KW_REPO_DEB_URL (the minor's deb repository, ending in /), KW_K8S_MINOR.

kw_repo_versions() {
  kw_need_re KW_REPO_DEB_URL '^https?://[^[:space:]]+/$'
  kw_need_re KW_K8S_MINOR '^[0-9]+\.[0-9]+$'
  local index rc=0 versions
  # Read into memory, no file written: the node stays untouched.
  index=$(curl -fsSL --retry 2 --connect-timeout 20 "${KW_REPO_DEB_URL}Packages" 2>&1) || rc=$?
  if ((rc != 0)); then
    kw_fact repo_error "cannot read ${KW_REPO_DEB_URL}Packages: $(printf '%s' "$index" | tail -n 1)"
    return 0
  fi
  versions=$(printf '%s\n' "$index" | awk -v minor="$KW_K8S_MINOR" '
    /^Package:/ { pkg = $2 }
    /^Version:/ && pkg == "kubeadm" { v = $2; sub(/^[0-9]+:/, "", v); sub(/-.*/, "", v); if (index(v, minor ".") == 1) print v }
  ' | sort -V -u | tr '\n' ' ')
  kw_fact repo_versions "${versions% }"
}
