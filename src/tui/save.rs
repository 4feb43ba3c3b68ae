//! Writing cluster.toml from the wizard with `toml_edit`: an existing file keeps its
//! comments, key order and formatting; only changed values are rewritten.

use crate::config::{ClusterConfig, NodeConfig};
use std::collections::BTreeMap;
use std::path::Path;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

const HEADER: &str = "# cluster.toml, written by the kubewiz wizard.\n# Install or resume: `kubewiz apply -c cluster.toml`; see the plan: `kubewiz plan -c cluster.toml`.\n";

/// The new text of cluster.toml: `existing` (when it parses) updated to `cfg`.
pub fn render(existing: Option<&str>, cfg: &ClusterConfig) -> String {
    let mut doc = existing
        .and_then(|s| s.parse::<DocumentMut>().ok())
        .unwrap_or_else(|| {
            let mut d = DocumentMut::new();
            d.decor_mut().set_prefix(HEADER);
            d
        });
    update_doc(&mut doc, cfg);
    doc.to_string()
}

/// Writes the file atomically (see [`crate::atomic_file`]), keeping its permissions.
pub fn save(path: &Path, cfg: &ClusterConfig) -> std::io::Result<()> {
    let existing = std::fs::read_to_string(path).ok();
    let text = render(existing.as_deref(), cfg);
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d)?;
    }
    crate::atomic_file::write_keeping_mode(path, text.as_bytes())
}

fn table<'a>(doc: &'a mut DocumentMut, key: &str) -> &'a mut Table {
    if !doc.contains_table(key) {
        doc.insert(key, Item::Table(Table::new()));
    }
    doc[key].as_table_mut().expect("a table")
}

/// Sets `key` keeping the old value's comments/whitespace; leaves an equal value untouched.
fn set(t: &mut Table, key: &str, v: Option<Value>) {
    let Some(mut v) = v else {
        t.remove(key);
        return;
    };
    if let Some(old) = t.get(key).and_then(Item::as_value) {
        if same(old, &v) {
            return;
        }
        *v.decor_mut() = old.decor().clone();
    }
    t.insert(key, Item::Value(v));
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.value() == y.value(),
        (Value::Integer(x), Value::Integer(y)) => x.value() == y.value(),
        (Value::Boolean(x), Value::Boolean(y)) => x.value() == y.value(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same(a, b))
        }
        _ => false,
    }
}

/// `[registry_mirrors]` as the wizard has it: removed when None (the mirror's defaults),
/// else exactly these keys (unchanged ones keep their comments).
fn registry_mirrors(doc: &mut DocumentMut, table: &Option<BTreeMap<String, Vec<String>>>) {
    let Some(map) = table else {
        doc.remove("registry_mirrors");
        return;
    };
    let t = self::table(doc, "registry_mirrors");
    let gone: Vec<String> = t
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| !map.contains_key(k))
        .collect();
    for k in gone {
        t.remove(&k);
    }
    for (registry, mirrors) in map {
        let list: toml_edit::Array = mirrors.iter().map(String::as_str).collect();
        set(t, registry, Some(Value::Array(list)));
    }
}

/// `[timeouts]`: the wizard does not edit them, so the file's own stay; the ones it read are
/// written (a new file gets them too).
fn timeouts(doc: &mut DocumentMut, timeouts: &BTreeMap<String, u64>) {
    if timeouts.is_empty() {
        return;
    }
    let t = table(doc, "timeouts");
    for (step, secs) in timeouts {
        set(t, step, Some(Value::from(*secs as i64)));
    }
}

fn s(v: impl AsRef<str>) -> Option<Value> {
    Some(Value::from(v.as_ref()))
}

fn path(p: &Option<std::path::PathBuf>) -> Option<Value> {
    p.as_ref().map(|p| Value::from(p.display().to_string()))
}

fn update_doc(doc: &mut DocumentMut, cfg: &ClusterConfig) {
    let c = &cfg.cluster;
    let t = table(doc, "cluster");
    set(t, "name", s(&c.name));
    set(t, "kubernetes_version", s(&c.kubernetes_version));
    set(t, "pod_cidr", s(&c.pod_cidr));
    set(t, "service_cidr", s(&c.service_cidr));
    set(t, "cni", s(c.cni.as_str()));
    set(t, "cni_version", c.cni_version.as_deref().and_then(s));
    set(t, "cni_manifest", path(&c.cni_manifest));
    set(t, "mirror", s(c.mirror.as_str()));
    set(
        t,
        "image_repository",
        c.image_repository.as_deref().and_then(s),
    );
    set(t, "proxy_mode", s(c.proxy_mode.as_str()));
    set(t, "dashboard", Some(Value::from(c.dashboard)));
    set(t, "dashboard_manifest", path(&c.dashboard_manifest));
    set(t, "timezone", c.timezone.as_deref().and_then(s));
    set(
        t,
        "control_plane_endpoint",
        c.control_plane_endpoint.as_deref().and_then(s),
    );

    let sh = &cfg.ssh;
    let t = table(doc, "ssh");
    set(t, "user", s(&sh.user));
    set(t, "port", Some(Value::from(i64::from(sh.port))));
    set(t, "identity_file", path(&sh.identity_file));
    set(t, "known_hosts", path(&sh.known_hosts));
    let policy = match sh.host_key_policy {
        crate::config::HostKeyPolicy::Strict => "strict",
        crate::config::HostKeyPolicy::AcceptNew => "accept-new",
    };
    set(t, "host_key_policy", s(policy));
    if sh.connect_timeout != crate::config::SshSection::default().connect_timeout
        || t.contains_key("connect_timeout")
    {
        set(
            t,
            "connect_timeout",
            Some(Value::from(sh.connect_timeout as i64)),
        );
    }

    let old: Vec<Table> = doc
        .get("node")
        .and_then(Item::as_array_of_tables)
        .map(|a| a.iter().cloned().collect())
        .unwrap_or_default();
    let mut arr = ArrayOfTables::new();
    for n in &cfg.nodes {
        let mut t = old
            .iter()
            .find(|t| t.get("name").and_then(Item::as_str) == Some(n.name.as_str()))
            .cloned()
            .unwrap_or_default();
        node_table(&mut t, n);
        arr.push(t);
    }
    if cfg.nodes.is_empty() {
        doc.remove("node");
    } else {
        doc.insert("node", Item::ArrayOfTables(arr));
    }
    timeouts(doc, &cfg.timeouts);
    registry_mirrors(doc, &cfg.registry_mirrors);
}

fn node_table(t: &mut Table, n: &NodeConfig) {
    set(t, "name", s(&n.name));
    set(t, "address", s(&n.address));
    set(t, "role", s(n.role.as_str()));
    set(t, "user", n.user.as_deref().and_then(s));
    set(t, "port", n.port.map(|p| Value::from(i64::from(p))));
    set(t, "identity_file", path(&n.identity_file));
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"# my cluster
[cluster]
name = "demo"
kubernetes_version = "1.25.3"      # exact patch version
pod_cidr = "10.244.0.0/16"
service_cidr = "10.96.0.0/12"
cni = "calico"                      # "calico" | "flannel"
mirror = "aliyun"
proxy_mode = "ipvs"
dashboard = true
timezone = "Asia/Shanghai"

[ssh]
user = "root"
port = 22
host_key_policy = "accept-new"

# the first control plane
[[node]]
name = "k8s-master"
address = "192.168.147.130"
role = "control-plane"

[[node]]
name = "k8s-node01"
address = "192.168.147.131"
role = "worker"
"#;

    #[test]
    fn keeps_comments_and_round_trips() {
        let mut cfg: ClusterConfig = toml::from_str(SAMPLE).unwrap();
        cfg.cluster.kubernetes_version = "1.28.2".into();
        cfg.nodes.remove(1);
        cfg.nodes.push(NodeConfig {
            name: "k8s-node02".into(),
            address: "192.168.147.132".into(),
            role: crate::config::Role::Worker,
            user: None,
            port: Some(2222),
            identity_file: None,
        });
        let out = render(Some(SAMPLE), &cfg);
        assert!(out.contains("# my cluster"));
        assert!(out.contains("kubernetes_version = \"1.28.2\"      # exact patch version"));
        assert!(out.contains("# the first control plane"));
        assert!(!out.contains("k8s-node01"));
        let back: ClusterConfig = toml::from_str(&out).unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn new_file_loads_back() {
        let cfg: ClusterConfig = toml::from_str(SAMPLE).unwrap();
        let out = render(None, &cfg);
        assert!(out.starts_with("# cluster.toml"));
        let back: ClusterConfig = toml::from_str(&out).unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn registry_mirrors_and_timeouts_are_written_and_kept() {
        let file = format!(
            "{SAMPLE}\n[timeouts]\nimages = 3600 # slow mirror\n\n[registry_mirrors]\n# ours\n\"docker.io\" = [\"https://a.example\"] # first\n\"quay.io\" = []\n"
        );
        let mut cfg: ClusterConfig = toml::from_str(&file).unwrap();
        // Unchanged: the text is left as written.
        assert_eq!(render(Some(&file), &cfg), file);
        // A mirror added to one registry, another registry dropped: the rest keeps its comments.
        let table = cfg.registry_mirrors.as_mut().unwrap();
        table.remove("quay.io");
        table.insert("ghcr.io".into(), vec!["https://g.example".into()]);
        let out = render(Some(&file), &cfg);
        assert!(
            out.contains("# ours\n\"docker.io\" = [\"https://a.example\"] # first"),
            "{out}"
        );
        assert!(out.contains("images = 3600 # slow mirror"), "{out}");
        assert!(!out.contains("quay.io"), "{out}");
        let back: ClusterConfig = toml::from_str(&out).unwrap();
        assert_eq!(back, cfg);
        // Back to the mirror's defaults: no table.
        cfg.registry_mirrors = None;
        let out = render(Some(&file), &cfg);
        assert!(!out.contains("registry_mirrors"), "{out}");
        assert_eq!(toml::from_str::<ClusterConfig>(&out).unwrap(), cfg);
    }
}
