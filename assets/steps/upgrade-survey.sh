# shellcheck shell=bash
# upgrade-survey (not a step; entry kw_survey): what a node runs, before an upgrade computes its path. Changes
# nothing. Facts: kubeadm/kubelet/kubectl package versions, containerd, the kube-apiserver static pod's version
# (control planes); on a node with the admin kubeconfig also the cluster's view: the API server's version and,
# per node, `node=NAME KUBELET_VERSION READY unschedulable=true|` (an absent field prints as nothing).

pkg_version() {
  case $(kw_os_family) in
    rhel) rpm -q "$1" >/dev/null 2>&1 && rpm -q --qf '%{VERSION}\n' "$1" | head -n1 ;;
    debian) kw_pkg_installed "$1" && dpkg-query -W -f='${Version}' "$1" 2>/dev/null | sed -e 's/^[0-9]*://' -e 's/-.*//' ;;
  esac
  return 0
}

kw_survey() {
  local p v
  for p in kubeadm kubelet kubectl; do
    kw_fact "${p}_package" "$(pkg_version "$p")"
  done
  v=$(containerd --version 2>/dev/null | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^v?[0-9]+\.[0-9]+/) { sub(/^v/, "", $i); print $i; exit } }')
  kw_fact containerd "$v"
  kw_fact apiserver_manifest "$(kw_manifest_version kube-apiserver)"
  if [[ -f $KW_ADMIN_CONF ]]; then
    kw_fact server_version "$(kw_server_version)"
    kw_kubectl --request-timeout=10s get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.nodeInfo.kubeletVersion}{" "}{.status.conditions[?(@.type=="Ready")].status}{" unschedulable="}{.spec.unschedulable}{"\n"}{end}' 2>/dev/null |
      while read -r line; do
        kw_fact node "$line"
      done || true
  fi
}
