//! One hop of an upgrade (`kubewiz upgrade`): every node moves to the hop's version, in the order
//! kubeadm documents (website `content/en/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade.md`,
//! `upgrading-linux-nodes.md`):
//!
//! - first control plane: etcd snapshot → kubeadm (repository of the new minor, pinned, held) →
//!   `kubeadm upgrade plan` → `kubeadm upgrade apply` → drain → containerd (sandbox image, minimum
//!   version) → kubelet + kubectl (pinned, held) → kubelet restart → Ready → uncordon;
//! - other control planes, one after the other: kubeadm → `kubeadm upgrade node` → the same from drain on;
//! - workers, after every control plane, a bounded number at once (edges added by
//!   `upgrade::plan`): kubeadm → `kubeadm upgrade node` → drain → ... → uncordon.
//!
//! The plan is built with a [`Context`](super::Context) whose config carries the hop's version and
//! whose `hop` carries the drain timeout, the snapshot retention and the nodes found cordoned.

use super::*;

mod drain;
mod etcd_snapshot;
mod kubelet_restart;
mod uncordon;
mod upgrade_apply;
mod upgrade_containerd;
mod upgrade_kubeadm;
mod upgrade_kubeconfig;
mod upgrade_kubelet;
mod upgrade_node;
mod upgrade_plan;
mod upgrade_ready;

/// Where the etcd snapshots go on the first control plane.
pub const BACKUP_DIR: &str = "/var/lib/kubewiz/backups";

/// One hop, in pipeline order.
pub static HOP: Pipeline = Pipeline {
    name: "upgrade hop",
    steps: &[
        &etcd_snapshot::STEP,
        &upgrade_kubeadm::STEP,
        &upgrade_plan::STEP,
        &upgrade_apply::STEP,
        &upgrade_node::STEP,
        &drain::STEP,
        &upgrade_containerd::STEP,
        &upgrade_kubelet::STEP,
        &kubelet_restart::STEP,
        &upgrade_ready::STEP,
        &uncordon::STEP,
        &upgrade_kubeconfig::STEP,
    ],
};

/// The definition of a hop step (`None` for the install's).
pub fn def(id: StepId) -> Option<&'static Step> {
    Some(match id {
        StepId::EtcdSnapshot => &etcd_snapshot::STEP,
        StepId::UpgradeKubeadm => &upgrade_kubeadm::STEP,
        StepId::UpgradePlan => &upgrade_plan::STEP,
        StepId::UpgradeApply => &upgrade_apply::STEP,
        StepId::UpgradeNode => &upgrade_node::STEP,
        StepId::Drain => &drain::STEP,
        StepId::UpgradeContainerd => &upgrade_containerd::STEP,
        StepId::UpgradeKubelet => &upgrade_kubelet::STEP,
        StepId::KubeletRestart => &kubelet_restart::STEP,
        StepId::UpgradeReady => &upgrade_ready::STEP,
        StepId::Uncordon => &uncordon::STEP,
        StepId::UpgradeKubeconfig => &upgrade_kubeconfig::STEP,
        _ => return None,
    })
}

/// The hop inputs of a context (a hop step built without them is a bug of the caller).
fn hop<'a>(cx: &'a Context<'_>) -> &'a HopInputs {
    cx.hop
        .as_ref()
        .expect("a hop step is built with Context::hop set (upgrade::plan)")
}

/// `env` of packages.sh for one hop: the install's inputs for the hop's minor, then which
/// packages and "upgrade" (an older installed version may be replaced).
fn packages_env(cx: &Context<'_>, node: &NodeConfig, env: &mut Env, packages: &str) {
    (super::packages::STEP.env)(cx, node, env);
    for i in &mut env.vars {
        match i.name {
            "KW_PACKAGES" => i.value = packages.to_string(),
            "KW_UPGRADE" => i.value = "1".to_string(),
            _ => {}
        }
    }
}
