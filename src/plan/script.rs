//! Step scripts: the assets under `assets/steps/`, safe quoting, and assembling the full
//! script the engine runs (`#!/usr/bin/env bash`, `set -euo pipefail`, exports, lib.sh, step,
//! entry call).

use super::{SecretSlot, StepId};
use std::collections::HashMap;

/// The prelude every script includes.
pub const LIB: &str = include_str!("../../assets/steps/lib.sh");
/// Not a step: mints join secrets on the first control plane (entry `kw_mint`).
pub const MINT_JOIN: &str = include_str!("../../assets/steps/mint-join.sh");
/// Not a step: `kubeadm reset -f` and cleanup (entry `kw_reset`).
pub const RESET: &str = include_str!("../../assets/steps/reset.sh");

/// Not a step: the Kubernetes patches the node's repository carries (entry `kw_repo_versions`).
pub const REPO_VERSIONS: &str = include_str!("../../assets/steps/repo-versions.sh");

/// Not a step: removes a reset node's Node object on the first control plane (entry
/// `kw_delete_node`).
pub const DELETE_NODE: &str = include_str!("../../assets/steps/delete-node.sh");

/// What a secret looks like in `kubewiz plan` output.
pub const REDACTED: &str = "<redacted: minted at run time>";

/// The asset file and its text for a remote step (`None` for preflight, which runs locally):
/// the step definition's script.
pub fn asset(step: StepId) -> Option<(&'static str, &'static str)> {
    step.def().script.map(|a| (a.file, a.text))
}

/// Quotes `s` for bash: the result, used as a word, expands to exactly `s` (no expansion of
/// `$`, backticks, globs, quotes or newlines). Single quotes, with `'` written as `'\''`.
///
/// A NUL byte cannot be part of a shell word or an environment variable; it is dropped
/// (the plan refuses such values before they get here).
pub fn shell_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Whether `name` is a valid environment variable name we export (KW_ + [A-Z0-9_]).
pub fn valid_env_name(name: &str) -> bool {
    name.starts_with("KW_")
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Secret values for [`assemble`]: `None` renders the redaction placeholder.
pub(crate) enum Secrets<'a> {
    Redacted,
    Values(&'a HashMap<SecretSlot, String>),
}

/// The full script: header, exports (non-secret then secret), lib.sh, the step file, `entry`.
pub(crate) fn assemble(
    env: &[(String, String)],
    secret_slots: &[SecretSlot],
    secrets: Secrets<'_>,
    body: &str,
    entry: &str,
) -> String {
    assemble_with_prelude(env, secret_slots, secrets, LIB, body, entry)
}

/// [`assemble`] with `prelude` where lib.sh goes: `kubewiz plan` puts a line there that says
/// where the prelude is printed, instead of printing it in every script.
pub(crate) fn assemble_with_prelude(
    env: &[(String, String)],
    secret_slots: &[SecretSlot],
    secrets: Secrets<'_>,
    prelude: &str,
    body: &str,
    entry: &str,
) -> String {
    let mut s = String::with_capacity(prelude.len() + body.len() + 1024);
    s.push_str("#!/usr/bin/env bash\n");
    s.push_str("set -euo pipefail\n");
    for (k, v) in env {
        debug_assert!(valid_env_name(k), "bad env name {k}");
        s.push_str(&format!("export {k}={}\n", shell_quote(v)));
    }
    for slot in secret_slots {
        let value = match &secrets {
            Secrets::Redacted => REDACTED,
            Secrets::Values(map) => map.get(slot).map(String::as_str).unwrap_or(REDACTED),
        };
        s.push_str(&format!(
            "export {}={}\n",
            slot.env_name(),
            shell_quote(value)
        ));
    }
    push_part(&mut s, prelude);
    push_part(&mut s, body);
    s.push_str(entry);
    s.push('\n');
    s
}

/// An asset as it appears inside an assembled script: without its leading
/// `# shellcheck shell=bash` directive (only valid at the top of a file; the assembled script
/// has a shebang instead).
pub(crate) fn part(asset: &str) -> &str {
    asset
        .strip_prefix("# shellcheck shell=bash\n")
        .unwrap_or(asset)
}

/// Appends an asset (see [`part`]).
fn push_part(s: &mut String, part: &str) {
    let part = self::part(part);
    s.push_str(part);
    if !part.ends_with('\n') {
        s.push('\n');
    }
}

/// A standalone script (mint, reset) with the given exports and entry function.
pub(crate) fn standalone(env: &[(String, String)], body: &str, entry: &str) -> String {
    assemble(env, &[], Secrets::Redacted, body, entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_basics() {
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("abc"), "'abc'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("$(x)"), "'$(x)'");
    }

    #[test]
    fn every_remote_step_has_an_asset() {
        for step in StepId::ALL {
            assert_eq!(asset(step).is_none(), step == StepId::Preflight, "{step}");
        }
    }

    #[test]
    fn env_names() {
        assert!(valid_env_name("KW_POD_CIDR"));
        assert!(!valid_env_name("PATH"));
        assert!(!valid_env_name("KW_a"));
    }
}
