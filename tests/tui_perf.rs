//! 50 nodes streaming: `update` + drawing stay cheap, and drawing does not grow with the
//! scrollback (only visible lines are rendered; panes keep a bounded ring buffer). Costs are
//! this thread's CPU time, so a loaded machine (other processes on the cores) cannot fail it;
//! the figures themselves are the benches' job (`cargo bench --bench ui`).

/// The benches' clock: this thread's CPU time.
#[path = "../benches/common/clock.rs"]
#[allow(dead_code)]
mod clock;

use kubewiz::config::{ClusterConfig, NodeConfig, Role};
use kubewiz::engine::{Event, NodeSummary, Stream};
use kubewiz::plan::StepId;
use kubewiz::tui::model::steps_for;
use kubewiz::tui::{Model, Msg, Screen, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::PathBuf;
use std::time::Duration;

fn fifty() -> Model {
    let mut cfg: ClusterConfig =
        toml::from_str("[cluster]\nname = \"big\"\nkubernetes_version = \"1.34.8\"\n").unwrap();
    for i in 0..50 {
        cfg.nodes.push(NodeConfig {
            name: format!("node{i:02}"),
            address: format!("192.0.2.{}", 10 + i),
            role: if i == 0 {
                Role::ControlPlane
            } else {
                Role::Worker
            },
            user: None,
            port: None,
            identity_file: None,
        });
    }
    let mut m = Model::new(PathBuf::from("cluster.toml"));
    m.load(&cfg);
    m.screen = Screen::Install;
    m.install.started = true;
    let nodes = cfg
        .nodes
        .iter()
        .map(|n| NodeSummary {
            name: n.name.clone(),
            address: n.address.clone(),
            role: n.role,
            steps: steps_for(&cfg, n),
        })
        .collect();
    update(&mut m, Msg::Engine(Event::RunStarted { nodes }));
    for i in 0..50 {
        update(
            &mut m,
            Msg::Engine(Event::StepStarted {
                node: format!("node{i:02}"),
                step: StepId::Packages,
                attempt: 1,
            }),
        );
    }
    m
}

fn frame(term: &mut Terminal<TestBackend>, m: &Model) -> Duration {
    let t = clock::thread_cpu();
    term.draw(|f| view(f, m)).unwrap();
    clock::thread_cpu() - t
}

#[test]
fn fifty_nodes_streaming_stay_responsive() {
    let mut m = fifty();
    update(&mut m, Msg::Resize(120, 40));
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let first = frame(&mut term, &m);

    let start = clock::thread_cpu();
    let mut worst = Duration::ZERO;
    let mut line = 0u64;
    // 200 frames, 500 lines between frames: 100 000 lines over 50 nodes (2000 each).
    for _ in 0..200 {
        for _ in 0..500 {
            let node = format!("node{:02}", line % 50);
            update(
                &mut m,
                Msg::Engine(Event::Line {
                    node,
                    step: StepId::Packages,
                    stream: Stream::Stdout,
                    text: format!("Installing : kubeadm-1.34.8-150500.1.1.x86_64   {line}/100000"),
                }),
            );
            line += 1;
        }
        worst = worst.max(frame(&mut term, &m));
    }
    let total = clock::thread_cpu() - start;
    // Scrollback is bounded and drawing cost does not grow with it.
    for n in &m.install.nodes {
        assert!(n.log.len() <= kubewiz::tui::logbuf::LOG_CAPACITY);
    }
    let last = frame(&mut term, &m);
    eprintln!(
        "100k lines + 200 frames: {total:?} CPU; frame first {first:?}, worst {worst:?}, last {last:?}"
    );
    // Generous bounds on CPU time (debug build); a frame is normally ~1 ms.
    assert!(total < Duration::from_secs(20), "{total:?}");
    assert!(worst < Duration::from_millis(250), "worst frame {worst:?}");

    // Zoomed pane and the 12-wide grid after all that.
    m.install.zoom = true;
    assert!(frame(&mut term, &m) < Duration::from_millis(250));
}
