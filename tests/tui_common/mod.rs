//! Helpers of the wizard's pure tests (tui_snapshots, tui_update, tui_mirrors, tui_repo): the
//! screen as text, snapshots at 80x24 and 120x40, a cluster.toml read, a probed CentOS 7 node.
#![allow(dead_code)]

use kubewiz::config::ClusterConfig;
use kubewiz::engine::{Event, NodeSummary};
use kubewiz::facts::Facts;
use kubewiz::tui::{Model, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The run ends stopped by the user (after `p`, or `q` then `y`): what the engine sends.
pub fn end_interrupted(m: &mut Model) -> Vec<kubewiz::tui::Effect> {
    kubewiz::tui::update(
        m,
        kubewiz::tui::Msg::Engine(Event::RunFinished {
            summary: kubewiz::engine::Summary {
                interrupted: true,
                ..Default::default()
            },
        }),
    )
}

/// The wizard's screen at `w`x`h`, as text.
pub fn render(m: &Model, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view(f, m)).unwrap();
    term.backend().to_string()
}

/// `snap!(name, model)`: insta snapshots `<name>_80x24` and `<name>_120x40` (a macro, so the
/// snapshot files keep the calling test file's name).
#[macro_export]
macro_rules! snap {
    ($name:expr, $m:expr) => {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let mut m = $m.clone();
            kubewiz::tui::update(&mut m, kubewiz::tui::Msg::Resize(w, h));
            insta::assert_snapshot!(
                format!("{}_{w}x{h}", $name),
                $crate::tui_common::render(&m, w, h)
            );
        }
    };
}

/// What a CentOS 7.9 node reports (the seed guide's machines).
pub fn centos7(host: &str) -> Facts {
    Facts {
        os_id: "centos".into(),
        os_version: "7".into(),
        os_family: "rhel".into(),
        kernel: "3.10.0-1160.el7.x86_64".into(),
        cgroup_version: 1,
        cpus: 2,
        memory_mb: 3770,
        swap_mb: 2047,
        hostname: host.into(),
        can_sudo: true,
        ..Facts::default()
    }
}

/// The engine's first event of a run of `cfg`'s install plan: every node with its steps.
pub fn run_started(cfg: &ClusterConfig) -> Event {
    let nodes = cfg
        .nodes
        .iter()
        .map(|n| NodeSummary {
            name: n.name.clone(),
            address: n.address.clone(),
            role: n.role,
            steps: kubewiz::plan::steps_for(cfg, n),
        })
        .collect();
    Event::RunStarted { nodes }
}

/// The wizard after reading `text` as /tmp/kw-test/cluster.toml (no journal).
pub fn loaded(text: &str) -> Model {
    let path = std::path::PathBuf::from("/tmp/kw-test/cluster.toml");
    let cfg = kubewiz::config::parse(text, &path).unwrap();
    let mut m = Model::new(path.clone());
    kubewiz::tui::update(
        &mut m,
        kubewiz::tui::Msg::ConfigLoaded {
            path,
            result: Ok(Box::new((cfg, kubewiz::tui::model::JournalInfo::default()))),
        },
    );
    m
}
