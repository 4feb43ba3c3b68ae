//! What changes from one minor to the next, in words for the path display: packages, the sandbox image,
//! kubeadm's configuration API, containerd's matrix, cgroup v2, IPVS, the CNI's tested range. All from the
//! catalog.

use crate::catalog::{Catalog, Minor};
use crate::config::ClusterConfig;

/// What changes from minor `a` to `b`, from the catalog.
pub(super) fn changes(
    catalog: &Catalog,
    config: &ClusterConfig,
    a: &Minor,
    b: &Minor,
) -> Vec<String> {
    let mirror = catalog.mirror(config.cluster.mirror);
    let mut out = vec![format!(
        "packages from the Kubernetes {} repository ({}), kept held at the exact version",
        b.version,
        mirror.rpm_repo(b).trim_end_matches("rpm/")
    )];
    if a.pause != b.pause {
        out.push(format!(
            "sandbox (pause) image {} → {}: containerd's config is updated on every node",
            a.pause, b.pause
        ));
    }
    if a.kubeadm_api != b.kubeadm_api {
        out.push(format!(
            "kubeadm configuration API {} → {} (kubeadm converts the cluster's stored configuration; new nodes \
             get {})",
            a.kubeadm_api, b.kubeadm_api, b.kubeadm_api
        ));
    }
    let (ra, rb) = (catalog.containerd_row(a), catalog.containerd_row(b));
    if ra.containerd != rb.containerd {
        out.push(format!(
            "containerd {} (containerd's matrix for Kubernetes {}): nodes with another containerd get \
             one it lists before their kubelet",
            rb.describe(),
            b.version
        ));
    }
    if b.cgroup_v2_required && !a.cgroup_v2_required {
        out.push(format!(
            "cgroup v2 required: kubelet {} refuses cgroup v1 hosts",
            b.version
        ));
    }
    if b.ipvs_deprecated && !a.ipvs_deprecated {
        out.push("kube-proxy's IPVS mode is deprecated from here".to_string());
    }
    let cni = config.cluster.cni;
    let running = config.cni_version(a);
    if let Some(rel) = catalog.cni_release(cni, running)
        && !rel.allows(b)
    {
        out.push(format!(
            "{} {running} is not in upstream's tested range for {}: upgrade the CNI after the upgrade \
             (kubewiz does not change it; allowed here: {})",
            cni.as_str(),
            b.version,
            b.cni(cni).allowed.join(", ")
        ));
    }
    out
}
