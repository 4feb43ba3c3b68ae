//! `update(&mut Model, Msg) -> Vec<Effect>`: the only place the model changes. Pure: no
//! terminal, no network, no clock.

use super::form::{self, SecretInput};
use super::model::*;
use super::msg::{Effect, Msg, Password, ProbeOutcome};
use super::validate;
use crate::config::{Cni, Mirror, NodeConfig, ProxyMode, Role};
use crate::engine::{ClusterNodeState, Event};
use crate::plan::StepId;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::path::PathBuf;

pub fn update(m: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) if k.kind == KeyEventKind::Release => vec![],
        Msg::Key(k) => key(m, k),
        Msg::Resize(w, h) => {
            m.size = (w, h);
            vec![]
        }
        Msg::Tick(t) => {
            m.install.clock = t;
            vec![]
        }
        Msg::Engine(e) => engine_event(m, e),
        Msg::ConfigLoaded { path, result } => {
            match result {
                Ok(loaded) => {
                    let (cfg, resume) = *loaded;
                    m.config_path = path;
                    m.load(&cfg);
                    m.welcome.open = None;
                    m.welcome.error = None;
                    m.welcome.resume = resume;
                    m.welcome.loaded = true;
                    if m.welcome.resume.is_some() {
                        m.welcome.selected = 2;
                        m.screen = Screen::Welcome;
                    } else if m.screen == Screen::Welcome && m.welcome.selected == 1 {
                        m.screen = Screen::Nodes;
                    }
                    info(m, format!("loaded {}", m.config_path.display()));
                }
                Err(e) => {
                    m.welcome.error = Some(e);
                }
            }
            vec![]
        }
        Msg::Probe { node, outcome } => {
            let Some(i) = m.nodes.iter().position(|n| n.config.name == node) else {
                return vec![];
            };
            let n = &mut m.nodes[i];
            n.probe = match outcome {
                ProbeOutcome::Facts(f) => {
                    n.facts = Some(*f);
                    ProbeState::Ok
                }
                ProbeOutcome::UnknownHostKey {
                    fingerprints,
                    lines,
                } => {
                    if m.nodes_ui.prompt.is_none()
                        && m.nodes_ui.form.is_none()
                        && m.screen == Screen::Nodes
                    {
                        m.nodes_ui.selected = i;
                        m.nodes_ui.prompt = Some(NodesPrompt::TrustKey { node: i });
                    }
                    ProbeState::UnknownHostKey {
                        fingerprints,
                        lines,
                    }
                }
                ProbeOutcome::ChangedHostKey(e) => ProbeState::ChangedHostKey(e),
                ProbeOutcome::AuthFailed(e) => {
                    if m.nodes_ui.prompt.is_none()
                        && m.nodes_ui.form.is_none()
                        && m.screen == Screen::Nodes
                    {
                        m.nodes_ui.selected = i;
                        m.nodes_ui.prompt = Some(NodesPrompt::Password {
                            node: i,
                            input: SecretInput::default(),
                        });
                    }
                    ProbeState::AuthFailed(e)
                }
                ProbeOutcome::Failed(e) => ProbeState::Failed(e),
            };
            vec![]
        }
        Msg::HostKeyTrusted { node, result } => {
            let Some(n) = m.nodes.iter_mut().find(|n| n.config.name == node) else {
                return vec![];
            };
            match result {
                Ok(()) => {
                    n.probe = ProbeState::Testing;
                    vec![Effect::Probe {
                        node: n.config.clone(),
                        ssh: m.ssh.clone(),
                    }]
                }
                Err(e) => {
                    n.probe = ProbeState::Failed(format!("could not record the host key: {e}"));
                    vec![]
                }
            }
        }
        Msg::Bootstrap { node, result } => {
            let Some(n) = m.nodes.iter_mut().find(|n| n.config.name == node) else {
                return vec![];
            };
            match result {
                Ok(identity) => {
                    if let Some(p) = identity
                        && n.config.identity_file.is_none()
                        && m.ssh.identity_file.as_ref() != Some(&p)
                    {
                        n.config.identity_file = Some(p);
                    }
                    n.probe = ProbeState::Testing;
                    let eff = Effect::Probe {
                        node: n.config.clone(),
                        ssh: m.ssh.clone(),
                    };
                    ok(
                        m,
                        format!("{node}: key installed; testing the connection again"),
                    );
                    vec![eff]
                }
                Err(e) => {
                    n.probe = ProbeState::AuthFailed(format!("key bootstrap failed: {e}"));
                    vec![]
                }
            }
        }
        Msg::Saved(r) => match r {
            Ok(p) => {
                m.review.saved = Some(p.clone());
                ok(m, format!("saved {}", p.display()));
                if std::mem::take(&mut m.review.install_after_save) {
                    start_install(m)
                } else {
                    vec![]
                }
            }
            Err(e) => {
                m.review.install_after_save = false;
                error(m, format!("could not save: {e}"));
                vec![]
            }
        },
        Msg::Script { node, step, text } => {
            m.review.script = Some(ScriptView {
                node,
                step,
                text,
                scroll: 0,
            });
            vec![]
        }
        Msg::InstallFailed(e) => {
            m.install.error = Some(e.clone());
            error(m, format!("the install could not start: {e}"));
            vec![]
        }
    }
}

fn info(m: &mut Model, text: String) {
    m.status = Some(Status {
        kind: StatusKind::Info,
        text,
    });
}
fn ok(m: &mut Model, text: String) {
    m.status = Some(Status {
        kind: StatusKind::Ok,
        text,
    });
}
fn error(m: &mut Model, text: String) {
    m.status = Some(Status {
        kind: StatusKind::Error,
        text,
    });
}

fn is_ctrl_c(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c')
}

fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    match m.overlay {
        Some(Overlay::Help) => {
            m.overlay = None;
            return vec![];
        }
        Some(Overlay::ConfirmQuit) => {
            return match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    m.overlay = None;
                    quit(m)
                }
                _ if is_ctrl_c(&k) => {
                    m.overlay = None;
                    quit(m)
                }
                _ => {
                    m.overlay = None;
                    vec![]
                }
            };
        }
        None => {}
    }
    if is_ctrl_c(&k) {
        m.overlay = Some(Overlay::ConfirmQuit);
        return vec![];
    }
    if k.code == KeyCode::F(1) {
        // Help from anywhere, also while a text field has the focus (where `?` is a letter).
        m.overlay = Some(Overlay::Help);
        return vec![];
    }
    let handled = match m.screen {
        Screen::Welcome => welcome_key(m, k),
        Screen::Nodes => nodes_key(m, k),
        Screen::Network => network_key(m, k),
        Screen::Versions => versions_key(m, k),
        Screen::Review => review_key(m, k),
        Screen::Install => install_key(m, k),
        Screen::Join => join_key(m, k),
        Screen::Done => done_key(m, k),
    };
    if let Some(effects) = handled {
        return effects;
    }
    match k.code {
        KeyCode::Char('?') => m.overlay = Some(Overlay::Help),
        KeyCode::Char('q') => m.overlay = Some(Overlay::ConfirmQuit),
        KeyCode::Esc => {
            if let Some(b) = m.screen.back() {
                m.screen = b;
                m.status = None;
            }
        }
        _ => {}
    }
    vec![]
}

/// Quit confirmed. During an install: stop scheduling, wait for RunFinished, then exit.
fn quit(m: &mut Model) -> Vec<Effect> {
    if m.install.running() {
        if !m.install.stopping {
            m.install.stopping = true;
            info(
                m,
                "stopping: no new steps start; waiting for running ones to finish…".into(),
            );
            return vec![Effect::Stop];
        }
        if !m.install.aborting {
            m.install.aborting = true;
            info(
                m,
                "aborting: running steps are killed and recorded as interrupted…".into(),
            );
            return vec![Effect::Abort];
        }
        // Asked a third time: leave now; the journal has every finished step.
        m.exit = Some(ExitRequest {
            code: 1,
            message: Some(resume_hint(m)),
        });
        return vec![Effect::Quit];
    }
    let summary = m.install.summary.as_ref();
    let failed = summary.is_some_and(|s| !s.ok && !s.interrupted);
    let message = if failed {
        Some(resume_hint(m))
    } else if let Some(s) = summary.filter(|s| s.ok) {
        let kubeconfig = s
            .kubeconfig
            .clone()
            .unwrap_or_else(|| m.state_dir().join("kubeconfig"));
        Some(format!(
            "kubewiz: cluster {} is ready.\nexport KUBECONFIG={}\nkubectl get nodes",
            m.network.name.value(),
            kubeconfig.display()
        ))
    } else {
        None
    };
    m.exit = Some(ExitRequest {
        code: if failed { 1 } else { 0 },
        message,
    });
    vec![Effect::Quit]
}

fn resume_hint(m: &Model) -> String {
    format!(
        "kubewiz: install paused; the journal is in {}.\nResume with `kubewiz` (choose Resume) or `kubewiz apply -c {}`.",
        m.state_dir().display(),
        m.config_path.display()
    )
}

fn is_up(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Up | KeyCode::Char('k'))
}
fn is_down(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Down | KeyCode::Char('j'))
}
fn is_left(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Left | KeyCode::Char('h'))
}
fn is_right(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Right | KeyCode::Char('l'))
}
fn is_backtab(k: &KeyEvent) -> bool {
    k.code == KeyCode::BackTab
        || (k.code == KeyCode::Tab && k.modifiers.contains(KeyModifiers::SHIFT))
}

// ---------------------------------------------------------------- Welcome

fn welcome_key(m: &mut Model, k: KeyEvent) -> Option<Vec<Effect>> {
    if let Some(input) = &mut m.welcome.open {
        match k.code {
            KeyCode::Esc => {
                m.welcome.open = None;
                m.welcome.error = None;
            }
            KeyCode::Enter => {
                let raw = input.value().trim().to_string();
                if raw.is_empty() {
                    m.welcome.error = Some("type the path of a cluster.toml".into());
                } else {
                    let mut p = PathBuf::from(&raw);
                    if p.is_dir() || raw.ends_with('/') {
                        p = p.join("cluster.toml");
                    }
                    return Some(vec![Effect::LoadConfig(p)]);
                }
            }
            _ => {
                form::edit(input, k);
                m.welcome.error = None;
            }
        }
        return Some(vec![]);
    }
    let n = m.welcome.choices();
    if is_up(&k) || is_backtab(&k) {
        m.welcome.selected = (m.welcome.selected + n - 1) % n;
    } else if is_down(&k) || k.code == KeyCode::Tab {
        m.welcome.selected = (m.welcome.selected + 1) % n;
    } else if k.code == KeyCode::Char('n') {
        m.welcome.selected = 0;
        return welcome_key(m, KeyEvent::from(KeyCode::Enter));
    } else if k.code == KeyCode::Char('o') {
        m.welcome.selected = 1;
        return welcome_key(m, KeyEvent::from(KeyCode::Enter));
    } else if k.code == KeyCode::Char('r') && m.welcome.resume.is_some() {
        m.welcome.selected = 2;
        return welcome_key(m, KeyEvent::from(KeyCode::Enter));
    } else if k.code == KeyCode::Enter {
        match m.welcome.selected {
            0 => {
                if m.welcome.loaded {
                    // Start over from defaults; saving replaces the file that was read.
                    let mut fresh = Model::new(m.config_path.clone());
                    fresh.theme = m.theme;
                    fresh.size = m.size;
                    fresh.welcome.resume = m.welcome.resume.take();
                    *m = fresh;
                    info(
                        m,
                        format!("new cluster: saving replaces {}", m.config_path.display()),
                    );
                }
                m.welcome.error = None;
                m.screen = Screen::Nodes;
                if m.nodes.is_empty() {
                    m.nodes_ui.form = Some(NodeForm::new(Role::ControlPlane));
                }
            }
            1 => {
                let default = m.config_path.display().to_string();
                m.welcome.open = Some(default.into());
            }
            _ => {
                m.screen = Screen::Install;
                return Some(start_install(m));
            }
        }
    } else {
        return None;
    }
    Some(vec![])
}

// ---------------------------------------------------------------- Nodes

/// Errors of the node form by field, given the other nodes.
pub fn node_form_errors(m: &Model, f: &NodeForm) -> Vec<(usize, String)> {
    let mut errs = Vec::new();
    let name = f.name.value().trim();
    let addr = f.address.value().trim();
    let others = m
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != f.editing)
        .map(|(_, n)| &n.config);
    if let Some(e) = validate::hostname_error(name) {
        errs.push((F_NAME, e));
    } else if others.clone().any(|n| n.name == name) {
        errs.push((F_NAME, format!("a node named `{name}` already exists")));
    }
    if let Some(e) = validate::address_error(addr) {
        errs.push((F_ADDRESS, e));
    } else if let Some(o) = others.clone().find(|n| n.address == addr) {
        errs.push((
            F_ADDRESS,
            format!("{addr} is already node {}'s address", o.name),
        ));
    }
    if let Some(e) = validate::port_error(f.port.value().trim()) {
        errs.push((F_PORT, e));
    }
    if let Some(e) = validate::user_error(f.user.value().trim()) {
        errs.push((F_USER, e));
    }
    errs
}

/// Errors to show now: all after a submit, otherwise only for fields with text in them.
pub fn visible_node_errors(m: &Model, f: &NodeForm) -> Vec<(usize, String)> {
    node_form_errors(m, f)
        .into_iter()
        .filter(|(field, _)| {
            f.submitted
                || f.input(*field)
                    .is_some_and(|i| !i.value().trim().is_empty())
        })
        .collect()
}

fn node_form_key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    let Some(mut f) = m.nodes_ui.form.take() else {
        return vec![];
    };
    match k.code {
        KeyCode::Esc => {
            // Cancel the form.
            return vec![];
        }
        KeyCode::Tab if !is_backtab(&k) => f.focus = form::cycle(f.focus, NODE_FIELDS, true),
        _ if is_backtab(&k) => f.focus = form::cycle(f.focus, NODE_FIELDS, false),
        KeyCode::Down => f.focus = form::cycle(f.focus, NODE_FIELDS, true),
        KeyCode::Up => f.focus = form::cycle(f.focus, NODE_FIELDS, false),
        KeyCode::Enter => {
            f.submitted = true;
            let errs = node_form_errors(m, &f);
            if let Some((field, _)) = errs.first() {
                f.focus = *field;
                m.nodes_ui.form = Some(f);
                return vec![];
            }
            let opt = |s: &str| {
                let s = s.trim();
                (!s.is_empty()).then(|| s.to_string())
            };
            let node = NodeConfig {
                name: f.name.value().trim().to_string(),
                address: f.address.value().trim().to_string(),
                role: f.role,
                user: opt(f.user.value()),
                port: opt(f.port.value()).and_then(|p| p.parse().ok()),
                identity_file: opt(f.identity.value()).map(PathBuf::from),
            };
            match f.editing {
                Some(i) if i < m.nodes.len() => {
                    let entry = &mut m.nodes[i];
                    let reconnect = entry.config.address != node.address
                        || entry.config.port != node.port
                        || entry.config.user != node.user
                        || entry.config.identity_file != node.identity_file;
                    entry.config = node;
                    if reconnect {
                        entry.probe = ProbeState::Untested;
                        entry.facts = None;
                    }
                    m.nodes_ui.selected = i;
                }
                _ => {
                    m.nodes.push(NodeEntry::new(node));
                    m.nodes_ui.selected = m.nodes.len() - 1;
                }
            }
            m.nodes_ui.error = None;
            return vec![];
        }
        _ if f.focus == F_ROLE => {
            if is_left(&k) || is_right(&k) || k.code == KeyCode::Char(' ') {
                f.role = match f.role {
                    Role::ControlPlane => Role::Worker,
                    Role::Worker => Role::ControlPlane,
                };
            } else if k.code == KeyCode::Char('c') {
                f.role = Role::ControlPlane;
            } else if k.code == KeyCode::Char('w') {
                f.role = Role::Worker;
            }
        }
        _ => {
            let focus = f.focus;
            if let Some(input) = f.input_mut(focus) {
                form::edit(input, k);
            }
        }
    }
    m.nodes_ui.form = Some(f);
    vec![]
}

fn probe_effect(m: &mut Model, i: usize) -> Option<Effect> {
    let n = m.nodes.get_mut(i)?;
    if matches!(n.probe, ProbeState::Testing | ProbeState::Bootstrapping) {
        return None;
    }
    n.probe = ProbeState::Testing;
    Some(Effect::Probe {
        node: n.config.clone(),
        ssh: m.ssh.clone(),
    })
}

fn nodes_prompt_key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    let Some(prompt) = m.nodes_ui.prompt.take() else {
        return vec![];
    };
    match prompt {
        NodesPrompt::TrustKey { node } => match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                let Some(n) = m.nodes.get_mut(node) else {
                    return vec![];
                };
                let ProbeState::UnknownHostKey { lines, .. } = &n.probe else {
                    return vec![];
                };
                let lines = lines.clone();
                n.probe = ProbeState::Testing;
                vec![Effect::TrustHostKey {
                    node: n.config.clone(),
                    ssh: m.ssh.clone(),
                    lines,
                }]
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                if let Some(n) = m.nodes.get_mut(node) {
                    n.probe = ProbeState::Failed(
                        "host key not trusted; compare the fingerprint on the node with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`".into(),
                    );
                }
                vec![]
            }
            _ => {
                m.nodes_ui.prompt = Some(NodesPrompt::TrustKey { node });
                vec![]
            }
        },
        NodesPrompt::Password { node, mut input } => match k.code {
            KeyCode::Esc => vec![],
            KeyCode::Enter => {
                let pw = input.0.value().to_string();
                if pw.is_empty() {
                    m.nodes_ui.prompt = Some(NodesPrompt::Password { node, input });
                    return vec![];
                }
                let Some(n) = m.nodes.get_mut(node) else {
                    return vec![];
                };
                n.probe = ProbeState::Bootstrapping;
                vec![Effect::BootstrapKey {
                    node: n.config.clone(),
                    ssh: m.ssh.clone(),
                    password: Password::new(pw),
                }]
            }
            _ => {
                form::edit(&mut input.0, k);
                m.nodes_ui.prompt = Some(NodesPrompt::Password { node, input });
                vec![]
            }
        },
        NodesPrompt::ConfirmRemove { node } => {
            if matches!(
                k.code,
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter
            ) && node < m.nodes.len()
            {
                m.nodes.remove(node);
                m.nodes_ui.selected = m.nodes_ui.selected.min(m.nodes.len().saturating_sub(1));
            }
            vec![]
        }
    }
}

fn nodes_key(m: &mut Model, k: KeyEvent) -> Option<Vec<Effect>> {
    if m.nodes_ui.prompt.is_some() {
        let effects = nodes_prompt_key(m, k);
        if m.nodes_ui.prompt.is_none() {
            open_next_trust(m);
        }
        return Some(effects);
    }
    if m.nodes_ui.form.is_some() {
        return Some(node_form_key(m, k));
    }
    let len = m.nodes.len();
    let sel = m.nodes_ui.selected;
    match k.code {
        _ if is_up(&k) => m.nodes_ui.selected = sel.saturating_sub(1),
        _ if is_down(&k) => m.nodes_ui.selected = (sel + 1).min(len.saturating_sub(1)),
        KeyCode::Char('a') => {
            let role = if m.nodes.iter().any(|n| n.config.role == Role::ControlPlane) {
                Role::Worker
            } else {
                Role::ControlPlane
            };
            m.nodes_ui.form = Some(NodeForm::new(role));
        }
        KeyCode::Char('e') | KeyCode::Enter if sel < len => {
            m.nodes_ui.form = Some(NodeForm::edit(sel, &m.nodes[sel].config));
        }
        KeyCode::Char('d') | KeyCode::Delete if sel < len => {
            m.nodes_ui.prompt = Some(NodesPrompt::ConfirmRemove { node: sel });
        }
        KeyCode::Char('t') if sel < len => {
            return Some(probe_effect(m, sel).into_iter().collect());
        }
        KeyCode::Char('T') => {
            return Some((0..len).filter_map(|i| probe_effect(m, i)).collect());
        }
        KeyCode::Char('y') if sel < len => {
            // Answer a pending question for the selected node again.
            match &m.nodes[sel].probe {
                ProbeState::UnknownHostKey { .. } => {
                    m.nodes_ui.prompt = Some(NodesPrompt::TrustKey { node: sel })
                }
                ProbeState::AuthFailed(_) => {
                    m.nodes_ui.prompt = Some(NodesPrompt::Password {
                        node: sel,
                        input: SecretInput::default(),
                    })
                }
                _ => {}
            }
        }
        KeyCode::Char('p') if sel < len => {
            if matches!(
                m.nodes[sel].probe,
                ProbeState::AuthFailed(_) | ProbeState::Failed(_)
            ) {
                m.nodes_ui.prompt = Some(NodesPrompt::Password {
                    node: sel,
                    input: SecretInput::default(),
                });
            }
        }
        KeyCode::Char('n') | KeyCode::Char('N') => {
            if let Some(e) = nodes_error(m) {
                m.nodes_ui.error = Some(e);
            } else {
                m.nodes_ui.error = None;
                m.screen = Screen::Network;
            }
        }
        _ => return None,
    }
    Some(vec![])
}

/// After a question is answered: ask about the next node whose host key waits for a
/// decision (after "test all" several can).
fn open_next_trust(m: &mut Model) {
    if let Some(i) = m
        .nodes
        .iter()
        .position(|n| matches!(n.probe, ProbeState::UnknownHostKey { .. }))
    {
        m.nodes_ui.selected = i;
        m.nodes_ui.prompt = Some(NodesPrompt::TrustKey { node: i });
    }
}

/// Why the node list cannot be used yet.
pub fn nodes_error(m: &Model) -> Option<String> {
    if m.nodes.is_empty() {
        return Some("add at least one node (a)".into());
    }
    if !m.nodes.iter().any(|n| n.config.role == Role::ControlPlane) {
        return Some("at least one node must be a control-plane (e to edit its role)".into());
    }
    None
}

// ---------------------------------------------------------------- Network

pub fn network_check(m: &Model) -> validate::NetworkCheck {
    validate::network(
        m.network.pod_cidr.value(),
        m.network.service_cidr.value(),
        m.network.cni,
        &m.node_addresses(),
    )
}

pub fn cluster_name_error(m: &Model) -> Option<String> {
    validate::cluster_name_error(m.network.name.value().trim())
}

fn network_key(m: &mut Model, k: KeyEvent) -> Option<Vec<Effect>> {
    let f = &mut m.network;
    match k.code {
        KeyCode::Tab if !is_backtab(&k) => f.focus = form::cycle(f.focus, NETWORK_FIELDS, true),
        _ if is_backtab(&k) => f.focus = form::cycle(f.focus, NETWORK_FIELDS, false),
        KeyCode::Down => f.focus = form::cycle(f.focus, NETWORK_FIELDS, true),
        KeyCode::Up => f.focus = form::cycle(f.focus, NETWORK_FIELDS, false),
        KeyCode::Esc => return None,
        KeyCode::Enter => {
            let check = network_check(m);
            let name_err = cluster_name_error(m);
            if name_err.is_some() {
                m.network.focus = N_NAME;
            } else if check.pod_cidr.is_some() {
                m.network.focus = N_POD;
            } else if check.service_cidr.is_some() {
                m.network.focus = N_SERVICE;
            } else {
                m.screen = Screen::Versions;
                clamp_cni_version(m);
            }
        }
        _ if f.focus == N_CNI => {
            if is_left(&k) || is_right(&k) || k.code == KeyCode::Char(' ') {
                f.cni = match f.cni {
                    Cni::Calico => Cni::Flannel,
                    Cni::Flannel => Cni::Calico,
                };
                m.versions.cni_version = 0;
            } else {
                return None;
            }
        }
        _ if f.focus == N_PROXY => {
            if is_left(&k) || is_right(&k) || k.code == KeyCode::Char(' ') {
                f.proxy = match f.proxy {
                    ProxyMode::Iptables => ProxyMode::Ipvs,
                    ProxyMode::Ipvs => ProxyMode::Iptables,
                };
            } else {
                return None;
            }
        }
        _ => {
            let input = match f.focus {
                N_NAME => &mut f.name,
                N_POD => &mut f.pod_cidr,
                _ => &mut f.service_cidr,
            };
            if !form::edit(input, k) {
                return None;
            }
        }
    }
    Some(vec![])
}

// ---------------------------------------------------------------- Versions

fn clamp_cni_version(m: &mut Model) {
    let n = m.version().cni_versions(m.network.cni).len();
    if m.versions.cni_version >= n {
        m.versions.cni_version = 0;
    }
}

pub fn version_findings(m: &Model) -> Vec<validate::Finding> {
    let nodes: Vec<_> = m
        .nodes
        .iter()
        .map(|n| (n.config.name.clone(), n.config.role, n.facts.clone()))
        .collect();
    validate::version_findings(&m.to_config(), &nodes)
}

fn versions_key(m: &mut Model, k: KeyEvent) -> Option<Vec<Effect>> {
    let focus = m.versions.focus;
    match k.code {
        KeyCode::Tab if !is_backtab(&k) => {
            m.versions.focus = form::cycle(focus, VERSION_FIELDS, true)
        }
        _ if is_backtab(&k) => m.versions.focus = form::cycle(focus, VERSION_FIELDS, false),
        KeyCode::Esc => return None,
        KeyCode::Enter => {
            if version_findings(m)
                .iter()
                .any(|f| f.level == validate::Level::Error)
            {
                error(
                    m,
                    "fix the errors above first (choose another version or fix the node)".into(),
                );
            } else {
                m.status = None;
                m.screen = Screen::Review;
                m.review.script = None;
            }
        }
        _ if focus == V_VERSION && (is_up(&k) || is_down(&k)) => {
            let n = m.catalog.len();
            m.versions.version = if is_up(&k) {
                m.versions.version.saturating_sub(1)
            } else {
                (m.versions.version + 1).min(n - 1)
            };
            m.versions.cni_version = 0;
        }
        _ if focus == V_CNI_VERSION
            && (is_left(&k) || is_right(&k) || k.code == KeyCode::Char(' ')) =>
        {
            let n = m.version().cni_versions(m.network.cni).len().max(1);
            m.versions.cni_version = form::cycle(m.versions.cni_version, n, !is_left(&k));
        }
        _ if focus == V_MIRROR && (is_left(&k) || is_right(&k) || k.code == KeyCode::Char(' ')) => {
            m.versions.mirror = match m.versions.mirror {
                Mirror::Upstream => Mirror::Aliyun,
                Mirror::Aliyun => Mirror::Upstream,
            };
        }
        _ if focus == V_DASHBOARD
            && (is_left(&k) || is_right(&k) || k.code == KeyCode::Char(' ')) =>
        {
            m.versions.dashboard = !m.versions.dashboard;
        }
        KeyCode::Down => m.versions.focus = form::cycle(focus, VERSION_FIELDS, true),
        KeyCode::Up => m.versions.focus = form::cycle(focus, VERSION_FIELDS, false),
        _ if focus == V_IMAGE_REPO || focus == V_CNI_MANIFEST || focus == V_DASHBOARD_MANIFEST => {
            let input = match focus {
                V_IMAGE_REPO => &mut m.versions.image_repository,
                V_CNI_MANIFEST => &mut m.versions.cni_manifest,
                _ => &mut m.versions.dashboard_manifest,
            };
            if !form::edit(input, k) {
                return None;
            }
        }
        _ => return None,
    }
    Some(vec![])
}

// ---------------------------------------------------------------- Review

fn review_key(m: &mut Model, k: KeyEvent) -> Option<Vec<Effect>> {
    if let Some(s) = &mut m.review.script {
        match k.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('v') | KeyCode::Char('q') => {
                m.review.script = None
            }
            KeyCode::PageUp => s.scroll = s.scroll.saturating_sub(10),
            KeyCode::PageDown => s.scroll += 10,
            KeyCode::Home | KeyCode::Char('g') => s.scroll = 0,
            KeyCode::Char('s') => {
                // Jump past the exports and the prelude to the step's own code.
                let head = format!("# {}: ", s.step.name());
                if let Ok(text) = &s.text
                    && let Some(i) = text.lines().position(|l| l.starts_with(&head))
                {
                    s.scroll = i.saturating_sub(1);
                }
            }
            _ if is_up(&k) => s.scroll = s.scroll.saturating_sub(1),
            _ if is_down(&k) => s.scroll += 1,
            _ => {}
        }
        return Some(vec![]);
    }
    if m.review.confirm_install {
        m.review.confirm_install = false;
        if matches!(
            k.code,
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter
        ) {
            m.review.install_after_save = true;
            return Some(vec![Effect::Save {
                path: m.config_path.clone(),
                config: m.to_config(),
            }]);
        }
        return Some(vec![]);
    }
    let cfg = m.to_config();
    let nn = cfg.nodes.len();
    match k.code {
        _ if is_up(&k) => m.review.step = m.review.step.saturating_sub(1),
        _ if is_down(&k) => {
            let steps = cfg
                .nodes
                .get(m.review.node)
                .map(|n| plan_steps(&cfg, n).len())
                .unwrap_or(0);
            m.review.step = (m.review.step + 1).min(steps.saturating_sub(1));
        }
        _ if is_left(&k) || is_backtab(&k) => {
            m.review.node = m.review.node.saturating_sub(1);
            m.review.step = 0;
        }
        _ if is_right(&k) || k.code == KeyCode::Tab => {
            m.review.node = (m.review.node + 1).min(nn.saturating_sub(1));
            m.review.step = 0;
        }
        KeyCode::Char('v') | KeyCode::Enter => {
            let Some(node) = cfg.nodes.get(m.review.node) else {
                return Some(vec![]);
            };
            let steps = plan_steps(&cfg, node);
            let Some(step) = steps.get(m.review.step).copied() else {
                return Some(vec![]);
            };
            return Some(vec![Effect::LoadScript {
                node: node.name.clone(),
                config: cfg.clone(),
                step,
            }]);
        }
        KeyCode::Char('s') => {
            return Some(vec![Effect::Save {
                path: m.config_path.clone(),
                config: cfg,
            }]);
        }
        KeyCode::Char('i') => {
            let problems = validate::config_problems(&cfg);
            if let Some(e) = nodes_error(m) {
                error(m, e);
            } else if let Some(p) = problems.first() {
                error(m, format!("cannot install yet: {p}"));
            } else {
                m.review.confirm_install = true;
            }
        }
        _ => return None,
    }
    Some(vec![])
}

// ---------------------------------------------------------------- Install

fn start_install(m: &mut Model) -> Vec<Effect> {
    m.screen = Screen::Install;
    let cfg = m.to_config();
    let plan = crate::plan::build(&cfg, crate::catalog::Catalog::builtin()).ok();
    let mut old_logs: Vec<(String, crate::tui::logbuf::LogPane)> =
        std::mem::take(&mut m.install.nodes)
            .into_iter()
            .map(|n| (n.name, n.log))
            .collect();
    m.install = InstallState {
        started: true,
        nodes: cfg
            .nodes
            .iter()
            .map(|n| {
                let steps = match &plan {
                    Some(p) => p
                        .for_node(&n.name)
                        .into_iter()
                        .map(|(_, t)| t.step)
                        .collect(),
                    None => steps_for(&cfg, n),
                };
                let mut p = NodeProgress::new(n.name.clone(), n.address.clone(), n.role, steps);
                if let Some(i) = old_logs.iter().position(|(name, _)| *name == n.name) {
                    p.log = old_logs.swap_remove(i).1;
                }
                p
            })
            .collect(),
        clock: m.install.clock,
        ..InstallState::default()
    };
    vec![Effect::StartInstall {
        path: m.config_path.clone(),
        config: cfg,
    }]
}

/// Rows of the selected log pane (an estimate from the terminal size and the layout).
pub fn pane_height(m: &Model) -> usize {
    let body = (m.size.1 as usize).saturating_sub(4);
    let n = m.install.nodes.len();
    if m.install.zoom || n > 4 {
        body.saturating_sub(2)
    } else {
        let panes = body.saturating_sub(n + 3);
        let rows = if n <= 2 { panes } else { panes / 2 };
        rows.saturating_sub(2)
    }
    .max(1)
}

fn install_key(m: &mut Model, k: KeyEvent) -> Option<Vec<Effect>> {
    let len = m.install.nodes.len();
    let sel = m.install.selected.min(len.saturating_sub(1));
    let height = pane_height(m);
    let page = height.saturating_sub(2).max(1);
    let pane = m.install.nodes.get_mut(sel).map(|n| &mut n.log);
    match k.code {
        _ if is_up(&k) => m.install.selected = sel.saturating_sub(1),
        _ if is_down(&k) => m.install.selected = (sel + 1).min(len.saturating_sub(1)),
        KeyCode::PageUp => pane?.scroll_up(page, height),
        KeyCode::PageDown => pane?.scroll_down(page),
        KeyCode::Home | KeyCode::Char('g') => pane?.home(height),
        KeyCode::End | KeyCode::Char('G') => pane?.end(),
        KeyCode::Char('f') => pane?.toggle_follow(),
        KeyCode::Enter | KeyCode::Char('z') => m.install.zoom = !m.install.zoom,
        KeyCode::Esc if m.install.zoom => m.install.zoom = false,
        KeyCode::Esc if m.install.error.is_some() => {
            // The engine never started: back to Review to fix what it said.
            m.install = InstallState::default();
            m.screen = Screen::Review;
        }
        KeyCode::Tab | KeyCode::Char('J') => m.screen = Screen::Join,
        KeyCode::Char('r') => {
            let running = m.install.running();
            let finished_failed = m.install.summary.as_ref().is_some_and(|s| !s.ok);
            let n = m.install.nodes.get_mut(sel)?;
            if n.state == RunState::Failed && running {
                n.state = RunState::Running;
                n.failure = None;
                let name = n.name.clone();
                n.log.push(format!("── retrying {name} ──"));
                return Some(vec![Effect::RetryNode(name)]);
            }
            if finished_failed {
                // The run ended: run again; the journal skips what is done.
                for n in &mut m.install.nodes {
                    n.log.push("── running again (done steps are skipped) ──");
                }
                m.status = None;
                return Some(start_install(m));
            }
        }
        KeyCode::Char('p') => {
            // Leave the install paused: stop and exit with the resume hint.
            if m.install.running() && !m.install.stopping {
                m.install.stopping = true;
                info(m, "pausing: waiting for running steps to finish…".into());
                return Some(vec![Effect::Stop]);
            }
        }
        KeyCode::Char('d') if m.install.summary.as_ref().is_some_and(|s| s.ok) => {
            m.screen = Screen::Done
        }
        _ => return None,
    }
    Some(vec![])
}

fn join_key(m: &mut Model, k: KeyEvent) -> Option<Vec<Effect>> {
    match k.code {
        KeyCode::Tab | KeyCode::Esc => m.screen = Screen::Install,
        KeyCode::Enter if m.install.summary.as_ref().is_some_and(|s| s.ok) => {
            m.screen = Screen::Done
        }
        _ => return None,
    }
    Some(vec![])
}

fn done_key(m: &mut Model, k: KeyEvent) -> Option<Vec<Effect>> {
    match k.code {
        KeyCode::Enter => Some(quit(m)),
        KeyCode::Char('l') | KeyCode::Tab => {
            m.screen = Screen::Install;
            Some(vec![])
        }
        _ => None,
    }
}

fn engine_event(m: &mut Model, e: Event) -> Vec<Effect> {
    let now = m.install.clock;
    let ins = &mut m.install;
    match e {
        Event::RunStarted { nodes } => {
            ins.started = true;
            let old = std::mem::take(&mut ins.nodes);
            ins.nodes = nodes
                .into_iter()
                .map(|s| {
                    let mut p = NodeProgress::new(s.name, s.address, s.role, s.steps);
                    if let Some(o) = old.iter().find(|o| o.name == p.name) {
                        p.log = o.log.clone();
                    }
                    p
                })
                .collect();
        }
        Event::NodeConnected { node, facts } => {
            if let Some(n) = ins.node_mut(&node) {
                n.log.push(format!(
                    "connected: {} {}, kernel {}, {} CPU, {} MB",
                    facts.os_id, facts.os_version, facts.kernel, facts.cpus, facts.memory_mb
                ));
            }
            if let Some(entry) = m.nodes.iter_mut().find(|n| n.config.name == node) {
                entry.facts = Some(facts);
            }
        }
        Event::StepStarted {
            node,
            step,
            attempt,
        } => {
            if let Some(n) = ins.node_mut(&node) {
                n.current = Some(step);
                n.state = RunState::Running;
                n.failure = None;
                n.started_at.get_or_insert(now);
                n.finished_at = None;
                let again = if attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                };
                n.log
                    .push(format!("── {}: {}{again} ──", step.name(), step.title()));
            }
        }
        Event::StepSkipped {
            node,
            step,
            journal,
        } => {
            if let Some(n) = ins.node_mut(&node) {
                n.started_at.get_or_insert(now);
                step_done(n, step, now);
                n.log.push(if journal {
                    format!("✓ {}: done in an earlier run", step.name())
                } else {
                    format!("✓ {}: already in the desired state", step.name())
                });
            }
        }
        Event::Line {
            node, step, text, ..
        } => {
            if let Some(n) = ins.node_mut(&node) {
                let _ = step;
                n.log.push(text);
            }
        }
        Event::StepFinished {
            node,
            step,
            duration,
        } => {
            if let Some(n) = ins.node_mut(&node) {
                step_done(n, step, now);
                n.log.push(format!(
                    "✓ {} done in {:.1}s",
                    step.name(),
                    duration.as_secs_f64()
                ));
            }
        }
        Event::StepFailed {
            node,
            step,
            failure,
        } => {
            if let Some(n) = ins.node_mut(&node) {
                n.state = RunState::Failed;
                n.current = Some(step);
                n.finished_at = Some(now);
                n.log
                    .push(format!("✗ {} failed: {}", step.name(), failure.error));
                if let Some(h) = &failure.hint {
                    n.log.push(format!("  hint: {h}"));
                }
                n.failure = Some((step, failure));
                if let Some(i) = ins.nodes.iter().position(|n| n.name == node)
                    && !ins
                        .nodes
                        .iter()
                        .any(|o| o.state == RunState::Failed && o.name != node)
                {
                    ins.selected = i;
                }
            }
        }
        Event::StepBlocked { node, step, by } => {
            if let Some(n) = ins.node_mut(&node) {
                if n.state != RunState::Failed {
                    n.state = RunState::Blocked;
                }
                n.log
                    .push(format!("… {} blocked: {by} failed", step.name()));
                n.blocked = Some((step, by));
            }
        }
        Event::CniPods(p) => ins.cni_pods = Some(p),
        Event::NodeState { node, state } => {
            if let Some(n) = ins.node_mut(&node) {
                n.cluster = Some(state);
            }
            if !ins.join_shown && m.screen == Screen::Install && !ins.zoom {
                ins.join_shown = true;
                m.screen = Screen::Join;
            }
        }
        Event::Warning { node, text } => {
            let status = match &node {
                Some(n) => format!("warning ({n}): {text}"),
                None => format!("warning: {text}"),
            };
            match node.and_then(|n| ins.node_mut(&n)) {
                Some(n) => n.log.push(format!("! warning: {text}")),
                None => ins.warnings.push(text),
            }
            info(m, status);
        }
        Event::RunFinished { summary } => {
            let ok_run = summary.ok;
            let interrupted = summary.interrupted;
            ins.summary = Some(summary);
            for n in &mut ins.nodes {
                if n.state == RunState::Running {
                    n.state = RunState::Pending;
                }
                if ok_run {
                    n.cluster = Some(ClusterNodeState::Ready);
                }
            }
            if ins.stopping || interrupted {
                let hint = resume_hint(m);
                m.exit = Some(ExitRequest {
                    code: if ok_run { 0 } else { 1 },
                    message: Some(hint),
                });
                return vec![Effect::Quit];
            }
            if ok_run {
                m.screen = Screen::Done;
            } else {
                error(
                    m,
                    "the install stopped on a failure: r runs it again (done steps are skipped), q leaves it paused"
                        .into(),
                );
            }
        }
    }
    vec![]
}

fn step_done(n: &mut NodeProgress, step: StepId, now: std::time::Duration) {
    n.done = (n.done + 1).min(n.steps.len());
    n.current = None;
    if step == StepId::Ready {
        // Its `ready` step waited for exactly this (join-watch polls can lag behind).
        n.cluster = Some(ClusterNodeState::Ready);
    }
    if n.done == n.steps.len() {
        n.state = RunState::Done;
        n.finished_at = Some(now);
    }
}
