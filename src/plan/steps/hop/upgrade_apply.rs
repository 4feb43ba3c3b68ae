//! upgrade-apply: `kubeadm upgrade apply vX.Y.Z -y` on the first control plane (static pods,
//! certificates renewed, addons).

use super::*;

pub static STEP: Step = Step {
    id: StepId::UpgradeApply,
    title: "kubeadm upgrade apply",
    script: script!("upgrade-apply.sh"),
    nodes: Nodes::FirstControlPlane,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::UpgradePlan)],
    kind: Kind::Work,
    timeout: secs(1200),
    typical_secs: 120,
    env: |cx, _, env| env.need("KW_K8S_VERSION", &cx.config.cluster.kubernetes_version),
    secrets: no_secrets,
    upload: None,
};
