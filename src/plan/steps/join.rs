//! join: `kubeadm join` of a worker or of a further control plane, with join secrets minted
//! just before on the first control plane.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Join,
    title: "kubeadm join",
    script: script!("join.sh"),
    nodes: Nodes::Others,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &NEEDS,
    kind: Kind::Work,
    timeout: secs(900),
    typical_secs: 30,
    env: |cx, node, env| {
        env.need("KW_API_ENDPOINT", &cx.endpoint);
        env.need("KW_NODE_NAME", &node.name);
        env.need("KW_NODE_ADDRESS", &node.address);
        let cp = node.role == Role::ControlPlane;
        env.optional("KW_JOIN_CONTROL_PLANE", if cp { "1" } else { "0" });
    },
    secrets: |node| match node.role {
        Role::ControlPlane => &[
            SecretSlot::JoinToken,
            SecretSlot::CaCertHash,
            SecretSlot::CertificateKey,
        ],
        Role::Worker => &[SecretSlot::JoinToken, SecretSlot::CaCertHash],
    },
    upload: None,
};

/// What `init` needs on its node, and the first control plane's init: workers prepare while
/// the control plane initialises. Further control planes join one after the other (etcd grows
/// one member at a time).
const NEEDS: [Need; 9] = chain(
    super::init::PREPARED,
    &[
        Need::FirstControlPlane(StepId::Init),
        Need::Previous(Role::ControlPlane, StepId::Join),
    ],
);
