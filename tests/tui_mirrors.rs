//! The wizard and `[registry_mirrors]` (issue 10's "a field in the wizard, shown in Review and
//! in plan"): a file's table survives the wizard (validation, Review, the script viewer,
//! saving, the install); the Versions screen's registry panel shows which registry goes to
//! which mirror and which manifests are built in, edits the table through `kubewiz check`'s
//! own rules, and shows what the nodes' connection tests found. Pure `update`, no terminal.

mod tui_common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubewiz::catalog::Catalog;
use kubewiz::facts::Facts;
use kubewiz::plan::StepId;
use kubewiz::tui::model::*;
use kubewiz::tui::msg::ProbeOutcome;
use kubewiz::tui::{Effect, Model, Msg, Screen, update};
use std::collections::BTreeMap;
use tui_common::{loaded, render};

fn press(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}
fn ch(m: &mut Model, c: char) -> Vec<Effect> {
    press(m, KeyCode::Char(c))
}

/// The seed's cluster with its own `[registry_mirrors]` and `[timeouts]`.
const WITH_TABLE: &str = concat!(
    include_str!("tui_seed.toml"),
    "\n[timeouts]\nimages = 3600\n\n[registry_mirrors]\n\"docker.io\" = [\"https://hub.example.cn\"]\n\"quay.io\" = []\n"
);

fn table() -> BTreeMap<String, Vec<String>> {
    [
        (
            "docker.io".to_string(),
            vec!["https://hub.example.cn".to_string()],
        ),
        ("quay.io".to_string(), vec![]),
    ]
    .into()
}

/// A file's `[registry_mirrors]` (and `[timeouts]`) is what the wizard describes, saves and
/// installs: it was dropped by `to_config()`, so Review's scripts, the checks and a saved copy
/// went without the user's mirrors.
#[test]
fn a_files_registry_mirrors_reach_the_save_the_script_and_the_install() {
    let mut m = loaded(WITH_TABLE);
    let cfg = m.to_config();
    assert_eq!(cfg.registry_mirrors, Some(table()));
    assert_eq!(cfg.timeouts.get("images"), Some(&3600));
    assert_eq!(
        m.save_state(),
        SaveState::Saved,
        "nothing changed since the read"
    );

    // The plan built from what the wizard describes sends the table to the containerd step.
    let plan = kubewiz::plan::build(&cfg, Catalog::builtin()).unwrap();
    let i = plan.task_index("k8s-master", StepId::Containerd).unwrap();
    let script = plan.render(&plan.tasks[i]);
    assert!(
        script.contains("docker.io https://hub.example.cn"),
        "{script}"
    );
    assert!(
        !script.contains("daocloud"),
        "the table wins over aliyun's defaults"
    );

    // Review: the script viewer gets that config.
    m.screen = Screen::Review;
    let steps = plan_steps(&cfg, &cfg.nodes[0]);
    m.review.step = steps.iter().position(|s| *s == StepId::Containerd).unwrap();
    match ch(&mut m, 'v').as_slice() {
        [Effect::LoadScript { config, .. }] => assert_eq!(config.registry_mirrors, Some(table())),
        other => panic!("{other:?}"),
    }

    // Saved to a new file (no text to keep): the table and the timeouts are written.
    let text = kubewiz::tui::save::render(None, &m.to_config());
    let back = kubewiz::config::parse(&text, std::path::Path::new("x.toml")).unwrap();
    assert_eq!(back.registry_mirrors, Some(table()), "{text}");
    assert_eq!(back.timeouts, cfg.timeouts, "{text}");

    // Review says where the images and manifests come from (PgDn at 80x24).
    let screen = render(&m, 120, 40);
    assert!(
        screen.contains("registries     docker.io → https://hub.example.cn"),
        "{screen}"
    );
    assert!(
        screen.contains("manifests      calico 3.24.6: built into kubewiz"),
        "{screen}"
    );
    update(&mut m, Msg::Resize(80, 24));
    press(&mut m, KeyCode::PageDown);
    press(&mut m, KeyCode::PageDown);
    insta::assert_snapshot!("review_registries_80x24", render(&m, 80, 24));

    // Install: the effect carries the table.
    m.review.confirm_install = true;
    let eff = ch(&mut m, 'y');
    let Some(Effect::Save { config, .. }) = eff.first() else {
        panic!("{eff:?}")
    };
    assert_eq!(config.registry_mirrors, Some(table()));
    let path = m.config_path.clone();
    update(&mut m, Msg::Saved(Ok(path)));
    assert_eq!(m.screen, Screen::Install);

    // No table in the file: none is written (aliyun's defaults stay defaults).
    let m = loaded(include_str!("tui_seed.toml"));
    assert_eq!(m.to_config().registry_mirrors, None);
    let text = kubewiz::tui::save::render(None, &m.to_config());
    assert!(!text.contains("registry_mirrors"), "{text}");
}

/// An invalid table in the file is refused on the Versions screen, under its row, by the same
/// rule `kubewiz check` uses, instead of being carried silently to the install.
#[test]
fn a_bad_table_is_refused_on_the_versions_screen() {
    let text = WITH_TABLE.replace("https://hub.example.cn", "hub.example.cn");
    let mut m = loaded(&text);
    m.screen = Screen::Versions;
    let errors = kubewiz::tui::update::version_errors(&m);
    let row = kubewiz::tui::update::VERSION_ROWS
        .iter()
        .position(|r| *r == "registry_mirrors")
        .unwrap();
    let e = errors[row].as_deref().unwrap_or_default();
    assert!(
        e.contains("registry_mirrors.\"docker.io\"[0]") && e.contains("not an https://"),
        "{errors:?}"
    );
    m.versions.focus = row;
    // On this row Enter opens the registry panel (and the footer says only that).
    let keys = kubewiz::tui::update::keys(&m);
    assert!(
        keys.contains(&("Enter", "registries & manifests")),
        "{keys:?}"
    );
    assert!(!keys.iter().any(|(_, w)| *w == "continue"), "{keys:?}");
    m.versions.focus = 0;
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    assert_eq!(m.versions.focus, row);
}

fn snap(name: &str, m: &Model) {
    snap!(name, m);
}

fn typ(m: &mut Model, s: &str) {
    for c in s.chars() {
        ch(m, c);
    }
}

fn centos7(host: &str, unreachable: &[&str]) -> Facts {
    Facts {
        registry_unreachable: unreachable.iter().map(|s| s.to_string()).collect(),
        ..tui_common::centos7(host)
    }
}

/// The seed (aliyun, calico, dashboard, no table) on the Versions screen's registry panel.
fn seed_panel() -> Model {
    let mut m = loaded(include_str!("tui_seed.toml"));
    m.screen = Screen::Versions;
    m.versions.focus = V_REGISTRY_MIRRORS;
    assert!(press(&mut m, KeyCode::Enter).is_empty());
    assert!(m.mirrors.open);
    m
}

/// `t` on the panel tests every node; each test probes what the install's facts step will
/// probe for these settings. Docker Hub's mirror does not answer from k8s-node01.
fn tested(m: &mut Model) -> Vec<String> {
    let eff = ch(m, 't');
    assert_eq!(eff.len(), 3, "{eff:?}");
    let mut asked = Vec::new();
    for e in eff {
        let Effect::Probe { node, probes, .. } = e else {
            panic!("{e:?}")
        };
        let unreachable: &[&str] = if node.name == "k8s-node01" {
            &["docker.io mirror https://docker.m.daocloud.io timed out after 10 s"]
        } else {
            &[]
        };
        asked.push(probes);
        update(
            m,
            Msg::Probe {
                node: node.name.clone(),
                outcome: ProbeOutcome::Facts(Box::new(centos7(&node.name, unreachable))),
            },
        );
    }
    asked
}

/// Test connection probes, from each node, every mirror and every registry without one that
/// these settings pull from (the facts step's own probes), and the panel and the Versions
/// checks say which registry would fail from which node, as preflight would refuse it
/// (issue 10: "says which registry would fail before anything is installed").
#[test]
fn test_connection_probes_the_registries_and_says_what_fails_from_which_node() {
    let mut m = seed_panel();
    let asked = tested(&mut m);
    let expected = kubewiz::plan::registries::probes_env(&kubewiz::plan::registries::registries(
        &m.to_config(),
        Catalog::builtin(),
    ));
    assert!(asked.iter().all(|a| *a == expected), "{asked:?}");
    assert!(
        expected.contains("docker.io mirror https://docker.m.daocloud.io"),
        "{expected}"
    );
    assert!(
        expected.contains("registry.aliyuncs.com registry https://registry.aliyuncs.com"),
        "{expected}"
    );
    let reach = kubewiz::tui::update::mirrors::reach(
        &m,
        "docker.io",
        kubewiz::plan::registries::ProbeKind::Mirror,
        "https://docker.m.daocloud.io",
    );
    use kubewiz::tui::update::mirrors::Reach;
    assert_eq!(reach[0], ("k8s-master".into(), Reach::Answers));
    assert_eq!(
        reach[1],
        (
            "k8s-node01".into(),
            Reach::Fails("timed out after 10 s".into())
        )
    );
    let screen = render(&m, 120, 40);
    assert!(
        screen.contains(
            "https://docker.m.daocloud.io · no answer from k8s-node01: timed out after 10 s"
        ),
        "{screen}"
    );
    // The Nodes screen, where the test ran, says it under the node.
    let mut nodes = m.clone();
    nodes.screen = Screen::Nodes;
    nodes.nodes_ui.selected = 1;
    let screen = render(&nodes, 120, 40);
    assert!(
        screen.contains("✗ docker.io: mirror https://docker.m.daocloud.io does not answer from this node (timed out after 10 s)"),
        "{screen}"
    );
    nodes.nodes_ui.selected = 0;
    let screen = render(&nodes, 120, 40);
    assert!(
        screen.contains(
            "✓ every image registry and mirror of these settings answers (10 registries)"
        ),
        "{screen}"
    );
    // The Versions checks say it as preflight will, and the screen does not go on.
    press(&mut m, KeyCode::Esc);
    assert!(!m.mirrors.open);
    let findings = kubewiz::tui::update::version_findings(&m);
    assert!(
        findings.iter().any(|f| f.text.starts_with("k8s-node01: registry docker.io: mirror https://docker.m.daocloud.io does not answer from this node (timed out after 10 s)")),
        "{findings:?}"
    );
    // Another mirror for Docker Hub: the old finding no longer applies, the new one is untested.
    press(&mut m, KeyCode::Enter);
    press(&mut m, KeyCode::Enter); // edit docker.io (the first registry)
    assert!(m.mirrors.edit.is_some());
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typ(&mut m, "https://hub.example.cn");
    press(&mut m, KeyCode::Enter);
    assert!(m.mirrors.edit.is_none());
    assert!(kubewiz::tui::update::mirrors::unreachable(&m).is_empty());
    let findings = kubewiz::tui::update::version_findings(&m);
    assert!(
        findings.iter().any(|f| f
            .text
            .starts_with("1 registry/mirror(s) of these settings not tried from the nodes yet")),
        "{findings:?}"
    );
    let screen = render(&m, 120, 40);
    assert!(
        screen.contains("https://hub.example.cn · not tested (t)"),
        "{screen}"
    );
}

/// Test connection also probes the package repositories these settings install from (the facts
/// step's KW_PACKAGE_PROBES), and the Versions checks refuse, as preflight will, a node that
/// cannot reach the Kubernetes repository, or Docker's where its containerd comes from Docker
/// (CentOS 7: containerd.io); a failure found for another version's repository says nothing about
/// this one (issue 10: "before anything is installed").
#[test]
fn test_connection_probes_the_package_repositories_and_the_checks_refuse_what_fails() {
    let mut m = seed_panel();
    let eff = ch(&mut m, 't');
    assert_eq!(eff.len(), 3, "{eff:?}");
    let cat = Catalog::builtin();
    let want = kubewiz::plan::steps::package_probes(
        cat.mirror(kubewiz::config::Mirror::Aliyun),
        cat.minor("1.25").unwrap(),
    );
    let k8s = "kubernetes https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.25/rpm/repodata/repomd.xml.key curl: (28) Connection timed out after 5001 milliseconds";
    let docker = "docker-ce https://mirrors.aliyun.com/docker-ce/linux/centos/docker-ce.repo curl: (6) Could not resolve host: mirrors.aliyun.com";
    for e in eff {
        let Effect::Probe { node, packages, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(packages, want);
        let failed: Vec<String> = if node.name == "k8s-node01" {
            vec![k8s.into(), docker.into()]
        } else if node.name == "k8s-node02" {
            // What a test for Kubernetes 1.24's repository found: not these settings'.
            vec![k8s.replace("v1.25", "v1.24")]
        } else {
            vec![]
        };
        let facts = Facts {
            package_repo_unreachable: failed,
            ..tui_common::centos7(&node.name)
        };
        update(
            &mut m,
            Msg::Probe {
                node: node.name.clone(),
                outcome: ProbeOutcome::Facts(Box::new(facts)),
            },
        );
    }
    press(&mut m, KeyCode::Esc);
    let findings = kubewiz::tui::update::version_findings(&m);
    let errors: Vec<&str> = findings
        .iter()
        .filter(|f| f.level == kubewiz::tui::validate::Level::Error)
        .map(|f| f.text.as_str())
        .collect();
    assert!(
        errors.iter().any(|t| t.starts_with(
            "k8s-node01: the Kubernetes package repository does not answer from this node at \
             https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.25/rpm/repodata/repomd.xml.key \
             (curl: (28) Connection timed out after 5001 milliseconds): the packages step"
        )),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|t| t.starts_with(
            "k8s-node01: centos 7 gets Docker's containerd.io 1.6.x, but Docker's package repository \
             (docker-ce) does not answer from this node at https://mirrors.aliyun.com/docker-ce/linux/centos/docker-ce.repo"
        ) && t.contains("check the node's DNS, proxy and firewall")),
        "{errors:?}"
    );
    assert!(
        !errors
            .iter()
            .any(|t| t.contains("k8s-node02") || t.contains("v1.24")),
        "{errors:?}"
    );
}

/// The panel edits `[registry_mirrors]`: a registry's mirrors, a new registry, a registry
/// without mirror, back to the mirror's defaults; every value through `kubewiz check`'s rules,
/// live, under the field being typed, and refused until fixed.
#[test]
fn the_panel_edits_the_table_through_the_check_rules() {
    let mut m = seed_panel();
    assert_eq!(m.mirrors.table, None);
    let rows = kubewiz::tui::update::mirrors::rows(&m);
    assert_eq!(rows[m.mirrors.selected].registry, "docker.io");
    // A bad URL: said under the field as it is typed, and Enter keeps the form open.
    press(&mut m, KeyCode::Enter);
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typ(&mut m, "hub.example.cn");
    let e = kubewiz::tui::update::mirrors::edit_errors(&m);
    assert!(
        e[M_MIRRORS]
            .as_deref()
            .unwrap_or_default()
            .contains("registry_mirrors.\"docker.io\"[0]: not an https:// (or http://) URL"),
        "{e:?}"
    );
    snap("mirrors_edit_error", &m);
    press(&mut m, KeyCode::Enter);
    assert!(m.mirrors.edit.is_some(), "refused");
    assert_eq!(m.mirrors.table, None, "nothing kept");
    // Fixed: kept; the defaults are now an explicit table with this change.
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typ(
        &mut m,
        "https://hub.example.cn, https://docker.m.daocloud.io",
    );
    press(&mut m, KeyCode::Enter);
    let table = m.mirrors.table.clone().unwrap();
    assert_eq!(
        table["docker.io"],
        vec!["https://hub.example.cn", "https://docker.m.daocloud.io"]
    );
    assert!(
        table.contains_key("quay.io"),
        "the other defaults stay: {table:?}"
    );
    assert_eq!(m.save_state(), SaveState::Changed);
    // A new registry: its name is checked too.
    ch(&mut m, 'a');
    typ(&mut m, "https://harbor.example.cn");
    let e = kubewiz::tui::update::mirrors::edit_errors(&m);
    assert!(
        e[M_REGISTRY]
            .as_deref()
            .unwrap_or_default()
            .contains("contains a URL scheme"),
        "{e:?}"
    );
    press(&mut m, KeyCode::Enter);
    assert!(m.mirrors.edit.is_some());
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typ(&mut m, "harbor.example.cn:5000");
    press(&mut m, KeyCode::Tab);
    typ(&mut m, "https://m.example.cn/harbor");
    press(&mut m, KeyCode::Enter);
    assert!(m.mirrors.edit.is_none());
    let rows = kubewiz::tui::update::mirrors::rows(&m);
    assert_eq!(rows[m.mirrors.selected].registry, "harbor.example.cn:5000");
    // d: no mirror for it (it has no image of this cluster: it leaves the list).
    ch(&mut m, 'd');
    assert!(
        !m.mirrors
            .table
            .as_ref()
            .unwrap()
            .contains_key("harbor.example.cn:5000")
    );
    // What the wizard saves is what `kubewiz check` reads, with no problem.
    let cfg = m.to_config();
    let text = kubewiz::tui::save::render(None, &cfg);
    let back = kubewiz::config::parse_and_validate(&text, std::path::Path::new("x.toml")).unwrap();
    assert_eq!(back.registry_mirrors, cfg.registry_mirrors);
    // The mirror switched while a table is given: the table still wins, and the status says so.
    press(&mut m, KeyCode::Esc);
    m.versions.focus = V_MIRROR;
    ch(&mut m, 'l');
    let status = m.status.clone().unwrap().text;
    assert!(status.contains("[registry_mirrors] of cluster.toml still wins (Registry mirrors → r takes upstream's defaults)"), "{status}");
    ch(&mut m, 'l');
    m.versions.focus = V_REGISTRY_MIRRORS;
    press(&mut m, KeyCode::Enter);
    // r: back to aliyun's defaults (no table).
    ch(&mut m, 'r');
    assert_eq!(m.mirrors.table, None);
    assert_eq!(m.save_state(), SaveState::Saved);
    for _ in 0..20 {
        press(&mut m, KeyCode::Up);
    }
    snap("mirrors_panel", &m);
}

/// The install's facts step probes the same registries: after a run (e.g. one that failed),
/// its facts say what answered, and Esc back to the settings shows it without a new test.
#[test]
fn the_installs_facts_count_as_a_test_of_the_registries() {
    let mut m = loaded(include_str!("tui_seed.toml"));
    let unreachable =
        ["registry.aliyuncs.com registry https://registry.aliyuncs.com timed out after 10 s"];
    update(
        &mut m,
        Msg::Engine(kubewiz::engine::Event::NodeConnected {
            node: "k8s-node02".into(),
            facts: Box::new(centos7("k8s-node02", &unreachable)),
        }),
    );
    let found = kubewiz::tui::update::mirrors::unreachable(&m);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "k8s-node02");
    assert!(
        found[0].1.contains("registry registry.aliyuncs.com does not answer from this node at https://registry.aliyuncs.com (timed out after 10 s) and has no mirror"),
        "{found:?}"
    );
}

/// A password in a mirror URL (refused by the rules: cluster.toml is no place for secrets) is
/// never shown: not under the field, not in the panel or its edit form, not on Review.
#[test]
fn a_password_in_a_mirror_url_is_never_on_screen() {
    let text = WITH_TABLE.replace("https://hub.example.cn", "https://me:s3cret@hub.example.cn");
    let mut m = loaded(&text);
    m.screen = Screen::Versions;
    m.versions.focus = V_REGISTRY_MIRRORS;
    let e = kubewiz::tui::update::version_errors(&m)[V_REGISTRY_MIRRORS].clone();
    assert!(
        e.as_deref()
            .unwrap_or_default()
            .contains("contains credentials"),
        "{e:?}"
    );
    let mut screens = vec![render(&m, 120, 40)];
    press(&mut m, KeyCode::Enter);
    screens.push(render(&m, 120, 40));
    press(&mut m, KeyCode::Enter); // edit docker.io
    screens.push(render(&m, 120, 40));
    press(&mut m, KeyCode::Esc);
    press(&mut m, KeyCode::Esc);
    m.screen = Screen::Review;
    screens.push(render(&m, 120, 40));
    ch(&mut m, 'i');
    screens.push(render(&m, 120, 40));
    for s in &screens {
        assert!(!s.contains("s3cret"), "{s}");
    }
    assert!(
        screens[1].contains("https://<credentials>@hub.example.cn"),
        "{}",
        screens[1]
    );
}
