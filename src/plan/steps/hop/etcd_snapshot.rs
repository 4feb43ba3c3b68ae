//! etcd-snapshot: before a hop touches the control plane, an etcd snapshot on the first control
//! plane (`etcdctl snapshot save` in the etcd container), kept under /var/lib/kubewiz/backups with a
//! retention. Its path comes back as the fact `snapshot`.

use super::*;

pub static STEP: Step = Step {
    id: StepId::EtcdSnapshot,
    title: "etcd snapshot",
    script: script!("etcd-snapshot.sh"),
    nodes: Nodes::FirstControlPlane,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[],
    kind: Kind::Work,
    timeout: secs(600),
    typical_secs: 10,
    env: |cx, _, env| {
        env.need("KW_BACKUP_DIR", BACKUP_DIR);
        env.need(
            "KW_SNAPSHOT_NAME",
            format!("etcd-before-v{}", cx.config.cluster.kubernetes_version),
        );
        env.need("KW_BACKUP_KEEP", hop(cx).keep_snapshots.to_string());
    },
    secrets: no_secrets,
    upload: None,
};
