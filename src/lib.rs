//! kubewiz: turns fresh Linux machines into a kubeadm Kubernetes cluster over SSH.
//!
//! Data flows one way (see README "Architecture"):
//! `config` (cluster.toml) + `catalog` (version facts) → `plan` (steps × nodes, a DAG of
//! shell scripts from `assets/steps/`) → `engine` (schedules the DAG over `ssh`, keeps the
//! `journal`, emits typed `event`s) → a front end: the plain printer (`kubewiz apply`) or
//! the `tui` wizard. [`vocab`] holds the names every layer shares (steps, CNI, mirror, role,
//! proxy mode) and imports nothing.

#![forbid(unsafe_code)]

pub mod atomic_file;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod diag;
pub mod engine;
pub mod facts;
pub mod plan;
pub mod ssh;
pub mod tui;
pub mod upgrade;
pub mod vocab;
