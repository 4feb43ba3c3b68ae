//! images: the control-plane images pulled into containerd before init/join (workers pull
//! while the control plane initialises).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Images,
    title: "pre-pull images",
    script: script!("images.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Containerd), Need::Own(StepId::Packages)],
    kind: Kind::Work,
    timeout: secs(1800),
    typical_secs: 90,
    env: |cx, _, env| {
        env.need("KW_K8S_VERSION", &cx.config.cluster.kubernetes_version);
        env.need("KW_IMAGE_REPOSITORY", &cx.image_repository);
    },
    secrets: no_secrets,
    upload: None,
};
