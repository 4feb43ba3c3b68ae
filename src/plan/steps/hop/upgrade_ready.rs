//! upgrade-ready: on the first control plane, watches until the node is Ready again and every kube-system
//! pod on it runs (ready.sh with KW_READY_PODS=1): the node is uncordoned, and the next one drained, only
//! once its kube-proxy (the hop's new image) and CNI pods are back.

use super::*;

pub static STEP: Step = Step {
    id: StepId::UpgradeReady,
    title: "wait for Ready",
    script: script!("ready.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::FirstControlPlane,
    needs: &[Need::Own(StepId::KubeletRestart)],
    kind: Kind::Wait,
    timeout: secs(900),
    typical_secs: 10,
    env: |cx, node, env| {
        env.need("KW_TARGET_NODE", &node.name);
        env.optional(
            "KW_READY_DEADLINE",
            cx.ready_deadline().as_secs().to_string(),
        );
        env.optional("KW_READY_PODS", "1");
    },
    secrets: no_secrets,
    upload: None,
};
