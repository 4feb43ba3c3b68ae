//! Shared by the UI benches: a 50-node install view driven only through `update`, the way
//! the runtime drives it (`Msg::Engine(Event::...)`).
#![allow(dead_code)]

pub mod clock;

use kubewiz::config::Role;
use kubewiz::engine::{Event, NodeSummary, Stream};
use kubewiz::plan::StepId;
use kubewiz::tui::{Model, Msg, Screen, update};
use std::path::PathBuf;

pub const NODES: usize = 50;
pub const WIDTH: u16 = 200;
pub const HEIGHT: u16 = 60;
/// Enough lines per node to fill any scrollback the pane keeps (it keeps 2000 today).
pub const FILL_PER_NODE: usize = 4000;

pub fn node_name(i: usize) -> String {
    if i == 0 {
        "k8s-master".to_string()
    } else {
        format!("k8s-node{i:02}")
    }
}

/// The RunStarted event of a 50-node run: 1 control plane, 49 workers, every step.
pub fn run_started(nodes: usize) -> Event {
    Event::RunStarted {
        nodes: (0..nodes)
            .map(|i| NodeSummary {
                name: node_name(i),
                address: format!("192.0.2.{}", 10 + i),
                role: if i == 0 {
                    Role::ControlPlane
                } else {
                    Role::Worker
                },
                steps: StepId::ALL.to_vec(),
            })
            .collect(),
    }
}

/// A log line of realistic shape and length (yum/apt/kubeadm output is 40..120 columns),
/// allocated to its exact length as the engine's line reader hands them over.
pub fn line_text(seq: usize) -> String {
    let mut s = match seq % 4 {
        0 => format!(
            "  Installing : kubelet-1.25.3-0.x86_64                                     {:>4}/{:<4}",
            seq % 1000,
            1000
        ),
        1 => format!(
            "[preflight] Pulling images required for setting up a Kubernetes cluster ({seq})"
        ),
        2 => format!(
            "Get:{seq} http://mirrors.aliyun.com/kubernetes/apt kubernetes-xenial/main amd64 kubeadm 1.25.3-00 [9,219 kB]"
        ),
        _ => format!(
            "I1125 21:30:{:02}.{:06} 1234 round_trippers.go:553] GET https://192.0.2.10:6443/healthz 200 OK in 3 milliseconds",
            seq % 60,
            seq % 1_000_000
        ),
    };
    s.shrink_to_fit();
    s
}

pub fn line(node: &str, seq: usize) -> Msg {
    Msg::Engine(Event::Line {
        node: node.to_string(),
        step: StepId::ALL[seq % StepId::ALL.len()],
        stream: if seq.is_multiple_of(7) {
            Stream::Stderr
        } else {
            Stream::Stdout
        },
        text: line_text(seq),
    })
}

/// A model on the Install screen with `nodes` nodes (RunStarted sent, every node running a step).
pub fn install_model(nodes: usize) -> Model {
    let mut m = Model::new(PathBuf::from("/nonexistent/cluster.toml"));
    m.size = (WIDTH, HEIGHT);
    m.screen = Screen::Install;
    m.install.started = true;
    update(&mut m, Msg::Engine(run_started(nodes)));
    for i in 0..nodes {
        update(
            &mut m,
            Msg::Engine(Event::StepStarted {
                node: node_name(i),
                step: StepId::ALL[i % 5],
                attempt: 1,
            }),
        );
    }
    m
}

/// `install_model` with every node's scrollback full (`per_node` lines each, round robin).
pub fn full_model(nodes: usize, per_node: usize) -> Model {
    let mut m = install_model(nodes);
    let names: Vec<String> = (0..nodes).map(node_name).collect();
    for seq in 0..nodes * per_node {
        update(&mut m, line(&names[seq % nodes], seq));
    }
    m
}
