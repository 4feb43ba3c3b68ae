//! drain: on the first control plane, `kubectl drain` of the node (PodDisruptionBudget-aware,
//! bounded by the drain timeout; a failed drain uncordons the node again and names the pods that
//! blocked it). Nodes found cordoned before the upgrade stay cordoned either way.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Drain,
    title: "drain",
    script: script!("drain.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::FirstControlPlane,
    needs: &[
        Need::Own(StepId::UpgradeApply),
        Need::Own(StepId::UpgradeNode),
    ],
    kind: Kind::Work,
    // At least the drain timeout plus a margin (`upgrade::plan` raises it).
    timeout: secs(420),
    typical_secs: 30,
    env: |cx, node, env| {
        let h = hop(cx);
        env.need("KW_TARGET_NODE", &node.name);
        env.need("KW_K8S_VERSION", &cx.config.cluster.kubernetes_version);
        env.need("KW_DRAIN_TIMEOUT", h.drain_timeout.to_string());
        let uncordon = !h.found_cordoned.contains(&node.name);
        env.optional("KW_UNCORDON_ON_FAILURE", if uncordon { "1" } else { "0" });
    },
    secrets: no_secrets,
    upload: None,
};
