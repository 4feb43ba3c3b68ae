#!/usr/bin/env bash
# Real containerd binaries for the tests that check every containerd config kubewiz writes
# (tests/fleet/containerd.rs): Debian's containerd packages run `containerd config default` and
# `containerd --config F config dump` without a daemon. bookworm carries 1.6, trixie 1.7, sid 2.x
# (1.6.20, 1.7.24 and 2.1.9 in December 2026). Each is unpacked to $dest/<branch>/ (1.6, 1.7, 2),
# its exact version in $dest/<branch>/VERSION. Idempotent; needs apt-get, dpkg-deb and the Debian
# archive keyring (a Debian machine has them). Usage: .ci/real-containerd.sh [DEST]
set -euo pipefail
dest=${1:-${KW_REAL_CONTAINERD:-/opt/kubewiz-real/containerd}}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$dest"
for suite in bookworm trixie sid; do
  echo "deb [signed-by=$keyring] http://deb.debian.org/debian $suite main"
done >"$work/sources.list"
# Only the Packages indexes (no translations, no AppStream metadata): ~3x less to fetch.
apt=(-o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=/nonexistent
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root
  -o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
  -o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false
  -o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false
  -o Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false)
apt-get "${apt[@]}" -qq update
versions=$(apt-cache "${apt[@]}" madison containerd | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
for branch in 1.6 1.7 2; do
  [[ -x $dest/$branch/usr/bin/containerd ]] && continue
  v=$(printf '%s\n' "$versions" | grep "^$branch\." | sort -V | tail -n 1)
  [[ -n $v ]] || { echo "no containerd $branch.x in bookworm/trixie/sid" >&2; exit 1; }
  (cd "$work" && apt-get "${apt[@]}" -qq download "containerd=$v")
  rm -rf "$dest/$branch.tmp"
  mkdir -p "$dest/$branch.tmp"
  dpkg-deb -x "$work"/containerd_*.deb "$dest/$branch.tmp"
  rm -f "$work"/containerd_*.deb
  printf '%s\n' "$v" >"$dest/$branch.tmp/VERSION"
  mv "$dest/$branch.tmp" "$dest/$branch"
  echo "containerd $v -> $dest/$branch"
done
