//! cluster.toml: the model (`model`), loading with precise errors (`parse`), and the
//! cross-field rules checked before any SSH (`validate`).
//!
//! Entry points:
//! - [`load_validated`]: read + parse + validate against the built-in catalog + check local
//!   files; returns the [`Validated`] config (every path resolved: `~/` expanded, relative
//!   paths relative to cluster.toml's folder) with what validation resolved and its warnings.
//!   This is what commands use and pass down. [`load`]: the same, only the config.
//! - [`parse`]: text → model (syntax with line:column, unknown keys with "did you mean",
//!   types with the field path). [`validate`]: pure rules, all problems at once;
//!   [`check_field`]: one value of one field, with the same rules ([`rules`]).
//! - [`ConfigError`]: displays every problem on its own line; exit code 2.
//!
//! The pod CIDR exists once (`cluster.pod_cidr`): kubeadm's podSubnet and the CNI's network
//! both come from it, so the seed guide's mismatch (kubeadm 10.224.0.0/16, manifest
//! 10.244.0.0/16) cannot be written. Flannel's upstream default Network (10.244.0.0/16) is a
//! placeholder the plan rewrites to pod_cidr. The one way to reintroduce the mismatch is a
//! local `cni_manifest` whose network someone edited (an uncommented CALICO_IPV4POOL_CIDR
//! outside pod_cidr, or a flannel Network that is neither the default nor pod_cidr):
//! [`load`] refuses that, naming both values and the fix, rather than overriding a value the
//! user wrote.

mod error;
mod files;
mod model;
mod parse;
mod validate;

pub use error::{ConfigError, Problem};
pub use files::{
    check_files, expand_home, manifest_cidr_conflict, manifest_images, manifest_pod_cidr,
    manifest_release, manifest_release_conflict, resolve_path, resolve_paths,
};
pub use model::*;
pub use parse::{MAX_CONFIG_BYTES, line_col, parse, suggest};
pub use validate::{
    MAX_NODES, Validated, check_field, nets_overlap, rules, validate, validate_installed,
};

use crate::catalog::Catalog;
use std::io::Read;
use std::path::Path;

/// Reads, parses and validates cluster.toml against the built-in catalog and checks the local
/// files it names (see the module docs).
pub fn load_validated(path: &Path) -> Result<Validated<'static>, ConfigError> {
    load_validated_with(path, false)
}

/// [`load_validated`]; `installed`: the cluster is already installed (see [`validate_installed`]).
pub fn load_validated_with(
    path: &Path,
    installed: bool,
) -> Result<Validated<'static>, ConfigError> {
    let text = read_text(path)?;
    let config = parse(&text, path)?;
    let validated = if installed {
        validate_installed(&config, Catalog::builtin())
    } else {
        validate(&config, Catalog::builtin())
    };
    let mut validated = validated.map_err(|problems| ConfigError::new(path, problems))?;
    let problems = check_files(&config, path);
    if !problems.is_empty() {
        return Err(ConfigError::new(path, problems));
    }
    resolve_paths(&mut validated.config, path);
    Ok(validated)
}

/// [`load_validated`], only the config (its warnings dropped).
pub fn load(path: &Path) -> Result<ClusterConfig, ConfigError> {
    load_validated(path).map(|v| v.config)
}

/// Parses and validates text (no file checks, paths untouched): for tests and the TUI.
pub fn parse_and_validate(text: &str, origin: &Path) -> Result<ClusterConfig, ConfigError> {
    let config = parse(text, origin)?;
    validate(&config, Catalog::builtin()).map_err(|p| ConfigError::new(origin, p))?;
    Ok(config)
}

fn read_text(path: &Path) -> Result<String, ConfigError> {
    let io = |e: std::io::Error| {
        ConfigError::new(
            path,
            vec![Problem::file(
                format!("cannot read the file: {e}"),
                "check the path given with -c (default: cluster.toml in the current folder)",
            )],
        )
    };
    let f = std::fs::File::open(path).map_err(io)?;
    if f.metadata().map_err(io)?.is_dir() {
        return Err(ConfigError::new(
            path,
            vec![Problem::file(
                "this is a folder, not a file",
                "give the path of cluster.toml",
            )],
        ));
    }
    let mut bytes = Vec::new();
    f.take(MAX_CONFIG_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_CONFIG_BYTES {
        let len = std::fs::metadata(path)
            .map(|m| m.len() as usize)
            .unwrap_or(bytes.len());
        return Err(ConfigError::new(path, vec![parse::too_large(len)]));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes());
        ConfigError::new(
            path,
            vec![
                Problem::file(
                    "the file is not UTF-8 text",
                    "save it as UTF-8 (TOML files must be UTF-8)",
                )
                .at(Some(line_col(&text, at))),
            ],
        )
    })
}

/// A cluster.toml for unit tests: `cp` (the control plane, 192.0.2.10) and `workers` workers
/// `w1`, `w2`, ... (192.0.2.11, ...), everything else at its default.
#[cfg(test)]
pub(crate) fn test_toml(kubernetes_version: &str, workers: usize) -> String {
    let mut s = format!(
        "[cluster]\nname = \"t\"\nkubernetes_version = \"{kubernetes_version}\"\n\
         [[node]]\nname = \"cp\"\naddress = \"192.0.2.10\"\nrole = \"control-plane\"\n"
    );
    for i in 1..=workers {
        s.push_str(&format!(
            "[[node]]\nname = \"w{i}\"\naddress = \"192.0.2.{}\"\nrole = \"worker\"\n",
            10 + i
        ));
    }
    s
}
