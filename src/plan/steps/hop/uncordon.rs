//! uncordon: on the first control plane, the node takes pods again; a node that was cordoned before
//! the upgrade began stays cordoned (KW_LEAVE_CORDONED=1).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Uncordon,
    title: "uncordon",
    script: script!("uncordon.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::FirstControlPlane,
    needs: &[Need::Own(StepId::UpgradeReady)],
    kind: Kind::Work,
    timeout: secs(120),
    typical_secs: 1,
    env: |cx, node, env| {
        env.need("KW_TARGET_NODE", &node.name);
        let leave = hop(cx).found_cordoned.contains(&node.name);
        env.optional("KW_LEAVE_CORDONED", if leave { "1" } else { "0" });
    },
    secrets: no_secrets,
    upload: None,
};
