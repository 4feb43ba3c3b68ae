//! Network: cluster name, pod and service CIDR, CNI, kube-proxy mode.

use super::{Common, global};
use crate::config::{Cni, ProxyMode};
use crate::tui::form;
use crate::tui::keys::{Binding, also, find, key as bind, shown};
use crate::tui::model::*;
use crate::tui::msg::Effect;
use crate::tui::validate;
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Copy)]
enum Action {
    Next,
    Prev,
    Toggle,
    Continue,
    Global(Common),
}
use Action::*;

fn on_choice(m: &Model) -> bool {
    matches!(m.network.focus, N_CNI | N_PROXY)
}
fn on_text(m: &Model) -> bool {
    !on_choice(m)
}

/// Other keys edit the focused text field.
const KEYS: &[Binding<Action>] = &[
    bind(&[KeyCode::Tab], "Tab", "next field", Next),
    also(&[KeyCode::Down], Next),
    also(&[KeyCode::BackTab, KeyCode::Up], Prev),
    bind(
        &[
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Char('h'),
            KeyCode::Char('l'),
            KeyCode::Char(' '),
        ],
        "←→",
        "choose",
        Toggle,
    )
    .when(on_choice),
    bind(&[KeyCode::Enter], "Enter", "continue", Continue),
    bind(&[KeyCode::Esc], "Esc", "back", Global(Common::Back)),
    bind(&[KeyCode::Char('?')], "?", "help", Global(Common::Help)).when(on_choice),
    // In a text field `?` and `q` are letters.
    bind(&[KeyCode::F(1)], "F1", "help", Global(Common::Help)).when(on_text),
    also(&[KeyCode::Char('q')], Global(Common::Quit)).when(on_choice),
];

pub fn keys(m: &Model) -> Vec<(&'static str, &'static str)> {
    shown(KEYS, m)
}

pub fn key(m: &mut Model, k: KeyEvent) -> Vec<Effect> {
    let action = find(KEYS, m, &k);
    let f = &mut m.network;
    match action {
        Some(Next) => f.focus = form::cycle(f.focus, NETWORK_FIELDS, true),
        Some(Prev) => f.focus = form::cycle(f.focus, NETWORK_FIELDS, false),
        Some(Toggle) if f.focus == N_CNI => {
            f.cni = match f.cni {
                Cni::Calico => Cni::Flannel,
                Cni::Flannel => Cni::Calico,
            };
            m.versions.cni_version = 0;
        }
        Some(Toggle) => {
            f.proxy = match f.proxy {
                ProxyMode::Iptables => ProxyMode::Ipvs,
                ProxyMode::Ipvs => ProxyMode::Iptables,
            };
        }
        Some(Continue) => {
            let check = network_check(m);
            if cluster_name_error(m).is_some() {
                m.network.focus = N_NAME;
            } else if check.pod_cidr.is_some() {
                m.network.focus = N_POD;
            } else if check.service_cidr.is_some() {
                m.network.focus = N_SERVICE;
            } else {
                m.screen = Screen::Versions;
                super::versions::clamp_cni_version(m);
            }
        }
        Some(Global(g)) => return global(m, g),
        None => {
            let input = match f.focus {
                N_NAME => &mut f.name,
                N_POD => &mut f.pod_cidr,
                N_SERVICE => &mut f.service_cidr,
                _ => return vec![],
            };
            form::edit(input, k);
        }
    }
    vec![]
}

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
