//! time: chrony installed and running; the timezone if `cluster.timezone` is set.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Time,
    title: "time sync and timezone",
    script: script!("time.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    // The last package step of a node (see `containerd`).
    needs: &[Need::Own(StepId::Repos), Need::Own(StepId::Modules)],
    kind: Kind::Work,
    timeout: secs(300),
    typical_secs: 10,
    env: |cx, _, env| {
        let tz = cx.config.cluster.timezone.clone().unwrap_or_default();
        env.optional("KW_TIMEZONE", tz)
    },
    secrets: no_secrets,
    upload: None,
};
