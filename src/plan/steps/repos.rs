//! repos: the OS package repositories answer before any step installs a package (an EOL
//! CentOS 7 is moved to the vault).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Repos,
    title: "OS package repositories reachable",
    script: script!("repos.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Preflight)],
    kind: Kind::Work,
    // yum/dnf makecache of the OS repos (and, on an EOL CentOS 7, the switch to the vault)
    timeout: secs(600),
    typical_secs: 10,
    // "{repo}" stays a placeholder: the script fills in each repo section's directory.
    env: |cx, _, env| env.need("KW_CENTOS7_VAULT_URL", &cx.mirror.centos7_vault_repo),
    secrets: no_secrets,
    upload: None,
};
