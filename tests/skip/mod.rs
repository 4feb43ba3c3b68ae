//! A test whose prerequisite is missing (root, sshd, tmux, a fixture, ...) is skipped visibly:
//! [`because`] prints `SKIPPED <binary>::<test>: <reason>` straight to the terminal (libtest
//! captures only `print!`/`eprint!`, so the line shows even though the test then returns and
//! counts as passed), and `.ci/summary` counts those lines as skipped, not passed.
//! Under `CI=true` nothing is skipped: a missing prerequisite fails the test.
//!
//! Use: `let Some(x) = thing() else { return skip::because("why") };` or, where the gate is a
//! condition, `if !ok { return skip::because("why"); }`.
#![allow(dead_code)]

use std::io::Write;

/// Marks the calling test skipped for `reason` (panics under CI=true); return right after.
pub fn because(reason: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but {reason}");
    }
    let exe = std::env::current_exe().ok();
    let stem = exe
        .as_ref()
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // target/debug/deps/<binary>-<16 hex digits>
    let binary = match stem.rsplit_once('-') {
        Some((b, h)) if h.len() == 16 && h.bytes().all(|c| c.is_ascii_hexdigit()) => b,
        _ => &stem,
    };
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("?");
    // One write, so that the line is not torn by libtest's own output.
    let line = format!("SKIPPED {binary}::{test}: {reason}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}
