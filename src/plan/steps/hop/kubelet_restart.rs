//! kubelet-restart: daemon-reload and restart of the kubelet; done when the node reports the hop's
//! kubelet version (fact `kubelet_version`).

use super::*;

pub static STEP: Step = Step {
    id: StepId::KubeletRestart,
    title: "restart the kubelet",
    script: script!("kubelet-restart.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::UpgradeKubelet)],
    kind: Kind::Work,
    timeout: secs(300),
    typical_secs: 15,
    env: |cx, node, env| {
        env.need("KW_K8S_VERSION", &cx.config.cluster.kubernetes_version);
        env.need("KW_NODE_NAME", &node.name);
    },
    secrets: no_secrets,
    upload: None,
};
