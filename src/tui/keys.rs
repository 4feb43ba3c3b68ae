//! Key tables. Each screen declares its keys once, as a table of [`Binding`]s
//! (`update/<screen>.rs`); its key handler looks keys up in that table and the footer and
//! the help overlay list the same table, so what is shown is what the keys do.

use super::model::Model;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One entry of a screen's key table.
pub struct Binding<A: 'static> {
    /// The keys that trigger it.
    pub keys: &'static [KeyCode],
    pub action: A,
    /// How the footer and help show it: (keys, what it does). `None` for a synonym that the
    /// entry before it already describes (e.g. `j` next to "↑↓").
    pub help: Option<(&'static str, &'static str)>,
    /// When it applies (focus, state); the footer shows only what applies now.
    pub when: fn(&Model) -> bool,
}

pub fn always(_: &Model) -> bool {
    true
}

/// A listed binding that always applies.
pub const fn key<A>(
    keys: &'static [KeyCode],
    label: &'static str,
    what: &'static str,
    action: A,
) -> Binding<A> {
    Binding {
        keys,
        action,
        help: Some((label, what)),
        when: always,
    }
}

/// A synonym that is not listed (the entry before it describes it).
pub const fn also<A>(keys: &'static [KeyCode], action: A) -> Binding<A> {
    Binding {
        keys,
        action,
        help: None,
        when: always,
    }
}

/// `?`: the help (where `?` is not a letter being typed).
pub const fn help<A>(action: A) -> Binding<A> {
    key(&[KeyCode::Char('?')], "?", "help", action)
}

/// `q`: quit (asks first).
pub const fn quit<A>(action: A) -> Binding<A> {
    key(&[KeyCode::Char('q')], "q", "quit", action)
}

/// `Esc`: the previous screen.
pub const fn back<A>(action: A) -> Binding<A> {
    key(&[KeyCode::Esc], "Esc", "back", action)
}

/// `Tab`: the next field of a form.
pub const fn next_field<A>(action: A) -> Binding<A> {
    key(&[KeyCode::Tab], "Tab", "next field", action)
}

impl<A: Copy> Binding<A> {
    /// The same binding, not listed (the footer has no room for what everybody knows).
    pub const fn unlisted(self) -> Binding<A> {
        Binding { help: None, ..self }
    }

    /// The same binding, applying only when `when` holds.
    pub const fn when(self, when: fn(&Model) -> bool) -> Binding<A> {
        Binding { when, ..self }
    }
}

/// Whether the key event `k` is `code`: Tab and Shift-Tab are told apart, and letters do not
/// match with Ctrl or Alt held (those are editing keys in text fields, or global).
fn matches(code: KeyCode, k: &KeyEvent) -> bool {
    let shift = k.modifiers.contains(KeyModifiers::SHIFT);
    match code {
        KeyCode::BackTab => k.code == KeyCode::BackTab || (k.code == KeyCode::Tab && shift),
        KeyCode::Tab => k.code == KeyCode::Tab && !shift,
        KeyCode::Char(_) => {
            k.code == code
                && !k
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        }
        _ => k.code == code,
    }
}

/// The action of the first entry that applies now and has `k` among its keys.
pub fn find<A: Copy>(table: &[Binding<A>], m: &Model, k: &KeyEvent) -> Option<A> {
    table
        .iter()
        .find(|b| b.keys.iter().any(|c| matches(*c, k)) && (b.when)(m))
        .map(|b| b.action)
}

/// What the footer and the help list: the described entries that apply now, in table order.
pub fn shown<A>(table: &[Binding<A>], m: &Model) -> Vec<(&'static str, &'static str)> {
    table
        .iter()
        .filter(|b| (b.when)(m))
        .filter_map(|b| b.help)
        .collect()
}

/// Keys every screen's table uses for the same things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Common {
    Help,
    Quit,
    /// Esc: the previous screen (`Screen::back`).
    Back,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const TABLE: &[Binding<u8>] = &[
        key(&[KeyCode::Tab], "Tab", "next", 1),
        also(&[KeyCode::BackTab], 2),
        key(&[KeyCode::Char('a')], "a", "add", 3).when(|m| m.nodes.is_empty()),
        key(&[KeyCode::Char('a')], "a", "again", 4),
    ];

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn lookup_and_listing_read_the_same_entries() {
        let m = Model::new(PathBuf::from("cluster.toml"));
        let none = KeyModifiers::NONE;
        assert_eq!(find(TABLE, &m, &ev(KeyCode::Tab, none)), Some(1));
        // Shift-Tab arrives as BackTab or as Tab with SHIFT, depending on the terminal.
        assert_eq!(find(TABLE, &m, &ev(KeyCode::BackTab, none)), Some(2));
        assert_eq!(
            find(TABLE, &m, &ev(KeyCode::Tab, KeyModifiers::SHIFT)),
            Some(2)
        );
        // The first entry that applies wins; Ctrl-a is an editing key, not `a`.
        assert_eq!(find(TABLE, &m, &ev(KeyCode::Char('a'), none)), Some(3));
        assert_eq!(
            find(TABLE, &m, &ev(KeyCode::Char('a'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(
            shown(TABLE, &m),
            vec![("Tab", "next"), ("a", "add"), ("a", "again")]
        );
    }
}
