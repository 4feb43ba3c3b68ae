# shellcheck shell=bash
# images: the control-plane images of KW_K8S_VERSION from KW_IMAGE_REPOSITORY, pulled into
# containerd before init/join (workers do this while the control plane initialises).

image_list() {
  kubeadm config images list --kubernetes-version "v$KW_K8S_VERSION" --image-repository "$KW_IMAGE_REPOSITORY" 2>/dev/null
}

present_images() {
  kw_crictl images 2>/dev/null | awk 'NR > 1 { print $1 ":" $2 }'
}

check() {
  kw_need_re KW_K8S_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$'
  kw_need_re KW_IMAGE_REPOSITORY '^[A-Za-z0-9][A-Za-z0-9._/:-]*$'
  command -v kubeadm >/dev/null 2>&1 || return 1
  local want have img
  want=$(image_list) || return 1
  [[ -n $want ]] || return 1
  have=$(present_images) || return 1
  for img in $want; do
    grep -qxF "$img" <<<"$have" || return 1
  done
}

apply() {
  kw_log "pulling the images of Kubernetes v$KW_K8S_VERSION from $KW_IMAGE_REPOSITORY"
  kubeadm config images pull --kubernetes-version "v$KW_K8S_VERSION" --image-repository "$KW_IMAGE_REPOSITORY" || {
    kw_hint "the node cannot pull from $KW_IMAGE_REPOSITORY: check its DNS/proxy, or set image_repository (mirror = \"aliyun\" uses registry.aliyuncs.com/google_containers)"
    kw_die "image pull failed"
  }
}
