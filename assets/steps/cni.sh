# shellcheck shell=bash
# cni: the pod network. The engine uploads the manifest, already patched with the pod CIDR, to
# KW_CNI_MANIFEST_PATH before this script runs.
# Inputs: KW_CNI (calico|flannel), KW_CNI_MANIFEST_PATH, KW_POD_CIDR.

daemonset_name() {
  case $KW_CNI in
    calico) echo calico-node ;;
    flannel) echo kube-flannel-ds ;;
  esac
}

check() {
  kw_need_re KW_CNI '^(calico|flannel)$'
  kw_need KW_CNI_MANIFEST_PATH KW_POD_CIDR
  kw_kubectl get daemonsets --all-namespaces -o name 2>/dev/null | grep -qx "daemonset.apps/$(daemonset_name)"
}

# The other pod network, when the cluster already runs it (machines reused from another install
# whose journal is gone: init finds the cluster in place). "You can install only one Pod network
# per cluster" (kubernetes.io, create-cluster-kubeadm, "Installing a Pod network add-on"); moving
# from flannel to calico is a migration of its own (docs.tigera.io, "Migrate a Kubernetes cluster
# from flannel/Canal to Calico").
refuse_a_second_network() {
  local other ds
  case $KW_CNI in
    calico) other=flannel ;;
    flannel) other=calico ;;
  esac
  ds=$(KW_CNI=$other daemonset_name)
  kw_kubectl get daemonsets --all-namespaces -o name 2>/dev/null | grep -qx "daemonset.apps/$ds" || return 0
  kw_hint "set cni = \"$other\" in cluster.toml (the network this cluster has), or start the cluster over: kubewiz reset -c cluster.toml --yes, then install again"
  kw_die "this cluster already runs $other (daemonset $ds): kubewiz does not install $KW_CNI beside it (one pod network per cluster; changing it is a migration, not an install)"
}

apply() {
  [[ -s $KW_CNI_MANIFEST_PATH ]] || kw_die "the $KW_CNI manifest was not uploaded to $KW_CNI_MANIFEST_PATH"
  refuse_a_second_network
  grep -qF "\"$KW_POD_CIDR\"" "$KW_CNI_MANIFEST_PATH" ||
    kw_die "the $KW_CNI manifest does not carry the pod CIDR $KW_POD_CIDR (it must agree with kubeadm's podSubnet)"
  kw_log "kubectl apply -f $KW_CNI_MANIFEST_PATH ($KW_CNI, pod CIDR $KW_POD_CIDR)"
  kw_kubectl apply -f "$KW_CNI_MANIFEST_PATH"
}
