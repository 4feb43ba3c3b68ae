//! upgrade-ready: on the first control plane, watches until the node is Ready again (ready.sh).

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
    env: |cx, node, env| (super::super::ready::STEP.env)(cx, node, env),
    secrets: no_secrets,
    upload: None,
};
