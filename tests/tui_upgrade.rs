//! The wizard's Upgrade flow through the pure `update` (no terminal, no network): Welcome offers it for an
//! installed cluster and shows the certificates' warning; the Upgrade screen asks for the path (read-only)
//! before anything runs and shows a refusal; the run goes to the install's screen, hop by hop, with each
//! node's kubelet version; `q` pauses and `y` stops it with how to resume; a finished upgrade ends on Done.
//! The same flow on a real fleet in tmux: tests/upgrade.rs.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubewiz::catalog::KubeVersion;
use kubewiz::config::ClusterConfig;
use kubewiz::engine::{Event, Summary};
use kubewiz::plan::StepId;
use kubewiz::tui::model::*;
use kubewiz::tui::{Effect, Model, Msg, Screen, update};
use kubewiz::upgrade::plan::Settings;
use kubewiz::upgrade::run::{Outcome, Prepared};
use kubewiz::upgrade::{Hop, NodeSurvey, Path as UpgradePath, Survey};
use std::path::PathBuf;

mod tui_common;

const SAMPLE: &str = include_str!("tui_seed.toml");
const WARNING: &str = "warning: k8s-master: certificate apiserver expires in 9 days (Dec 13, 2026 14:00 UTC); \
                       run `kubewiz certs renew`";

fn press(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(m: &mut Model, c: char) -> Vec<Effect> {
    press(m, KeyCode::Char(c))
}

fn path() -> PathBuf {
    PathBuf::from("/tmp/kw-test/cluster.toml")
}

fn cfg() -> ClusterConfig {
    toml::from_str(SAMPLE).unwrap()
}

/// The seed's cluster, installed (1.25.3), as Welcome reads it.
fn installed(journal: JournalInfo) -> Model {
    let mut m = Model::new(path());
    update(
        &mut m,
        Msg::ConfigLoaded {
            path: path(),
            result: Ok(Box::new((cfg(), journal))),
        },
    );
    m
}

fn v(s: &str) -> KubeVersion {
    KubeVersion::parse(s).unwrap()
}

/// What the survey would find: every node at 1.25.3; the path to `to` in one hop.
fn prepared(to: &str) -> Prepared {
    let cfg = cfg();
    let survey = Survey {
        apiserver: v("1.25.3"),
        nodes: cfg
            .nodes
            .iter()
            .map(|n| NodeSurvey {
                name: n.name.clone(),
                role: n.role,
                kubelet: Some(v("1.25.3")),
                apiserver: None,
                facts: Default::default(),
            })
            .collect(),
    };
    Prepared {
        config_path: path(),
        nodes: cfg
            .nodes
            .iter()
            .map(|n| (n.name.clone(), "Ready".to_string(), false))
            .collect(),
        config: cfg,
        survey,
        path: UpgradePath {
            from: v("1.25.3"),
            to: v(to),
            hops: vec![Hop {
                from: v("1.25.3"),
                to: v(to),
                catch_up: false,
                changes: vec!["packages from the Kubernetes 1.26 repository".into()],
            }],
            warnings: vec![],
        },
        settings: Settings::default(),
    }
}

/// Welcome → u → Enter (the survey asked for) → its answer: the path is on screen.
fn path_shown(answer: Prepared) -> Model {
    let mut m = installed(JournalInfo {
        installed: true,
        ..JournalInfo::default()
    });
    ch(&mut m, 'u');
    press(&mut m, KeyCode::Enter);
    update(&mut m, Msg::UpgradePrepared(Ok(Box::new(answer))));
    m
}

/// Welcome → u → Enter (the survey asked for) → its answer → Enter: the upgrade starts.
fn upgrading() -> Model {
    let mut m = path_shown(prepared("1.26.15"));
    let eff = press(&mut m, KeyCode::Enter);
    assert!(matches!(&eff[..], [Effect::StartUpgrade(_)]), "{eff:?}");
    update(
        &mut m,
        Msg::UpgradeHop {
            index: 1,
            total: 1,
            title: "1.25.3 → 1.26.15".into(),
        },
    );
    update(&mut m, Msg::Engine(tui_common::run_started(&cfg())));
    m
}

#[test]
fn welcome_offers_upgrade_for_an_installed_cluster_and_warns_about_certificates() {
    let m = installed(JournalInfo::default());
    assert!(
        !m.welcome.choices().contains(&Choice::Upgrade),
        "nothing installed yet"
    );

    let mut m = installed(JournalInfo {
        installed: true,
        certs: vec![WARNING.into()],
        ..JournalInfo::default()
    });
    assert!(m.welcome.choices().contains(&Choice::Upgrade));
    let screen = render(&m);
    assert!(screen.contains("expires in 9 days"), "{screen}");
    assert!(screen.contains("u upgrade"), "{screen}");

    // u: the Upgrade screen, the next minor's newest patch proposed; nothing runs yet.
    assert!(ch(&mut m, 'u').is_empty());
    assert_eq!(m.screen, Screen::Upgrade);
    assert_eq!(m.upgrade.target.value(), "1.26.15");
    // Esc goes back.
    press(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Welcome);

    // An unfinished upgrade: Welcome says so, the version it was asked for comes back.
    let mut m = installed(JournalInfo {
        installed: true,
        upgrade_unfinished: Some("1.28.15".into()),
        ..JournalInfo::default()
    });
    assert!(render(&m).contains("finish the upgrade to 1.28.15 where it stopped"));
    ch(&mut m, 'u');
    assert_eq!(m.upgrade.target.value(), "1.28.15");
}

#[test]
fn the_path_is_asked_for_and_shown_before_anything_runs() {
    let mut m = installed(JournalInfo {
        installed: true,
        ..JournalInfo::default()
    });
    ch(&mut m, 'u');
    for _ in 0..10 {
        press(&mut m, KeyCode::Backspace);
    }
    for c in "1.24.0".chars() {
        ch(&mut m, c);
    }
    let eff = press(&mut m, KeyCode::Enter);
    assert_eq!(
        eff,
        vec![Effect::PrepareUpgrade {
            path: path(),
            target: "1.24.0".into()
        }]
    );
    assert!(m.upgrade.preparing);
    assert!(
        press(&mut m, KeyCode::Enter).is_empty(),
        "one survey at a time"
    );
    // Refused: the reason is shown, nothing ran.
    let why = "the cluster runs 1.25.3; 1.24.0 is older: kubeadm does not downgrade";
    update(&mut m, Msg::UpgradePrepared(Err(why.into())));
    assert!(render(&m).contains("kubeadm does not downgrade"));
    assert!(!m.upgrade.active);
    // Another version: the error goes; the path comes; Enter on it starts it.
    for _ in 0..10 {
        press(&mut m, KeyCode::Backspace);
    }
    for c in "1.26.15".chars() {
        ch(&mut m, c);
    }
    assert!(m.upgrade.error.is_none());
    press(&mut m, KeyCode::Enter);
    update(
        &mut m,
        Msg::UpgradePrepared(Ok(Box::new(prepared("1.26.15")))),
    );
    let screen = render(&m);
    assert!(screen.contains("1.25.3 → 1.26.15: 1 hop"), "{screen}");
    assert!(screen.contains("Enter upgrades to 1.26.15"), "{screen}");
    assert!(!m.upgrade.active);
    snap!("upgrade_path", m);
    let eff = press(&mut m, KeyCode::Enter);
    assert!(matches!(&eff[..], [Effect::StartUpgrade(p)] if p.path.to == v("1.26.15")));
    assert_eq!(m.screen, Screen::Install);
    assert!(m.upgrade.active);
    assert_eq!(m.upgrade.versions["k8s-master"], "1.25.3");
}

#[test]
fn hops_run_on_the_install_screen_q_pauses_y_stops_with_how_to_resume() {
    let mut m = upgrading();
    let screen = render(&m);
    assert!(screen.contains("hop 1/1: 1.25.3 → 1.26.15"), "{screen}");
    // Tab shows the versions along the path here, not the install's join stages.
    assert!(screen.contains("Tab versions"), "{screen}");
    assert!(!screen.contains("Tab join"), "{screen}");
    snap!("upgrade_hop", m);
    // A node's kubelet after its restart.
    update(
        &mut m,
        Msg::Engine(Event::Fact {
            node: "k8s-node01".into(),
            step: StepId::KubeletRestart,
            key: "kubelet_version".into(),
            value: "v1.26.15".into(),
        }),
    );
    assert_eq!(m.upgrade.versions["k8s-node01"], "1.26.15");
    assert!(render(&m).contains("kubelet 1.26.15"));
    // Tab: every node's version moving along the path.
    press(&mut m, KeyCode::Tab);
    assert_eq!(m.screen, Screen::Join);
    let screen = render(&m);
    assert!(
        screen.contains("Versions: 1/3 nodes at 1.26.15"),
        "{screen}"
    );
    assert!(screen.contains("■■ 1.25.3 → 1.26.15"), "{screen}");
    assert!(screen.contains("■□ 1.25.3 → 1.25.3"), "{screen}");
    snap!("upgrade_versions", m);
    press(&mut m, KeyCode::Tab);
    assert_eq!(m.screen, Screen::Install);
    // q: paused while asked; y: stop (running steps finish).
    assert_eq!(ch(&mut m, 'q'), vec![Effect::Pause]);
    assert!(render(&m).contains("Stop the upgrade?"));
    assert_eq!(ch(&mut m, 'y'), vec![Effect::Stop]);
    // The hop's run ends (stopped), then the upgrade: kubewiz ends saying how to resume.
    tui_common::end_interrupted(&mut m);
    assert!(m.exit.is_none(), "the upgrade's end decides, not a hop's");
    let eff = update(
        &mut m,
        Msg::UpgradeDone(
            Box::new(Outcome {
                interrupted: true,
                ..Outcome::default()
            }),
            vec!["stopped: the journal is saved".into()],
        ),
    );
    assert_eq!(eff, vec![Effect::Quit]);
    let exit = m.exit.as_ref().unwrap();
    assert_eq!(exit.code, 1);
    let hint = exit.message.as_deref().unwrap();
    assert!(hint.contains("upgrade paused"), "{hint}");
    assert!(
        hint.contains("kubewiz upgrade -c /tmp/kw-test/cluster.toml --to 1.26.15"),
        "{hint}"
    );
}

#[test]
fn a_finished_upgrade_ends_on_done_with_its_summary() {
    let mut m = upgrading();
    update(
        &mut m,
        Msg::Engine(Event::RunFinished {
            summary: Summary {
                ok: true,
                ..Summary::default()
            },
        }),
    );
    assert_eq!(
        m.screen,
        Screen::Install,
        "a hop's end is not the upgrade's"
    );
    update(
        &mut m,
        Msg::UpgradeDone(
            Box::new(Outcome {
                ok: true,
                reached: Some(v("1.26.15")),
                ..Outcome::default()
            }),
            vec!["cluster upgraded: every node runs 1.26.15.".into()],
        ),
    );
    assert_eq!(m.screen, Screen::Done);
    let screen = render(&m);
    assert!(screen.contains("Upgraded"), "{screen}");
    assert!(
        screen.contains("cluster upgraded: every node runs 1.26.15."),
        "{screen}"
    );
}

fn render(m: &Model) -> String {
    tui_common::render(m, 120, 40)
}

/// `prepared` with the path kubewiz computes (assets/catalog.toml) from CentOS 7 nodes at 1.25.3 to `to`.
fn prepared_computed(to: &str) -> Prepared {
    let mut p = prepared(to);
    for n in &mut p.survey.nodes {
        n.facts.os_id = "centos".into();
        n.facts.os_version = "7".into();
        n.facts.os_family = "rhel".into();
        n.facts.kernel = "3.10.0-1160.el7.x86_64".into();
        n.facts.cgroup_version = 1;
        n.facts.cpus = 2;
        n.facts.memory_mb = 4096;
    }
    p.path = kubewiz::upgrade::path::compute(
        kubewiz::catalog::Catalog::builtin(),
        &p.config,
        &p.survey,
        to,
    )
    .unwrap();
    p
}

/// At 80x24 a path of three hops does not fit the Path box: it says how much is below and PgDn/↓ scroll
/// to the last hop and the line that says what Enter does; ↓ keeps the path (it was thrown away as if the
/// version had been edited), typing another version drops it.
#[test]
fn a_long_path_scrolls_at_80x24_and_arrows_keep_it() {
    let mut m = path_shown(prepared_computed("1.28.15"));
    let first = tui_common::render(&m, 80, 24);
    assert!(first.contains("1.25.3 → 1.28.15: 3 hops"), "{first}");
    assert!(first.contains("more line(s): PgDn/PgUp"), "{first}");
    assert!(!first.contains("Enter upgrades to 1.28.15"), "{first}");
    assert!(
        first.contains("PgDn/PgUp scroll"),
        "the footer offers it:\n{first}"
    );
    for _ in 0..10 {
        press(&mut m, KeyCode::Down);
    }
    let last = tui_common::render(&m, 80, 24);
    assert!(m.upgrade.prepared.is_some(), "↓ threw the path away");
    assert!(last.contains("3. 1.27.16 → 1.28.15"), "{last}");
    assert!(last.contains("Enter upgrades to 1.28.15"), "{last}");
    assert!(last.contains("line(s) above: PgDn/PgUp"), "{last}");
    press(&mut m, KeyCode::PageUp);
    press(&mut m, KeyCode::Left);
    assert!(m.upgrade.prepared.is_some(), "← changed nothing");
    ch(&mut m, '9');
    assert!(
        m.upgrade.prepared.is_none(),
        "another version: the path goes"
    );
    assert_eq!(m.upgrade.path_scroll, 0);
}

/// A failed upgrade ends on Done with its summary and a status line that fits 80 columns whole (it was cut:
/// "...; run it again from" and sent the user to Tab/Enter, which are logs and quit there).
#[test]
fn a_failed_upgrade_says_what_to_do_within_80_columns() {
    let mut m = upgrading();
    tui_common::end_interrupted(&mut m);
    let o = Outcome {
        ok: false,
        reached: None,
        ..Outcome::default()
    };
    let lines = kubewiz::upgrade::report::summary_lines(&prepared("1.26.15"), &o, &path());
    update(&mut m, Msg::UpgradeDone(Box::new(o), lines));
    assert_eq!(m.screen, Screen::Done);
    let screen = tui_common::render(&m, 80, 24);
    let status = m.status.as_ref().unwrap().text.clone();
    assert!(status.chars().count() <= 80, "{status}");
    assert!(screen.contains(&status), "{screen}");
    assert!(screen.contains("Upgrade incomplete"), "{screen}");
    assert!(screen.contains("Welcome → Upgrade resumes"), "{screen}");
    assert!(!status.contains("Tab/Enter"), "{status}");
}
