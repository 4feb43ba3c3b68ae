//! packages: the Kubernetes repository of the minor, kubeadm, kubelet and kubectl pinned to the
//! exact version and held, and explicitly what kubeadm needs besides (cri-tools, kubernetes-cni,
//! the tools its preflight looks up): package dependencies changed upstream and are not relied on.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Packages,
    title: "kubeadm, kubelet, kubectl",
    script: script!("packages.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    // After containerd: one package step at a time on a node (see `containerd`).
    needs: &[Need::Own(StepId::Repos), Need::Own(StepId::Containerd)],
    kind: Kind::Work,
    timeout: secs(900),
    typical_secs: 60,
    env: |cx, _, env| {
        let (m, r) = (cx.minor, cx.mirror);
        env.need("KW_K8S_VERSION", &cx.config.cluster.kubernetes_version);
        env.need("KW_K8S_MINOR", &m.version);
        // What kubeadm's preflight of this minor looks up in PATH: "TOOL:DEBPKG:RPMPATH ...".
        let tools: Vec<String> = cx
            .catalog
            .kubeadm_tools(m)
            .map(|t| format!("{}:{}:{}", t.tool, t.deb, t.rpm))
            .collect();
        env.need("KW_NODE_TOOLS", tools.join(" "));
        env.need("KW_REPO_RPM_URL", r.rpm_repo(m));
        env.need("KW_REPO_RPM_KEY", r.rpm_key(m));
        env.need("KW_REPO_DEB_URL", r.deb_repo(m));
        env.need("KW_REPO_DEB_KEY", r.deb_key(m));
        // Both mirrors use the pkgs.k8s.io layout (suite "/"; the legacy layout had
        // "kubernetes-xenial main").
        env.optional("KW_REPO_DEB_SUITE", "/");
        // An upgrade hop reuses this script for "kubeadm", then "kubelet kubectl", with KW_UPGRADE=1.
        env.optional("KW_PACKAGES", "kubeadm kubelet kubectl");
        env.optional("KW_UPGRADE", "0");
    },
    secrets: no_secrets,
    upload: None,
};
