# shellcheck shell=bash
# upgrade-lib: helpers of the upgrade steps (assembled after lib.sh, before the step). Every upgrade step
# belongs to one hop: KW_K8S_VERSION is the hop's target version ("1.26.15").
#
# Sources: kubeadm-upgrade.md (website, content/en/docs/tasks/administer-cluster/kubeadm/) for the order
# and the commands; kubectl's JSON output of `version -o json` (clientVersion/serverVersion.gitVersion).

# Done-markers of steps whose effect a node cannot show otherwise (kubeadm upgrade node on a worker).
KW_UPGRADE_MARKS="$KW_STATE_DIR/upgrade"

# kw_server_version: the API server's version as kubectl sees it ("v1.26.15"), or nothing.
kw_server_version() {
  kw_kubectl --request-timeout=10s version -o json 2>/dev/null |
    awk '/"serverVersion"/ { s = 1 } s && /"gitVersion"/ { gsub(/[",]/, ""); print $2; exit }'
}

# kw_node_kubelet NODE [KUBECONFIG]: the kubelet version NODE reports to the cluster ("v1.26.15"), or nothing.
# A worker has no admin kubeconfig; its kubelet's own credentials may read its own Node object.
kw_node_kubelet() {
  local kc=${2:-$KW_ADMIN_CONF}
  kubectl --kubeconfig="$kc" --request-timeout=10s get node "$1" \
    -o jsonpath='{.status.nodeInfo.kubeletVersion}' 2>/dev/null
}

# kw_node_cordoned NODE: the node is unschedulable (cordoned).
kw_node_cordoned() {
  [[ $(kw_kubectl --request-timeout=10s get node "$1" -o jsonpath='{.spec.unschedulable}' 2>/dev/null) == true ]]
}

# kw_manifest_version COMPONENT: the image tag of a static pod manifest on this node ("v1.26.15"), or nothing.
kw_manifest_version() {
  local f=$KW_K8S_DIR/manifests/$1.yaml
  [[ -f $f ]] || return 0
  sed -n -E "s|^[[:space:]]*image:[[:space:]]*[^[:space:]]*/$1:(v[0-9][^[:space:]]*).*|\1|p" "$f" | head -n1
}

kw_is_control_plane() {
  [[ -f $KW_K8S_DIR/manifests/kube-apiserver.yaml ]]
}

# kw_mark NAME / kw_marked NAME: a done-marker of this hop.
kw_mark() {
  mkdir -p "$KW_UPGRADE_MARKS"
  printf '%(%s)T\n' -1 >"$KW_UPGRADE_MARKS/v$KW_K8S_VERSION.$1"
}

kw_marked() {
  [[ -f $KW_UPGRADE_MARKS/v$KW_K8S_VERSION.$1 ]]
}
