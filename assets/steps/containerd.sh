# shellcheck shell=bash
# containerd: a containerd that the containerd x Kubernetes matrix accepts (KW_CONTAINERD_ACCEPT:
# the minimum per containerd branch, from containerd's RELEASES.md via the catalog), installed from
# the distribution when its package is new enough (Debian family), else Docker's containerd.io
# (KW_DOCKER_REPO_URL on the RHEL family, KW_DOCKER_DEB_REPO_URL/KW_DOCKER_DEB_KEY on the Debian
# family, "{distro}" = os-release ID), the newest version of a listed branch that the repository
# carries; /etc/containerd/config.toml written from `containerd config default` with the CRI keys set
# in the tables that output has (see "Config layout" below), verified, restarted, answering.
# The docker-ce .repo file is Docker's own also on Aliyun (its baseurl/gpgkey point at
# download.docker.com): its https://download.docker.com is rewritten to KW_DOCKER_RPM_BASE (e.g.
# https://mirrors.aliyun.com/docker-ce), as Aliyun's docker-ce page says to.
# Registry mirrors the containerd way (docs/hosts.md): the CRI registry table gets
# config_path = "/etc/containerd/certs.d", and each line "<registry> <mirror-url>..." of
# KW_REGISTRY_MIRRORS becomes /etc/containerd/certs.d/<registry>/hosts.toml (the mirrors in order,
# with pull+resolve: a pull-only mirror would leave tag lookups to the registry itself, which
# times out behind the Great Firewall; the registry last). hosts.toml files kubewiz wrote for
# registries no longer listed are removed; other files there are left alone.
# Inputs: KW_SANDBOX_IMAGE, KW_CONTAINERD_ACCEPT (e.g. "2.3.0 2.2.0"), KW_DOCKER_REPO_URL and
# KW_DOCKER_RPM_BASE (RHEL family), KW_DOCKER_DEB_REPO_URL, KW_DOCKER_DEB_KEY, KW_REGISTRY_MIRRORS
# (optional).
#
# Config layout, found by structure (the tables `containerd config default` prints), not by version:
#   v2: CRI under [plugins."io.containerd.grpc.v1.cri"] (containerd 1.x, config version 2);
#   v3: CRI under [plugins.'io.containerd.cri.v1.images'] and [plugins.'io.containerd.cri.v1.runtime']
#       (containerd 2.0-2.2 print version 3; 2.3 prints version 4, which moves only the server tables
#       [grpc] [ttrpc] [debug] [metrics] into plugins: release/2.3 cmd/containerd/server/config/config.go).
# A config version above KNOWN_CONFIG_MAX is refused, naming it: containerd refuses files newer than it
# knows, and a future version may move the CRI tables too.

CONTAINERD_CONF=/etc/containerd/config.toml
CERTS_D=/etc/containerd/certs.d
DOCKER_RPM_REPO=/etc/yum.repos.d/docker-ce.repo
HOSTS_MARK="# Written by kubewiz from cluster.toml [registry_mirrors] (containerd docs/hosts.md); kubewiz rewrites it."
KNOWN_CONFIG_MAX=4

# ct_version_of TEXT: the version in `containerd --version` output, e.g. "containerd containerd.io
# 1.6.33 d2d5...", "containerd containerd.io v2.3.4 ...", "containerd github.com/containerd/containerd
# 1.6.20~ds1 1.6.20~ds1-1+deb12u3" -> 1.6.33, 2.3.4, 1.6.20.
ct_version_of() {
  printf '%s\n' "$1" |
    awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^v?[0-9]+\.[0-9]+/) { v = $i; sub(/^v/, "", v); sub(/[~+-].*/, "", v); print v; exit } }'
}

containerd_version() {
  local out
  out=$(containerd --version 2>/dev/null) || return 0
  ct_version_of "$out"
}

# ct_upstream PKGVERSION: "1:2.3.4-1~ubuntu.22.04~jammy" / "1.6.20~ds1-1+deb12u3" / "2.3.4-1.el9" -> 2.3.4.
ct_upstream() {
  local v=${1#*:}
  v=${v%%-*}
  printf '%s\n' "${v%%~*}"
}

# ct_accepts VERSION: the matrix accepts it: at least the minimum of its own branch, or of a branch
# newer than every listed one (newer than what containerd has tested, never older).
ct_accepts() {
  local v=$1 m newest=""
  [[ -n $v ]] || return 1
  for m in $KW_CONTAINERD_ACCEPT; do
    if [[ ${v%.*} == "${m%.*}" ]]; then
      kw_version_ge "$v" "$m"
      return
    fi
    if [[ -z $newest ]] || kw_version_ge "${m%.*}" "${newest%.*}"; then newest=$m; fi
  done
  [[ -n $newest ]] && kw_version_ge "${v%.*}" "${newest%.*}"
}

# ct_listed VERSION: in a branch the matrix lists, at or above its minimum.
ct_listed() {
  local m
  for m in $KW_CONTAINERD_ACCEPT; do
    [[ ${1%.*} == "${m%.*}" ]] && kw_version_ge "$1" "$m" && return 0
  done
  return 1
}

ct_matrix_text() {
  local m out=""
  for m in $KW_CONTAINERD_ACCEPT; do out+="${out:+, }$m+"; done
  printf '%s\n' "$out"
}

config_version() {
  local v
  v=$(kw_toml_get "$1" "" version)
  printf '%s\n' "${v:-1}"
}

# ct_quote FILE: the quote character the file uses in plugin table names (2.x prints ', 1.x ").
ct_quote() {
  if grep -q "^[[:space:]]*\[plugins\.'io\.containerd" "$1"; then echo "'"; else echo '"'; fi
}

# ct_layout FILE: v2 or v3 (see the top of this file), or nothing when no CRI table is there.
ct_layout() {
  if grep -Eq "^[[:space:]]*\[plugins\.['\"]io\.containerd\.cri\.v1\.runtime['\"]\]" "$1"; then
    echo v3
  elif grep -Eq "^[[:space:]]*\[plugins\.['\"]io\.containerd\.grpc\.v1\.cri['\"]\]" "$1"; then
    echo v2
  fi
}

# ct_header LAYOUT ROLE Q: the TOML table header for ROLE (sandbox | runc_options | registry).
ct_header() {
  local q=$3
  case $1/$2 in
    v2/sandbox) printf '[plugins.%sio.containerd.grpc.v1.cri%s]\n' "$q" "$q" ;;
    v2/runc_options) printf '[plugins.%sio.containerd.grpc.v1.cri%s.containerd.runtimes.runc.options]\n' "$q" "$q" ;;
    v2/registry) printf '[plugins.%sio.containerd.grpc.v1.cri%s.registry]\n' "$q" "$q" ;;
    v3/sandbox) printf '[plugins.%sio.containerd.cri.v1.images%s.pinned_images]\n' "$q" "$q" ;;
    v3/runc_options) printf '[plugins.%sio.containerd.cri.v1.runtime%s.containerd.runtimes.runc.options]\n' "$q" "$q" ;;
    v3/registry) printf '[plugins.%sio.containerd.cri.v1.images%s.registry]\n' "$q" "$q" ;;
  esac
}

# ct_key LAYOUT ROLE: the key that ROLE sets.
ct_key() {
  case $1/$2 in
    v2/sandbox) echo sandbox_image ;;
    v3/sandbox) echo sandbox ;;
    */runc_options) echo SystemdCgroup ;;
    */registry) echo config_path ;;
  esac
}

unquote() {
  local v=$1
  v=${v#[\"\']}
  v=${v%[\"\']}
  printf '%s\n' "$v"
}

# config_problems [FILE]: what is wrong with the config file (default $CONTAINERD_CONF), nothing
# when it is right.
config_problems() {
  local f=${1:-$CONTAINERD_CONF} ver layout q h
  [[ -f $f ]] || { echo "$f is missing"; return 0; }
  ver=$(config_version "$f")
  if ((ver > KNOWN_CONFIG_MAX)); then
    echo "$f has config version $ver, newer than kubewiz knows ($KNOWN_CONFIG_MAX)"
    return 0
  fi
  layout=$(ct_layout "$f")
  if [[ -z $layout ]]; then
    echo "$f (config version $ver) has no CRI plugin tables"
  else
    q=$(ct_quote "$f")
    h=$(ct_header "$layout" runc_options "$q")
    [[ $(kw_toml_get "$f" "$h" SystemdCgroup) == true ]] || echo "SystemdCgroup = true is not set under $h"
    h=$(ct_header "$layout" sandbox "$q")
    [[ $(unquote "$(kw_toml_get "$f" "$h" "$(ct_key "$layout" sandbox)")") == "$KW_SANDBOX_IMAGE" ]] ||
      echo "$(ct_key "$layout" sandbox) = \"$KW_SANDBOX_IMAGE\" is not set under $h"
    h=$(ct_header "$layout" registry "$q")
    [[ $(unquote "$(kw_toml_get "$f" "$h" config_path)") == "$CERTS_D" ]] ||
      echo "config_path = \"$CERTS_D\" is not set under $h"
  fi
  if kw_toml_get "$f" "" disabled_plugins | grep -q 'cri'; then
    echo "the CRI plugin is disabled (disabled_plugins in $f)"
  fi
  return 0
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

DOCKER_RPM_BASE_RE='^https?://[A-Za-z0-9][A-Za-z0-9._~:/-]*$'

runtime_answers() {
  if command -v crictl >/dev/null 2>&1; then
    kw_crictl info >/dev/null 2>&1
  else
    ctr version >/dev/null 2>&1
  fi
}

crictl_conf() {
  printf 'runtime-endpoint: %s\nimage-endpoint: %s\ntimeout: 10\n' "$KW_CRI_ENDPOINT" "$KW_CRI_ENDPOINT"
}

inputs() {
  kw_need_re KW_SANDBOX_IMAGE '^[A-Za-z0-9][A-Za-z0-9._/:@-]*$'
  kw_need_re KW_CONTAINERD_ACCEPT '^[0-9]+\.[0-9]+\.[0-9]+( [0-9]+\.[0-9]+\.[0-9]+)*$'
  kw_need_re KW_DOCKER_RPM_BASE "$DOCKER_RPM_BASE_RE"
}

check() {
  inputs
  command -v containerd >/dev/null 2>&1 || return 1
  ct_accepts "$(containerd_version)" || return 1
  [[ -z $(config_problems) ]] || return 1
  [[ -z $(hosts_problems) ]] || return 1
  docker_repo_ok || return 1
  crictl_conf | kw_same_content /etc/crictl.yaml || return 1
  kw_service_on containerd && runtime_answers
}

# pick_version: reads "PKGVERSION" lines on stdin (newest first or not), prints the newest one whose
# upstream version is in a listed branch, else the newest the matrix accepts; nothing if none.
pick_version() {
  local line best="" best_up="" any="" any_up="" up
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    up=$(ct_upstream "$line")
    if ct_listed "$up" && { [[ -z $best_up ]] || kw_version_ge "$up" "$best_up"; }; then
      best=$line best_up=$up
    elif ct_accepts "$up" && { [[ -z $any_up ]] || kw_version_ge "$up" "$any_up"; }; then
      any=$line any_up=$up
    fi
  done
  printf '%s\n' "${best:-$any}"
}

# repo_versions PKG: the versions of PKG the configured repositories carry, one per line.
repo_versions() {
  case $(kw_os_family) in
    debian) apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/[ \t]/, "", $2); if ($2 != "") print $2 }' || true ;;
    rhel)
      kw_pkg_capture "$(kw_rpm_tool)" list --showduplicates "$1" || true
      printf '%s\n' "$KW_PKG_OUT" | awk -v p="$1" 'index($1, p ".") == 1 { r = $2; sub(/^[0-9]+:/, "", r); print r }'
      ;;
  esac
}

none_acceptable() {
  local what=$1 have=$2
  kw_hint "Kubernetes of this cluster wants containerd $(ct_matrix_text) (containerd's RELEASES.md); the repositories of this node offer ${have:-no $what}: check the docker-ce repository for this OS, or choose a Kubernetes version whose row lists what this OS can get"
  kw_die "no $what version in the repositories satisfies $(ct_matrix_text) (offered: ${have:-none})"
}

install_containerd() {
  local v have
  case $(kw_os_family) in
    rhel)
      kw_need KW_DOCKER_REPO_URL
      if [[ ! -f $DOCKER_RPM_REPO ]]; then
        kw_log "adding the docker-ce repository $KW_DOCKER_REPO_URL"
        kw_fetch "$KW_DOCKER_REPO_URL" "$DOCKER_RPM_REPO"
      fi
      point_docker_repo
      have=$(repo_versions containerd.io)
      v=$(pick_version <<<"$have")
      [[ -n $v ]] || none_acceptable containerd.io "$(printf '%s\n' "$have" | tr '\n' ' ')"
      kw_log "installing containerd.io $v (Docker's repository; matrix: $(ct_matrix_text))"
      # containerd.io brings its own runc: dnf may replace a distro runc (--allowerasing).
      if [[ $(kw_rpm_tool) == dnf ]]; then
        kw_pkg_install --allowerasing "containerd.io-$v"
      else
        kw_pkg_install "containerd.io-$v"
      fi
      ;;
    debian)
      kw_apt_update
      v=$(repo_versions containerd | pick_version)
      if [[ -n $v ]] && ct_listed "$(ct_upstream "$v")"; then
        kw_log "installing the distribution's containerd $v (matrix: $(ct_matrix_text))"
        kw_pkg_install "containerd=$v"
        return 0
      fi
      have=$(repo_versions containerd | head -n 1)
      kw_log "the distribution's containerd (${have:-none}) is not in the matrix ($(ct_matrix_text)): Docker's containerd.io"
      add_docker_deb_repo
      have=$(repo_versions containerd.io)
      v=$(pick_version <<<"$have")
      [[ -n $v ]] || none_acceptable containerd.io "$(printf '%s\n' "$have" | tr '\n' ' ')"
      kw_log "installing containerd.io $v (Docker's repository)"
      kw_pkg_install "containerd.io=$v"
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
  kw_log "adding the docker-ce apt repository $url"
  kw_pkg_ensure ca-certificates curl gpg
  # /etc/apt/keyrings exists from Debian 12 / Ubuntu 22.04 on (apt 2.4); Debian 11 lacks it.
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

# write_config [FILE]: `containerd config default` with the CRI keys set in the tables it has,
# written to FILE (default $CONTAINERD_CONF) and read back.
write_config() {
  local out=${1:-$CONTAINERD_CONF} tmp ver layout q v
  mkdir -p "$(dirname "$out")"
  tmp=$(mktemp)
  containerd config default >"$tmp" || kw_die "containerd config default failed"
  ver=$(config_version "$tmp")
  v=$(containerd_version)
  if ((ver > KNOWN_CONFIG_MAX)); then
    rm -f "$tmp"
    kw_hint "containerd $v is newer than this kubewiz: pin an older containerd.io (the newest kubewiz knows prints config version $KNOWN_CONFIG_MAX: containerd 2.3), or update kubewiz; $out was left as it was"
    kw_die "containerd $v prints config version $ver; kubewiz knows versions 2 to $KNOWN_CONFIG_MAX and does not guess where version $ver keeps the CRI settings"
  fi
  layout=$(ct_layout "$tmp")
  if [[ -z $layout ]]; then
    rm -f "$tmp"
    kw_die "containerd $v: 'containerd config default' has no CRI plugin tables (neither io.containerd.grpc.v1.cri nor io.containerd.cri.v1.runtime): is this a containerd built without CRI?"
  fi
  q=$(ct_quote "$tmp")
  kw_log "writing $out (containerd $v, config version $ver, CRI tables of the $layout layout)"
  local role h key val
  for role in sandbox runc_options registry; do
    h=$(ct_header "$layout" "$role" "$q")
    key=$(ct_key "$layout" "$role")
    case $role in
      sandbox) val="$q$KW_SANDBOX_IMAGE$q" ;;
      runc_options) val=true ;;
      registry) val="$q$CERTS_D$q" ;;
    esac
    kw_toml_set "$tmp" "$h" "$key" "$key = $val"
  done
  # The CRI plugin must not be disabled (Docker's containerd.io ships disabled_plugins = ["cri"]).
  kw_toml_set "$tmp" "" disabled_plugins "disabled_plugins = []"
  kw_write_file "$out" 644 <"$tmp"
  rm -f "$tmp"
  local problems
  problems=$(config_problems "$out")
  if [[ -n $problems ]]; then
    printf '%s\n' "$problems" >&2
    kw_die "the containerd config is not what kubewiz wrote: see above"
  fi
}

apply() {
  inputs
  local v
  # An existing repo file (an earlier run, or the user's) is pointed at the mirror first: yum reads
  # every enabled repo, so one that times out breaks every package step.
  if [[ $(kw_os_family) == rhel && -f $DOCKER_RPM_REPO ]]; then
    point_docker_repo
  fi
  local before what
  before=$(containerd_version)
  if ! command -v containerd >/dev/null 2>&1; then
    install_containerd
  elif ! ct_accepts "$before"; then
    kw_log "containerd ${before:-(version unreadable)} is not in the matrix for this Kubernetes ($(ct_matrix_text)): installing one that is"
    install_containerd
  fi
  v=$(containerd_version)
  [[ -n $v ]] || kw_die "cannot read the containerd version: 'containerd --version' failed"
  if ! ct_accepts "$v"; then
    # Say what just happened: telling the user to install containerd.io from the docker-ce
    # repository right after kubewiz did exactly that would contradict the log above.
    if [[ $v != "$before" ]]; then
      what="kubewiz just installed containerd $v, the best the repositories offer for $(kw_os_field PRETTY_NAME)"
    else
      what="containerd $v is installed and the repositories offer nothing in the matrix for $(kw_os_field PRETTY_NAME)"
    fi
    kw_hint "$what; Kubernetes of this version wants containerd $(ct_matrix_text) (containerd's RELEASES.md): choose an older Kubernetes (the wizard's Versions screen shows the newest these nodes can run) or a newer system"
    kw_die "containerd $v is installed; the matrix wants $(ct_matrix_text)"
  fi
  write_config "$CONTAINERD_CONF"
  # Registry hosts (hosts.toml per registry) live here; config_path points at it.
  mkdir -p "$CERTS_D"
  write_hosts
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
