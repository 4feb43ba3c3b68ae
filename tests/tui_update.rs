//! The wizard's `update` driven by key events and background results, without a terminal.

mod tui_common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubewiz::config::{ClusterConfig, Cni, Role};
use kubewiz::engine::{Event, Failure, Summary};
use kubewiz::facts::Facts;
use kubewiz::plan::StepId;
use kubewiz::tui::model::*;
use kubewiz::tui::msg::ProbeOutcome;
use kubewiz::tui::{Effect, Model, Msg, Screen, update};
use std::path::PathBuf;

fn press(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}
fn ch(m: &mut Model, c: char) -> Vec<Effect> {
    press(m, KeyCode::Char(c))
}
fn typ(m: &mut Model, s: &str) {
    for c in s.chars() {
        assert!(ch(m, c).is_empty());
    }
}
fn tab(m: &mut Model) {
    press(m, KeyCode::Tab);
}
fn backtab(m: &mut Model) {
    update(
        m,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
}
fn clear(m: &mut Model) {
    update(
        m,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
}

fn model() -> Model {
    Model::new(PathBuf::from("/tmp/kw-test/cluster.toml"))
}

/// Adds a node through the form (the form must be open).
fn fill_node(m: &mut Model, name: &str, address: &str) {
    typ(m, name);
    tab(m);
    typ(m, address);
    assert!(press(m, KeyCode::Enter).is_empty());
}

fn with_nodes() -> Model {
    let mut m = model();
    press(&mut m, KeyCode::Enter); // Welcome: new cluster → Nodes with the form open
    assert_eq!(m.screen, Screen::Nodes);
    fill_node(&mut m, "k8s-master", "192.168.147.130");
    ch(&mut m, 'a');
    fill_node(&mut m, "k8s-node01", "192.168.147.131");
    ch(&mut m, 'a');
    fill_node(&mut m, "k8s-node02", "192.168.147.132");
    m
}

/// A private key file (mode 0600) in a fresh temp dir.
fn private_key(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("kw-tui-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("id_ed25519");
    std::fs::write(
        &key,
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    key
}

fn centos7() -> Facts {
    tui_common::centos7("k8s-master")
}

#[test]
fn new_cluster_from_empty_to_install() {
    let mut m = with_nodes();
    assert_eq!(m.nodes.len(), 3);
    assert_eq!(m.nodes[0].config.role, Role::ControlPlane);
    assert_eq!(m.nodes[1].config.role, Role::Worker);
    assert!(m.nodes_ui.form.is_none());

    ch(&mut m, 'n');
    assert_eq!(m.screen, Screen::Network);
    // Cluster name.
    clear(&mut m);
    typ(&mut m, "demo");
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Review);

    let eff = ch(&mut m, 's');
    let [Effect::Save { path, config }] = eff.as_slice() else {
        panic!("expected a save, got {eff:?}");
    };
    assert_eq!(path, &PathBuf::from("/tmp/kw-test/cluster.toml"));
    assert_eq!(config.cluster.name, "demo");
    assert_eq!(config.nodes.len(), 3);
    assert_eq!(config.nodes[2].address, "192.168.147.132");
    assert_eq!(config.nodes[2].user, None, "empty user = [ssh] default");

    // Install: confirm, save, then start.
    assert!(ch(&mut m, 'i').is_empty());
    assert!(m.review.confirm_install);
    let eff = ch(&mut m, 'y');
    assert!(matches!(eff.as_slice(), [Effect::Save { .. }]));
    let eff = update(&mut m, Msg::Saved(Ok(path.clone())));
    assert!(matches!(eff.as_slice(), [Effect::StartInstall { .. }]));
    assert_eq!(m.screen, Screen::Install);
    assert!(m.install.running());
    assert_eq!(m.install.nodes.len(), 3);
}

#[test]
fn node_form_validation_messages() {
    let mut m = model();
    press(&mut m, KeyCode::Enter);
    typ(&mut m, "Bad_Name");
    tab(&mut m);
    typ(&mut m, "10.0.0.300");
    tab(&mut m);
    typ(&mut m, "99999");
    let form = m.nodes_ui.form.clone().unwrap();
    let errs = kubewiz::tui::update::visible_node_errors(&m, &form);
    let text: Vec<_> = errs.iter().map(|(_, e)| e.as_str()).collect();
    assert_eq!(errs.len(), 3, "{text:?}");
    assert!(
        text[0].contains("Bad_Name") && text[0].contains("k8s") || text[0].contains("bad-name"),
        "{text:?}"
    );
    assert!(text[1].contains("not an IP address"), "{text:?}");
    assert!(text[2].contains("not a port"), "{text:?}");

    // Enter refuses and moves focus to the first wrong field.
    press(&mut m, KeyCode::Enter);
    assert!(m.nodes.is_empty());
    assert_eq!(m.nodes_ui.form.as_ref().unwrap().focus, F_NAME);

    // Empty required fields are reported only after a submit.
    let mut m2 = model();
    press(&mut m2, KeyCode::Enter);
    let form = m2.nodes_ui.form.clone().unwrap();
    assert!(kubewiz::tui::update::visible_node_errors(&m2, &form).is_empty());
    press(&mut m2, KeyCode::Enter);
    let form = m2.nodes_ui.form.clone().unwrap();
    assert_eq!(
        kubewiz::tui::update::visible_node_errors(&m2, &form).len(),
        2
    );

    // Duplicates.
    let mut m = with_nodes();
    ch(&mut m, 'a');
    typ(&mut m, "k8s-node01");
    tab(&mut m);
    typ(&mut m, "192.168.147.130");
    let form = m.nodes_ui.form.clone().unwrap();
    let errs = kubewiz::tui::update::visible_node_errors(&m, &form);
    assert!(
        errs[0].1.contains("the same name as node[1] (k8s-node01)"),
        "{errs:?}"
    );
    assert!(errs[1].1.contains("k8s-master"), "{errs:?}");
}

#[test]
fn role_port_user_and_edit() {
    let mut m = model();
    press(&mut m, KeyCode::Enter);
    typ(&mut m, "cp1");
    tab(&mut m);
    typ(&mut m, "192.0.2.10");
    tab(&mut m);
    typ(&mut m, "2222");
    tab(&mut m);
    typ(&mut m, "ops");
    tab(&mut m); // role
    ch(&mut m, 'l'); // toggles: control-plane → worker
    ch(&mut m, 'h'); // back to control-plane
    tab(&mut m);
    let key = private_key("role_port_user_and_edit");
    typ(&mut m, &key.display().to_string());
    backtab(&mut m);
    assert_eq!(m.nodes_ui.form.as_ref().unwrap().focus, F_ROLE);
    press(&mut m, KeyCode::Enter);
    let n = &m.nodes[0].config;
    assert_eq!(n.port, Some(2222));
    assert_eq!(n.user.as_deref(), Some("ops"));
    assert_eq!(n.role, Role::ControlPlane);
    assert_eq!(n.identity_file, Some(key.clone()));

    // The next node starts with this one's user, port and key (issue 12 item 10).
    ch(&mut m, 'a');
    let f = m.nodes_ui.form.as_ref().unwrap();
    assert_eq!(f.user.value(), "ops");
    assert_eq!(f.port.value(), "2222");
    assert_eq!(f.identity.value(), key.display().to_string());
    assert_eq!(f.role, Role::Worker);
    press(&mut m, KeyCode::Esc);

    // Edit: change the address → the node must be tested again.
    m.nodes[0].probe = ProbeState::Ok;
    ch(&mut m, 'e');
    tab(&mut m);
    clear(&mut m);
    typ(&mut m, "192.0.2.11");
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.nodes.len(), 1);
    assert_eq!(m.nodes[0].config.address, "192.0.2.11");
    assert_eq!(m.nodes[0].probe, ProbeState::Untested);

    // Remove asks first.
    ch(&mut m, 'd');
    ch(&mut m, 'n');
    assert_eq!(m.nodes.len(), 1);
    ch(&mut m, 'd');
    ch(&mut m, 'y');
    assert!(m.nodes.is_empty());
}

#[test]
fn nodes_need_a_control_plane() {
    let mut m = model();
    press(&mut m, KeyCode::Enter);
    typ(&mut m, "w1");
    tab(&mut m);
    typ(&mut m, "192.0.2.20");
    tab(&mut m);
    tab(&mut m);
    tab(&mut m);
    ch(&mut m, 'w');
    press(&mut m, KeyCode::Enter);
    ch(&mut m, 'n');
    assert_eq!(m.screen, Screen::Nodes);
    assert!(
        m.nodes_ui
            .error
            .as_deref()
            .unwrap()
            .contains("control-plane")
    );
}

/// The network form shows `kubewiz check`'s problems live, under the field being edited
/// (issue 12 item 5).
#[test]
fn network_validation_live() {
    use kubewiz::tui::update::network_errors;
    let mut m = with_nodes();
    ch(&mut m, 'n');
    tab(&mut m); // pod CIDR
    clear(&mut m);
    typ(&mut m, "10.96.0.0/16");
    // The overlap is service_cidr's problem; it shows where the user is typing.
    let e = network_errors(&m);
    assert!(
        e[N_POD]
            .as_deref()
            .unwrap()
            .contains("overlaps cluster.pod_cidr"),
        "{e:?}"
    );
    assert!(e[N_SERVICE].is_none(), "{e:?}");
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Network, "invalid: stays");
    assert_eq!(m.network.focus, N_POD);
    tab(&mut m); // service CIDR: the same problem follows the cursor
    let e = network_errors(&m);
    assert!(e[N_POD].is_none() && e[N_SERVICE].is_some(), "{e:?}");
    backtab(&mut m);

    // IPv6 is refused here as by `kubewiz check`, not only at install.
    clear(&mut m);
    typ(&mut m, "fd00::/48");
    let e = network_errors(&m);
    assert!(e[N_POD].as_deref().unwrap().contains("IPv6"), "{e:?}");

    clear(&mut m);
    typ(&mut m, "192.168.0.0/16");
    let e = network_errors(&m);
    assert!(
        e[N_POD]
            .as_deref()
            .unwrap()
            .contains("192.168.147.130 lies inside"),
        "{e:?}"
    );

    clear(&mut m);
    typ(&mut m, "10.244.1.0/16");
    let e = network_errors(&m);
    assert!(
        e[N_POD]
            .as_deref()
            .unwrap()
            .contains("write \"10.244.0.0/16\""),
        "{e:?}"
    );

    // flannel needs /16 or larger.
    clear(&mut m);
    typ(&mut m, "10.244.0.0/24");
    tab(&mut m);
    tab(&mut m); // CNI
    ch(&mut m, ' ');
    assert_eq!(m.network.cni, Cni::Flannel);
    let e = network_errors(&m);
    assert!(
        e[N_POD].as_deref().unwrap().contains("/16 or larger"),
        "{e:?}"
    );

    // Fix it: one CIDR for kubeadm and flannel.
    m.network.focus = N_POD;
    clear(&mut m);
    typ(&mut m, "10.224.0.0/16");
    assert!(network_errors(&m).iter().all(Option::is_none));
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    let cfg = m.to_config();
    assert_eq!(cfg.cluster.pod_cidr, "10.224.0.0/16");
    assert_eq!(cfg.cluster.cni, Cni::Flannel);
}

#[test]
fn going_back_with_esc() {
    let mut m = with_nodes();
    ch(&mut m, 'n');
    ch(&mut m, 'x'); // typed into the cluster name, not a command
    assert_eq!(m.screen, Screen::Network);
    press(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Nodes);
    ch(&mut m, 'a');
    assert!(m.nodes_ui.form.is_some());
    press(&mut m, KeyCode::Esc); // closes the form only
    assert!(m.nodes_ui.form.is_none());
    assert_eq!(m.screen, Screen::Nodes);
    press(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Welcome);
    press(&mut m, KeyCode::Esc); // nowhere further back
    assert_eq!(m.screen, Screen::Welcome);
}

#[test]
fn q_in_a_field_is_a_letter_and_quit_asks() {
    let mut m = model();
    press(&mut m, KeyCode::Enter);
    typ(&mut m, "q");
    assert!(m.overlay.is_none());
    assert_eq!(m.nodes_ui.form.as_ref().unwrap().name.value(), "q");
    press(&mut m, KeyCode::Esc);
    ch(&mut m, '?');
    assert_eq!(m.overlay, Some(Overlay::Help));
    ch(&mut m, 'x');
    assert_eq!(m.overlay, None);
    ch(&mut m, 'q');
    assert_eq!(m.overlay, Some(Overlay::ConfirmQuit));
    ch(&mut m, 'n');
    assert!(m.exit.is_none());
    ch(&mut m, 'q');
    let eff = ch(&mut m, 'y');
    assert_eq!(eff, vec![Effect::Quit]);
    assert_eq!(m.exit.as_ref().unwrap().code, 0);
}

#[test]
fn trust_on_first_use() {
    let mut m = with_nodes();
    m.nodes_ui.selected = 1;
    let eff = ch(&mut m, 't');
    assert!(matches!(&eff[..], [Effect::Probe { node, .. }] if node.name == "k8s-node01"));
    assert_eq!(m.nodes[1].probe, ProbeState::Testing);
    // A second `t` while testing does nothing.
    assert!(ch(&mut m, 't').is_empty());

    let line = "192.168.147.131 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake".to_string();
    update(
        &mut m,
        Msg::Probe {
            node: "k8s-node01".into(),
            outcome: ProbeOutcome::UnknownHostKey {
                fingerprints: vec![
                    "ssh-ed25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into(),
                ],
                lines: vec![line.clone()],
            },
        },
    );
    assert!(matches!(
        m.nodes_ui.prompt,
        Some(NodesPrompt::TrustKey { node: 1 })
    ));
    // Other keys do not answer the question.
    assert!(ch(&mut m, 'x').is_empty());
    assert!(m.nodes_ui.prompt.is_some());
    let eff = ch(&mut m, 'y');
    let [Effect::TrustHostKey { node, lines, .. }] = eff.as_slice() else {
        panic!("{eff:?}")
    };
    assert_eq!(node.name, "k8s-node01");
    assert_eq!(lines, &vec![line]);
    let eff = update(
        &mut m,
        Msg::HostKeyTrusted {
            node: "k8s-node01".into(),
            result: Ok(()),
        },
    );
    assert!(matches!(&eff[..], [Effect::Probe { .. }]));
    update(
        &mut m,
        Msg::Probe {
            node: "k8s-node01".into(),
            outcome: ProbeOutcome::Facts(Box::new(centos7())),
        },
    );
    assert_eq!(m.nodes[1].probe, ProbeState::Ok);
    assert_eq!(
        m.nodes[1].facts.as_ref().unwrap().kernel,
        "3.10.0-1160.el7.x86_64"
    );

    // Refusing to trust: no effect, the node says why.
    let eff = ch(&mut m, 'j');
    assert!(eff.is_empty());
    update(
        &mut m,
        Msg::Probe {
            node: "k8s-node02".into(),
            outcome: ProbeOutcome::UnknownHostKey {
                fingerprints: vec!["ssh-ed25519 SHA256:x".into()],
                lines: vec!["192.168.147.132 ssh-ed25519 AAAA".into()],
            },
        },
    );
    assert!(ch(&mut m, 'n').is_empty());
    assert!(matches!(&m.nodes[2].probe, ProbeState::Failed(e) if e.contains("not trusted")));

    // A changed key is never trusted on the side: `y` does nothing; `r` asks to replace it,
    // showing both fingerprints (issue 12 item 8).
    let changed = ChangedKey {
        recorded: vec!["ssh-ed25519 SHA256:old".into()],
        offered: vec!["ssh-ed25519 SHA256:new".into()],
        lines: vec!["192.168.147.130 ssh-ed25519 AAAANEW".into()],
        command: "ssh-keygen -R 192.168.147.130 -f /root/.ssh/known_hosts".into(),
    };
    update(
        &mut m,
        Msg::Probe {
            node: "k8s-master".into(),
            outcome: ProbeOutcome::ChangedHostKey(Box::new(changed.clone())),
        },
    );
    assert!(m.nodes_ui.prompt.is_none());
    m.nodes_ui.selected = 0;
    assert!(ch(&mut m, 'y').is_empty());
    assert!(m.nodes_ui.prompt.is_none());
    assert!(kubewiz::tui::update::keys(&m).contains(&("r", "replace key")));
    assert!(ch(&mut m, 'r').is_empty());
    assert!(matches!(
        m.nodes_ui.prompt,
        Some(NodesPrompt::ReplaceKey { node: 0 })
    ));
    // Other keys leave the question open; n keeps refusing.
    assert!(ch(&mut m, 'x').is_empty());
    assert!(m.nodes_ui.prompt.is_some());
    assert!(ch(&mut m, 'n').is_empty());
    assert!(matches!(m.nodes[0].probe, ProbeState::ChangedHostKey(_)));
    ch(&mut m, 'r');
    let eff = ch(&mut m, 'y');
    let [Effect::ReplaceHostKey { node, lines, .. }] = eff.as_slice() else {
        panic!("{eff:?}")
    };
    assert_eq!(node.name, "k8s-master");
    assert_eq!(lines, &changed.lines);
    assert_eq!(m.nodes[0].probe, ProbeState::Testing);
    // Reported by ssh alone (no fingerprints to record): not offered, the command is shown.
    update(
        &mut m,
        Msg::Probe {
            node: "k8s-master".into(),
            outcome: ProbeOutcome::ChangedHostKey(Box::new(ChangedKey {
                command: changed.command.clone(),
                ..ChangedKey::default()
            })),
        },
    );
    assert!(ch(&mut m, 'r').is_empty());
    assert!(m.nodes_ui.prompt.is_none());
}

/// Several unknown keys: listed together in node order, `a` trusts all of them (issue 12
/// item 11).
#[test]
fn trust_all_shown_host_keys() {
    let mut m = with_nodes();
    for (i, name) in ["k8s-node02", "k8s-master", "k8s-node01"]
        .iter()
        .enumerate()
    {
        update(
            &mut m,
            Msg::Probe {
                node: name.to_string(),
                outcome: ProbeOutcome::UnknownHostKey {
                    fingerprints: vec![format!("ssh-ed25519 SHA256:fp{i}")],
                    lines: vec![format!("192.0.2.{i} ssh-ed25519 AAAA{i}")],
                },
            },
        );
    }
    // The first result to arrive asked; all three are listed.
    assert!(matches!(
        m.nodes_ui.prompt,
        Some(NodesPrompt::TrustKey { node: 2 })
    ));
    assert_eq!(kubewiz::tui::update::pending_trust(&m), vec![0, 1, 2]);
    assert!(kubewiz::tui::update::keys(&m).contains(&("a", "trust all shown")));
    let eff = ch(&mut m, 'a');
    let names: Vec<&str> = eff
        .iter()
        .map(|e| match e {
            Effect::TrustHostKey { node, .. } => node.name.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["k8s-master", "k8s-node01", "k8s-node02"]);
    assert!(m.nodes_ui.prompt.is_none());
    assert!(m.nodes.iter().all(|n| n.probe == ProbeState::Testing));
}

#[test]
fn test_all_probes_every_node() {
    let mut m = with_nodes();
    let eff = ch(&mut m, 'T');
    assert_eq!(eff.len(), 3);
}

#[test]
fn password_bootstrap_prompt() {
    let mut m = with_nodes();
    update(
        &mut m,
        Msg::Probe {
            node: "k8s-master".into(),
            outcome: ProbeOutcome::AuthFailed("authentication failed".into()),
        },
    );
    // The prompt opens by itself for the node.
    assert!(matches!(
        m.nodes_ui.prompt,
        Some(NodesPrompt::Password { node: 0, .. })
    ));
    typ(&mut m, "s3cr3t-pw");
    // The prompt never shows or debug-prints the password.
    assert!(!format!("{:?}", m.nodes_ui.prompt).contains("s3cr3t"));
    let eff = press(&mut m, KeyCode::Enter);
    let [Effect::BootstrapKey { node, password, .. }] = eff.as_slice() else {
        panic!("{eff:?}")
    };
    assert_eq!(node.name, "k8s-master");
    assert_eq!(password.expose(), "s3cr3t-pw");
    assert!(!format!("{eff:?}").contains("s3cr3t"));
    assert!(m.nodes_ui.prompt.is_none());
    assert_eq!(m.nodes[0].probe, ProbeState::Bootstrapping);

    let key = PathBuf::from("/tmp/kw-test/.kubewiz/id_ed25519");
    let eff = update(
        &mut m,
        Msg::Bootstrap {
            node: "k8s-master".into(),
            result: Ok(Some(key.clone())),
        },
    );
    assert!(
        matches!(&eff[..], [Effect::Probe { node, .. }] if node.identity_file.as_ref() == Some(&key))
    );
    assert_eq!(m.nodes[0].config.identity_file, Some(key));

    // Esc cancels without an effect.
    update(
        &mut m,
        Msg::Probe {
            node: "k8s-node01".into(),
            outcome: ProbeOutcome::AuthFailed("x".into()),
        },
    );
    typ(&mut m, "abc");
    assert!(press(&mut m, KeyCode::Esc).is_empty());
    assert!(m.nodes_ui.prompt.is_none());
    // `p` asks again for the selected node.
    assert_eq!(m.nodes_ui.selected, 1);
    ch(&mut m, 'p');
    assert!(matches!(
        m.nodes_ui.prompt,
        Some(NodesPrompt::Password { node: 1, .. })
    ));
}

#[test]
fn versions_refused_for_centos7_then_fixed() {
    use kubewiz::tui::update::{newest_runnable, version_findings};
    use kubewiz::tui::validate::Level;
    let refused = |m: &Model| version_findings(m).iter().any(|x| x.level == Level::Error);
    let mut m = with_nodes();
    for n in &mut m.nodes {
        n.facts = Some(centos7());
        n.probe = ProbeState::Ok;
    }
    let default = m.version().version.clone();
    ch(&mut m, 'n');
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    // The default (the newest supported) cannot run on CentOS 7: never left as the default.
    // The newest the nodes can run is chosen instead, and the status line says so (item 2).
    assert_ne!(m.version().version, default);
    let runnable = newest_runnable(&m).unwrap();
    assert_eq!(m.versions.version, runnable);
    assert!(!refused(&m), "{:?}", version_findings(&m));
    let v = m.version().version.clone();
    assert!(kubewiz::tui::catalog::minor_of(&v) < (1, 35), "{v}");
    // Every newer one in the list is refused on these nodes.
    for i in 0..runnable {
        m.versions.version = i;
        assert!(refused(&m), "{}", m.catalog[i].version);
    }
    m.versions.version = runnable;
    let status = &m.status.as_ref().unwrap().text;
    assert!(status.contains(&default) && status.contains(&v), "{status}");

    // A version the user picks is kept, refused, and the newest runnable one is offered.
    press(&mut m, KeyCode::Up);
    assert!(refused(&m));
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    assert_eq!(m.status.as_ref().unwrap().kind, StatusKind::Error);
    assert!(kubewiz::tui::update::keys(&m).contains(&("n", "newest runnable")));
    ch(&mut m, 'n');
    assert_eq!(m.version().version, v);
    assert!(!kubewiz::tui::update::keys(&m).contains(&("n", "newest runnable")));
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Review);
    assert_eq!(m.to_config().cluster.kubernetes_version, v);

    // Without facts nothing is changed (the checks run once the nodes are probed).
    let mut m = with_nodes();
    ch(&mut m, 'n');
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.version().version, default);
    assert_eq!(newest_runnable(&m), None);
}

#[test]
fn versions_form_choices() {
    let mut m = with_nodes();
    m.screen = Screen::Versions;
    tab(&mut m); // cni version
    tab(&mut m); // cni manifest
    typ(&mut m, "/srv/manifests/calico.yaml");
    tab(&mut m); // mirror
    ch(&mut m, 'l');
    tab(&mut m); // registry mirrors (Enter opens the panel: tests/tui_mirrors.rs)
    tab(&mut m); // image repo
    typ(&mut m, "harbor.local/k8s");
    tab(&mut m); // dashboard
    ch(&mut m, ' ');
    tab(&mut m); // dashboard manifest
    typ(&mut m, "dash.yaml");
    let cfg = m.to_config();
    assert_eq!(cfg.cluster.mirror, kubewiz::config::Mirror::Aliyun);
    assert_eq!(
        cfg.cluster.image_repository.as_deref(),
        Some("harbor.local/k8s")
    );
    assert!(cfg.cluster.dashboard);
    assert_eq!(
        cfg.cluster.cni_manifest,
        Some(PathBuf::from("/srv/manifests/calico.yaml"))
    );
    assert_eq!(
        cfg.cluster.dashboard_manifest,
        Some(PathBuf::from("dash.yaml"))
    );
    assert_eq!(
        cfg.cluster.cni_version, None,
        "catalog default is not pinned"
    );
}

#[test]
fn open_existing_config_and_resume() {
    let mut m = model();
    ch(&mut m, 'o');
    assert!(m.welcome.open.is_some());
    clear(&mut m);
    typ(&mut m, "/tmp/kw-test/other.toml");
    let eff = press(&mut m, KeyCode::Enter);
    assert_eq!(
        eff,
        vec![Effect::LoadConfig(PathBuf::from("/tmp/kw-test/other.toml"))]
    );
    update(
        &mut m,
        Msg::ConfigLoaded {
            path: PathBuf::from("/tmp/kw-test/other.toml"),
            result: Err("other.toml:3:1: expected `=`".into()),
        },
    );
    assert_eq!(m.screen, Screen::Welcome);
    assert!(m.welcome.error.as_deref().unwrap().contains("3:1"));

    let cfg: ClusterConfig = toml::from_str(SAMPLE).unwrap();
    update(
        &mut m,
        Msg::ConfigLoaded {
            path: PathBuf::from("/tmp/kw-test/other.toml"),
            result: Ok(Box::new((cfg.clone(), JournalInfo::default()))),
        },
    );
    assert_eq!(m.screen, Screen::Nodes);
    assert_eq!(m.nodes.len(), 3);
    assert_eq!(m.to_config(), cfg, "loading then saving changes nothing");

    // With a journal: the Resume card is preselected and starts the install.
    let mut m = model();
    update(
        &mut m,
        Msg::ConfigLoaded {
            path: PathBuf::from("/tmp/kw-test/cluster.toml"),
            result: Ok(Box::new((
                cfg,
                JournalInfo {
                    resume: Some(ResumeInfo {
                        done: 20,
                        total: 45,
                        failed: vec![(
                            "k8s-node01".into(),
                            StepId::Containerd,
                            "exit code 1".into(),
                        )],
                        interrupted: vec![],
                        next: vec![("k8s-node01".into(), StepId::Containerd)],
                    }),
                    ..JournalInfo::default()
                },
            ))),
        },
    );
    assert_eq!(m.welcome.chosen(), Choice::Resume);
    let eff = press(&mut m, KeyCode::Enter);
    assert!(matches!(&eff[..], [Effect::StartInstall { .. }]));
    assert_eq!(m.screen, Screen::Install);
}

/// The seed guide's cluster (no [ssh] section: the wizard's defaults show).
const SAMPLE: &str = include_str!("tui_seed.toml");

fn installing() -> Model {
    let mut m = with_nodes();
    m.screen = Screen::Review;
    ch(&mut m, 'i');
    ch(&mut m, 'y');
    update(
        &mut m,
        Msg::Saved(Ok(PathBuf::from("/tmp/kw-test/cluster.toml"))),
    );
    let cfg = m.to_config();
    update(&mut m, Msg::Engine(tui_common::run_started(&cfg)));
    m
}

#[test]
fn install_failure_retry_and_quit_waits_for_the_engine() {
    let mut m = installing();
    update(
        &mut m,
        Msg::Engine(Event::StepStarted {
            node: "k8s-node01".into(),
            step: StepId::Containerd,
            attempt: 1,
        }),
    );
    update(
        &mut m,
        Msg::Engine(Event::StepFailed {
            node: "k8s-node01".into(),
            step: StepId::Containerd,
            failure: Failure {
                exit_code: Some(1),
                error: "exit code 1".into(),
                tail: vec![],
                hint: Some("check the repo".into()),
            },
        }),
    );
    assert_eq!(m.install.selected, 1, "the failed node is selected");
    let eff = ch(&mut m, 'r');
    assert_eq!(eff, vec![Effect::RetryNode("k8s-node01".into())]);
    assert_eq!(m.install.nodes[1].state, RunState::Running);

    assert_eq!(ch(&mut m, 'q'), vec![Effect::Pause]);
    let eff = ch(&mut m, 'y');
    assert_eq!(eff, vec![Effect::Stop]);
    assert!(m.exit.is_none(), "waits for RunFinished");
    let eff = tui_common::end_interrupted(&mut m);
    assert_eq!(eff, vec![Effect::Quit]);
    let exit = m.exit.unwrap();
    assert!(
        exit.message
            .unwrap()
            .contains("kubewiz apply -c /tmp/kw-test/cluster.toml")
    );
}

#[test]
fn install_log_panes_scroll_and_stay_bounded() {
    let mut m = installing();
    for i in 0..3000 {
        update(
            &mut m,
            Msg::Engine(Event::Line {
                node: "k8s-master".into(),
                step: StepId::Packages,
                stream: kubewiz::engine::Stream::Stdout,
                text: format!("line {i}"),
            }),
        );
    }
    let log = &m.install.nodes[0].log;
    assert_eq!(log.len(), kubewiz::tui::logbuf::LOG_CAPACITY);
    assert_eq!(log.last(), Some("line 2999"));
    press(&mut m, KeyCode::PageUp);
    assert!(!m.install.nodes[0].log.follow);
    ch(&mut m, 'f');
    assert!(m.install.nodes[0].log.follow);
    press(&mut m, KeyCode::Home);
    assert!(!m.install.nodes[0].log.follow);
    press(&mut m, KeyCode::End);
    assert!(m.install.nodes[0].log.follow);
    press(&mut m, KeyCode::Enter);
    assert!(m.install.zoom);
    press(&mut m, KeyCode::Esc);
    assert!(!m.install.zoom);
}

#[test]
fn join_progress_and_done() {
    let mut m = installing();
    for (n, s) in [
        ("k8s-master", kubewiz::engine::ClusterNodeState::Ready),
        ("k8s-node01", kubewiz::engine::ClusterNodeState::Joining),
    ] {
        update(
            &mut m,
            Msg::Engine(Event::NodeState {
                node: n.into(),
                state: s,
            }),
        );
    }
    assert_eq!(m.screen, Screen::Join, "shown once automatically");
    press(&mut m, KeyCode::Tab);
    assert_eq!(m.screen, Screen::Install);
    update(
        &mut m,
        Msg::Engine(Event::RunFinished {
            summary: Summary {
                ok: true,
                ..Summary::default()
            },
        }),
    );
    assert_eq!(m.screen, Screen::Done);
    let eff = press(&mut m, KeyCode::Enter);
    assert_eq!(eff, vec![Effect::Quit]);
    assert_eq!(m.exit.unwrap().code, 0);
}

#[test]
fn ctrl_c_asks_and_key_releases_are_ignored() {
    let mut m = model();
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(m.overlay, Some(Overlay::ConfirmQuit));
    press(&mut m, KeyCode::Esc);
    assert!(m.overlay.is_none());
    let mut release = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
    release.kind = crossterm::event::KeyEventKind::Release;
    update(&mut m, Msg::Key(release));
    assert_eq!(m.welcome.selected, 0);
}

/// `q` during an install pauses scheduling at once (nothing new starts while "Stop the
/// install?" is open); "no" resumes it, "yes" stops (issue 12 item 3).
#[test]
fn quit_during_install_pauses_while_asking() {
    let mut m = installing();
    assert_eq!(ch(&mut m, 'q'), vec![Effect::Pause]);
    assert_eq!(m.overlay, Some(Overlay::ConfirmQuit));
    assert!(m.install.paused);
    assert_eq!(ch(&mut m, 'n'), vec![Effect::Resume]);
    assert!(!m.install.paused && m.overlay.is_none());
    // Esc and Ctrl-C ask the same way.
    assert_eq!(ch(&mut m, 'q'), vec![Effect::Pause]);
    assert_eq!(press(&mut m, KeyCode::Esc), vec![Effect::Resume]);
    let ctrl_c = || Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut m, ctrl_c()), vec![Effect::Pause]);
    assert_eq!(ch(&mut m, 'y'), vec![Effect::Stop]);
    assert!(!m.install.paused && m.install.stopping);
    // While stopping, the question is about aborting: no pause/resume any more.
    assert!(ch(&mut m, 'q').is_empty());
    assert!(ch(&mut m, 'n').is_empty());
    // Outside an install nothing is paused.
    let mut m = with_nodes();
    assert!(ch(&mut m, 'q').is_empty());
    assert!(ch(&mut m, 'n').is_empty());
}

#[test]
fn quit_during_install_stops_then_aborts_then_leaves() {
    let mut m = installing();
    assert_eq!(ch(&mut m, 'q'), vec![Effect::Pause]);
    assert_eq!(ch(&mut m, 'y'), vec![Effect::Stop]);
    ch(&mut m, 'q');
    assert_eq!(ch(&mut m, 'y'), vec![Effect::Abort]);
    assert!(m.exit.is_none());
    ch(&mut m, 'q');
    assert_eq!(ch(&mut m, 'y'), vec![Effect::Quit]);
    let exit = m.exit.unwrap();
    assert_eq!(exit.code, 1);
    assert!(exit.message.unwrap().contains("Resume"));
}

#[test]
fn test_all_asks_about_each_unknown_key_in_turn() {
    let mut m = with_nodes();
    ch(&mut m, 'T');
    for n in ["k8s-master", "k8s-node01", "k8s-node02"] {
        update(
            &mut m,
            Msg::Probe {
                node: n.into(),
                outcome: ProbeOutcome::UnknownHostKey {
                    fingerprints: vec![format!("ssh-ed25519 SHA256:{n}")],
                    lines: vec![format!("{n} ssh-ed25519 AAAA")],
                },
            },
        );
    }
    let mut trusted = Vec::new();
    for _ in 0..3 {
        let eff = ch(&mut m, 'y');
        let [Effect::TrustHostKey { node, .. }] = eff.as_slice() else {
            panic!("{eff:?}")
        };
        trusted.push(node.name.clone());
    }
    assert_eq!(trusted, ["k8s-master", "k8s-node01", "k8s-node02"]);
    assert!(m.nodes_ui.prompt.is_none());
}

/// `step` of `node` fails, then the run ends (failed).
fn fail_run(m: &mut Model, node: &str, step: StepId, error: &str) {
    update(
        m,
        Msg::Engine(Event::StepFailed {
            node: node.into(),
            step,
            failure: Failure {
                exit_code: None,
                error: error.into(),
                tail: vec![],
                hint: None,
            },
        }),
    );
    update(
        m,
        Msg::Engine(Event::RunFinished {
            summary: Summary::default(),
        }),
    );
}

/// After the run stopped: Esc → Review → Esc → Versions, another version, Review installs it
/// (saved first, then the engine starts).
fn esc_change_the_version_and_install_again(m: &mut Model) {
    press(m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Review);
    press(m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Versions);
    let before = m.version().version.clone();
    press(m, KeyCode::Down);
    assert_ne!(m.version().version, before);
    press(m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Review);
    ch(m, 'i');
    let eff = ch(m, 'y');
    let [Effect::Save { config, .. }] = eff.as_slice() else {
        panic!("{eff:?}")
    };
    assert_ne!(config.cluster.kubernetes_version, before);
    let eff = update(
        m,
        Msg::Saved(Ok(PathBuf::from("/tmp/kw-test/cluster.toml"))),
    );
    assert!(matches!(eff.as_slice(), [Effect::StartInstall { .. }]));
    assert!(m.install.running());
}

#[test]
fn run_again_after_a_failed_run_keeps_the_logs() {
    let mut m = installing();
    fail_run(&mut m, "k8s-node01", StepId::Packages, "exit code 1");
    assert!(!m.install.running());
    let eff = ch(&mut m, 'r');
    assert!(matches!(&eff[..], [Effect::StartInstall { .. }]), "{eff:?}");
    assert!(m.install.running());
    let log = &m.install.nodes[1].log;
    assert!(log.visible(10).any(|l| l.contains("packages failed")));
    assert_eq!(
        log.last(),
        Some("── running again (done steps are skipped) ──")
    );
}

#[test]
fn script_view_jumps_to_the_step_code() {
    let mut m = with_nodes();
    m.screen = Screen::Review;
    let eff = ch(&mut m, 'v');
    assert!(matches!(
        &eff[..],
        [Effect::LoadScript {
            step: StepId::Facts,
            ..
        }]
    ));
    let text = (0..100)
        .map(|i| format!("line {i}"))
        .chain([
            "# facts: what the node reports".to_string(),
            "check() {".into(),
        ])
        .collect::<Vec<_>>()
        .join("\n");
    update(
        &mut m,
        Msg::Script {
            node: "k8s-master".into(),
            step: StepId::Facts,
            text: Ok(text),
        },
    );
    ch(&mut m, 's');
    assert_eq!(m.review.script.as_ref().unwrap().scroll, 99);
    ch(&mut m, 'g');
    assert_eq!(m.review.script.as_ref().unwrap().scroll, 0);
    press(&mut m, KeyCode::Esc);
    assert!(m.review.script.is_none());
    assert_eq!(m.screen, Screen::Review);
}

#[test]
fn engine_refusal_goes_back_to_review() {
    let mut m = installing();
    update(&mut m, Msg::InstallFailed("cluster.toml: bad".into()));
    assert!(!m.install.running());
    press(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Review);
}

#[test]
fn ready_step_and_successful_run_mean_ready() {
    let mut m = installing();
    update(
        &mut m,
        Msg::Engine(Event::NodeState {
            node: "k8s-node01".into(),
            state: kubewiz::engine::ClusterNodeState::Joining,
        }),
    );
    update(
        &mut m,
        Msg::Engine(Event::StepSkipped {
            node: "k8s-node01".into(),
            step: StepId::Ready,
            journal: true,
        }),
    );
    assert_eq!(
        m.install.nodes[1].cluster,
        Some(kubewiz::engine::ClusterNodeState::Ready)
    );
    update(
        &mut m,
        Msg::Engine(Event::NodeState {
            node: "k8s-node02".into(),
            state: kubewiz::engine::ClusterNodeState::NotReady,
        }),
    );
    update(
        &mut m,
        Msg::Engine(Event::RunFinished {
            summary: Summary {
                ok: true,
                ..Summary::default()
            },
        }),
    );
    assert!(
        m.install
            .nodes
            .iter()
            .all(|n| n.cluster == Some(kubewiz::engine::ClusterNodeState::Ready))
    );
}

#[test]
fn new_after_a_loaded_file_starts_over() {
    let mut m = model();
    let cfg: ClusterConfig = toml::from_str(SAMPLE).unwrap();
    update(
        &mut m,
        Msg::ConfigLoaded {
            path: PathBuf::from("/tmp/kw-test/cluster.toml"),
            result: Ok(Box::new((cfg, JournalInfo::default()))),
        },
    );
    assert_eq!(m.nodes.len(), 3);
    assert_eq!(m.screen, Screen::Welcome);
    assert_eq!(
        m.welcome.chosen(),
        Choice::Edit,
        "a file was read: edit it first"
    );
    ch(&mut m, 'n'); // New cluster
    assert_eq!(m.screen, Screen::Nodes);
    assert!(m.nodes.is_empty());
    assert!(m.nodes_ui.form.is_some());
    assert!(m.status.as_ref().unwrap().text.contains("replaces"));
    // Back and New again keeps what was typed since.
    fill_node(&mut m, "cp", "192.0.2.10");
    press(&mut m, KeyCode::Esc);
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.nodes.len(), 1);
}

/// The footer lists the key table of the screen as it applies now: `←→` only on a choice,
/// `?` only where it is not a letter (F1 in text fields).
#[test]
fn footer_lists_what_the_keys_do_now() {
    use kubewiz::tui::update::keys;
    let mut m = with_nodes();
    ch(&mut m, 'n');
    assert_eq!(m.network.focus, N_NAME);
    let k = keys(&m);
    assert!(
        k.contains(&("F1", "help")) && !k.contains(&("?", "help")),
        "{k:?}"
    );
    assert!(!k.iter().any(|(key, _)| *key == "←→"), "{k:?}");
    typ(&mut m, "?q");
    assert!(m.overlay.is_none(), "? and q are letters in the name field");
    assert!(m.network.name.value().ends_with("?q"));
    m.network.focus = N_CNI;
    let k = keys(&m);
    assert!(
        k.contains(&("←→", "choose")) && k.contains(&("?", "help")),
        "{k:?}"
    );
    ch(&mut m, '?');
    assert_eq!(m.overlay, Some(Overlay::Help));

    // The node form: `←→ role` when the role field has the focus.
    let mut m = model();
    press(&mut m, KeyCode::Enter);
    assert!(!keys(&m).contains(&("←→", "role")));
    m.nodes_ui.form.as_mut().unwrap().focus = F_ROLE;
    assert!(keys(&m).contains(&("←→", "role")));
    ch(&mut m, 'w');
    assert_eq!(m.nodes_ui.form.as_ref().unwrap().role, Role::Worker);
}

/// A node runs several steps at once: when one ends, its title names the one still running,
/// never "pending" (issue 12 item 13).
#[test]
fn pane_title_names_the_step_still_running() {
    use kubewiz::tui::screens::install::step_label;
    let mut m = installing();
    let ev = |e: Event| Msg::Engine(e);
    let node = || "k8s-master".to_string();
    for step in [StepId::Images, StepId::Time] {
        update(
            &mut m,
            ev(Event::StepStarted {
                node: node(),
                step,
                attempt: 1,
            }),
        );
    }
    assert_eq!(step_label(&m.install.nodes[0]), "images +1");
    update(
        &mut m,
        ev(Event::StepFinished {
            node: node(),
            step: StepId::Time,
            duration: std::time::Duration::from_secs(1),
        }),
    );
    assert_eq!(step_label(&m.install.nodes[0]), "images");
    assert_eq!(m.install.nodes[0].state, RunState::Running);
    update(
        &mut m,
        ev(Event::StepFinished {
            node: node(),
            step: StepId::Images,
            duration: std::time::Duration::from_secs(1),
        }),
    );
    // Nothing runs: it waits (for another node or a slot), and does not show as running.
    assert_eq!(step_label(&m.install.nodes[0]), "waiting");
    assert_eq!(m.install.nodes[0].state, RunState::Pending);
}

/// Review's title says "saved" only while the settings are what cluster.toml holds
/// (issue 12 item 6).
#[test]
fn saved_means_the_file_holds_what_is_shown() {
    let mut m = with_nodes();
    assert_eq!(m.save_state(), SaveState::New);
    m.screen = Screen::Review;
    let eff = ch(&mut m, 's');
    assert!(matches!(eff.as_slice(), [Effect::Save { .. }]));
    update(
        &mut m,
        Msg::Saved(Ok(PathBuf::from("/tmp/kw-test/cluster.toml"))),
    );
    assert_eq!(m.save_state(), SaveState::Saved);
    // A change after saving: no longer saved.
    press(&mut m, KeyCode::Esc);
    press(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Network);
    m.network.focus = N_PROXY;
    ch(&mut m, ' ');
    assert_eq!(m.save_state(), SaveState::Changed);
    // What Review's title says (the issue saw "cluster.toml · saved" here).
    let review_title = |m: &Model| {
        let mut r = m.clone();
        r.screen = Screen::Review;
        let screen = tui_common::render(&r, 120, 40);
        screen.lines().nth(1).unwrap_or_default().to_string()
    };
    let title = review_title(&m);
    assert!(
        title.contains("cluster.toml · changed, not saved (s saves)"),
        "{title}"
    );
    // Changed back: saved again.
    ch(&mut m, ' ');
    assert_eq!(m.save_state(), SaveState::Saved);
    let title = review_title(&m);
    assert!(title.contains("cluster.toml · saved"), "{title}");
    // A file that was read counts as saved.
    let mut m = model();
    let cfg: ClusterConfig = toml::from_str(SAMPLE).unwrap();
    update(
        &mut m,
        Msg::ConfigLoaded {
            path: PathBuf::from("/tmp/kw-test/cluster.toml"),
            result: Ok(Box::new((cfg, JournalInfo::default()))),
        },
    );
    assert_eq!(m.save_state(), SaveState::Saved);
    // A failed save changes nothing.
    m.screen = Screen::Review;
    m.network.proxy = kubewiz::config::ProxyMode::Iptables;
    ch(&mut m, 's');
    update(&mut m, Msg::Saved(Err("disk full".into())));
    assert_eq!(m.save_state(), SaveState::Changed);
}

/// A wrong identity file is refused in the form, saying what is wrong with it, instead of
/// surfacing as "Permission denied (publickey)" at the test (issue 12 item 4).
#[test]
fn identity_file_is_checked_in_the_form() {
    use std::os::unix::fs::PermissionsExt;
    let mut m = model();
    press(&mut m, KeyCode::Enter);
    typ(&mut m, "k8s-master");
    tab(&mut m);
    typ(&mut m, "192.0.2.10");
    m.nodes_ui.form.as_mut().unwrap().focus = F_IDENTITY;
    typ(&mut m, "/tmp/x/id_nope");
    let errs = kubewiz::tui::update::visible_node_errors(&m, m.nodes_ui.form.as_ref().unwrap());
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, F_IDENTITY);
    assert!(
        errs[0].1.contains("/tmp/x/id_nope does not exist"),
        "{errs:?}"
    );
    // Both ways out, each said once (the file's own fix, then the empty field's).
    assert!(errs[0].1.contains("~/.ssh/id_ed25519"), "{errs:?}");
    assert_eq!(
        errs[0].1.matches("ssh's own keys and agent").count(),
        1,
        "{errs:?}"
    );
    press(&mut m, KeyCode::Enter);
    assert!(m.nodes.is_empty(), "refused");
    assert_eq!(m.nodes_ui.form.as_ref().unwrap().focus, F_IDENTITY);
    // A world-readable key: ssh would ignore it.
    let key = private_key("identity_file_is_checked_in_the_form");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    clear(&mut m);
    typ(&mut m, &key.display().to_string());
    let errs = kubewiz::tui::update::visible_node_errors(&m, m.nodes_ui.form.as_ref().unwrap());
    assert!(errs[0].1.contains("chmod 600"), "{errs:?}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.nodes.len(), 1);
}

/// A cluster.toml with a journal: Welcome offers Edit settings; what kubeadm init fixed is
/// refused in the form, before anything is saved, saying why (issue 12 items 1, 5).
#[test]
fn edit_settings_of_an_initialised_cluster() {
    let mut m = model();
    let cfg: ClusterConfig = toml::from_str(SAMPLE).unwrap();
    let stamp = kubewiz::engine::journal::ClusterStamp::of(&cfg);
    update(
        &mut m,
        Msg::ConfigLoaded {
            path: PathBuf::from("/tmp/kw-test/cluster.toml"),
            result: Ok(Box::new((
                cfg.clone(),
                JournalInfo {
                    initialised: Some(stamp),
                    installed: true,
                    ..JournalInfo::default()
                },
            ))),
        },
    );
    assert_eq!(m.screen, Screen::Welcome);
    // Installed: Upgrade too (tests/tui_upgrade.rs).
    assert_eq!(
        m.welcome.choices(),
        [Choice::Edit, Choice::Upgrade, Choice::New, Choice::Open]
    );
    ch(&mut m, 'e');
    assert_eq!(m.screen, Screen::Nodes);
    assert_eq!(m.nodes.len(), 3);
    ch(&mut m, 'n');
    assert_eq!(m.screen, Screen::Network);
    tab(&mut m); // pod CIDR
    clear(&mut m);
    typ(&mut m, "10.245.0.0/16");
    let e = kubewiz::tui::update::network_errors(&m);
    let pod = e[N_POD].as_deref().unwrap();
    assert!(
        pod.contains("already initialised with \"10.244.0.0/16\""),
        "{pod}"
    );
    assert!(pod.contains("reset"), "says why and what to do: {pod}");
    press(&mut m, KeyCode::Enter);
    assert_eq!(
        m.screen,
        Screen::Network,
        "refused before anything is saved"
    );
    // The old value back: on to the versions; a new version is refused the same way.
    clear(&mut m);
    typ(&mut m, &cfg.cluster.pod_cidr);
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    press(&mut m, KeyCode::Up);
    let e = kubewiz::tui::update::version_errors(&m);
    assert!(
        e[V_VERSION]
            .as_deref()
            .unwrap()
            .contains("kubewiz upgrade --to"),
        "{e:?}"
    );
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    // Review refuses to install it too.
    m.screen = Screen::Review;
    assert!(ch(&mut m, 'i').is_empty());
    assert!(!m.review.confirm_install);
}

/// After a failed run, Esc goes back to the settings; a changed version is installed from
/// Review like the first time, the panes keeping their lines (issue 12 item 1).
#[test]
fn esc_from_a_failed_install_goes_back_to_the_settings() {
    let mut m = installing();
    assert!(
        kubewiz::tui::update::keys(&m)
            .iter()
            .all(|(k, _)| *k != "Esc"),
        "not while running"
    );
    fail_run(
        &mut m,
        "k8s-master",
        StepId::Preflight,
        "centos 7 cannot run Kubernetes 1.35",
    );
    assert!(kubewiz::tui::update::keys(&m).contains(&("Esc", "settings")));
    esc_change_the_version_and_install_again(&mut m);
    assert!(
        m.install.nodes[0]
            .log
            .visible(usize::MAX)
            .any(|l| l.contains("cannot run Kubernetes 1.35")),
        "the earlier run's lines stay"
    );
}

/// `p` pauses the install and the wizard stays (issue 12 item 1: "Esc from a failed/paused
/// install goes back to the settings"): nothing new starts, the running steps finish, then `r`
/// runs it again, `Esc` changes the settings and Review installs again.
#[test]
fn pause_stays_then_esc_changes_the_settings_and_installs_again() {
    let mut m = installing();
    assert!(
        kubewiz::tui::update::keys(&m)
            .iter()
            .all(|(k, _)| *k != "Esc")
    );
    assert_eq!(ch(&mut m, 'p'), vec![Effect::Stop]);
    assert!(m.status.as_ref().unwrap().text.contains("pausing"));
    // The engine ends the run: stopped by the user.
    let eff = tui_common::end_interrupted(&mut m);
    assert!(eff.is_empty(), "the wizard stays: {eff:?}");
    assert!(m.exit.is_none());
    assert_eq!(m.screen, Screen::Install);
    let status = &m.status.as_ref().unwrap().text;
    assert!(status.contains("install paused"), "{status}");
    assert!(status.contains("Esc changes the settings"), "{status}");
    let keys = kubewiz::tui::update::keys(&m);
    assert!(keys.contains(&("Esc", "settings")), "{keys:?}");
    assert!(keys.contains(&("r", "run again")), "{keys:?}");
    esc_change_the_version_and_install_again(&mut m);
    assert!(!m.install.stopping && !m.install.leaving);
}

/// After `p`, `q` leaves with the resume hint (exit 1: the install is not finished); `r` instead
/// runs it again.
#[test]
fn pause_then_q_leaves_with_the_resume_hint_or_r_runs_again() {
    let paused = || {
        let mut m = installing();
        ch(&mut m, 'p');
        tui_common::end_interrupted(&mut m);
        m
    };
    let mut m = paused();
    ch(&mut m, 'q');
    assert_eq!(ch(&mut m, 'y'), vec![Effect::Quit]);
    let exit = m.exit.unwrap();
    assert_eq!(exit.code, 1);
    assert!(exit.message.unwrap().contains("Resume"));

    let mut m = paused();
    let eff = ch(&mut m, 'r');
    assert!(
        matches!(eff.as_slice(), [Effect::StartInstall { .. }]),
        "{eff:?}"
    );
    assert!(m.install.running());
}

/// `q` then `y` still leaves once the running steps finish (the run ends interrupted).
#[test]
fn quit_confirmed_leaves_when_the_run_ends() {
    let mut m = installing();
    ch(&mut m, 'q');
    assert_eq!(ch(&mut m, 'y'), vec![Effect::Stop]);
    let eff = tui_common::end_interrupted(&mut m);
    assert_eq!(eff, vec![Effect::Quit]);
    assert!(m.exit.unwrap().message.unwrap().contains("Resume"));
}

/// Esc from an install that stopped after `kubeadm init` ran: the settings refuse what init
/// fixed (pod CIDR, version...), under the field and before anything is saved, as they do for a
/// cluster.toml whose journal says so (issue 12 item 1: "pod CIDR of an initialised one no").
/// Before init, the same keys change the version (esc_from_a_failed_install_goes_back_...).
#[test]
fn esc_after_init_ran_refuses_what_init_fixed() {
    for paused in [false, true] {
        let mut m = installing();
        let pod = m.network.pod_cidr.value().to_string();
        let version = m.version().version.clone();
        update(
            &mut m,
            Msg::Engine(Event::StepFinished {
                node: "k8s-node01".into(),
                step: StepId::Init,
                duration: std::time::Duration::from_secs(1),
            }),
        );
        assert!(m.initialised.is_none(), "init of a node not the first CP");
        update(
            &mut m,
            Msg::Engine(Event::StepFinished {
                node: "k8s-master".into(),
                step: StepId::Init,
                duration: std::time::Duration::from_secs(40),
            }),
        );
        if paused {
            ch(&mut m, 'p');
            tui_common::end_interrupted(&mut m);
        } else {
            fail_run(&mut m, "k8s-node01", StepId::Join, "join timed out");
        }
        press(&mut m, KeyCode::Esc);
        assert_eq!(m.screen, Screen::Review, "paused {paused}");
        press(&mut m, KeyCode::Esc);
        assert_eq!(m.screen, Screen::Versions);
        press(&mut m, KeyCode::Down);
        assert_ne!(m.version().version, version);
        let e = kubewiz::tui::update::version_errors(&m);
        let v = e[V_VERSION].as_deref().unwrap_or_default();
        assert!(
            v.contains("already initialised") && v.contains("kubewiz upgrade --to"),
            "paused {paused}: {e:?}"
        );
        press(&mut m, KeyCode::Enter);
        assert_eq!(
            m.screen,
            Screen::Versions,
            "refused before anything is saved"
        );
        press(&mut m, KeyCode::Up);
        assert_eq!(m.version().version, version);
        press(&mut m, KeyCode::Esc);
        assert_eq!(m.screen, Screen::Network);
        m.network.focus = N_POD;
        clear(&mut m);
        typ(&mut m, "10.245.0.0/16");
        let e = kubewiz::tui::update::network_errors(&m);
        let p = e[N_POD].as_deref().unwrap_or_default();
        assert!(
            p.contains(&format!("already initialised with \"{pod}\"")),
            "paused {paused}: {e:?}"
        );
        press(&mut m, KeyCode::Enter);
        assert_eq!(
            m.screen,
            Screen::Network,
            "refused before anything is saved"
        );
    }
}

/// While pausing, the control plane's first node state does not switch to the join panel, and a
/// run that ends paused or failed while the join panel shows comes back to the install screen,
/// where its r / Esc hint applies (seen in a by-hand run: `p` right before `kubeadm init` ended
/// on Join, whose Esc goes to the logs, under "Esc changes the settings").
#[test]
fn a_paused_or_failed_run_ends_on_the_install_screen() {
    let node_state = |m: &mut Model| {
        update(
            m,
            Msg::Engine(Event::NodeState {
                node: "k8s-master".into(),
                state: kubewiz::engine::ClusterNodeState::NotReady,
            }),
        );
    };
    let paused = Summary {
        interrupted: true,
        ..Summary::default()
    };
    let mut m = installing();
    ch(&mut m, 'p');
    node_state(&mut m);
    assert_eq!(m.screen, Screen::Install, "no switch while pausing");

    update(
        &mut m,
        Msg::Engine(Event::RunFinished {
            summary: paused.clone(),
        }),
    );
    assert_eq!(m.screen, Screen::Install);
    press(&mut m, KeyCode::Esc);
    assert_eq!(m.screen, Screen::Review, "Esc changes the settings");

    // Failed while the join panel shows.
    let mut m = installing();
    node_state(&mut m);
    fail_run(&mut m, "k8s-node01", StepId::Join, "exit code 1");
    assert_eq!(m.screen, Screen::Install);
}

/// Machines of an earlier install (found walking the wizard: kubeadm 1.25.3 on the nodes, the
/// default 1.37.0 failed at the packages step, "kubeadm 1.25.3 is installed, the cluster wants
/// 1.37.0"): an install does not upgrade kubeadm (assets/steps/packages.sh), so the Versions
/// screen defaults to the installed version, refuses another one naming it, and the engine's
/// preflight (the same rule, engine::compat::node_compat) refuses before anything changes.
#[test]
fn versions_default_to_the_kubeadm_the_nodes_have() {
    use kubewiz::tui::update::version_findings;
    use kubewiz::tui::validate::Level;
    let mut m = with_nodes();
    for n in &mut m.nodes {
        let mut f = centos7();
        f.kubeadm_version = "1.25.3".into();
        n.facts = Some(f);
        n.probe = ProbeState::Ok;
    }
    ch(&mut m, 'n');
    press(&mut m, KeyCode::Enter);
    assert_eq!(m.screen, Screen::Versions);
    assert_eq!(m.version().version, "1.25.3");
    let errors = |m: &Model| -> Vec<String> {
        version_findings(m)
            .into_iter()
            .filter(|x| x.level == Level::Error)
            .map(|x| x.text)
            .collect()
    };
    assert!(errors(&m).is_empty(), "{:?}", errors(&m));
    // 1.25.16, the same minor's newest patch: still refused, naming the installed version.
    press(&mut m, KeyCode::Up);
    assert_eq!(m.version().version, "1.25.16");
    let e = errors(&m);
    assert!(
        e.iter()
            .any(|t| t.contains("kubeadm 1.25.3 is already installed")
                && t.contains("choose 1.25.3")),
        "{e:?}"
    );
    // Without kubeadm on the nodes the default stays the newest these nodes can run.
    let mut m = with_nodes();
    for n in &mut m.nodes {
        n.facts = Some(centos7());
        n.probe = ProbeState::Ok;
    }
    ch(&mut m, 'n');
    press(&mut m, KeyCode::Enter);
    assert_ne!(m.version().version, "1.25.3");
}
