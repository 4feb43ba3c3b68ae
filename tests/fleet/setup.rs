//! The fleets the tests start with, each with its cluster.toml in a fresh work directory.

use super::{ConfigOpts, Flavour, Fleet, HostSpec};
use std::path::PathBuf;
use tempfile::TempDir;

/// The seed's hosts: the guide's names, CentOS 7.9.
pub const SEED: [&str; 3] = ["k8s-master", "k8s-node01", "k8s-node02"];

/// The seed's hosts: three CentOS 7.9 hosts named as in the guide ([`SEED`]).
pub fn seed_hosts() -> Vec<HostSpec> {
    SEED.iter()
        .map(|n| HostSpec::new(n, Flavour::Centos7))
        .collect()
}

/// The seed's fleet ([`seed_hosts`]) started.
pub fn seed() -> Fleet {
    Fleet::start(seed_hosts())
}

/// `hosts` started, and the cluster.toml of `opts` for them in a fresh work directory (removed
/// with the returned `TempDir`): (fleet, work directory, cluster.toml).
pub fn with_config(hosts: Vec<HostSpec>, opts: &ConfigOpts) -> (Fleet, TempDir, PathBuf) {
    let fleet = Fleet::start(hosts);
    let work = tempfile::tempdir().expect("a temporary work directory");
    let cfg = fleet.write_config(work.path(), opts);
    (fleet, work, cfg)
}

/// Three hosts named `names`, each made by `host(name)` (the first is the control plane, as
/// `ConfigOpts` has it by default), with the cluster.toml of `opts`; see [`with_config`].
pub fn three_nodes(
    names: [&str; 3],
    host: impl Fn(&str) -> HostSpec,
    opts: &ConfigOpts,
) -> (Fleet, TempDir, PathBuf) {
    with_config(names.into_iter().map(host).collect(), opts)
}

/// A control plane `cp` (Rocky 9) and a worker `w1` (Ubuntu 22.04) with the cluster.toml of
/// `opts`: the two-node cluster the kill and upgrade tests install; see [`with_config`].
pub fn cp_and_worker(opts: &ConfigOpts) -> (Fleet, TempDir, PathBuf) {
    with_config(
        vec![
            HostSpec::new("cp", Flavour::Rocky9),
            HostSpec::new("w1", Flavour::Ubuntu2204),
        ],
        opts,
    )
}
