//! containerd: the container runtime the containerd × Kubernetes matrix accepts, installed and
//! configured for kubeadm (systemd cgroups, the sandbox image kubeadm expects, registry mirrors
//! as hosts.toml files under config_path = /etc/containerd/certs.d).

use super::*;

pub static STEP: Step = Step {
    id: StepId::Containerd,
    title: "containerd",
    script: script!("containerd.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    // Steps that install packages need the OS repositories, and run one after the other on a
    // node (yum/dnf/apt take a lock): containerd, packages, modules (the IPVS tools), time.
    // The order is in the plan rather than only in the scripts' lock, so the plan's critical
    // path is the real one and no step holds a slot waiting for the lock. What the image pull
    // needs (containerd, kubeadm) comes first; modules and time, which only init and join
    // need, install while the images are pulled. (containerd's overlayfs snapshotter does not
    // need the modules step: mounting overlay loads the module.)
    needs: &[Need::Own(StepId::Repos)],
    kind: Kind::Work,
    timeout: secs(900),
    typical_secs: 40,
    env: |cx, _, env| {
        env.need(
            "KW_SANDBOX_IMAGE",
            cx.minor.pause_image(&cx.image_repository),
        );
        // containerd's matrix row for the minor ("2.3.0 2.2.0"): the script keeps or installs a
        // containerd it accepts.
        env.need(
            "KW_CONTAINERD_ACCEPT",
            cx.catalog.containerd_row(cx.minor).accept_env(),
        );
        env.need("KW_DOCKER_REPO_URL", &cx.mirror.docker_ce_rpm_repo);
        // Aliyun's .repo file still names download.docker.com: rewritten to this.
        env.need("KW_DOCKER_RPM_BASE", &cx.mirror.docker_ce_rpm_base);
        // One /etc/containerd/certs.d/<registry>/hosts.toml per registry with mirrors.
        env.optional(
            "KW_REGISTRY_MIRRORS",
            crate::plan::registries::mirrors_env(&cx.registries),
        );
        // "{distro}" stays a placeholder: the script fills in the node's os-release ID.
        env.need(
            "KW_DOCKER_DEB_REPO_URL",
            cx.mirror.docker_ce_deb_repo("{distro}"),
        );
        env.need("KW_DOCKER_DEB_KEY", cx.mirror.docker_ce_deb_key("{distro}"));
    },
    secrets: no_secrets,
    upload: None,
};
