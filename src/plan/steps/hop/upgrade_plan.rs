//! upgrade-plan: `kubeadm upgrade plan vX.Y.Z` on the first control plane: kubeadm's health checks
//! and version policy before anything changes.

use super::*;

pub static STEP: Step = Step {
    id: StepId::UpgradePlan,
    title: "kubeadm upgrade plan",
    script: script!("upgrade-plan.sh"),
    nodes: Nodes::FirstControlPlane,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::UpgradeKubeadm)],
    kind: Kind::Work,
    timeout: secs(300),
    typical_secs: 5,
    env: |cx, _, env| env.need("KW_K8S_VERSION", &cx.config.cluster.kubernetes_version),
    secrets: no_secrets,
    upload: None,
};
