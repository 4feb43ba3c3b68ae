# shellcheck shell=bash
# kubelet-restart: after its packages moved to the hop's version, `systemctl daemon-reload` and `systemctl
# restart kubelet` (kubeadm-upgrade.md "Upgrade kubelet and kubectl": "Restart the kubelet"). Done when the node
# reports the hop's kubelet version to the cluster: an upgraded package only runs after the restart.
# Inputs: KW_K8S_VERSION, KW_NODE_NAME.

node_version() {
  local kc=$KW_K8S_DIR/kubelet.conf
  [[ -f $KW_ADMIN_CONF ]] && kc=$KW_ADMIN_CONF
  kw_node_kubelet "$KW_NODE_NAME" "$kc"
}

check() {
  kw_need_re KW_K8S_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$'
  kw_need_re KW_NODE_NAME '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  [[ $(node_version) == "v$KW_K8S_VERSION" ]]
}

apply() {
  [[ $(kubelet --version 2>/dev/null) == "Kubernetes v$KW_K8S_VERSION" ]] ||
    kw_die "the kubelet package is $(kubelet --version 2>/dev/null), not v$KW_K8S_VERSION: the packages step of this hop did not run"
  kw_log "systemctl daemon-reload; systemctl restart kubelet"
  systemctl daemon-reload
  systemctl restart kubelet
  local i now=""
  for ((i = 0; i < 90; i++)); do
    now=$(node_version)
    if [[ $now == "v$KW_K8S_VERSION" ]]; then
      kw_fact kubelet_version "$now"
      return 0
    fi
    sleep 2
  done
  kw_hint "look at the kubelet: systemctl status kubelet; journalctl -u kubelet on $KW_NODE_NAME"
  kw_die "$KW_NODE_NAME still reports kubelet ${now:-nothing} 180 s after the restart"
}
