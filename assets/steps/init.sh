# shellcheck shell=bash
# init: `kubeadm init` on the first control plane from a rendered config file
# (/etc/kubernetes/kubewiz-kubeadm.yaml), then the admin kubeconfig for root.
# Inputs: KW_NODE_NAME, KW_NODE_ADDRESS, KW_KUBEADM_API (v1beta3|v1beta4), KW_K8S_VERSION,
# KW_IMAGE_REPOSITORY, KW_CONTROL_PLANE_ENDPOINT (host:port), KW_POD_CIDR, KW_SERVICE_CIDR,
# KW_PROXY_MODE (iptables|ipvs).

KUBEADM_CONF=/etc/kubernetes/kubewiz-kubeadm.yaml

inputs() {
  kw_need_re KW_NODE_NAME '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
  kw_need_re KW_NODE_ADDRESS '^[0-9A-Fa-f.:]+$'
  kw_need_re KW_KUBEADM_API '^v1beta[34]$'
  kw_need_re KW_K8S_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$'
  kw_need_re KW_IMAGE_REPOSITORY '^[A-Za-z0-9][A-Za-z0-9._/:-]*$'
  kw_need_re KW_CONTROL_PLANE_ENDPOINT '^[]A-Za-z0-9.:[-]+:[0-9]+$'
  kw_need_re KW_POD_CIDR '^[0-9A-Fa-f.:]+/[0-9]+$'
  kw_need_re KW_SERVICE_CIDR '^[0-9A-Fa-f.:]+/[0-9]+$'
  kw_need_re KW_PROXY_MODE '^(iptables|ipvs)$'
}

kubeadm_config() {
  cat <<YAML
# kubewiz: kubeadm configuration of this cluster
apiVersion: kubeadm.k8s.io/$KW_KUBEADM_API
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: "$KW_NODE_ADDRESS"
  bindPort: 6443
nodeRegistration:
  name: "$KW_NODE_NAME"
  criSocket: "$KW_CRI_ENDPOINT"
---
apiVersion: kubeadm.k8s.io/$KW_KUBEADM_API
kind: ClusterConfiguration
kubernetesVersion: "v$KW_K8S_VERSION"
imageRepository: "$KW_IMAGE_REPOSITORY"
controlPlaneEndpoint: "$KW_CONTROL_PLANE_ENDPOINT"
networking:
  podSubnet: "$KW_POD_CIDR"
  serviceSubnet: "$KW_SERVICE_CIDR"
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: "$KW_PROXY_MODE"
YAML
}

apiserver_answers() {
  kw_kubectl get nodes >/dev/null 2>&1
}

# What differs between the cluster found in place (machines reused from another install, the
# journal gone) and cluster.toml: `kubeadm init` keeps its ClusterConfiguration in ConfigMap
# kube-system/kubeadm-config, key ClusterConfiguration (kubernetes cmd/kubeadm/app/constants/
# constants.go). Empty when they agree or it cannot be read.
other_networks() {
  local cc pod svc out=""
  cc=$(kw_kubectl --request-timeout=10s -n kube-system get configmap kubeadm-config -o 'jsonpath={.data.ClusterConfiguration}' 2>/dev/null) || return 0
  pod=$(sed -n 's/^ *podSubnet: *//p' <<<"$cc" | tr -d "\"' ")
  svc=$(sed -n 's/^ *serviceSubnet: *//p' <<<"$cc" | tr -d "\"' ")
  if [[ -n $pod && $pod != "$KW_POD_CIDR" ]]; then out+="pod CIDR $pod (cluster.toml: $KW_POD_CIDR)"; fi
  if [[ -n $svc && $svc != "$KW_SERVICE_CIDR" ]]; then out+="${out:+, }service CIDR $svc (cluster.toml: $KW_SERVICE_CIDR)"; fi
  printf '%s' "$out"
}

refuse_other_networks() {
  local differ
  differ=$(other_networks)
  [[ -z $differ ]] && return 0
  kw_hint "set pod_cidr and service_cidr in cluster.toml to what the cluster has, or start it over: kubewiz reset -c cluster.toml --yes, then install again"
  kw_die "$KW_NODE_NAME already runs a cluster initialised with $differ: kubeadm init fixed them and kubewiz does not take it over"
}

check() {
  inputs
  [[ -f $KW_ADMIN_CONF ]] && apiserver_answers && kw_root_kubeconfig_ok && [[ -z $(other_networks) ]]
}

apply() {
  local found=0
  if [[ -f $KW_ADMIN_CONF ]]; then
    found=1
    if apiserver_answers; then refuse_other_networks; fi
  fi
  kubeadm_config | kw_write_file "$KUBEADM_CONF" 600
  if ((found == 0)); then
    if kw_leftovers; then kw_reset_leftovers; fi
    kw_log "kubeadm init --config $KUBEADM_CONF --upload-certs"
    kubeadm init --config "$KUBEADM_CONF" --upload-certs 2>&1 | kw_redact || {
      kw_hint "kubeadm init failed half way leaves files behind: run 'kubewiz reset -c cluster.toml --yes --node $KW_NODE_NAME' and apply again after fixing the cause"
      kw_die "kubeadm init failed"
    }
  else
    kw_log "$KW_ADMIN_CONF exists: the cluster is initialised, waiting for the API server"
  fi
  local i
  for ((i = 0; i < 60; i++)); do
    apiserver_answers && break
    sleep 2
  done
  apiserver_answers || kw_die "the API server at $KW_CONTROL_PLANE_ENDPOINT does not answer (see: crictl ps -a; journalctl -u kubelet)"
  # A cluster found in place that was not answering at first: compared now (a fresh init made its
  # ClusterConfiguration from this very config, no need to read it back).
  if ((found == 1)); then refuse_other_networks; fi
  kw_install_root_kubeconfig
}
