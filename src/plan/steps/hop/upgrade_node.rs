//! upgrade-node: `kubeadm upgrade node` on every other node, after the first control plane's apply;
//! control planes one after the other (a worker waits for every control plane: `upgrade::plan`).

use super::*;

pub static STEP: Step = Step {
    id: StepId::UpgradeNode,
    title: "kubeadm upgrade node",
    script: script!("upgrade-node.sh"),
    nodes: Nodes::Others,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[
        Need::Own(StepId::UpgradeKubeadm),
        Need::FirstControlPlane(StepId::UpgradeApply),
        Need::Previous(Role::ControlPlane, StepId::Uncordon),
    ],
    kind: Kind::Work,
    timeout: secs(900),
    typical_secs: 30,
    env: |cx, node, env| {
        env.need("KW_K8S_VERSION", &cx.config.cluster.kubernetes_version);
        env.need("KW_NODE_NAME", &node.name);
    },
    secrets: no_secrets,
    upload: None,
};
