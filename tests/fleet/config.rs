//! cluster.toml for a fleet.

use super::Fleet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What goes into the generated cluster.toml. `Default` is the seed's cluster (1.25.3, calico,
/// aliyun, ipvs, Asia/Shanghai) with the first host as the only control plane.
#[derive(Debug, Clone)]
pub struct ConfigOpts {
    pub name: String,
    pub kubernetes_version: String,
    pub pod_cidr: String,
    pub service_cidr: String,
    pub cni: String,
    pub cni_version: Option<String>,
    /// A local CNI manifest (absolute path), e.g. from ../shared/fixtures/cni.
    pub cni_manifest: Option<PathBuf>,
    pub mirror: String,
    pub image_repository: Option<String>,
    pub proxy_mode: String,
    pub dashboard: bool,
    pub dashboard_manifest: Option<PathBuf>,
    pub timezone: Option<String>,
    pub control_plane_endpoint: Option<String>,
    /// "strict" | "accept-new"
    pub host_key_policy: String,
    /// SSH user (default root).
    pub user: String,
    /// How many hosts (in fleet order) are control planes.
    pub control_planes: usize,
    /// Only these hosts (by name, in this order); default: every host of the fleet.
    pub nodes: Option<Vec<String>>,
    /// Extra raw lines appended to the [cluster] section.
    pub extra_cluster: Vec<String>,
    /// A `[registry_mirrors]` table (registry, mirror URLs); None: no table (the mirror's defaults).
    pub registry_mirrors: Option<Vec<(String, Vec<String>)>>,
}

impl Default for ConfigOpts {
    fn default() -> Self {
        ConfigOpts {
            name: "kwtest".into(),
            kubernetes_version: "1.25.3".into(),
            pod_cidr: "10.244.0.0/16".into(),
            service_cidr: "10.96.0.0/12".into(),
            cni: "calico".into(),
            cni_version: None,
            cni_manifest: None,
            mirror: "aliyun".into(),
            image_repository: None,
            proxy_mode: "ipvs".into(),
            dashboard: false,
            dashboard_manifest: None,
            timezone: Some("Asia/Shanghai".into()),
            control_plane_endpoint: None,
            host_key_policy: "accept-new".into(),
            user: "root".into(),
            control_planes: 1,
            nodes: None,
            extra_cluster: Vec::new(),
            registry_mirrors: None,
        }
    }
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

pub fn write(fleet: &Fleet, dir: &Path, o: &ConfigOpts) -> PathBuf {
    let mut t = String::new();
    t.push_str("[cluster]\n");
    let _ = writeln!(t, "name = {}", q(&o.name));
    let _ = writeln!(t, "kubernetes_version = {}", q(&o.kubernetes_version));
    let _ = writeln!(t, "pod_cidr = {}", q(&o.pod_cidr));
    let _ = writeln!(t, "service_cidr = {}", q(&o.service_cidr));
    let _ = writeln!(t, "cni = {}", q(&o.cni));
    if let Some(v) = &o.cni_version {
        let _ = writeln!(t, "cni_version = {}", q(v));
    }
    if let Some(p) = &o.cni_manifest {
        let _ = writeln!(t, "cni_manifest = {}", q(&p.display().to_string()));
    }
    let _ = writeln!(t, "mirror = {}", q(&o.mirror));
    if let Some(r) = &o.image_repository {
        let _ = writeln!(t, "image_repository = {}", q(r));
    }
    let _ = writeln!(t, "proxy_mode = {}", q(&o.proxy_mode));
    let _ = writeln!(t, "dashboard = {}", o.dashboard);
    if let Some(p) = &o.dashboard_manifest {
        let _ = writeln!(t, "dashboard_manifest = {}", q(&p.display().to_string()));
    }
    if let Some(tz) = &o.timezone {
        let _ = writeln!(t, "timezone = {}", q(tz));
    }
    if let Some(e) = &o.control_plane_endpoint {
        let _ = writeln!(t, "control_plane_endpoint = {}", q(e));
    }
    for l in &o.extra_cluster {
        t.push_str(l);
        t.push('\n');
    }
    t.push_str("\n[ssh]\n");
    let _ = writeln!(t, "user = {}", q(&o.user));
    let _ = writeln!(
        t,
        "identity_file = {}",
        q(&fleet.client_key().display().to_string())
    );
    let _ = writeln!(
        t,
        "known_hosts = {}",
        q(&fleet.known_hosts_path().display().to_string())
    );
    let _ = writeln!(t, "host_key_policy = {}", q(&o.host_key_policy));
    let hosts: Vec<&super::Host> = match &o.nodes {
        Some(names) => names.iter().map(|n| fleet.host(n)).collect(),
        None => fleet.hosts.iter().collect(),
    };
    for (i, h) in hosts.iter().enumerate() {
        let role = if i < o.control_planes {
            "control-plane"
        } else {
            "worker"
        };
        let _ = write!(
            t,
            "\n[[node]]\nname = {}\naddress = {}\nrole = {}\n",
            q(&h.name),
            q(&h.address),
            q(role)
        );
    }
    if let Some(table) = &o.registry_mirrors {
        t.push_str("\n[registry_mirrors]\n");
        for (registry, mirrors) in table {
            let list: Vec<String> = mirrors.iter().map(|m| q(m)).collect();
            let _ = writeln!(t, "{} = [{}]", q(registry), list.join(", "));
        }
    }
    std::fs::create_dir_all(dir).expect("create config dir");
    let path = dir.join("cluster.toml");
    std::fs::write(&path, t).expect("write cluster.toml");
    path
}
