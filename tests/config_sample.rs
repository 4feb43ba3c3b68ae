//! config.sample.toml (the seed's cluster) loads and validates; every catalog version is
//! usable from a config; local CNI manifests (the real upstream fixtures) are checked
//! against pod_cidr — the seed's 10.224 vs 10.244 mistake is refused.

mod skip;

use kubewiz::catalog::Catalog;
use kubewiz::config::{self, Cni, Mirror, ProxyMode, Role};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn sample_loads_as_the_seed_cluster() {
    let path = root().join("config.sample.toml");
    let v = config::load_validated(&path).unwrap_or_else(|e| panic!("{e}"));
    let (cfg, warnings) = (&v.config, &v.warnings);
    assert_eq!(v.minor.version, "1.25");
    assert_eq!(v.cni_version, "3.24.6");
    let c = &cfg.cluster;
    assert_eq!(c.name, "demo");
    assert_eq!(c.kubernetes_version, "1.25.3");
    assert_eq!(c.pod_cidr, "10.244.0.0/16");
    assert_eq!(c.service_cidr, "10.96.0.0/12");
    assert_eq!(c.cni, Cni::Calico);
    assert_eq!(c.mirror, Mirror::Aliyun);
    assert_eq!(c.proxy_mode, ProxyMode::Ipvs);
    assert!(c.dashboard);
    assert_eq!(c.timezone.as_deref(), Some("Asia/Shanghai"));
    assert_eq!(cfg.ssh.user, "root");
    assert_eq!(cfg.ssh.port, 22);
    let names: Vec<_> = cfg.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["k8s-master", "k8s-node01", "k8s-node02"]);
    assert_eq!(cfg.nodes[0].role, Role::ControlPlane);
    assert_eq!(cfg.nodes[0].address, "192.168.147.130");
    assert_eq!(cfg.first_control_plane().unwrap().name, "k8s-master");
    // `~/` is expanded by load.
    let id = cfg.ssh.identity_file.as_ref().unwrap();
    assert!(!id.starts_with("~"), "{}", id.display());
    assert!(id.ends_with(".ssh/id_ed25519"));
    // 1.25 is long out of support: said as a warning, not refused.
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("out of upstream support")),
        "{warnings:?}"
    );

    let v = config::validate(
        &config::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap(),
        Catalog::builtin(),
    )
    .unwrap();
    assert_eq!(v.cni_version, "3.24.6");
    assert_eq!(
        v.image_repository,
        "registry.aliyuncs.com/google_containers"
    );
    assert_eq!(v.minor.pause, "3.8");
    assert_eq!(v.version.to_string(), "1.25.3");
}

fn config_text(version: &str, cni: &str, extra: &str) -> String {
    format!(
        "[cluster]\nname = \"t\"\nkubernetes_version = \"{version}\"\ncni = \"{cni}\"\n{extra}\n\
         [[node]]\nname = \"cp\"\naddress = \"192.0.2.10\"\nrole = \"control-plane\"\n\
         [[node]]\nname = \"w1\"\naddress = \"192.0.2.11\"\nrole = \"worker\"\n"
    )
}

#[test]
fn every_catalog_version_and_allowed_cni_validates() {
    let cat = Catalog::builtin();
    let mut n = 0;
    for m in cat.minors() {
        for patch in [0, m.latest_patch] {
            let v = format!("{}.{patch}", m.version);
            for (cni, versions) in [("calico", &m.calico), ("flannel", &m.flannel)] {
                for cv in &versions.allowed {
                    let text = config_text(&v, cni, &format!("cni_version = \"{cv}\""));
                    config::parse_and_validate(&text, Path::new("t.toml"))
                        .unwrap_or_else(|e| panic!("{v} {cni} {cv}: {e}"));
                    n += 1;
                }
            }
        }
        // A patch newer than the catalog knows is accepted with a warning: the repositories
        // publish patches monthly; the packages step says what the node's repository carries.
        let next = format!("{}.{}", m.version, m.latest_patch + 1);
        let cfg = config::parse(&config_text(&next, "calico", ""), Path::new("t")).unwrap();
        let v = config::validate(&cfg, cat).unwrap_or_else(|e| panic!("{next}: {e:?}"));
        let known = format!("{}.{}", m.version, m.latest_patch);
        assert!(
            v.warnings
                .iter()
                .any(|w| w.contains(&next) && w.contains(&known)),
            "{next}: {:?}",
            v.warnings
        );
    }
    println!("{n} version combinations validated");
}

/// After `kubewiz upgrade` the cluster still runs the CNI release it was installed with, and
/// cluster.toml pins it: refused for an install (the release does not support the minor), a
/// warning saying what to do for a cluster that is installed.
#[test]
fn an_installed_cluster_keeps_its_cni_release_past_its_range_with_a_warning() {
    let text = config_text("1.28.15", "calico", "cni_version = \"3.24.6\"");
    let cfg = config::parse(&text, Path::new("t.toml")).unwrap();
    let problems = config::validate(&cfg, Catalog::builtin()).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.to_string().contains("cluster.cni_version")
                && p.to_string().contains("does not support Kubernetes 1.28")),
        "{problems:?}"
    );
    let v =
        config::validate_installed(&cfg, Catalog::builtin()).unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(v.cni_version, "3.24.6");
    assert!(
        v.warnings.iter().any(|w| w
            .contains("calico 3.24.6 (what the cluster runs) does not support Kubernetes 1.28")
            && w.contains("upgrade the CNI")),
        "{:?}",
        v.warnings
    );
    // A release the catalog does not know stays refused.
    let text = config_text("1.28.15", "calico", "cni_version = \"3.1.0\"");
    let cfg = config::parse(&text, Path::new("t.toml")).unwrap();
    assert!(config::validate_installed(&cfg, Catalog::builtin()).is_err());
}

/// ../shared/fixtures: skip outside CI when absent, fail under CI=true.
fn fixture(rel: &str) -> Option<PathBuf> {
    let p = root().join("../shared/fixtures").join(rel);
    if p.exists() {
        return Some(p);
    }
    skip::because(&format!("the fixture {} is missing", p.display()));
    None
}

fn load_with_manifest(
    cni: &str,
    manifest: &Path,
    pod_cidr: &str,
    version: &str,
) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(
        version,
        cni,
        &format!(
            "pod_cidr = \"{pod_cidr}\"\ncni_manifest = {:?}",
            manifest.display().to_string()
        ),
    );
    let p = dir.path().join("cluster.toml");
    std::fs::write(&p, text).unwrap();
    config::load(&p).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn real_flannel_manifests_must_agree_with_pod_cidr() {
    for (file, version) in [
        ("cni/kube-flannel-v0.22.0.yml", "1.25.3"),
        ("cni/kube-flannel-v0.28.9.yml", "1.35.0"),
    ] {
        let Some(m) = fixture(file) else { return };
        assert_eq!(
            config::manifest_pod_cidr(Cni::Flannel, &std::fs::read_to_string(&m).unwrap())
                .as_deref(),
            Some("10.244.0.0/16")
        );
        load_with_manifest("flannel", &m, "10.244.0.0/16", version).unwrap();
        // The upstream default is a placeholder: kubewiz patches it to pod_cidr.
        load_with_manifest("flannel", &m, "10.42.0.0/16", version).unwrap();
        // The seed's mistake: the manifest edited to 10.224.0.0/16 while kubeadm gets 10.244.0.0/16.
        let edited = tempfile::tempdir().unwrap();
        let em = edited.path().join("kube-flannel.yml");
        std::fs::write(
            &em,
            std::fs::read_to_string(&m)
                .unwrap()
                .replace("10.244.0.0/16", "10.224.0.0/16"),
        )
        .unwrap();
        let e = load_with_manifest("flannel", &em, "10.244.0.0/16", version).unwrap_err();
        assert!(e.contains("cluster.cni_manifest"), "{e}");
        assert!(
            e.contains("\"10.224.0.0/16\" but cluster.pod_cidr is \"10.244.0.0/16\""),
            "{e}"
        );
    }
}

#[test]
fn real_calico_manifests_take_pod_cidr() {
    // Upstream calico.yaml leaves CALICO_IPV4POOL_CIDR commented: Calico follows kubeadm's
    // podSubnet, so any pod_cidr is fine.
    for (file, version) in [
        ("cni/calico-v3.24.6.yaml", "1.25.3"),
        ("cni/calico-v3.26.5.yaml", "1.27.0"),
        ("cni/calico-v3.32.1.yaml", "1.36.0"),
    ] {
        let Some(m) = fixture(file) else { return };
        assert_eq!(
            config::manifest_pod_cidr(Cni::Calico, &std::fs::read_to_string(&m).unwrap()),
            None
        );
        load_with_manifest("calico", &m, "10.224.0.0/16", version).unwrap();
        // The wrong CNI's manifest is refused.
        let e = load_with_manifest("flannel", &m, "10.244.0.0/16", version).unwrap_err();
        assert!(e.contains("does not look like a flannel manifest"), "{e}");
    }
}

#[test]
fn relative_paths_resolve_next_to_cluster_toml() {
    let Some(m) = fixture("cni/kube-flannel-v0.28.9.yml") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&m, dir.path().join("flannel.yml")).unwrap();
    let text = config_text("1.35.0", "flannel", "cni_manifest = \"flannel.yml\"");
    let p = dir.path().join("cluster.toml");
    std::fs::write(&p, text).unwrap();
    let cfg = config::load(&p).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cfg.cluster.cni_manifest.unwrap(),
        dir.path().join("flannel.yml")
    );
}
