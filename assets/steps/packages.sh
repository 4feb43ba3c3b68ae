# shellcheck shell=bash
# packages: the Kubernetes package repository of the minor version, kubeadm, kubelet and kubectl
# pinned to the exact version (the package revision is resolved on the node), held (apt-mark hold /
# yum exclude=), kubelet enabled (kubeadm starts it); and, explicitly, what kubeadm needs besides:
# cri-tools (crictl) and kubernetes-cni from the same repository, and the tools kubeadm's preflight
# of this version looks up (KW_NODE_TOOLS). Package dependencies are not relied on: kubeadm >= 1.32
# depends on nothing (kubernetes/release metadata.yaml, 0ffd6e1f) and kubelet builds since November
# 2025 no longer pull conntrack (d2a7ae37), which kubeadm < 1.32 still requires.
# Upgrades reuse this step per hop (kubeadm-upgrade.md: "Changing the package repository", "Upgrade kubeadm",
# "Upgrade kubelet and kubectl"): KW_PACKAGES names the packages of that step ("kubeadm", then "kubelet kubectl";
# default all three) and KW_UPGRADE=1 lets an older installed version be replaced (never a newer one).
# Inputs: KW_K8S_VERSION (e.g. 1.25.3), KW_K8S_MINOR (1.25); optional KW_PACKAGES, KW_UPGRADE;
#   KW_NODE_TOOLS: "TOOL:DEBPKG:RPMPATH ..." (e.g. "conntrack:conntrack:/usr/sbin/conntrack": the
#   binary kubeadm looks up, the Debian package that has it, the path yum/dnf install by);
#   RHEL family: KW_REPO_RPM_URL, KW_REPO_RPM_KEY (space separated URLs);
#   Debian family: KW_REPO_DEB_URL, KW_REPO_DEB_KEY, KW_REPO_DEB_SUITE ("/" for pkgs.k8s.io style
#   repositories, e.g. "kubernetes-xenial main" for the legacy layout).

K8S_PACKAGES=${KW_PACKAGES:-kubeadm kubelet kubectl}
# From the same repository, unpinned (one per minor repository), not held.
K8S_COMPANIONS="cri-tools kubernetes-cni"
RPM_REPO_FILE=/etc/yum.repos.d/kubernetes.repo
DEB_LIST_FILE=/etc/apt/sources.list.d/kubernetes.list
DEB_KEYRING=/etc/apt/keyrings/kubernetes-apt-keyring.gpg

rpm_repo_content() {
  cat <<REPO
# kubewiz: Kubernetes $KW_K8S_MINOR packages
[kubernetes]
name=Kubernetes $KW_K8S_MINOR
baseurl=$KW_REPO_RPM_URL
enabled=1
gpgcheck=1
gpgkey=$KW_REPO_RPM_KEY
exclude=kubelet kubeadm kubectl cri-tools kubernetes-cni
REPO
}

deb_list_content() {
  printf 'deb [signed-by=%s] %s %s\n' "$DEB_KEYRING" "$KW_REPO_DEB_URL" "${KW_REPO_DEB_SUITE:-/}"
}

held() {
  apt-mark showhold 2>/dev/null | grep -qx "$1"
}

inputs() {
  [[ $K8S_PACKAGES =~ ^(kubeadm|kubelet|kubectl)( (kubeadm|kubelet|kubectl))*$ ]] || kw_die "input KW_PACKAGES has an unexpected value: $K8S_PACKAGES"
  kw_need_re KW_K8S_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$'
  kw_need_re KW_K8S_MINOR '^[0-9]+\.[0-9]+$'
  kw_need_re KW_NODE_TOOLS '^[a-z]+:[a-z0-9.+-]+:/[a-z/]+( [a-z]+:[a-z0-9.+-]+:/[a-z/]+)*$'
  case $(kw_os_family) in
    rhel)
      kw_need_re KW_REPO_RPM_URL '^https?://[^[:space:]]+$'
      kw_need_re KW_REPO_RPM_KEY '^https?://[^[:space:]]+( https?://[^[:space:]]+)*$'
      ;;
    debian)
      kw_need_re KW_REPO_DEB_URL '^https?://[^[:space:]]+$'
      kw_need_re KW_REPO_DEB_KEY '^https?://[^[:space:]]+$'
      ;;
  esac
}

check() {
  inputs
  local family p
  family=$(kw_os_family)
  case $family in
    rhel) rpm_repo_content | kw_same_content "$RPM_REPO_FILE" || return 1 ;;
    debian)
      deb_list_content | kw_same_content "$DEB_LIST_FILE" || return 1
      [[ -s $DEB_KEYRING ]] || return 1
      ;;
  esac
  for p in $K8S_PACKAGES; do
    [[ $(kw_installed_version "$p") == "$KW_K8S_VERSION" ]] || return 1
    if [[ $family == debian ]]; then held "$p" || return 1; fi
  done
  for p in $K8S_COMPANIONS; do
    kw_pkg_installed "$p" || return 1
  done
  [[ -z $(missing_tools) ]] || return 1
  systemctl is-enabled --quiet kubelet 2>/dev/null
}

# missing_tools: the packages (Debian) or paths (RHEL family) of the KW_NODE_TOOLS not in PATH.
missing_tools() {
  local t tool deb path family out=()
  family=$(kw_os_family)
  # shellcheck disable=SC2086 # word splitting wanted
  for t in $KW_NODE_TOOLS; do
    IFS=: read -r tool deb path <<<"$t"
    command -v "$tool" >/dev/null 2>&1 && continue
    case $family in
      debian) out+=("$deb") ;;
      rhel) out+=("$path") ;;
    esac
  done
  printf '%s\n' "${out[*]}"
}

# resolve PKG: the full package version (with revision) of KW_K8S_VERSION in the repository.
resolve() {
  local out
  case $(kw_os_family) in
    rhel)
      kw_pkg_capture "$(kw_rpm_tool)" list --showduplicates --disableexcludes=kubernetes "$1" || true
      printf '%s\n' "$KW_PKG_OUT" | awk -v p="$1" -v v="$KW_K8S_VERSION" '
        index($1, p ".") == 1 { r = $2; sub(/^[0-9]+:/, "", r); if (index(r, v "-") == 1) last = r }
        END { if (last != "") print last }'
      ;;
    debian)
      out=$(apt-cache madison "$1" 2>/dev/null) || true
      printf '%s\n' "$out" | awk -F'|' -v v="$KW_K8S_VERSION" '
        { r = $2; gsub(/[ \t]/, "", r); sub(/^[0-9]+:/, "", r); if (index(r, v "-") == 1 && found == "") found = r }
        END { if (found != "") print found }'
      ;;
  esac
}

# available_versions: the kubeadm versions (without revision) the configured repository carries,
# oldest first, one line ("1.35.0 1.35.1 ... 1.35.8").
available_versions() {
  case $(kw_os_family) in
    rhel)
      kw_pkg_capture "$(kw_rpm_tool)" list --showduplicates --disableexcludes=kubernetes kubeadm || true
      printf '%s\n' "$KW_PKG_OUT" | awk 'index($1, "kubeadm.") == 1 { r = $2; sub(/^[0-9]+:/, "", r); sub(/-.*/, "", r); print r }'
      ;;
    debian) apt-cache madison kubeadm 2>/dev/null | awk -F'|' '{ r = $2; gsub(/[ \t]/, "", r); sub(/^[0-9]+:/, "", r); sub(/-.*/, "", r); print r }' || true ;;
  esac | sort -V -u | tr '\n' ' ' | sed 's/ $//'
}

add_repo() {
  case $(kw_os_family) in
    rhel)
      kw_log "writing $RPM_REPO_FILE ($KW_REPO_RPM_URL)"
      rpm_repo_content | kw_write_file "$RPM_REPO_FILE" 644
      ;;
    debian)
      kw_pkg_ensure ca-certificates curl gpg
      install -d -m 755 /etc/apt/keyrings
      local tmp
      tmp=$(mktemp)
      kw_log "fetching the repository key $KW_REPO_DEB_KEY"
      kw_fetch "$KW_REPO_DEB_KEY" "$tmp"
      if grep -q -- '-----BEGIN PGP' "$tmp"; then
        gpg --batch --yes --dearmor -o "$DEB_KEYRING" "$tmp"
      else
        install -m 644 "$tmp" "$DEB_KEYRING"
      fi
      chmod 644 "$DEB_KEYRING"
      rm -f "$tmp"
      kw_log "writing $DEB_LIST_FILE ($KW_REPO_DEB_URL)"
      deb_list_content | kw_write_file "$DEB_LIST_FILE" 644
      kw_apt_refresh
      ;;
  esac
}

apply() {
  local family p v cur pins=()
  family=$(kw_os_family)
  for p in $K8S_PACKAGES; do
    cur=$(kw_installed_version "$p")
    if [[ -n $cur && $cur != "$KW_K8S_VERSION" && ${KW_UPGRADE:-0} == 1 ]] && kw_version_ge "$cur" "$KW_K8S_VERSION"; then
      kw_die "$p $cur is installed, newer than $KW_K8S_VERSION: kubewiz does not downgrade packages"
    elif [[ -n $cur && $cur != "$KW_K8S_VERSION" && ${KW_UPGRADE:-0} != 1 ]]; then
      kw_hint "kubewiz apply installs, it does not upgrade: run kubewiz upgrade --to $cur's next minor, or reset the node"
      kw_die "$p $cur is installed, the cluster wants $KW_K8S_VERSION"
    fi
  done
  add_repo
  for p in $K8S_PACKAGES; do
    v=$(resolve "$p")
    if [[ -z $v ]]; then
      local have
      have=$(available_versions)
      kw_hint "pick a version the repository carries (cluster.kubernetes_version), or another mirror (legacy repositories stop at 1.28.2, 1.27.6, 1.26.9, 1.25.14)"
      kw_die "$p $KW_K8S_VERSION is not in the Kubernetes $KW_K8S_MINOR repository; it carries: ${have:-nothing}"
    fi
    case $family in
      rhel) pins+=("$p-$v") ;;
      debian) pins+=("$p=$v") ;;
    esac
  done
  # cri-tools and kubernetes-cni explicitly: kubeadm >= 1.32 and current kubelet builds do not pull them.
  # shellcheck disable=SC2206 # word splitting wanted
  pins+=($K8S_COMPANIONS)
  kw_log "installing ${pins[*]}"
  case $family in
    rhel) kw_pkg_install --disableexcludes=kubernetes "${pins[@]}" ;;
    debian)
      kw_pkg_install --allow-change-held-packages "${pins[@]}"
      # shellcheck disable=SC2086 # word splitting wanted
      kw_pkg apt-mark hold $K8S_PACKAGES
      ;;
  esac
  local tools
  tools=$(missing_tools)
  if [[ -n $tools ]]; then
    kw_log "installing what kubeadm $KW_K8S_MINOR's preflight looks for: $tools"
    # shellcheck disable=SC2086 # word splitting wanted
    kw_pkg_install $tools
  fi
  kw_log "enabling kubelet (kubeadm starts it)"
  systemctl enable kubelet
}
