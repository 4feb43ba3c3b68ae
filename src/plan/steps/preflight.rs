//! preflight: a barrier evaluated on the workstation over every node's facts (resources,
//! unique hostnames/UUIDs/MACs, OS × Kubernetes version, clock skew, reachability) before
//! anything changes on any node. The rules: `engine::preflight`, `engine::compat`.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Preflight,
    title: "preflight checks across nodes",
    script: None,
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::AllNodes(StepId::Facts)],
    kind: Kind::Work,
    timeout: secs(30),
    typical_secs: 0,
    env: no_env,
    secrets: no_secrets,
    upload: None,
};
