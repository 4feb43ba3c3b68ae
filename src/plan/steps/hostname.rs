//! hostname: the node's hostname and a managed block of every node in /etc/hosts.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Hostname,
    title: "hostname and /etc/hosts",
    script: script!("hostname.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Preflight)],
    kind: Kind::Work,
    timeout: secs(60),
    typical_secs: 1,
    env: |cx, node, env| {
        env.need("KW_HOSTNAME", &node.name);
        env.need("KW_HOSTS", &cx.hosts);
    },
    secrets: no_secrets,
    upload: None,
};
