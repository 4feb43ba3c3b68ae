//! facts: what the node is (OS, kernel, cgroups, CPUs, memory, product_uuid, MACs, clock,
//! sudo, which peers it reaches, which registry mirrors and package repositories answer).
//! Read-only; runs every time.

use super::*;

pub static STEP: Step = Step {
    id: StepId::Facts,
    title: "connect and read facts",
    script: script!("facts.sh"),
    nodes: Nodes::All,
    when: ALWAYS,
    runs_on: RunsOn::Node,
    needs: &[],
    kind: Kind::Work,
    timeout: secs(60),
    typical_secs: 1,
    env: |cx, node, env| {
        env.optional("KW_PEERS", peers(cx.config, node).join(" "));
        // Every mirror, and every registry the cluster pulls from without one: each must answer
        // from the node (preflight names the node, the registry and the mirror that does not).
        env.optional(
            "KW_REGISTRY_PROBES",
            crate::plan::registries::probes_env(&cx.registries),
        );
        // The package repositories the install fetches from: each must answer before anything
        // is installed (preflight names the node, the repository and the URL).
        env.optional("KW_PACKAGE_PROBES", package_probes(cx.mirror, cx.minor));
    },
    secrets: no_secrets,
    upload: None,
};

/// "ADDR:PORT" of every other node's SSH port (each node checks it reaches them).
pub fn peers(config: &ClusterConfig, node: &NodeConfig) -> Vec<String> {
    config
        .nodes
        .iter()
        .filter(|n| n.name != node.name)
        .map(|n| format!("{}:{}", n.address, n.port.unwrap_or(config.ssh.port)))
        .collect()
}

/// `KW_PACKAGE_PROBES`: "<repository> <rhel|debian> <url>" per line, the URL each package
/// repository is first asked for by the step that installs from it: the Kubernetes repository's
/// signing key (`packages`: the rpm repo's `gpgkey`, the deb repo's Release.key) and Docker's
/// (`containerd`: the docker-ce .repo file it fetches on the RHEL family, the apt key on the
/// Debian family, "{distro}" left for the node to fill in).
pub fn package_probes(
    mirror: &crate::catalog::MirrorInfo,
    minor: &crate::catalog::Minor,
) -> String {
    [
        ("kubernetes", "rhel", mirror.rpm_key(minor)),
        ("kubernetes", "debian", mirror.deb_key(minor)),
        ("docker-ce", "rhel", mirror.docker_ce_rpm_repo.clone()),
        ("docker-ce", "debian", mirror.docker_ce_deb_key("{distro}")),
    ]
    .iter()
    .map(|(repo, family, url)| format!("{repo} {family} {url}"))
    .collect::<Vec<_>>()
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::vocab::Mirror;

    #[test]
    fn package_probes_are_the_urls_the_package_steps_fetch_first() {
        let cat = Catalog::builtin();
        let minor = cat.minor("1.25").unwrap();
        assert_eq!(
            package_probes(cat.mirror(Mirror::Aliyun), minor),
            "kubernetes rhel https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.25/rpm/repodata/repomd.xml.key\n\
             kubernetes debian https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.25/deb/Release.key\n\
             docker-ce rhel https://mirrors.aliyun.com/docker-ce/linux/centos/docker-ce.repo\n\
             docker-ce debian https://mirrors.aliyun.com/docker-ce/linux/{distro}/gpg"
        );
        let up = package_probes(cat.mirror(Mirror::Upstream), cat.minor("1.36").unwrap());
        assert!(up.contains("kubernetes rhel https://pkgs.k8s.io/core:/stable:/v1.36/rpm/repodata/repomd.xml.key"), "{up}");
        assert!(
            up.contains("docker-ce debian https://download.docker.com/linux/{distro}/gpg"),
            "{up}"
        );
    }
}
