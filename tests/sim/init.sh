#!/bin/bash
# Boots one simulated host. Runs as PID 1 of a fresh pid namespace, inside the host's network
# namespace and its own mount/uts namespaces (the harness starts it with
# `ip netns exec NS unshare --mount --uts --pid --fork --mount-proc --propagation private`).
#   $1: the host's directory (host.json, upper/, work/)   $2: the simulator sources (tests/sim)
# The same script runs on a (simulated) reboot: overlays keep the files, /run and /tmp start empty.
set -euo pipefail
H=$1
SIM=$2

mount --make-rprivate /
for d in etc usr var opt root home; do
  mkdir -p "$H/upper/$d" "$H/work/$d"
  # A fresh machine's /root and /home are not the workstation's (its ~/.bashrc, ~/.ssh, ...):
  # they start from the skeleton the harness prepared.
  lower=/$d
  [[ $d == root || $d == home ]] && lower=$H/empty-$d
  mount -t overlay "kwsim-$d" -o "lowerdir=$lower,upperdir=$H/upper/$d,workdir=$H/work/$d" "/$d"
done
mount -t tmpfs -o mode=0755,size=256m kwsim-run /run
mkdir -p /run/sshd /run/kwsim/proc /run/lock
chmod 0755 /run/sshd

# A fresh boot: runtime kernel settings of this network namespace back to their defaults.
echo 0 >/proc/sys/net/ipv4/ip_forward
for k in bridge-nf-call-iptables bridge-nf-call-ip6tables bridge-nf-call-arptables; do
  [[ -w /proc/sys/net/bridge/$k ]] && echo 1 >"/proc/sys/net/bridge/$k"
done
for t in filter nat mangle raw; do
  iptables -w -t "$t" -F 2>/dev/null || true
  iptables -w -t "$t" -X 2>/dev/null || true
done

if [[ ! -e /var/lib/kwsim/provisioned ]]; then
  rm -rf /usr/lib/kwsim
  mkdir -p /usr/lib/kwsim /var/lib/kwsim
  cp -r "$SIM/kwsim" /usr/lib/kwsim/
  cp "$H/host.json" /var/lib/kwsim/host.json
  /usr/bin/python3 -S /usr/lib/kwsim/kwsim/provision.py
  # Real `containerd config default` outputs (../shared/fixtures/containerd), when the harness found them.
  for f in "$H"/containerd-default-*.toml; do
    [[ -f $f ]] && cp "$f" /usr/lib/kwsim/
  done
  touch /var/lib/kwsim/provisioned
fi

# Runtime files behind the fake /proc entries and the hardware identity.
/usr/bin/python3 -S /usr/lib/kwsim/kwsim/tool.py kwsim-prepare-boot

for f in meminfo cpuinfo swaps modules version; do
  # (a kernel without module support has no /proc/modules: lsmod is simulated anyway)
  [[ -e /proc/$f ]] && mount --bind "/run/kwsim/proc/$f" "/proc/$f"
done
mount --bind /run/kwsim/proc/osrelease /proc/sys/kernel/osrelease

# /proc/sys read-only except the per-namespace net tree (so nothing leaks to the real machine);
# the bridge keys are hidden until br_netfilter is "loaded" (modprobe unmounts the cover).
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
mount --bind /proc/sys/net /proc/sys/net
mount -o remount,bind,rw /proc/sys/net
mount -t tmpfs -o ro,size=4k,mode=0555 kwsim-nobridge /proc/sys/net/bridge

# /sys/class/dmi/id (absent here): a tmpfs over /sys/class that keeps the real classes.
mkdir -p /run/kwsim/sysclass
mount --bind /sys/class /run/kwsim/sysclass
mount -t tmpfs -o mode=0755,size=1m kwsim-sysclass /sys/class
for c in /run/kwsim/sysclass/*; do
  n=${c##*/}
  mkdir -p "/sys/class/$n"
  mount --bind "$c" "/sys/class/$n"
done
mkdir -p /sys/class/dmi/id
cp /run/kwsim/dmi/* /sys/class/dmi/id/
chmod 0400 /sys/class/dmi/id/product_uuid /sys/class/dmi/id/product_serial
mount -o remount,ro /sys/class
umount -l /run/kwsim/sysclass
rmdir /run/kwsim/sysclass

# cgroup v1 (a tmpfs with controller dirs) or v2 (cgroup2fs).
if [[ $(cat /run/kwsim/cgroup_version) == 2 ]]; then
  mount -t cgroup2 kwsim-cgroup2 /sys/fs/cgroup 2>/dev/null || {
    mount -t tmpfs -o mode=0755,size=1m kwsim-cgroup /sys/fs/cgroup
    printf 'cpuset cpu io memory hugetlb pids rdma misc\n' >/sys/fs/cgroup/cgroup.controllers
  }
else
  mount -t tmpfs -o mode=0755,size=1m kwsim-cgroup /sys/fs/cgroup
  for c in blkio cpu cpuacct cpuset devices freezer hugetlb memory net_cls perf_event pids systemd; do
    mkdir -p "/sys/fs/cgroup/$c"
  done
  mount -o remount,ro /sys/fs/cgroup
fi

mount -t tmpfs -o mode=1777,size=512m kwsim-tmp /tmp
hostname "$(cat /etc/hostname)"
cd /
exec /usr/bin/python3 -S /usr/lib/kwsim/kwsim/tool.py kwsim-init
