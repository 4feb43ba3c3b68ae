//! The Versions screen against the package repository (issue 12 item 2, issue 9): which
//! patches of the chosen minor the repository carries, as a probed node reads its index (the
//! script `kubewiz check --connect` runs), and the newest of them every probed node can run.
//! Pure `update`: the node's answer arrives as `Msg::RepoVersions`.

mod tui_common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubewiz::config::Mirror;
use kubewiz::tui::model::*;
use kubewiz::tui::msg::ProbeOutcome;
use kubewiz::tui::update::version_findings;
use kubewiz::tui::{Effect, Model, Msg, Screen, update};

fn press(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The seed's cluster.toml (1.25.3, aliyun) read, its nodes tested, on the Network screen.
fn seed_probed(text: &str) -> Model {
    let mut m = tui_common::loaded(text);
    for n in ["k8s-master", "k8s-node01", "k8s-node02"] {
        update(
            &mut m,
            Msg::Probe {
                node: n.into(),
                outcome: ProbeOutcome::Facts(Box::new(tui_common::centos7(n))),
            },
        );
    }
    m.screen = Screen::Network;
    m
}

fn answer(m: &mut Model, minor: &str, list: &[&str]) {
    update(
        m,
        Msg::RepoVersions {
            mirror: Mirror::Aliyun,
            minor: minor.into(),
            node: "k8s-master".into(),
            result: Ok(list.iter().map(|s| s.to_string()).collect()),
        },
    );
}

/// A version the file chose that the repository does not carry is refused on the screen,
/// saying what the repository has; `n` takes the newest patch there the nodes can run.
#[test]
fn a_chosen_version_the_repository_lacks_is_refused_and_n_takes_the_newest_it_has() {
    let mut m = seed_probed(include_str!("tui_seed.toml"));
    let eff = press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    let [
        Effect::RepoVersions {
            node,
            mirror,
            minor,
            ..
        },
    ] = eff.as_slice()
    else {
        panic!("{eff:?}")
    };
    assert_eq!(
        (node.name.as_str(), *mirror, minor.as_str()),
        ("k8s-master", Mirror::Aliyun, "1.25")
    );
    let f = version_findings(&m);
    assert!(
        f.iter()
            .any(|f| f.text.starts_with("asking k8s-master which 1.25 patches")),
        "{f:?}"
    );
    // Asked once per (mirror, minor).
    assert!(kubewiz::tui::update::repo::ask(&mut m).is_empty());

    answer(&mut m, "1.25", &["1.25.0", "1.25.1", "1.25.2"]);
    assert_eq!(m.version().version, "1.25.3", "the file's choice is kept");
    let f = version_findings(&m);
    assert!(
        f.iter().any(|f| f.level == kubewiz::tui::validate::Level::Error
            && f.text.contains("1.25.3 is not in the package repository (as k8s-master reads its index: 3 patches, 1.25.0 to 1.25.2)")
            && f.text.contains("(1.25.2, the newest every probed node can run: n chooses it)")),
        "{f:?}"
    );
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions, "refused");
    snap!("versions_repository_lacks_the_version", m);
    press(&mut m, KeyCode::Char('n'));
    assert_eq!(m.version().version, "1.25.2");
    assert!(
        version_findings(&m)
            .iter()
            .all(|f| f.level != kubewiz::tui::validate::Level::Error)
    );
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Review);
    assert_eq!(m.to_config().cluster.kubernetes_version, "1.25.2");
}

/// A default version is never left to fail: when the repository does not carry it, the
/// newest patch there the probed nodes can run replaces it, and the status says so. A
/// repository that cannot be read is a warning, not a refusal.
#[test]
fn a_default_version_the_repository_lacks_is_replaced() {
    let mut m = seed_probed(include_str!("tui_seed.toml"));
    m.versions.chosen = false; // as after New cluster: the catalog's default
    press(&mut m, KeyCode::Enter);
    answer(&mut m, "1.25", &["1.25.0", "1.25.1"]);
    assert_eq!(m.version().version, "1.25.1");
    let status = m.status.clone().unwrap().text;
    assert!(
        status.contains("1.25.3 is not in the package repository: 1.25.1 chosen"),
        "{status}"
    );
    // Another mirror: asked again; its repository cannot be read.
    m.versions.focus = V_MIRROR;
    let eff = press(&mut m, KeyCode::Char('l'));
    assert!(
        matches!(
            eff.as_slice(),
            [Effect::RepoVersions {
                mirror: Mirror::Upstream,
                ..
            }]
        ),
        "{eff:?}"
    );
    let eff = update(
        &mut m,
        Msg::RepoVersions {
            mirror: Mirror::Upstream,
            minor: "1.25".into(),
            node: "k8s-master".into(),
            result: Err("curl: (28) Connection timed out".into()),
        },
    );
    assert!(eff.is_empty(), "not asked again in a loop: {eff:?}");
    let f = version_findings(&m);
    assert!(
        f.iter().any(|f| f.level == kubewiz::tui::validate::Level::Warning
            && f.text == "k8s-master: could not list the repository's versions: curl: (28) Connection timed out"),
        "{f:?}"
    );
    // A warning does not stop the way on; coming back to the screen asks again, from Review
    // (Esc) and from Network (Enter), each time it is entered while the answer is a failure.
    let unreadable = |m: &mut Model| {
        update(
            m,
            Msg::RepoVersions {
                mirror: Mirror::Upstream,
                minor: "1.25".into(),
                node: "k8s-master".into(),
                result: Err("curl: (28) Connection timed out".into()),
            },
        )
    };
    let asks_upstream = |eff: &[Effect]| {
        matches!(
            eff,
            [Effect::RepoVersions {
                mirror: Mirror::Upstream,
                ..
            }]
        )
    };
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Review);
    let eff = press(&mut m, KeyCode::Esc);
    assert!(asks_upstream(&eff), "{eff:?}");
    assert!(unreadable(&mut m).is_empty());
    press(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Network);
    let eff = press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    assert!(asks_upstream(&eff), "{eff:?}");
    // Read this time: entering the screen again does not ask again.
    update(
        &mut m,
        Msg::RepoVersions {
            mirror: Mirror::Upstream,
            minor: "1.25".into(),
            node: "k8s-master".into(),
            result: Ok(vec!["1.25.0".into(), "1.25.1".into()]),
        },
    );
    press(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Network);
    let eff = press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    assert!(eff.is_empty(), "{eff:?}");
}

/// A version the repository carries says so, with what the repository has; nothing is changed.
#[test]
fn a_version_the_repository_carries_is_named_as_there() {
    let mut m = seed_probed(include_str!("tui_seed.toml"));
    press(&mut m, KeyCode::Enter);
    answer(&mut m, "1.25", &["1.25.0", "1.25.3", "1.25.16"]);
    assert_eq!(m.version().version, "1.25.3");
    let f = version_findings(&m);
    assert!(
        f.iter().any(|f| f.level == kubewiz::tui::validate::Level::Info
            && f.text
                == "1.25.3 is in the package repository (as k8s-master reads its index: 3 patches, 1.25.0 to 1.25.16)"),
        "{f:?}"
    );
    assert!(
        !f.iter()
            .any(|f| f.level == kubewiz::tui::validate::Level::Error),
        "{f:?}"
    );
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Review);
}

/// `n` takes the repository's newest patch the nodes can run: the list's own entry for it
/// when the list has one (no second 1.25.16 in the list), and the Versions screen reached
/// back from Review asks the repository of a minor not asked yet (after a failed install the
/// run's facts are known there).
#[test]
fn n_selects_the_lists_entry_and_back_from_review_asks_a_new_minor() {
    let text = include_str!("tui_seed.toml").replace("1.25.3", "1.25.17");
    let mut m = seed_probed(&text);
    press(&mut m, KeyCode::Enter);
    let newest: Vec<String> = (0..=16).map(|p| format!("1.25.{p}")).collect();
    let newest: Vec<&str> = newest.iter().map(String::as_str).collect();
    answer(&mut m, "1.25", &newest);
    assert_eq!(m.version().version, "1.25.17", "the file's choice is kept");
    let entries = m.catalog.len();
    press(&mut m, KeyCode::Char('n'));
    assert_eq!(m.version().version, "1.25.16");
    assert_eq!(m.catalog.len(), entries);
    assert_eq!(
        m.catalog.iter().filter(|c| c.version == "1.25.16").count(),
        1,
        "{:?}",
        m.catalog
    );
    // Review, then back to Versions after choosing another minor there would have asked;
    // here the minor was asked: back from Review asks nothing.
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Review);
    assert!(press(&mut m, KeyCode::Esc).is_empty());
    assert_eq!(m.screen, Screen::Versions);
    // A minor never asked (as when a Resume failed and Esc led here): asked on the way back.
    press(&mut m, KeyCode::Up);
    let minor = format!("{}.{}", m.version().minor().0, m.version().minor().1);
    assert_ne!(minor, "1.25");
    m.versions.repos.retain(|r| r.minor == "1.25");
    m.screen = Screen::Review;
    let eff = press(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Versions);
    assert!(
        matches!(eff.as_slice(), [Effect::RepoVersions { minor: asked, .. }] if *asked == minor),
        "{eff:?}"
    );
}

/// One question at a time: scrolling through the list while the node answers opens no
/// connection per minor passed; the answer asks for the minor chosen by then, which the checks
/// say is being asked.
#[test]
fn scrolling_asks_one_minor_at_a_time() {
    let mut m = seed_probed(include_str!("tui_seed.toml"));
    assert_eq!(press(&mut m, KeyCode::Enter).len(), 1);
    for _ in 0..4 {
        assert!(press(&mut m, KeyCode::Up).is_empty());
    }
    let minor = format!("{}.{}", m.version().minor().0, m.version().minor().1);
    assert_eq!(minor, "1.28");
    assert!(
        version_findings(&m)
            .iter()
            .any(|f| f.text
                == "asking k8s-master which 1.28 patches the package repository carries…"),
        "{:?}",
        version_findings(&m)
    );
    let eff = update(
        &mut m,
        Msg::RepoVersions {
            mirror: Mirror::Aliyun,
            minor: "1.25".into(),
            node: "k8s-master".into(),
            result: Ok(vec!["1.25.3".into()]),
        },
    );
    assert!(
        matches!(eff.as_slice(), [Effect::RepoVersions { minor, .. }] if minor == "1.28"),
        "{eff:?}"
    );
}
