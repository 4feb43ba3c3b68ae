//! kubeconfig: hands the admin kubeconfig to the workstation (`.kubewiz/kubeconfig`). Runs
//! every time.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Kubeconfig,
    title: "copy admin kubeconfig",
    script: script!("kubeconfig.sh"),
    nodes: Nodes::FirstControlPlane,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Init)],
    kind: Kind::Wait,
    timeout: secs(60),
    typical_secs: 1,
    env: no_env,
    secrets: no_secrets,
    upload: None,
};
