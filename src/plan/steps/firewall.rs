//! firewall: firewalld / ufw off, SELinux permissive (now and at boot), as the guide does.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Firewall,
    title: "firewall off, SELinux permissive",
    script: script!("firewall.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Preflight)],
    kind: Kind::Work,
    timeout: secs(120),
    typical_secs: 1,
    env: no_env,
    secrets: no_secrets,
    upload: None,
};
