//! upgrade-kubeadm: the repository of the hop's minor and kubeadm pinned to the hop's version,
//! held (packages.sh with KW_PACKAGES=kubeadm, KW_UPGRADE=1). Every node; a control plane after
//! its snapshot.

use super::*;

pub static STEP: Step = Step {
    id: StepId::UpgradeKubeadm,
    title: "kubeadm of the new version",
    script: script!("packages.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::EtcdSnapshot)],
    kind: Kind::Work,
    timeout: secs(900),
    typical_secs: 30,
    env: |cx, node, env| packages_env(cx, node, env, "kubeadm"),
    secrets: no_secrets,
    upload: None,
};
