//! dashboard: the Kubernetes Dashboard on NodePort 30001 and an admin-user ServiceAccount
//! (`cluster.dashboard = true`).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Dashboard,
    title: "dashboard",
    script: script!("dashboard.sh"),
    nodes: Nodes::FirstControlPlane,
    when: When {
        what: "dashboard = true",
        holds: |config| config.cluster.dashboard,
    },
    runs_on: RunsOn::Node,
    needs: &[Need::Own(StepId::Cni)],
    kind: Kind::Work,
    timeout: secs(600),
    typical_secs: 5,
    env: |cx, _, env| {
        env.need(UPLOAD.env, UPLOAD.path);
        env.optional("KW_DASHBOARD_ADDRESS", &cx.first_cp.address);
    },
    secrets: no_secrets,
    upload: Some(UPLOAD),
};

/// Where the engine puts the patched manifest on the first control plane.
pub const UPLOAD: Upload = Upload {
    env: "KW_DASHBOARD_MANIFEST_PATH",
    path: "/var/lib/kubewiz/manifests/dashboard.yaml",
    manifest: Manifest::Dashboard,
};
