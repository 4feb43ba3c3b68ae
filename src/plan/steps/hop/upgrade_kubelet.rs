//! upgrade-kubelet: kubelet and kubectl pinned to the hop's version, held (packages.sh with
//! KW_PACKAGES="kubelet kubectl", KW_UPGRADE=1), on the drained node.

use super::*;

pub static STEP: Step = Step {
    id: StepId::UpgradeKubelet,
    title: "kubelet and kubectl of the new version",
    script: script!("packages.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::UpgradeContainerd)],
    kind: Kind::Work,
    timeout: secs(900),
    typical_secs: 30,
    env: |cx, node, env| packages_env(cx, node, env, "kubelet kubectl"),
    secrets: no_secrets,
    upload: None,
};
