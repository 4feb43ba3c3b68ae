//! sysctl: IP forwarding and bridge netfilter (needs br_netfilter from `modules`).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Sysctl,
    title: "sysctls",
    script: script!("sysctl.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Modules)],
    kind: Kind::Work,
    timeout: secs(60),
    typical_secs: 1,
    env: no_env,
    secrets: no_secrets,
    upload: None,
};
