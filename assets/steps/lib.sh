# shellcheck shell=bash
# kubewiz step prelude. Included in every step script after the `export KW_...` lines and
# before the step's own `check` and `apply` functions; the script ends with `kw_main`.
#
# Output protocol on stdout: lines starting with `::kw::` are structured (fact, secret, file,
# result, hint) and are not logged; everything else is progress text.

KW_CRI_ENDPOINT="unix:///run/containerd/containerd.sock"
KW_K8S_DIR="/etc/kubernetes"
KW_ADMIN_CONF="/etc/kubernetes/admin.conf"
KW_ROOT_KUBECONFIG="/root/.kube/config"
KW_STATE_DIR="/var/lib/kubewiz"
KW_LOG_DIR="/var/log/kubewiz"
KW_OS_RELEASE="/etc/os-release"

# --- logging ---------------------------------------------------------------------------------

kw_log() {
  printf '[%s] %s\n' "${KW_STEP:-kubewiz}" "$*"
}

kw_warn() {
  printf '[%s] warning: %s\n' "${KW_STEP:-kubewiz}" "$*" >&2
}

kw_die() {
  printf '[%s] error: %s\n' "${KW_STEP:-kubewiz}" "$*" >&2
  exit 1
}

kw_hint() {
  # One line only: newlines would break the protocol.
  printf '::kw::hint %s\n' "$(printf '%s' "$*" | tr '\n' ' ')"
}

kw_fact() {
  printf '::kw::fact %s=%s\n' "$1" "$(printf '%s' "$2" | tr '\n' ' ')"
}

kw_secret() {
  printf '::kw::secret %s=%s\n' "$1" "$2"
}

# kw_file NAME PATH: the file's content, base64 on one line.
kw_file() {
  [[ -r $2 ]] || kw_die "cannot read $2"
  printf '::kw::file %s %s\n' "$1" "$(base64 -w0 <"$2")"
}

# --- input checks ----------------------------------------------------------------------------

# kw_need VAR...: every named variable is set and not empty.
kw_need() {
  local v
  for v in "$@"; do
    [[ -n ${!v:-} ]] || kw_die "missing input $v (the engine must set it)"
  done
}

# kw_need_re VAR REGEX: the variable matches the regex (keeps quotes etc. out of files we write).
kw_need_re() {
  kw_need "$1"
  [[ ${!1} =~ $2 ]] || kw_die "input $1 has an unexpected value: ${!1}"
}

# kw_need_secret VAR REGEX: like kw_need_re, but never prints the value.
kw_need_secret() {
  [[ -n ${!1:-} ]] || kw_die "missing secret $1 (the engine mints it on the first control plane)"
  [[ ${!1} =~ $2 ]] || kw_die "secret $1 is malformed (value not shown)"
}

# --- OS --------------------------------------------------------------------------------------

# kw_os_field NAME: a field of /etc/os-release (ID, ID_LIKE, VERSION_ID, ...).
kw_os_field() {
  [[ -r $KW_OS_RELEASE ]] || kw_die "$KW_OS_RELEASE is missing: unsupported OS"
  (
    # shellcheck disable=SC1090
    . "$KW_OS_RELEASE"
    printf '%s' "${!1:-}"
  )
}

# kw_os_family: prints rhel or debian (or fails: unsupported OS).
kw_os_family() {
  local id like w
  id=$(kw_os_field ID)
  like=$(kw_os_field ID_LIKE)
  for w in $id $like; do
    case $w in
      centos | rocky | rhel | almalinux | fedora | ol) echo rhel; return 0 ;;
      ubuntu | debian) echo debian; return 0 ;;
    esac
  done
  kw_die "unsupported OS '$id' (ID_LIKE '$like'): kubewiz supports the RHEL family (yum/dnf) and the Debian family (apt)"
}

# kw_hostname: the running (kernel) hostname.
kw_hostname() {
  cat /proc/sys/kernel/hostname
}

# kw_version_ge A B: true when version A >= version B (sort -V order).
kw_version_ge() {
  printf '%s\n%s\n' "$2" "$1" | sort -V -C
}

# kw_kernel_ge X.Y: the running kernel is at least X.Y.
kw_kernel_ge() {
  local k
  k=$(uname -r)
  k=${k%%-*}
  kw_version_ge "$k" "$1"
}

# --- packages --------------------------------------------------------------------------------
#
# Every package-manager run goes through kw_pkg (streams its output; a failure ends the step naming
# the command, its exit code and its last line), kw_pkg_try (the same, returning the exit code) or
# kw_pkg_capture (output kept in KW_PKG_OUT instead of streamed). They
#   - hold kubewiz's own lock (steps of one node may run at once; package managers must not);
#   - wait, at most KW_PKG_WAIT seconds and saying who holds it, while another program's run holds
#     the package manager (unattended-upgrades on a fresh Ubuntu/Debian, someone's yum): apt-get
#     fails at once on a held lock (exit 100) unless given -o DPkg::Lock::Timeout (apt >= 1.9.11),
#     and `apt-get update` never waits (Debian/apt apt-pkg/deb/debsystem.cc, apt-pkg/acquire.cc);
#     yum and dnf wait by themselves (their "Another app is currently holding the yum lock" /
#     "Waiting for process with pid N to finish." lines stream to the pane);
#   - run `dpkg --configure -a` first when an earlier dpkg run was interrupted (apt refuses with
#     "dpkg was interrupted, you must manually run 'dpkg --configure -a'").

KW_PKG_WAIT=${KW_PKG_WAIT:-600}
KW_PKG_OUT=""

# kw_lock_holder FILE: "FILE is held by process PID (NAME)" when another process holds a POSIX lock
# on FILE (apt and dpkg use fcntl locks; /proc/locks lists them by inode), else nothing.
kw_lock_holder() {
  local ino pid name=""
  [[ -e $1 && -r /proc/locks ]] || return 0
  ino=$(stat -Lc %i "$1" 2>/dev/null) || return 0
  pid=$(awk -v ino="$ino" '$2 == "POSIX" { n = split($6, d, ":"); if (d[n] == ino && $5 != "'"$$"'") { print $5; exit } }' /proc/locks)
  [[ -n $pid ]] || return 0
  [[ -r /proc/$pid/status ]] && name=$(awk '$1 == "Name:" { print $2; exit }' "/proc/$pid/status")
  printf '%s is held by process %s%s\n' "$1" "$pid" "${name:+ ($name)}"
}

# kw_pid_file_holder FILE: "FILE is held by process PID (NAME)" when FILE names a live process other
# than this one (yum: /var/run/yum.pid; dnf: one pid file per lock, dnf/lock.py).
kw_pid_file_holder() {
  local pid name=""
  [[ -r $1 ]] || return 0
  pid=$(tr -dc 0-9 <"$1" 2>/dev/null)
  [[ -n $pid && $pid != "$$" && -d /proc/$pid ]] || return 0
  [[ -r /proc/$pid/status ]] && name=$(awk '$1 == "Name:" { print $2; exit }' "/proc/$pid/status")
  printf '%s is held by process %s%s\n' "$1" "$pid" "${name:+ ($name)}"
}

# kw_pkg_foreign: who holds the package manager now (one line), or nothing.
kw_pkg_foreign() {
  local f who
  case $(kw_os_family) in
    debian)
      for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock; do
        who=$(kw_lock_holder "$f")
        [[ -n $who ]] && { printf '%s\n' "$who"; return 0; }
      done
      ;;
    rhel)
      for f in /var/run/yum.pid /var/lib/dnf/rpmdb_lock.pid /var/cache/dnf/metadata_lock.pid; do
        who=$(kw_pid_file_holder "$f")
        [[ -n $who ]] && { printf '%s\n' "$who"; return 0; }
      done
      ;;
  esac
  return 0
}

# kw_pkg_wait_foreign: waits while another program's package-manager run holds the locks, saying who
# (then every 30 s); returns 1 (KW_PKG_OUT says why) when it still does after KW_PKG_WAIT seconds.
# (Its lines go to stderr: callers may run inside $(...).)
kw_pkg_wait_foreign() {
  local who start=$SECONDS last=-30 waited=0
  while who=$(kw_pkg_foreign) && [[ -n $who ]]; do
    waited=1
    if ((SECONDS - start >= KW_PKG_WAIT)); then
      KW_PKG_OUT="another package manager run still holds the lock after $KW_PKG_WAIT s: $who"
      return 1
    fi
    if ((SECONDS - last >= 30)); then
      kw_log "waiting for another package manager run: $who ($((SECONDS - start)) s of at most $KW_PKG_WAIT s)" >&2
      last=$SECONDS
    fi
    sleep 1
  done
  if ((waited)); then
    kw_log "the package manager is free again after $((SECONDS - start)) s" >&2
  fi
  return 0
}

# kw_dpkg_interrupted: an earlier dpkg run left its journal (all-digit files in /var/lib/dpkg/updates,
# what apt's debSystem::CheckUpdates looks for).
kw_dpkg_interrupted() {
  local f
  [[ -d /var/lib/dpkg/updates ]] || return 1
  for f in /var/lib/dpkg/updates/*; do
    [[ ${f##*/} =~ ^[0-9]+$ ]] && return 0
  done
  return 1
}

# kw_cmd: the command line as one string (for messages).
kw_cmd() {
  local IFS=' '
  printf '%s' "$*"
}

# kw__pkg MODE CMD...: the runner behind kw_pkg/kw_pkg_try/kw_pkg_capture (MODE stream|capture).
kw__pkg() {
  local mode=$1 rc=0 fd tmp start=$SECONDS
  shift
  mkdir -p "$KW_STATE_DIR"
  tmp=$(mktemp)
  exec {fd}>"$KW_STATE_DIR/pkg.lock"
  if command -v flock >/dev/null 2>&1 && ! flock -w "$KW_PKG_WAIT" "$fd"; then
    exec {fd}>&-
    rm -f "$tmp"
    KW_PKG_OUT="another kubewiz step held kubewiz's package lock for $KW_PKG_WAIT s"
    return 75
  fi
  if ! kw_pkg_wait_foreign; then
    exec {fd}>&-
    rm -f "$tmp"
    return 75
  fi
  if [[ $1 == apt-get || $1 == dpkg ]] && kw_dpkg_interrupted; then
    kw_log "an earlier dpkg run was interrupted (its journal is in /var/lib/dpkg/updates): dpkg --configure -a" >&2
    if ! DEBIAN_FRONTEND=noninteractive dpkg --configure -a >"$tmp" 2>&1; then
      cat "$tmp" >&2
      KW_PKG_OUT="dpkg --configure -a failed: $(tail -n 1 "$tmp")"
      exec {fd}>&-
      rm -f "$tmp"
      return 1
    fi
  fi
  if [[ $1 == apt-get ]]; then
    # apt-get waits for the dpkg locks only when told to (and says who holds them).
    set -- apt-get -o "DPkg::Lock::Timeout=$KW_PKG_WAIT" "${@:2}"
  fi
  while :; do
    rc=0
    if [[ $mode == stream ]]; then
      DEBIAN_FRONTEND=noninteractive "$@" 2>&1 | tee "$tmp" || rc=${PIPESTATUS[0]}
    else
      DEBIAN_FRONTEND=noninteractive "$@" >"$tmp" 2>&1 || rc=$?
    fi
    # `apt-get update` does not wait for /var/lib/apt/lists/lock: try again while time is left.
    if ((rc != 0)) && [[ $1 == apt-get ]] && grep -q 'Could not get lock' "$tmp" && ((SECONDS - start < KW_PKG_WAIT)); then
      kw_log "$(grep -m1 'Could not get lock' "$tmp" | sed 's/^E: //'): trying again in 5 s" >&2
      sleep 5
      continue
    fi
    break
  done
  if [[ $mode == stream ]]; then
    KW_PKG_OUT=$(grep -v '^[[:space:]]*$' "$tmp" | tail -n 1)
  else
    KW_PKG_OUT=$(cat "$tmp")
  fi
  exec {fd}>&-
  rm -f "$tmp"
  return "$rc"
}

# kw_pkg CMD...: runs a package-manager command; a failure ends the step naming the command.
kw_pkg() {
  local rc=0
  kw__pkg stream "$@" || rc=$?
  ((rc == 0)) || kw_die "$(kw_cmd "$@") failed with exit code $rc${KW_PKG_OUT:+: $KW_PKG_OUT}"
}

# kw_pkg_try CMD...: like kw_pkg, but returns the exit code (KW_PKG_OUT: its last line).
kw_pkg_try() {
  kw__pkg stream "$@"
}

# kw_pkg_capture CMD...: runs it without streaming; KW_PKG_OUT holds its whole output.
kw_pkg_capture() {
  kw__pkg capture "$@"
}

# kw_pkg_locked CMD...: kept for scripts written against the old helper (= kw_pkg_try).
kw_pkg_locked() {
  kw__pkg stream "$@"
}

kw_rpm_tool() {
  if command -v dnf >/dev/null 2>&1; then echo dnf; else echo yum; fi
}

KW_APT_UPDATED=0
# kw_apt_update: apt-get update once per script; kw_apt_refresh: again (after adding a source).
kw_apt_update() {
  if [[ $KW_APT_UPDATED == 0 ]]; then
    kw_apt_refresh
  fi
}

kw_apt_refresh() {
  kw_pkg apt-get update -q
  KW_APT_UPDATED=1
}

# kw_pkg_installed PKG: the package is installed.
kw_pkg_installed() {
  case $(kw_os_family) in
    rhel) rpm -q "$1" >/dev/null 2>&1 ;;
    # "install ok installed", or "hold ok installed" once apt-mark hold ran.
    debian) [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == *" ok installed" ]] ;;
  esac
}

# kw_pkg_install PKG...: installs packages (extra yum/apt arguments may come first, e.g. version pins).
kw_pkg_install() {
  case $(kw_os_family) in
    rhel)
      kw_pkg "$(kw_rpm_tool)" -y install "$@"
      ;;
    debian)
      kw_apt_update
      kw_pkg apt-get install -y -q "$@"
      ;;
  esac
}

# kw_pkg_ensure PKG...: installs only the packages that are missing.
kw_pkg_ensure() {
  local p missing=()
  for p in "$@"; do
    kw_pkg_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    kw_log "installing ${missing[*]}"
    kw_pkg_install "${missing[@]}"
  fi
}

# --- services --------------------------------------------------------------------------------

kw_service_on() {
  systemctl is-enabled --quiet "$1" 2>/dev/null && systemctl is-active --quiet "$1" 2>/dev/null
}

# --- files -----------------------------------------------------------------------------------

# kw_write_file PATH MODE: writes stdin to PATH. A new file is created by rename (atomic); an
# existing one is rewritten in place, keeping its inode, owner and SELinux label (/etc/hosts
# may be a bind mount, /etc/fstab has its own label).
kw_write_file() {
  local tmp
  mkdir -p "$(dirname "$1")"
  tmp=$(mktemp "$1.kubewiz.XXXXXX")
  cat >"$tmp"
  if [[ -e $1 ]]; then
    cat "$tmp" >"$1"
    rm -f "$tmp"
    chmod "$2" "$1"
  else
    chmod "$2" "$tmp"
    mv -f "$tmp" "$1"
  fi
}

# kw_same_content PATH: stdin equals the file's content.
kw_same_content() {
  [[ -f $1 ]] && cmp -s - "$1"
}

# kw_fetch URL DEST: downloads a file (curl, else wget), failing on HTTP errors.
kw_fetch() {
  local tmp
  mkdir -p "$(dirname "$2")"
  tmp=$(mktemp "$2.kubewiz.XXXXXX")
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 --connect-timeout 20 -o "$tmp" "$1" || { rm -f "$tmp"; kw_die "cannot download $1"; }
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 20 -t 3 -O "$tmp" "$1" || { rm -f "$tmp"; kw_die "cannot download $1"; }
  else
    rm -f "$tmp"
    kw_die "neither curl nor wget is installed"
  fi
  chmod 644 "$tmp"
  mv -f "$tmp" "$2"
}

# --- TOML (containerd config) ------------------------------------------------------------------

# kw_toml_set FILE HEADER KEY LINE: in table HEADER (e.g. [plugins."io.containerd.grpc.v1.cri"]),
# replaces the line setting KEY by LINE, or adds LINE to the table, or appends the table.
# HEADER "" is the top level (before the first table).
kw_toml_set() {
  local tmp
  tmp=$(mktemp)
  KW_TOML_LINE=$4 awk -v hdr="$2" -v key="$3" '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    BEGIN { insec = (hdr == "") }
    {
      t = trim($0)
      if (t == "") { held = held $0 "\n"; next }
      if (substr(t, 1, 1) == "[") {
        if (insec && !done) { print ENVIRON["KW_TOML_LINE"]; done = 1 }
        insec = (t == hdr)
      } else if (insec && !done && index(t, key) == 1 && trim(substr(t, length(key) + 1)) ~ /^=/) {
        printf "%s", held; held = ""
        print ENVIRON["KW_TOML_LINE"]; done = 1; next
      }
      printf "%s", held; held = ""
      print
    }
    END {
      if (insec && !done) { print ENVIRON["KW_TOML_LINE"]; done = 1 }
      printf "%s", held
      if (!done) { print ""; print hdr; print ENVIRON["KW_TOML_LINE"] }
    }' "$1" >"$tmp"
  cat "$tmp" >"$1"
  rm -f "$tmp"
}

# kw_toml_get FILE HEADER KEY: the raw value of KEY in table HEADER (quotes kept), or nothing.
kw_toml_get() {
  awk -v hdr="$2" -v key="$3" '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    BEGIN { insec = (hdr == "") }
    {
      t = trim($0)
      if (substr(t, 1, 1) == "[") { insec = (t == hdr); next }
      if (insec && index(t, key) == 1) {
        rest = trim(substr(t, length(key) + 1))
        if (substr(rest, 1, 1) == "=") { print trim(substr(rest, 2)); exit }
      }
    }' "$1"
}

# --- cluster ---------------------------------------------------------------------------------

# kw_root_kubeconfig_ok / kw_install_root_kubeconfig: root's kubectl uses the admin kubeconfig.
kw_root_kubeconfig_ok() {
  [[ -f $KW_ADMIN_CONF && -f $KW_ROOT_KUBECONFIG ]] && cmp -s "$KW_ADMIN_CONF" "$KW_ROOT_KUBECONFIG"
}

kw_install_root_kubeconfig() {
  kw_log "admin kubeconfig for root: $KW_ROOT_KUBECONFIG"
  install -d -m 700 "$(dirname "$KW_ROOT_KUBECONFIG")"
  install -m 600 "$KW_ADMIN_CONF" "$KW_ROOT_KUBECONFIG"
}

# kw_installed_version PKG: the installed upstream version of a package ("1.25.3", without the
# package revision), nothing when it is not installed (packages compares it with the cluster's; facts reports kubeadm's for preflight).
kw_installed_version() {
  case $(kw_os_family) in
    rhel)
      # `rpm -q` prints "package X is not installed" on stdout: ask only for installed ones.
      if rpm -q "$1" >/dev/null 2>&1; then
        rpm -q --qf '%{VERSION}\n' "$1" | head -n1
      fi
      ;;
    debian)
      if kw_pkg_installed "$1"; then
        dpkg-query -W -f='${Version}' "$1" 2>/dev/null | sed -e 's/^[0-9]*://' -e 's/-.*//'
      fi
      ;;
  esac
}

kw_kubectl() {
  kubectl --kubeconfig="$KW_ADMIN_CONF" "$@"
}

# kw_redact: filter for kubeadm output: hides tokens, CA hashes and certificate keys that
# kubeadm prints (init prints a 24 h join token and the certificate key).
kw_redact() {
  sed -E \
    -e 's/(--token[ =])[^ ]+/\1<redacted>/g' \
    -e 's/(--discovery-token-ca-cert-hash[ =])[^ ]+/\1<redacted>/g' \
    -e 's/(--certificate-key[ =])[^ ]+/\1<redacted>/g' \
    -e 's/[0-9a-f]{64}/<redacted>/g' \
    -e 's/[a-z0-9]{6}\.[a-z0-9]{16}/<redacted>/g'
}

# kw_leftovers: files a half-done `kubeadm init`/`join` leaves behind (one was interrupted:
# kill, timeout, lost connection). Their presence makes kubeadm's preflight refuse to run.
kw_leftovers() {
  local f
  for f in "$KW_K8S_DIR"/pki/ca.crt "$KW_K8S_DIR"/bootstrap-kubelet.conf "$KW_K8S_DIR"/manifests/*.yaml; do
    [[ -e $f ]] && return 0
  done
  return 1
}

# kw_reset_leftovers: `kubeadm reset -f` after an interrupted init/join, so that it can run again.
kw_reset_leftovers() {
  kw_log "found the files of an interrupted kubeadm run: kubeadm reset -f before trying again"
  kubeadm reset -f 2>&1 | kw_redact || kw_die "kubeadm reset -f failed"
}

kw_crictl() {
  crictl --runtime-endpoint "$KW_CRI_ENDPOINT" "$@"
}

# --- upgrades (kubeadm-upgrade.md; `kubectl version -o json`: serverVersion.gitVersion) -------------

# Done-markers of upgrade steps whose effect a node cannot show otherwise (kubeadm upgrade node on a worker). of steps whose effect a node cannot show otherwise (kubeadm upgrade node on a worker).
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

# kw_control_plane_at VERSION: this node's three control plane manifests name VERSION ("v1.26.15"). kubeadm
# (upgrade apply and upgrade node alike) upgrades them one at a time, the API server first
# (phases/upgrade/staticpods.go StaticPodControlPlane loops over constants.ControlPlaneComponents:
# kube-apiserver, kube-controller-manager, kube-scheduler), so a kubeadm that died with its connection can
# leave the API server new and the others old.
kw_control_plane_at() {
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    [[ $(kw_manifest_version "$c") == "$1" ]] || return 1
  done
}

# kw_running_kubeadm SUBCOMMAND...: the pid of a `kubeadm SUBCOMMAND...` running on this node, if any (found in
# /proc: procps is not everywhere). An earlier attempt's may still run: the connection was lost and the step is
# tried again (kubewiz reconnects, or the user runs the upgrade again), while kubeadm goes on on the node.
# KW_PROC: another /proc (tests/upgrade_scripts.rs).
kw_running_kubeadm() {
  local d c want="kubeadm $*"
  for d in "${KW_PROC:-/proc}"/[0-9]*; do
    c=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
    if [[ $c == "$want"* || $c == */"$want"* ]]; then
      printf '%s\n' "${d##*/}"
      return 0
    fi
  done
  return 1
}

# kw_wait_for_running_kubeadm SUBCOMMAND...: waits (at most 900 s) until no `kubeadm SUBCOMMAND...` runs on this
# node: never two at once, both would rewrite the static pod manifests (and roll them back) under each other.
# Succeeds at once when none ran; returns 2 after waiting for one that ended (check again: it may have finished
# the work); dies naming the pid when it still runs after 900 s.
kw_wait_for_running_kubeadm() {
  local pid waited=0
  while pid=$(kw_running_kubeadm "$@"); do
    if ((waited == 0)); then
      kw_log "kubeadm $* is already running on this node (pid $pid; an earlier attempt whose connection was lost?): waiting for it to end"
    fi
    if ((waited >= 900)); then
      kw_hint "look at it on the node (ps -fp $pid): let it end or stop it, then run the upgrade again (it resumes here)"
      kw_die "kubeadm $* (pid $pid) still runs after $waited s"
    fi
    sleep 2
    waited=$((waited + 2))
  done
  ((waited == 0)) || return 2
}

# kw_mark NAME / kw_marked NAME: a done-marker of this hop.
kw_mark() {
  mkdir -p "$KW_UPGRADE_MARKS"
  printf '%(%s)T\n' -1 >"$KW_UPGRADE_MARKS/v$KW_K8S_VERSION.$1"
}

kw_marked() {
  [[ -f $KW_UPGRADE_MARKS/v$KW_K8S_VERSION.$1 ]]
}

# --- dispatcher ------------------------------------------------------------------------------

kw_on_error() {
  local rc=$1 cmd=$2
  printf '[%s] error: command failed with exit code %s: %s\n' "${KW_STEP:-kubewiz}" "$rc" "$cmd" >&2
}

# kw_main: check → (skip | apply → check again). A step may define `verify` to replace the
# second check (steps whose check always fails so that they always run: facts, kubeconfig).
# Read-only steps set KW_READ_ONLY=1: they leave no trace on the node (no steps.log line), so
# that preflight really changes nothing anywhere.
kw_main() {
  set -o errtrace
  trap 'kw_on_error "$?" "$BASH_COMMAND"' ERR
  kw_need KW_STEP
  if check; then
    kw_log "already done"
    printf '::kw::result skipped\n'
    return 0
  fi
  if [[ ${KW_READ_ONLY:-0} != 1 ]]; then
    [[ -d $KW_LOG_DIR ]] || mkdir -p "$KW_LOG_DIR"
    # bash's own clock (no fork of date(1) on every step).
    printf '%(%s)T %s apply\n' -1 "$KW_STEP" >>"$KW_LOG_DIR/steps.log"
  fi
  apply
  if declare -F verify >/dev/null; then
    verify || kw_die "step $KW_STEP: verification after apply failed"
  else
    check || kw_die "step $KW_STEP: applied, but the node is still not in the desired state"
  fi
  printf '::kw::result applied\n'
}
