//! upgrade-kubeconfig: the admin kubeconfig to the workstation again (kubeadm upgrade apply renewed its
//! client certificate), once the first control plane is back in service.

use super::*;

pub static STEP: Step = Step {
    id: StepId::UpgradeKubeconfig,
    title: "copy admin kubeconfig",
    script: script!("kubeconfig.sh"),
    nodes: Nodes::FirstControlPlane,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Uncordon)],
    kind: Kind::Wait,
    timeout: secs(60),
    typical_secs: 1,
    env: no_env,
    secrets: no_secrets,
    upload: None,
};
