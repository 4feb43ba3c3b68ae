//! The wizard's screens and `kubewiz check` accept and refuse exactly the same configs
//! (issue 12 item 5). Generated inputs (cluster name, networks, CNI, proxy mode, version,
//! nodes, a local CNI manifest, `[registry_mirrors]`, an initialised journal) are typed into
//! the wizard, key by key,
//! and written as cluster.toml for `kubewiz check` (the real binary); the wizard accepts when
//! it reaches the install confirmation, `check` when it exits 0. They must agree, and a
//! config the wizard accepts must also pass `check` once the wizard has saved it.

mod skip;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubewiz::config::ClusterConfig;
use kubewiz::engine::journal::{Journal, StepState};
use kubewiz::plan::StepId;
use kubewiz::tui::{Model, Msg, Screen, update};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const NAMES: &[&str] = &["demo", "Bad_Name", "", "kubernetes"];
const PODS: &[&str] = &[
    "10.244.0.0/16",
    "10.224.0.0/16",
    "10.96.0.0/16",
    "10.244.1.0/16",
    "fd00::/48",
    "192.0.2.0/24",
    "10.244.0.0/26",
    "10.0.0.0/8",
    "nope",
];
const SERVICES: &[&str] = &[
    "10.96.0.0/12",
    "10.96.0.0/16",
    "10.244.0.0/16",
    "fd01::/108",
    "",
];
const NODE_NAMES: &[&str] = &["k8s-master", "k8s-node01", "k8s-node02", "Bad_Node"];
const ADDRESSES: &[&str] = &[
    "192.0.2.10",
    "192.0.2.11",
    "192.0.2.12",
    "10.96.0.5",
    "10.244.3.4",
    "192.0.2.300",
];

/// Registries and mirror URLs for `[registry_mirrors]`: mostly good, some refused.
const REGISTRIES: &[&str] = &[
    "docker.io",
    "quay.io",
    "harbor.example.cn:5000",
    "https://ghcr.io",
    "docker",
    "quay.io/calico",
];
const MIRRORS: &[&str] = &[
    "https://docker.m.daocloud.io",
    "https://m.example.cn/v2-proxy",
    "http://192.0.2.50:5000",
    "m.example.cn",
    "https://user:pw@m.example.cn",
    "ftp://m.example.cn",
];

/// A local CNI manifest: none, or a file of this text (None: a path that does not exist).
#[derive(Debug, Clone)]
enum Manifest {
    None,
    Text(&'static str),
    Missing,
}

const FLANNEL_DEFAULT: &str = "kind: ConfigMap\nmetadata:\n  name: kube-flannel-cfg\n  namespace: kube-flannel\ndata:\n  net-conf.json: |\n    {\n      \"Network\": \"10.244.0.0/16\",\n      \"Backend\": {\"Type\": \"vxlan\"}\n    }\n";
const FLANNEL_EDITED: &str = "kind: ConfigMap\nmetadata:\n  name: kube-flannel-cfg\n  namespace: kube-flannel\ndata:\n  net-conf.json: |\n    {\n      \"Network\": \"10.99.0.0/16\",\n      \"Backend\": {\"Type\": \"vxlan\"}\n    }\n";
const CALICO: &str = "kind: DaemonSet\nmetadata:\n  name: calico-node\n";

#[derive(Debug, Clone)]
struct Input {
    name: &'static str,
    pod: &'static str,
    service: &'static str,
    flannel: bool,
    ipvs: bool,
    /// Index into the wizard's version list.
    version: usize,
    nodes: Vec<(&'static str, &'static str)>,
    manifest: Manifest,
    /// `kubeadm init` done with the defaults and this version index.
    initialised: Option<usize>,
    /// `[registry_mirrors]` (None: no table).
    mirrors: Option<Vec<(&'static str, Vec<&'static str>)>>,
}

/// Mostly good values (so that both outcomes are common), sometimes a wrong one.
fn pick(good: &'static str, all: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop_oneof![3 => Just(good), 1 => prop::sample::select(all)]
}

fn input() -> impl Strategy<Value = Input> {
    let versions = kubewiz::tui::catalog::choices().len();
    let node = |k: usize| {
        (
            pick(["k8s-master", "k8s-node01", "k8s-node02"][k], NODE_NAMES),
            pick(["192.0.2.10", "192.0.2.11", "192.0.2.12"][k], ADDRESSES),
        )
    };
    let nodes = (1..=3usize).prop_flat_map(move |n| (0..n).map(node).collect::<Vec<_>>());
    (
        (
            pick("demo", NAMES),
            pick("10.244.0.0/16", PODS),
            pick("10.96.0.0/12", SERVICES),
            any::<bool>(),
            any::<bool>(),
        ),
        0..versions,
        nodes,
        prop_oneof![
            6 => Just(Manifest::None),
            1 => Just(Manifest::Text(FLANNEL_DEFAULT)),
            1 => Just(Manifest::Text(FLANNEL_EDITED)),
            1 => Just(Manifest::Text(CALICO)),
            1 => Just(Manifest::Missing),
        ],
        // Initialised: with the version chosen now, or with another one.
        prop::option::weighted(0.25, (any::<bool>(), 0..versions)),
        prop::option::weighted(
            0.3,
            prop::collection::btree_map(
                pick("docker.io", REGISTRIES),
                prop::collection::vec(pick("https://docker.m.daocloud.io", MIRRORS), 0..3),
                1..3,
            ),
        ),
    )
        .prop_map(
            |((name, pod, service, flannel, ipvs), version, nodes, manifest, init, mirrors)| {
                Input {
                    mirrors: mirrors.map(|t| t.into_iter().collect()),
                    name,
                    pod,
                    service,
                    flannel,
                    ipvs,
                    version,
                    nodes,
                    manifest,
                    initialised: init.map(|(same, other)| if same { version } else { other }),
                }
            },
        )
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The cluster.toml these inputs describe (what the user would write by hand).
fn toml_of(i: &Input, manifest: Option<&Path>) -> String {
    let version = &kubewiz::tui::catalog::choices()[i.version].version;
    let mut t = format!(
        "[cluster]\nname = {}\nkubernetes_version = {}\npod_cidr = {}\nservice_cidr = {}\ncni = {}\nproxy_mode = {}\n",
        q(i.name),
        q(version),
        q(i.pod),
        q(i.service),
        q(if i.flannel { "flannel" } else { "calico" }),
        q(if i.ipvs { "ipvs" } else { "iptables" }),
    );
    if let Some(p) = manifest {
        t.push_str(&format!("cni_manifest = {}\n", q(&p.display().to_string())));
    }
    if let Some(table) = &i.mirrors {
        t.push_str("\n[registry_mirrors]\n");
        for (registry, urls) in table {
            let urls: Vec<String> = urls.iter().map(|u| q(u)).collect();
            t.push_str(&format!("{} = [{}]\n", q(registry), urls.join(", ")));
        }
    }
    for (k, (name, address)) in i.nodes.iter().enumerate() {
        t.push_str(&format!(
            "\n[[node]]\nname = {}\naddress = {}\nrole = {}\n",
            q(name),
            q(address),
            q(if k == 0 { "control-plane" } else { "worker" })
        ));
    }
    t
}

fn key(m: &mut Model, code: KeyCode) {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}
fn typ(m: &mut Model, s: &str) {
    for c in s.chars() {
        key(m, KeyCode::Char(c));
    }
}
fn clear(m: &mut Model) {
    update(
        m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
}

/// Types the inputs into the wizard; whether it reaches "Save and install?", and where it
/// refused otherwise.
fn wizard(i: &Input, path: &Path, manifest: Option<&Path>) -> (Result<(), String>, Model) {
    let mut m = Model::new(path.to_path_buf());
    if i.initialised.is_some() {
        // What the runtime reads next to cluster.toml (the journal) when it opens the wizard.
        m.initialised = kubewiz::tui::app::journal_info(path, &parsed(path)).initialised;
    }
    key(&mut m, KeyCode::Enter); // New cluster: the node form is open
    for (k, (name, address)) in i.nodes.iter().enumerate() {
        if k > 0 {
            key(&mut m, KeyCode::Char('a'));
        }
        typ(&mut m, name);
        key(&mut m, KeyCode::Tab);
        typ(&mut m, address);
        key(&mut m, KeyCode::Enter);
        if m.nodes_ui.form.is_some() {
            return (Err(format!("node form: {name} {address}")), m);
        }
    }
    key(&mut m, KeyCode::Char('n'));
    if m.screen != Screen::Network {
        return (Err("nodes".into()), m);
    }
    clear(&mut m);
    typ(&mut m, i.name);
    key(&mut m, KeyCode::Tab);
    clear(&mut m);
    typ(&mut m, i.pod);
    key(&mut m, KeyCode::Tab);
    clear(&mut m);
    typ(&mut m, i.service);
    key(&mut m, KeyCode::Tab);
    if i.flannel {
        key(&mut m, KeyCode::Char(' '));
    }
    key(&mut m, KeyCode::Tab);
    if i.ipvs {
        key(&mut m, KeyCode::Char(' '));
    }
    key(&mut m, KeyCode::Enter);
    if m.screen != Screen::Network && m.screen != Screen::Versions {
        panic!("network: on {:?}", m.screen);
    }
    if m.screen == Screen::Network {
        return (Err("network".into()), m);
    }
    for _ in 0..m.catalog.len() {
        key(&mut m, KeyCode::Up);
    }
    for _ in 0..i.version {
        key(&mut m, KeyCode::Down);
    }
    if let Some(p) = manifest {
        key(&mut m, KeyCode::Tab);
        key(&mut m, KeyCode::Tab); // CNI manifest
        typ(&mut m, &p.display().to_string());
    }
    if let Some(table) = &i.mirrors {
        // The registry panel: each registry added with its mirrors, refused as it is typed.
        while m.versions.focus != kubewiz::tui::model::V_REGISTRY_MIRRORS {
            key(&mut m, KeyCode::Tab);
        }
        key(&mut m, KeyCode::Enter);
        for (registry, urls) in table {
            key(&mut m, KeyCode::Char('a'));
            typ(&mut m, registry);
            key(&mut m, KeyCode::Tab);
            typ(&mut m, &urls.join(" "));
            key(&mut m, KeyCode::Enter);
            if m.mirrors.edit.is_some() {
                return (Err(format!("registry mirrors: {registry} {urls:?}")), m);
            }
        }
        key(&mut m, KeyCode::Esc);
        key(&mut m, KeyCode::Tab);
    }
    key(&mut m, KeyCode::Enter);
    if m.screen == Screen::Versions {
        return (Err("versions".into()), m);
    }
    key(&mut m, KeyCode::Char('i'));
    if !m.review.confirm_install {
        return (Err("review".into()), m);
    }
    (Ok(()), m)
}

fn parsed(path: &Path) -> ClusterConfig {
    let text = std::fs::read_to_string(path).unwrap();
    kubewiz::config::parse(&text, path).unwrap()
}

/// `kubewiz check -c path`: Ok when it exits 0, its stderr when it exits 2.
fn check(path: &Path, home: &Path) -> Result<(), String> {
    let out = Command::new(env!("CARGO_BIN_EXE_kubewiz"))
        .args(["check", "-c"])
        .arg(path)
        .env("HOME", home)
        .output()
        .expect("run kubewiz");
    match out.status.code() {
        Some(0) => Ok(()),
        Some(2) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        other => panic!(
            "check exited {other:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A journal recording `kubeadm init` done with the defaults and this version.
fn initialise(dir: &Path, version: usize) {
    let version = &kubewiz::tui::catalog::choices()[version].version;
    let text = format!(
        "[cluster]\nname = \"demo\"\nkubernetes_version = {}\n\n[[node]]\nname = \"k8s-master\"\naddress = \"192.0.2.10\"\nrole = \"control-plane\"\n",
        q(version)
    );
    let cfg = kubewiz::config::parse(&text, Path::new("x.toml")).unwrap();
    let state = dir.join(".kubewiz");
    std::fs::create_dir_all(&state).unwrap();
    let mut j = Journal::new(&state, &cfg);
    j.record("k8s-master", "192.0.2.10", StepId::Init, StepState::Done);
    j.save().unwrap();
}

/// Runs one input through both; Ok(whether they accepted it).
fn case(i: &Input) -> Result<bool, TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let manifest: Option<PathBuf> = match &i.manifest {
        Manifest::None => None,
        Manifest::Text(t) => {
            let p = dir.path().join("cni.yaml");
            std::fs::write(&p, t).unwrap();
            Some(p)
        }
        Manifest::Missing => Some(dir.path().join("no-such-manifest.yaml")),
    };
    let path = dir.path().join("cluster.toml");
    std::fs::write(&path, toml_of(i, manifest.as_deref())).unwrap();
    if let Some(v) = i.initialised {
        initialise(dir.path(), v);
    }
    let by_check = check(&path, &home);
    let (by_wizard, m) = wizard(i, &path, manifest.as_deref());
    prop_assert_eq!(
        by_wizard.is_ok(),
        by_check.is_ok(),
        "wizard: {:?}\ncheck: {:?}\ninput: {:#?}",
        by_wizard,
        by_check,
        i
    );
    // A problem with a field of a screen is refused on that screen, as it is typed; Review is
    // the last gate only for what no screen shows (e.g. the journal's first control plane).
    if let (Err(at), Err(said)) = (&by_wizard, &by_check)
        && at == "review"
    {
        let screen_fields = kubewiz::tui::update::NETWORK_ROWS
            .iter()
            .chain(kubewiz::tui::update::VERSION_ROWS.iter());
        for f in screen_fields {
            prop_assert!(!said.contains(f), "{f} reached Review: {said}");
        }
    }
    if by_wizard.is_ok() {
        // What the wizard saves passes `check` too.
        let saved = dir.path().join("saved.toml");
        kubewiz::tui::save::save(&saved, &m.to_config()).unwrap();
        prop_assert!(
            check(&saved, &home).is_ok(),
            "saved:\n{}",
            std::fs::read_to_string(&saved).unwrap()
        );
    }
    Ok(by_check.is_ok())
}

#[test]
fn screens_and_check_accept_and_refuse_the_same_configs() {
    let cases = std::env::var("KW_PARITY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let (accepted, refused) = (std::cell::Cell::new(0usize), std::cell::Cell::new(0usize));
    runner
        .run(&input(), |i| {
            let ok = case(&i)?;
            let n = if ok { &accepted } else { &refused };
            n.set(n.get() + 1);
            Ok(())
        })
        .unwrap();
    println!(
        "{cases} generated configs: the wizard and kubewiz check agreed on each ({} accepted by both, {} refused by both)",
        accepted.get(),
        refused.get()
    );
    assert!(
        accepted.get() > 0 && refused.get() > 0,
        "both outcomes were tried"
    );
}

/// Hand-picked cases the issue names, so they are always covered.
#[test]
fn the_cases_the_issue_names() {
    let base = Input {
        name: "demo",
        pod: "10.244.0.0/16",
        service: "10.96.0.0/12",
        flannel: false,
        ipvs: false,
        version: kubewiz::tui::catalog::choices()
            .iter()
            .position(|c| c.version == "1.25.3")
            .unwrap(),
        nodes: vec![("k8s-master", "192.0.2.10"), ("k8s-node01", "192.0.2.11")],
        manifest: Manifest::None,
        initialised: None,
        mirrors: None,
    };
    assert!(case(&base).unwrap(), "the base case is fine");
    let mirrored = Input {
        mirrors: Some(vec![
            ("docker.io", vec!["https://docker.m.daocloud.io"]),
            ("quay.io", vec![]),
        ]),
        ..base.clone()
    };
    assert!(case(&mirrored).unwrap(), "a good table: accepted by both");
    // Found by the property test: a node inside the default pod network, which the user
    // moves on the Network screen afterwards, is not refused by the node form.
    let moved = Input {
        pod: "10.224.0.0/16",
        nodes: vec![("k8s-master", "10.244.3.4")],
        ..base.clone()
    };
    assert!(case(&moved).unwrap(), "accepted by both");
    for i in [
        // IPv6 pod network: shown as fine, saved, and refused only at install before.
        Input {
            pod: "fd00::/48",
            ..base.clone()
        },
        // A pod CIDR change of an initialised cluster.
        Input {
            pod: "10.245.0.0/16",
            initialised: Some(base.version),
            ..base.clone()
        },
        Input {
            pod: "10.224.0.0/16",
            flannel: true,
            manifest: Manifest::Text(FLANNEL_EDITED),
            ..base.clone()
        },
        // A mirror that is not a URL, a registry with a scheme.
        Input {
            mirrors: Some(vec![("docker.io", vec!["m.example.cn"])]),
            ..base.clone()
        },
        Input {
            mirrors: Some(vec![(
                "https://ghcr.io",
                vec!["https://ghcr.m.daocloud.io"],
            )]),
            ..base.clone()
        },
    ] {
        assert!(!case(&i).unwrap(), "refused by both: {i:?}");
    }
}

/// The real flannel v0.22.0 manifest (fixtures), or a visible skip.
fn flannel_0_22() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/cni/kube-flannel-v0.22.0.yml");
    if p.exists() {
        return Some(std::fs::canonicalize(p).unwrap());
    }
    skip::because(&format!("the fixture {} is missing", p.display()));
    None
}

fn two_nodes(version: &str, extra: &str) -> String {
    format!(
        "[cluster]\nname = \"demo\"\nkubernetes_version = \"{version}\"\ncni = \"flannel\"\n{extra}\n\
         [[node]]\nname = \"k8s-master\"\naddress = \"192.0.2.10\"\nrole = \"control-plane\"\n\n\
         [[node]]\nname = \"k8s-node01\"\naddress = \"192.0.2.11\"\nrole = \"worker\"\n"
    )
}

/// A local flannel 0.22.0 manifest while flannel 0.28.9 is selected: `kubewiz check` says
/// which release the file is and what to set; the wizard adopts the file's release when the
/// Kubernetes version allows it, saying so, and refuses it otherwise (issue 12 item 7).
#[test]
fn a_local_manifest_of_another_release_is_adopted_or_refused_saying_which() {
    let Some(manifest) = flannel_0_22() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let path = dir.path().join("cluster.toml");
    let m_line = format!("cni_manifest = {}", q(&manifest.display().to_string()));
    // 1.28 allows 0.22.0: check names the file's release and the fix.
    std::fs::write(
        &path,
        two_nodes("1.28.15", &format!("cni_version = \"0.28.9\"\n{m_line}")),
    )
    .unwrap();
    let e = check(&path, &home).unwrap_err();
    assert!(
        e.contains("this is the flannel 0.22.0 manifest, but the cluster installs flannel 0.28.9 (cluster.cni_version)"),
        "{e}"
    );
    assert!(e.contains("set cni_version = \"0.22.0\""), "{e}");
    // 1.29 does not allow it.
    std::fs::write(&path, two_nodes("1.29.14", &m_line)).unwrap();
    let e = check(&path, &home).unwrap_err();
    assert!(
        e.contains("flannel 0.22.0 is not allowed with Kubernetes 1.29 (allowed: 0.25.7, 0.28.9)"),
        "{e}"
    );
    // The file's own release: accepted.
    std::fs::write(&path, two_nodes("1.28.15", &m_line)).unwrap();
    assert_eq!(check(&path, &home), Ok(()));

    // The wizard, 1.28 with flannel 0.28.9 chosen: the file's 0.22.0 is adopted, and said.
    std::fs::write(&path, two_nodes("1.28.15", "cni_version = \"0.28.9\"")).unwrap();
    let mut m = Model::new(path.clone());
    m.load(&parsed(&path));
    m.screen = Screen::Versions;
    assert_eq!(m.cni_version().as_deref(), Some("0.28.9"));
    key(&mut m, KeyCode::Tab);
    key(&mut m, KeyCode::Tab); // CNI manifest
    typ(&mut m, &manifest.display().to_string());
    let e = kubewiz::tui::update::version_errors(&m);
    assert!(
        e[2].as_deref().unwrap().contains("flannel 0.22.0 manifest"),
        "{e:?}"
    );
    key(&mut m, KeyCode::Tab);
    assert_eq!(m.cni_version().as_deref(), Some("0.22.0"));
    let status = &m.status.as_ref().unwrap().text;
    assert!(
        status.contains("flannel 0.22.0 manifest: flannel version set to 0.22.0"),
        "{status}"
    );
    assert!(
        kubewiz::tui::update::version_errors(&m)
            .iter()
            .all(Option::is_none)
    );
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Review);
    let saved = dir.path().join("saved.toml");
    kubewiz::tui::save::save(&saved, &m.to_config()).unwrap();
    assert_eq!(check(&saved, &home), Ok(()));

    // 1.29: nothing to adopt; the field says why and the screen stays.
    std::fs::write(&path, two_nodes("1.29.14", "")).unwrap();
    let mut m = Model::new(path.clone());
    m.load(&parsed(&path));
    m.screen = Screen::Versions;
    key(&mut m, KeyCode::Tab);
    key(&mut m, KeyCode::Tab);
    typ(&mut m, &manifest.display().to_string());
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    let e = kubewiz::tui::update::version_errors(&m);
    assert!(
        e[2].as_deref()
            .unwrap()
            .contains("not allowed with Kubernetes 1.29"),
        "{e:?}"
    );
}
