//! Network: cluster name, pod and service CIDR, CNI, kube-proxy mode.

use super::{Common, global};
use crate::config::{Cni, ProxyMode};
use crate::tui::form;
use crate::tui::keys::{Binding, also, back, find, help, key as bind, next_field, quit, shown};
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
    next_field(Next),
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
    back(Global(Common::Back)),
    help(Global(Common::Help)).when(on_choice),
    // In a text field `?` and `q` are letters.
    bind(&[KeyCode::F(1)], "F1", "help", Global(Common::Help)).when(on_text),
    quit(Global(Common::Quit)).unlisted().when(on_choice),
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
        Some(Continue) => match network_errors(m).iter().position(Option::is_some) {
            Some(row) => m.network.focus = row,
            None => {
                m.screen = Screen::Versions;
                super::versions::clamp_cni_version(m);
                super::versions::default_to_runnable(m);
                return super::repo::enter(m);
            }
        },
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

/// The network form's rows, as `kubewiz check` names the fields, in focus order.
pub const NETWORK_ROWS: [&str; NETWORK_FIELDS] = [
    "cluster.name",
    "cluster.pod_cidr",
    "cluster.service_cidr",
    "cluster.cni",
    "cluster.proxy_mode",
];

/// What is wrong under each row of the network form now (`kubewiz check`'s problems, the
/// ones that concern these fields; under the focused row when they concern it).
pub fn network_errors(m: &Model) -> Vec<Option<String>> {
    validate::place(
        &validate::problems(m),
        &NETWORK_ROWS,
        NETWORK_ROWS.get(m.network.focus).copied(),
    )
}
