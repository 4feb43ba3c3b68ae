//! cni: the pod network, applied on the first control plane from the manifest the engine
//! uploads (patched to `pod_cidr` on the workstation).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Cni,
    title: "pod network (CNI)",
    script: script!("cni.sh"),
    nodes: Nodes::FirstControlPlane,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Init)],
    kind: Kind::Work,
    timeout: secs(600),
    typical_secs: 10,
    env: |cx, _, env| {
        let c = &cx.config.cluster;
        env.need("KW_CNI", c.cni.as_str());
        env.need(UPLOAD.env, UPLOAD.path);
        env.need("KW_POD_CIDR", &c.pod_cidr);
    },
    secrets: no_secrets,
    upload: Some(UPLOAD),
};

/// Where the engine puts the patched manifest on the first control plane.
pub const UPLOAD: Upload = Upload {
    env: "KW_CNI_MANIFEST_PATH",
    path: "/var/lib/kubewiz/manifests/cni.yaml",
    manifest: Manifest::Cni,
};
