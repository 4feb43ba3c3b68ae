# shellcheck shell=bash
# repos: the OS package repositories answer, before any step installs a package.
# RHEL family: `yum|dnf -q makecache` succeeds. A CentOS 7 installed from the 2009 media still
# points at mirrorlist.centos.org / mirror.centos.org, both gone since CentOS 7's end of life
# (June 2024), so every yum run fails: apply rewrites /etc/yum.repos.d/CentOS-*.repo to the
# vault (backup FILE.kubewiz.bak, mirrorlist= and the dead baseurl= commented out, baseurl= the
# vault), then `yum clean all` and `yum makecache`. Other RHEL releases whose repositories fail:
# the step fails with yum's/dnf's error and a hint (nothing is guessed).
# Debian family: nothing to do (the steps that install run apt-get update themselves).
# Inputs: KW_CENTOS7_VAULT_URL (CentOS 7 only): the vault baseurl template, "{repo}" = the
# section's directory there (os, updates, extras, ...), "{basearch}" = yum's $basearch, e.g.
# https://vault.centos.org/7.9.2009/{repo}/{basearch}/

REPO_DIR=/etc/yum.repos.d
# Output of the last makecache (shown when it fails).
REPOS_OUT=""

is_centos7() {
  local ver
  ver=$(kw_os_field VERSION_ID)
  [[ $(kw_os_field ID) == centos && ($ver == 7 || $ver == 7.*) ]]
}

# dead_repo_files: the CentOS-*.repo files whose mirrorlist= or baseurl= still point at the
# retired mirrorlist.centos.org / mirror.centos.org.
dead_repo_files() {
  local f
  for f in "$REPO_DIR"/CentOS-*.repo; do
    [[ -f $f ]] || continue
    if grep -Eq '^[[:space:]]*(mirrorlist|baseurl)[[:space:]]*=.*(mirrorlist|mirror)\.centos\.org' "$f"; then
      printf '%s\n' "$f"
    fi
  done
}

# repos_makecache: fetches the metadata of every enabled repository; output in REPOS_OUT.
repos_makecache() {
  local rc=0
  kw_pkg_capture "$(kw_rpm_tool)" -q makecache || rc=$?
  REPOS_OUT=$KW_PKG_OUT
  return "$rc"
}

check() {
  [[ $(kw_os_family) == rhel ]] || return 0
  if is_centos7 && [[ -n $(dead_repo_files) ]]; then
    kw_log "the CentOS 7 repositories point at mirrorlist.centos.org / mirror.centos.org (retired after CentOS 7's end of life)"
    return 1
  fi
  if repos_makecache; then
    return 0
  fi
  kw_log "the package repositories do not answer ($(kw_rpm_tool) makecache failed)"
  return 1
}

# vault_rewrite: a CentOS-*.repo file (stdin) with every section that uses the retired hosts
# moved to the vault: the dead lines commented out, `baseurl=` the vault URL of the section's
# directory (the mirrorlist's repo= parameter, else the directory of the old baseurl).
vault_rewrite() {
  awk '
    function flush(   i, l, name, t, p, url, placed) {
      name = ""
      for (i = 1; i <= n; i++) {
        l = buf[i]
        if (name == "" && l ~ /^[ \t]*mirrorlist[ \t]*=/ && match(l, /[?&]repo=[A-Za-z0-9_.-]+/))
          name = substr(l, RSTART + 6, RLENGTH - 6)
      }
      for (i = 1; name == "" && i <= n; i++) {
        if (match(buf[i], /mirror\.centos\.org\/centos\/[^\/]+\/[A-Za-z0-9_.-]+\//)) {
          t = substr(buf[i], RSTART, RLENGTH - 1)
          sub(/.*\//, "", t)
          name = t
        }
      }
      url = ENVIRON["KW_CENTOS7_VAULT_URL"]
      p = index(url, "{repo}")
      url = substr(url, 1, p - 1) name substr(url, p + 6)
      while ((p = index(url, "{basearch}")) > 0)
        url = substr(url, 1, p - 1) "$basearch" substr(url, p + 10)
      placed = 0
      for (i = 1; i <= n; i++) {
        l = buf[i]
        if (l ~ /^[ \t]*(mirrorlist|baseurl)[ \t]*=.*(mirrorlist|mirror)\.centos\.org/) {
          print "#" l
          if (!placed && name != "") { print "baseurl=" url; placed = 1 }
          continue
        }
        print l
      }
      n = 0
    }
    /^[ \t]*\[/ { flush() }
    { buf[++n] = $0 }
    END { flush() }
  '
}

centos7_to_vault() {
  kw_need_re KW_CENTOS7_VAULT_URL '^https?://[A-Za-z0-9._~:/{}%+-]+$'
  [[ $KW_CENTOS7_VAULT_URL == *'{repo}'* ]] || kw_die "input KW_CENTOS7_VAULT_URL has no {repo} placeholder: $KW_CENTOS7_VAULT_URL"
  local f files new
  files=$(dead_repo_files)
  while IFS= read -r f; do
    [[ -n $f ]] || continue
    # The first backup is the original: a second run keeps it.
    [[ -e $f.kubewiz.bak ]] || cp -p "$f" "$f.kubewiz.bak"
    kw_log "$f: CentOS 7 vault $KW_CENTOS7_VAULT_URL instead of mirrorlist.centos.org (backup $f.kubewiz.bak)"
    new=$(vault_rewrite <"$f")
    printf '%s\n' "$new" | kw_write_file "$f" 644
  done <<<"$files"
}

repos_fail() {
  local id ver
  id=$(kw_os_field ID)
  ver=$(kw_os_field VERSION_ID)
  printf '%s\n' "$REPOS_OUT" >&2
  kw_hint "the package repositories of $id $ver do not answer (the $(kw_rpm_tool) error above names the repository): check the node's DNS, proxy and network, and the files in $REPO_DIR (a release past its end of life needs its vault or archive repositories); then run kubewiz apply again"
  kw_die "$(kw_rpm_tool) -q makecache failed: the OS package repositories of $id $ver do not answer"
}

apply() {
  if is_centos7; then
    if [[ -n $(dead_repo_files) ]]; then
      centos7_to_vault
      kw_log "yum clean all; yum makecache"
      kw_pkg yum -q clean all
    fi
  fi
  repos_makecache || repos_fail
  kw_log "the package repositories answer"
}
