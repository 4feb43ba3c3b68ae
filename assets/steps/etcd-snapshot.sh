# shellcheck shell=bash
# etcd-snapshot: before a hop touches the control plane, an etcd snapshot on the first control plane
# (`etcdctl snapshot save`, etcd op-guide recovery.md; still etcdctl's in etcd 3.6) through the etcd static
# pod's certificates. kubeadm's etcd image carries etcdctl (kubernetes cluster/images/etcd/Dockerfile), so it
# runs inside the etcd container (crictl exec), writing under its data mount /var/lib/etcd; a host etcdctl is
# used when installed. Kept as KW_BACKUP_DIR/KW_SNAPSHOT_NAME-<time>.db (0600), the newest KW_BACKUP_KEEP
# snapshots of etcd-*.db stay. Prints `::kw::fact snapshot=PATH`.
# Inputs: KW_BACKUP_DIR, KW_SNAPSHOT_NAME, KW_BACKUP_KEEP.

ETCD_PKI=/etc/kubernetes/pki/etcd
ETCD_DATA=/var/lib/etcd

existing() {
  local f
  for f in "$KW_BACKUP_DIR/$KW_SNAPSHOT_NAME"-*.db; do
    [[ -s $f ]] && { printf '%s\n' "$f"; return 0; }
  done
  return 1
}

check() {
  kw_need_re KW_BACKUP_DIR '^/[A-Za-z0-9._/-]+$'
  kw_need_re KW_SNAPSHOT_NAME '^etcd-[A-Za-z0-9._-]+$'
  kw_need_re KW_BACKUP_KEEP '^[0-9]+$'
  local f
  f=$(existing) || return 1
  kw_fact snapshot "$f"
}

apply() {
  local flags=(--endpoints=https://127.0.0.1:2379 "--cacert=$ETCD_PKI/ca.crt"
    "--cert=$ETCD_PKI/healthcheck-client.crt" "--key=$ETCD_PKI/healthcheck-client.key")
  local stamp tmp dest id
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  dest="$KW_BACKUP_DIR/$KW_SNAPSHOT_NAME-$stamp.db"
  install -d -m 700 "$KW_BACKUP_DIR"
  if command -v etcdctl >/dev/null 2>&1; then
    kw_log "etcdctl snapshot save (host etcdctl)"
    ETCDCTL_API=3 etcdctl "${flags[@]}" snapshot save "$dest.part" || kw_die "etcdctl snapshot save failed"
    mv -f "$dest.part" "$dest"
  else
    id=$(kw_crictl ps --name '^etcd$' -q 2>/dev/null | head -n1)
    [[ -n $id ]] || {
      kw_hint "the etcd static pod is not running on this node (crictl ps --name etcd): is this a kubeadm control plane with stacked etcd?"
      kw_die "no etcd container to take the snapshot with"
    }
    tmp="$ETCD_DATA/kubewiz-snapshot-$stamp.db"
    kw_log "etcdctl snapshot save in the etcd container ($id)"
    kw_crictl exec "$id" etcdctl "${flags[@]}" snapshot save "$tmp" || kw_die "etcdctl snapshot save failed"
    mv -f "$tmp" "$dest"
  fi
  chmod 600 "$dest"
  kw_log "snapshot saved: $dest ($(du -h "$dest" | cut -f1))"
  # Retention: the newest KW_BACKUP_KEEP snapshots stay.
  local old
  old=$(find "$KW_BACKUP_DIR" -maxdepth 1 -name 'etcd-*.db' -printf '%T@ %p\n' | sort -rn | tail -n "+$((KW_BACKUP_KEEP + 1))" | cut -d' ' -f2-)
  if [[ -n $old ]]; then
    kw_log "removing older snapshots (keeping $KW_BACKUP_KEEP): $(printf '%s' "$old" | tr '\n' ' ')"
    printf '%s\n' "$old" | xargs -r rm -f --
  fi
}
