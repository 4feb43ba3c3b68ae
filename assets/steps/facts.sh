# shellcheck shell=bash
# facts: what the node is (read-only). Runs every time: `check` always fails.
# Inputs: KW_PEERS (optional) space separated "ADDR:PORT" of the other nodes, probed over TCP;
# KW_REGISTRY_PROBES (optional) "<registry> <mirror|registry> <url>" lines: each URL's /v2/ is asked
# (any HTTP answer will do: registries answer 401 there) and each one that does not answer is a fact
# `registry_unreachable=<registry> <kind> <url> <why>` (preflight refuses the node, naming them);
# KW_PACKAGE_PROBES (optional) "<repository> <rhel|debian> <url>" lines: the first URL each package
# repository is asked for by the steps that install from it (the Kubernetes repository's signing
# key, the docker-ce .repo file or apt key; "{distro}" is this node's os-release ID); on this
# node's family each must be fetched (HTTP 2xx) within 10 s, else a fact
# `package_repo_unreachable=<repository> <url> <why>` (preflight refuses the node where the
# install needs that repository), before any step installs anything.

# Reads only: no trace on the node (see kw_main).
# shellcheck disable=SC2034 # read by kw_main (lib.sh)
KW_READ_ONLY=1

check() {
  return 1
}

verify() {
  return 0
}

# Active swap in MiB: `swapon --show` where available (util-linux >= 2.26), else /proc/swaps.
facts_swap_mb() {
  local out
  if out=$(swapon --show --bytes --noheadings 2>/dev/null); then
    # SIZE in bytes (--bytes); a K/M/G/T suffix is understood too.
    printf '%s\n' "$out" | awk '
      function bytes(v,  n, u) {
        n = v + 0; u = substr(v, length(v))
        if (u == "K") n *= 1024; else if (u == "M") n *= 1048576
        else if (u == "G") n *= 1073741824; else if (u == "T") n *= 1099511627776
        return n
      }
      NF >= 3 { s += bytes($3) } END { printf "%d\n", s / 1048576 }'
  elif [[ -r /proc/swaps ]]; then
    awk 'NR > 1 && NF >= 3 { s += $3 } END { printf "%d\n", s / 1024 }' /proc/swaps
  else
    echo 0
  fi
}

facts_macs() {
  local f name macs=()
  for f in /sys/class/net/*/address; do
    [[ -r $f ]] || continue
    name=${f%/address}
    name=${name##*/}
    [[ $name == lo ]] && continue
    local mac
    mac=$(<"$f")
    [[ -z $mac || $mac == 00:00:00:00:00:00 ]] && continue
    macs+=("$mac")
  done
  local IFS=,
  printf '%s\n' "${macs[*]}"
}

facts_cgroup_version() {
  if [[ $(stat -fc %T /sys/fs/cgroup 2>/dev/null) == cgroup2fs ]]; then echo 2; else echo 1; fi
}

# facts_containerd: the installed containerd's version ("1.6.20", "2.3.4"), nothing when none:
# preflight judges it against containerd's matrix before anything changes.
facts_containerd() {
  local out
  command -v containerd >/dev/null 2>&1 || return 0
  out=$(containerd --version 2>/dev/null) || return 0
  printf '%s\n' "$out" |
    awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^v?[0-9]+\.[0-9]+/) { v = $i; sub(/^v/, "", v); sub(/[~+-].*/, "", v); print v; exit } }'
}

facts_unreachable() {
  local peer addr port bad=()
  for peer in ${KW_PEERS:-}; do
    addr=${peer%:*}
    port=${peer##*:}
    # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash
    if ! timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$addr" "$port" 2>/dev/null; then
      bad+=("$addr")
    fi
  done
  local IFS=,
  printf '%s\n' "${bad[*]}"
}

# probe_registry URL: the registry API root answers (any HTTP status), within 10 s.
probe_registry() {
  local url=${1%/}
  [[ $url == */v2 ]] || url=$url/v2
  url=$url/
  if command -v curl >/dev/null 2>&1; then
    curl -sS -o /dev/null --connect-timeout 5 --max-time 10 "$url"
  else
    local hp=${1#*://}
    hp=${hp%%/*}
    local host=${hp%:*} port=443
    [[ $hp == *:* ]] && port=${hp##*:}
    [[ $1 == http://* && $hp != *:* ]] && port=80
    # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash
    timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null ||
      { echo "no TCP connection to $host:$port within 5 s"; return 1; }
  fi
}

# probe_package URL: the URL is fetched (an HTTP 2xx answer) within 10 s.
probe_package() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --connect-timeout 5 --max-time 10 "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 10 -t 1 -O /dev/null "$1" || { echo "wget could not fetch it within 10 s"; return 1; }
  else
    probe_registry "$1"
  fi
}

# The probes to run: "<fact> <probe function> <line>" (the line's last word is the URL).
PROBES=()

# Reads KW_REGISTRY_PROBES into PROBES.
facts_registry_probes() {
  local line
  local -a w
  while IFS= read -r line; do
    read -ra w <<<"$line"
    ((${#w[@]} == 0)) && continue
    if ((${#w[@]} != 3)) || [[ ${w[1]} != mirror && ${w[1]} != registry ]] ||
      [[ ! ${w[2]} =~ ^https?://[A-Za-z0-9][A-Za-z0-9._~:/-]*$ ]]; then
      kw_die "input KW_REGISTRY_PROBES has an unexpected line: $line"
    fi
    PROBES+=("registry_unreachable probe_registry ${w[*]}")
  done <<<"${KW_REGISTRY_PROBES:-}"
}

# Reads the lines of KW_PACKAGE_PROBES for this node's family into PROBES.
facts_package_probes() {
  local line family distro url
  local -a w
  family=$(kw_os_family 2>/dev/null) || return 0
  distro=$(kw_os_field ID)
  while IFS= read -r line; do
    read -ra w <<<"$line"
    ((${#w[@]} == 0)) && continue
    if ((${#w[@]} != 3)) || [[ ! ${w[0]} =~ ^[a-z][a-z-]*$ ]] || [[ ${w[1]} != rhel && ${w[1]} != debian ]] ||
      [[ ! ${w[2]} =~ ^https?://[A-Za-z0-9][A-Za-z0-9._~:/{}-]*$ ]]; then
      kw_die "input KW_PACKAGE_PROBES has an unexpected line: $line"
    fi
    [[ ${w[1]} == "$family" ]] || continue
    url=${w[2]//\{distro\}/$distro}
    PROBES+=("package_repo_unreachable probe_package ${w[0]} $url")
  done <<<"${KW_PACKAGE_PROBES:-}"
}

# Runs every probe of PROBES in parallel; one fact per URL that does not answer.
facts_probes() {
  local i msg results
  ((${#PROBES[@]} > 0)) || return 0
  results=$(
    for i in "${!PROBES[@]}"; do
      (
        read -r _ probe rest <<<"${PROBES[$i]}"
        msg=$("$probe" "${rest##* }" 2>&1) && exit 0
        printf '%s\t%s\n' "$i" "$(printf '%s' "${msg:-no answer}" | tr '\n\t' '  ' | cut -c1-300)"
      ) &
    done
    wait
  )
  local fact rest
  while IFS=$'\t' read -r i msg; do
    [[ -n $i ]] || continue
    read -r fact _ rest <<<"${PROBES[$i]}"
    kw_fact "$fact" "$rest $msg"
  done <<<"$results"
}

apply() {
  kw_fact os_id "$(kw_os_field ID)"
  kw_fact os_version "$(kw_os_field VERSION_ID)"
  # An unsupported OS is reported (preflight refuses it with the reason), not a facts failure.
  kw_fact os_family "$(kw_os_family 2>/dev/null || echo unknown)"
  kw_fact kernel "$(uname -r)"
  kw_fact cgroup_version "$(facts_cgroup_version)"
  kw_fact cpus "$(nproc)"
  kw_fact memory_mb "$(awk '/^MemTotal:/ { printf "%d\n", $2 / 1024 }' /proc/meminfo)"
  kw_fact swap_mb "$(facts_swap_mb)"
  kw_fact product_uuid "$(cat /sys/class/dmi/id/product_uuid 2>/dev/null || true)"
  kw_fact macs "$(facts_macs)"
  kw_fact hostname "$(kw_hostname)"
  kw_fact epoch "$(date +%s)"
  kw_fact unreachable_peers "$(facts_unreachable)"
  facts_registry_probes
  facts_package_probes
  facts_probes
  kw_fact containerd_version "$(facts_containerd)"
  kw_fact kubeadm_version "$(kw_installed_version kubeadm)"
  if [[ $(id -u) == 0 ]]; then kw_fact can_sudo 1; else kw_fact can_sudo 0; fi
}
