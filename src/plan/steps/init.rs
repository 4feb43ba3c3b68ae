//! init: `kubeadm init` on the first control plane from a rendered config file, then the
//! admin kubeconfig for root.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Init,
    title: "kubeadm init",
    script: script!("init.sh"),
    nodes: Nodes::FirstControlPlane,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: PREPARED,
    kind: Kind::Work,
    timeout: secs(900),
    typical_secs: 60,
    env: |cx, node, env| {
        let c = &cx.config.cluster;
        env.need("KW_NODE_NAME", &node.name);
        env.need("KW_NODE_ADDRESS", &node.address);
        env.need("KW_KUBEADM_API", &cx.minor.kubeadm_api);
        env.need("KW_K8S_VERSION", &c.kubernetes_version);
        env.need("KW_IMAGE_REPOSITORY", &cx.image_repository);
        env.need("KW_CONTROL_PLANE_ENDPOINT", &cx.endpoint);
        env.need("KW_POD_CIDR", &c.pod_cidr);
        env.need("KW_SERVICE_CIDR", &c.service_cidr);
        env.need("KW_PROXY_MODE", c.proxy_mode.as_str());
    },
    secrets: no_secrets,
    upload: None,
};

/// What kubeadm init and join need on their node: their preflight checks the modules,
/// sysctls, swap and clock; the images are pulled by then.
pub(super) const PREPARED: &[Need] = &[
    Need::Own(StepId::Images),
    Need::Own(StepId::Hostname),
    Need::Own(StepId::Firewall),
    Need::Own(StepId::Swap),
    Need::Own(StepId::Modules),
    Need::Own(StepId::Sysctl),
    Need::Own(StepId::Time),
];
