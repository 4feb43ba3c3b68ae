//! swap: off now and at boot (fstab entries commented out, systemd swap units masked).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Swap,
    title: "swap off (now and at boot)",
    script: script!("swap.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Preflight)],
    kind: Kind::Work,
    timeout: secs(60),
    typical_secs: 1,
    env: no_env,
    secrets: no_secrets,
    upload: None,
};
