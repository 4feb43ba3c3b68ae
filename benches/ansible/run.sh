#!/usr/bin/env bash
# The Ansible side of benches/overhead.rs: installs ansible-core from PyPI into a venv under
# target/ (once), writes an inventory, ansible.cfg and a playbook of N no-op `shell: ":"` tasks
# for the given hosts, runs ansible-playbook and leaves per-host task timestamps (JSON, from
# callback_plugins/kw_timing.py) in --out.
#
#   benches/ansible/run.sh --work DIR --key FILE --known-hosts FILE --out FILE \
#       [--steps 200] [--forks 10] [--strategy linear|free] NAME=ADDRESS...
#
# SSH as Ansible users tune it for speed: pipelining on, ControlMaster/ControlPersist,
# gather_facts off, the Python interpreter given (no discovery).
set -euo pipefail

ANSIBLE_CORE_VERSION="2.19.14"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
venv="$target/bench-ansible/venv"

work="" key="" known_hosts="" out="" steps=200 forks=10 strategy=linear
hosts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work="$2"; shift 2 ;;
    --key) key="$2"; shift 2 ;;
    --known-hosts) known_hosts="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --forks) forks="$2"; shift 2 ;;
    --strategy) strategy="$2"; shift 2 ;;
    --setup-only) setup_only=1; shift ;;
    *=*) hosts+=("$1"); shift ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ ! -x "$venv/bin/ansible-playbook" ] ||
  ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('ansible-core') != '$ANSIBLE_CORE_VERSION')" 2>/dev/null; then
  echo "installing ansible-core $ANSIBLE_CORE_VERSION into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "ansible-core==$ANSIBLE_CORE_VERSION" >&2
fi
if [ "${setup_only:-0}" = 1 ]; then
  exit 0
fi
if [ -z "$work" ] || [ -z "$key" ] || [ -z "$known_hosts" ] || [ -z "$out" ] || [ ${#hosts[@]} -eq 0 ]; then
  echo "run.sh: --work, --key, --known-hosts, --out and at least one NAME=ADDRESS are required" >&2
  exit 2
fi

mkdir -p "$work/cp" "$work/tmp"
{
  echo "[fleet]"
  for h in "${hosts[@]}"; do
    echo "${h%%=*} ansible_host=${h#*=}"
  done
  echo
  echo "[fleet:vars]"
  echo "ansible_user=root"
  echo "ansible_ssh_private_key_file=$key"
  echo "ansible_python_interpreter=/usr/bin/python3"
  echo "ansible_ssh_pipelining=true"
} >"$work/inventory.ini"

cat >"$work/ansible.cfg" <<EOF
[defaults]
inventory = $work/inventory.ini
forks = $forks
strategy = $strategy
gathering = explicit
host_key_checking = True
callback_plugins = $here/callback_plugins
callbacks_enabled = kw_timing
stdout_callback = default
display_skipped_hosts = False
retry_files_enabled = False
local_tmp = $work/tmp
interpreter_python = /usr/bin/python3

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=$known_hosts -o StrictHostKeyChecking=accept-new -o IdentitiesOnly=yes -o BatchMode=yes
control_path_dir = $work/cp
EOF

{
  echo "- hosts: fleet"
  echo "  gather_facts: false"
  echo "  tasks:"
  for i in $(seq 1 "$steps"); do
    echo "    - name: step $i"
    echo "      shell: \":\""
  done
} >"$work/playbook.yml"

export ANSIBLE_CONFIG="$work/ansible.cfg"
export ANSIBLE_HOME="$work/home"
export ANSIBLE_NOCOLOR=1
export KW_TIMING_OUT="$out"
"$venv/bin/ansible-playbook" "$work/playbook.yml" >"$work/ansible.log" 2>&1 || {
  echo "ansible-playbook failed; last lines of $work/ansible.log:" >&2
  tail -n 30 "$work/ansible.log" >&2
  exit 1
}
