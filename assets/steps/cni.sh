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

apply() {
  [[ -s $KW_CNI_MANIFEST_PATH ]] || kw_die "the $KW_CNI manifest was not uploaded to $KW_CNI_MANIFEST_PATH"
  grep -qF "\"$KW_POD_CIDR\"" "$KW_CNI_MANIFEST_PATH" ||
    kw_die "the $KW_CNI manifest does not carry the pod CIDR $KW_POD_CIDR (it must agree with kubeadm's podSubnet)"
  kw_log "kubectl apply -f $KW_CNI_MANIFEST_PATH ($KW_CNI, pod CIDR $KW_POD_CIDR)"
  kw_kubectl apply -f "$KW_CNI_MANIFEST_PATH"
}
