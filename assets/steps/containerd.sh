# shellcheck shell=bash
# containerd: installed (RHEL family: containerd.io from the docker-ce repo KW_DOCKER_REPO_URL;
# Debian family: the distro package `containerd`), /etc/containerd/config.toml written from
# `containerd config default` with the keys set explicitly and verified (SystemdCgroup = true,
# the sandbox image KW_SANDBOX_IMAGE, the CRI plugin not disabled), restarted, answering.
# Debian family with KW_CONTAINERD_MIN >= 2 (Kubernetes 1.36+; distro packages are 1.x): containerd.io
# from the docker-ce apt repository KW_DOCKER_DEB_REPO_URL (key KW_DOCKER_DEB_KEY; "{distro}" in
# both is replaced by the os-release ID).
# The docker-ce .repo file is Docker's own also on Aliyun (its baseurl/gpgkey point at
# download.docker.com): its https://download.docker.com is rewritten to KW_DOCKER_RPM_BASE (e.g.
# https://mirrors.aliyun.com/docker-ce), as Aliyun's docker-ce page says to.
# Registry mirrors the containerd way (docs/hosts.md): the CRI registry table gets
# config_path = "/etc/containerd/certs.d", and each line "<registry> <mirror-url>..." of
# KW_REGISTRY_MIRRORS becomes /etc/containerd/certs.d/<registry>/hosts.toml (the mirrors in order,
# with pull+resolve: a pull-only mirror would leave tag lookups to the registry itself, which
# times out behind the Great Firewall; the registry last). hosts.toml files kubewiz wrote for
# registries no longer listed are removed; other files there are left alone.
# Inputs: KW_SANDBOX_IMAGE, KW_DOCKER_REPO_URL (RHEL family), KW_DOCKER_RPM_BASE (RHEL family),
# KW_CONTAINERD_MIN (optional, e.g. 2.0 for Kubernetes 1.36+), KW_DOCKER_DEB_REPO_URL,
# KW_DOCKER_DEB_KEY, KW_REGISTRY_MIRRORS (optional).

CONTAINERD_CONF=/etc/containerd/config.toml
CERTS_D=/etc/containerd/certs.d
DOCKER_RPM_REPO=/etc/yum.repos.d/docker-ce.repo
HOSTS_MARK="# Written by kubewiz from cluster.toml [registry_mirrors] (containerd docs/hosts.md); kubewiz rewrites it."
# config version 2 (containerd 1.x)
V2_CRI='[plugins."io.containerd.grpc.v1.cri"]'
V2_RUNC='[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]'
V2_REGISTRY='[plugins."io.containerd.grpc.v1.cri".registry]'
# config version 3 (containerd 2.x)
V3_IMAGES="[plugins.'io.containerd.cri.v1.images'.pinned_images]"
V3_RUNC="[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]"
V3_REGISTRY="[plugins.'io.containerd.cri.v1.images'.registry]"

# e.g. "containerd containerd.io 1.6.33 d2d58213..." or "containerd github.com/containerd/containerd/v2 v2.1.4 ..."
containerd_version() {
  local out
  out=$(containerd --version 2>/dev/null) || return 0
  printf '%s\n' "$out" |
    awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^v?[0-9]+\.[0-9]+/) { sub(/^v/, "", $i); print $i; exit } }'
}

config_version() {
  local v
  v=$(kw_toml_get "$1" "" version)
  printf '%s\n' "${v:-1}"
}

unquote() {
  local v=$1
  v=${v#[\"\']}
  v=${v%[\"\']}
  printf '%s\n' "$v"
}

# Prints what is wrong with the config file, nothing when it is right.
config_problems() {
  local f=$CONTAINERD_CONF ver
  [[ -f $f ]] || { echo "$f is missing"; return 0; }
  ver=$(config_version "$f")
  case $ver in
    2)
      [[ $(kw_toml_get "$f" "$V2_RUNC" SystemdCgroup) == true ]] || echo "SystemdCgroup = true is not set under $V2_RUNC"
      [[ $(unquote "$(kw_toml_get "$f" "$V2_CRI" sandbox_image)") == "$KW_SANDBOX_IMAGE" ]] ||
        echo "sandbox_image = \"$KW_SANDBOX_IMAGE\" is not set under $V2_CRI"
      [[ $(unquote "$(kw_toml_get "$f" "$V2_REGISTRY" config_path)") == "$CERTS_D" ]] ||
        echo "config_path = \"$CERTS_D\" is not set under $V2_REGISTRY"
      ;;
    3)
      [[ $(kw_toml_get "$f" "$V3_RUNC" SystemdCgroup) == true ]] || echo "SystemdCgroup = true is not set under $V3_RUNC"
      [[ $(unquote "$(kw_toml_get "$f" "$V3_IMAGES" sandbox)") == "$KW_SANDBOX_IMAGE" ]] ||
        echo "sandbox = \"$KW_SANDBOX_IMAGE\" is not set under $V3_IMAGES"
      [[ $(unquote "$(kw_toml_get "$f" "$V3_REGISTRY" config_path)") == "$CERTS_D" ]] ||
        echo "config_path = '$CERTS_D' is not set under $V3_REGISTRY"
      ;;
    *) echo "$f has config version $ver; kubewiz writes version 2 (containerd 1.x) or 3 (containerd 2.x)" ;;
  esac
  if kw_toml_get "$f" "" disabled_plugins | grep -q 'cri'; then
    echo "the CRI plugin is disabled (disabled_plugins in $f)"
  fi
  return 0
}

runtime_answers() {
  if command -v crictl >/dev/null 2>&1; then
    kw_crictl info >/dev/null 2>&1
  else
    ctr version >/dev/null 2>&1
  fi
}

version_ok() {
  [[ -z ${KW_CONTAINERD_MIN:-} ]] && return 0
  local v
  v=$(containerd_version)
  [[ -n $v ]] && kw_version_ge "$v" "$KW_CONTAINERD_MIN"
}

# --- registry mirrors: /etc/containerd/certs.d/<registry>/hosts.toml ---------------------------

# The registry's own server (tried after its mirrors); containerd calls Docker Hub registry-1.docker.io.
registry_server() {
  case $1 in
    _default) ;;
    docker.io) echo "https://registry-1.docker.io" ;;
    *) echo "https://$1" ;;
  esac
}

# hosts_toml REGISTRY MIRROR...: the file's content.
hosts_toml() {
  local registry=$1 server m
  shift
  server=$(registry_server "$registry")
  printf '%s\n' "$HOSTS_MARK"
  [[ -n $server ]] && printf 'server = "%s"\n' "$server"
  for m in "$@"; do
    printf '\n[host."%s"]\n  capabilities = ["pull", "resolve"]\n' "$m"
  done
}

# Checks KW_REGISTRY_MIRRORS and prints it back one "<registry> <mirror>..." line per registry.
registry_lines() {
  local line m
  local -a w
  while read -r line; do
    read -ra w <<<"$line"
    ((${#w[@]} > 0)) || continue
    [[ ${w[0]} =~ ^(_default|[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]+)?)$ ]] ||
      kw_die "input KW_REGISTRY_MIRRORS has an unexpected registry: ${w[0]}"
    for m in "${w[@]:1}"; do
      [[ $m =~ ^https?://[A-Za-z0-9][A-Za-z0-9._~:/-]*$ ]] ||
        kw_die "input KW_REGISTRY_MIRRORS has an unexpected mirror URL: $m"
    done
    printf '%s\n' "${w[*]}"
  done <<<"${KW_REGISTRY_MIRRORS:-}"
}

# written_by_kubewiz FILE: the file starts with kubewiz's mark (kubewiz may rewrite or remove it).
written_by_kubewiz() {
  head -n1 "$1" | grep -qxF -- "$HOSTS_MARK"
}

# stale_hosts LINES: the hosts.toml files kubewiz wrote for registries LINES no longer lists.
stale_hosts() {
  local f registry
  for f in "$CERTS_D"/*/hosts.toml; do
    if [[ ! -f $f ]] || ! written_by_kubewiz "$f"; then continue; fi
    registry=${f%/hosts.toml}
    registry=${registry##*/}
    awk -v r="$registry" '$1 == r { found = 1 } END { exit !found }' <<<"$1" || printf '%s\n' "$f"
  done
}

# Prints what differs from the wanted hosts.toml files, nothing when they are right.
hosts_problems() {
  local lines f
  local -a w
  lines=$(registry_lines) || exit 1
  while read -ra w; do
    ((${#w[@]} > 0)) || continue
    hosts_toml "${w[@]}" | kw_same_content "$CERTS_D/${w[0]}/hosts.toml" ||
      echo "$CERTS_D/${w[0]}/hosts.toml is not what cluster.toml asks for"
  done <<<"$lines"
  while read -r f; do
    [[ -n $f ]] && echo "$f was written by kubewiz for a registry cluster.toml no longer lists"
  done < <(stale_hosts "$lines")
  return 0
}

write_hosts() {
  local lines f
  local -a w
  lines=$(registry_lines) || exit 1
  mkdir -p "$CERTS_D"
  while read -ra w; do
    ((${#w[@]} > 0)) || continue
    f=$CERTS_D/${w[0]}/hosts.toml
    hosts_toml "${w[@]}" | kw_same_content "$f" && continue
    if [[ -f $f ]] && ! written_by_kubewiz "$f"; then
      kw_log "keeping the previous $f as $f.before-kubewiz"
      cp -p "$f" "$f.before-kubewiz"
    fi
    kw_log "registry ${w[0]}: mirrors ${w[*]:1} ($f)"
    hosts_toml "${w[@]}" | kw_write_file "$f" 644
  done <<<"$lines"
  while read -r f; do
    [[ -n $f ]] || continue
    kw_log "no mirror any more for ${f%/hosts.toml} (removing $f)"
    rm -f "$f"
    rmdir "${f%/hosts.toml}" 2>/dev/null || true
  done < <(stale_hosts "$lines")
}

# --- docker-ce repository (RHEL family) --------------------------------------------------------

# The repo file points where KW_DOCKER_RPM_BASE says (not at download.docker.com, when that differs).
docker_repo_ok() {
  [[ $(kw_os_family) == rhel && -f $DOCKER_RPM_REPO ]] || return 0
  [[ ${KW_DOCKER_RPM_BASE%/} == https://download.docker.com ]] && return 0
  ! grep -q 'https\?://download\.docker\.com' "$DOCKER_RPM_REPO"
}

point_docker_repo() {
  kw_need_re KW_DOCKER_RPM_BASE "$DOCKER_RPM_BASE_RE"
  local base=${KW_DOCKER_RPM_BASE%/}
  [[ $base == https://download.docker.com ]] && return 0
  if grep -q 'https\?://download\.docker\.com' "$DOCKER_RPM_REPO"; then
    kw_log "pointing $DOCKER_RPM_REPO at $base (the file still names download.docker.com)"
    sed "s#https\?://download\.docker\.com#$base#g" "$DOCKER_RPM_REPO" | kw_write_file "$DOCKER_RPM_REPO" 644
  fi
}

crictl_conf() {
  printf 'runtime-endpoint: %s\nimage-endpoint: %s\ntimeout: 10\n' "$KW_CRI_ENDPOINT" "$KW_CRI_ENDPOINT"
}

DOCKER_RPM_BASE_RE='^https?://[A-Za-z0-9][A-Za-z0-9._~:/-]*$'

check() {
  kw_need_re KW_SANDBOX_IMAGE '^[A-Za-z0-9][A-Za-z0-9._/:@-]*$'
  kw_need_re KW_DOCKER_RPM_BASE "$DOCKER_RPM_BASE_RE"
  command -v containerd >/dev/null 2>&1 || return 1
  version_ok || return 1
  [[ -z $(config_problems) ]] || return 1
  [[ -z $(hosts_problems) ]] || return 1
  docker_repo_ok || return 1
  crictl_conf | kw_same_content /etc/crictl.yaml || return 1
  kw_service_on containerd && runtime_answers
}

install_containerd() {
  case $(kw_os_family) in
    rhel)
      kw_need KW_DOCKER_REPO_URL
      if [[ ! -f $DOCKER_RPM_REPO ]]; then
        kw_log "adding the docker-ce repository $KW_DOCKER_REPO_URL"
        kw_fetch "$KW_DOCKER_REPO_URL" "$DOCKER_RPM_REPO"
      fi
      point_docker_repo
      # containerd.io brings its own runc: dnf may replace a distro runc (--allowerasing).
      if [[ $(kw_rpm_tool) == dnf ]]; then
        kw_pkg_install --allowerasing containerd.io
      else
        kw_pkg_install containerd.io
      fi
      ;;
    debian)
      if [[ -n ${KW_CONTAINERD_MIN:-} ]] && kw_version_ge "$KW_CONTAINERD_MIN" 2; then
        add_docker_deb_repo
        kw_pkg_install containerd.io
      else
        kw_pkg_install containerd
      fi
      ;;
  esac
}

add_docker_deb_repo() {
  kw_need KW_DOCKER_DEB_REPO_URL KW_DOCKER_DEB_KEY
  local distro codename url key keyring=/etc/apt/keyrings/docker.gpg tmp
  distro=$(kw_os_field ID)
  codename=$(kw_os_field VERSION_CODENAME)
  [[ -n $codename ]] || kw_die "VERSION_CODENAME is missing in /etc/os-release"
  url=${KW_DOCKER_DEB_REPO_URL//\{distro\}/$distro}
  key=${KW_DOCKER_DEB_KEY//\{distro\}/$distro}
  kw_log "adding the docker-ce apt repository $url (containerd.io 2.x)"
  kw_pkg_ensure ca-certificates curl gpg
  install -d -m 755 /etc/apt/keyrings
  tmp=$(mktemp)
  kw_fetch "$key" "$tmp"
  if grep -q -- '-----BEGIN PGP' "$tmp"; then
    gpg --batch --yes --dearmor -o "$keyring" "$tmp"
  else
    install -m 644 "$tmp" "$keyring"
  fi
  chmod 644 "$keyring"
  rm -f "$tmp"
  printf 'deb [signed-by=%s] %s %s stable\n' "$keyring" "$url" "$codename" |
    kw_write_file /etc/apt/sources.list.d/docker.list 644
  kw_apt_refresh
}

write_config() {
  local tmp ver
  mkdir -p "$(dirname "$CONTAINERD_CONF")"
  tmp=$(mktemp)
  containerd config default >"$tmp" || kw_die "containerd config default failed"
  ver=$(config_version "$tmp")
  kw_log "writing $CONTAINERD_CONF (config version $ver)"
  case $ver in
    2)
      kw_toml_set "$tmp" "$V2_CRI" sandbox_image "sandbox_image = \"$KW_SANDBOX_IMAGE\""
      kw_toml_set "$tmp" "$V2_RUNC" SystemdCgroup "SystemdCgroup = true"
      kw_toml_set "$tmp" "$V2_REGISTRY" config_path "config_path = \"$CERTS_D\""
      ;;
    3)
      kw_toml_set "$tmp" "$V3_IMAGES" sandbox "sandbox = \"$KW_SANDBOX_IMAGE\""
      kw_toml_set "$tmp" "$V3_RUNC" SystemdCgroup "SystemdCgroup = true"
      kw_toml_set "$tmp" "$V3_REGISTRY" config_path "config_path = '$CERTS_D'"
      ;;
    *)
      rm -f "$tmp"
      kw_die "containerd config default printed config version $ver; expected 2 or 3"
      ;;
  esac
  # The CRI plugin must not be disabled (docker's containerd.io ships disabled_plugins = ["cri"]).
  kw_toml_set "$tmp" "" disabled_plugins "disabled_plugins = []"
  kw_write_file "$CONTAINERD_CONF" 644 <"$tmp"
  rm -f "$tmp"
  local problems
  problems=$(config_problems)
  if [[ -n $problems ]]; then
    printf '%s\n' "$problems" >&2
    kw_die "the containerd config is not what kubewiz wrote: see above"
  fi
}

apply() {
  # An existing repo file (an earlier run, or the user's) is pointed at the mirror first: yum reads
  # every enabled repo, so one that times out breaks every package step.
  if [[ $(kw_os_family) == rhel && -f $DOCKER_RPM_REPO ]]; then
    point_docker_repo
  fi
  local before
  before=$(containerd_version)
  if ! command -v containerd >/dev/null 2>&1; then
    install_containerd
  elif [[ -n $before ]] && ! version_ok; then
    kw_log "containerd $before is older than $KW_CONTAINERD_MIN: installing a newer one"
    install_containerd
  fi
  version_ok || {
    local v what
    v=$(containerd_version)
    [[ -n $v ]] || kw_die "cannot read the containerd version: 'containerd --version' failed"
    # Say what just happened: telling the user to install containerd.io from the docker-ce
    # repository right after kubewiz did exactly that would contradict the log above.
    if [[ $v != "$before" ]]; then
      what="kubewiz just installed containerd $v, the newest the repositories offer for $(kw_os_field PRETTY_NAME)"
    else
      what="containerd $v is installed and the repositories offer nothing newer for $(kw_os_field PRETTY_NAME)"
    fi
    kw_hint "$what; Kubernetes of this version needs containerd >= $KW_CONTAINERD_MIN: choose an older Kubernetes (the wizard's Versions screen shows the newest these nodes can run) or a newer system"
    kw_die "containerd $v is older than $KW_CONTAINERD_MIN"
  }
  write_hosts
  write_config
  crictl_conf | kw_write_file /etc/crictl.yaml 644
  kw_log "restarting containerd"
  systemctl enable containerd
  systemctl restart containerd
  local i
  for ((i = 0; i < 30; i++)); do
    runtime_answers && return 0
    sleep 1
  done
  kw_die "containerd does not answer on $KW_CRI_ENDPOINT 30 s after the restart (see: journalctl -u containerd)"
}
