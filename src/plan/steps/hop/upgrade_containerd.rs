//! upgrade-containerd: containerd.sh again with the hop's inputs (the sandbox image kubeadm expects
//! for the new minor, the containerd minimum): a config that already matches is left alone.

use super::*;

pub static STEP: Step = Step {
    id: StepId::UpgradeContainerd,
    title: "containerd for the new version",
    script: script!("containerd.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Drain)],
    kind: Kind::Work,
    timeout: secs(900),
    typical_secs: 5,
    env: |cx, node, env| (super::super::containerd::STEP.env)(cx, node, env),
    secrets: no_secrets,
    upload: None,
};
