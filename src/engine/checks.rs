//! Everything `kubewiz check` checks without connecting, as one list of problems: the config's
//! rules (`config::validate`), the local files it names (`config::check_files`), the identity
//! files (`ssh::identity`), and what an initialised cluster can no longer change (the
//! journal's stamp). The wizard's screens call the same function and show each problem under
//! the field it names, so a screen accepts exactly what `check` accepts.

use super::journal::{ClusterStamp, Journal, state_dir};
use crate::catalog::Catalog;
use crate::config::{self, ClusterConfig, Problem};
use std::path::Path;

/// The choices fixed by `kubeadm init`, from the journal next to `config_path` (None before
/// init, without a journal, or when it cannot be read: `apply` says why then). Changes
/// nothing: an unreadable journal stays where it is (`Journal::load` would move it aside, and
/// `apply` would then start afresh without saying why).
pub fn initialised(config_path: &Path) -> Option<ClusterStamp> {
    let j = Journal::peek(&state_dir(config_path))?;
    j.initialised_with().cloned()
}

/// cluster.toml loaded and validated as `apply` loads it: the config of an installed cluster
/// (the journal says `kubeadm init` ran) by the installed cluster's rules
/// (`config::validate_installed`: a CNI release past its range is a warning, not a refusal).
/// Used by every command and by the wizard before it starts the engine or an upgrade.
pub fn load(path: &Path) -> Result<config::Validated<'static>, config::ConfigError> {
    config::load_validated_with(path, initialised(path).is_some())
}

/// Every problem with `cfg` (read from, or to be saved to, `config_path`), given what the
/// cluster was initialised with. Empty: `check` accepts it.
pub fn problems(
    cfg: &ClusterConfig,
    config_path: &Path,
    initialised: Option<&ClusterStamp>,
) -> Vec<Problem> {
    let validated = if initialised.is_some() {
        config::validate_installed(cfg, Catalog::builtin())
    } else {
        config::validate(cfg, Catalog::builtin())
    };
    let mut out = match validated {
        Ok(_) => Vec::new(),
        Err(p) => p,
    };
    out.extend(config::check_files(cfg, config_path));
    let identity = |field: String, p: &Path, out: &mut Vec<Problem>| {
        let path = config::resolve_path(config_path, p);
        if let Err(e) = crate::ssh::identity::check(&path) {
            out.push(Problem::field(
                field,
                p.display().to_string(),
                e,
                // Each of identity::check's messages says how to fix the file; this adds the other way.
                "or leave it empty: ssh's own keys and agent are used",
            ));
        }
    };
    if let Some(p) = &cfg.ssh.identity_file {
        identity("ssh.identity_file".into(), p, &mut out);
    }
    for (i, n) in cfg.nodes.iter().enumerate() {
        if let Some(p) = &n.identity_file {
            identity(format!("node[{i}].identity_file"), p, &mut out);
        }
    }
    if let Some(stamp) = initialised {
        out.extend(stamp.changes(cfg));
    }
    out
}
