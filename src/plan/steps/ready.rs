//! ready: on the first control plane, watches until the node is Ready (after its join or
//! init, and the pod network).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Ready,
    title: "wait for Ready",
    script: script!("ready.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::FirstControlPlane,
    needs: &[
        Need::Own(StepId::Join),
        Need::Own(StepId::Init),
        Need::FirstControlPlane(StepId::Cni),
    ],
    kind: Kind::Wait,
    timeout: secs(900),
    typical_secs: 20,
    env: |cx, node, env| {
        env.need("KW_TARGET_NODE", &node.name);
        let deadline = cx.ready_deadline().as_secs();
        env.optional("KW_READY_DEADLINE", deadline.to_string());
        // The install waits for Ready only: its pods come up while the rest of the install goes on.
        env.optional("KW_READY_PODS", "0");
    },
    secrets: no_secrets,
    upload: None,
};
