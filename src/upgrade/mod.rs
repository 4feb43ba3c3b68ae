//! Day 2: upgrading a running cluster one minor at a time (`kubewiz upgrade`) and its certificates
//! (`kubewiz certs`).
//!
//! - [`path`]: from what the cluster runs to `--to`, hop by hop, with what changes and what is refused (pure).
//! - [`certs`]: `kubeadm certs check-expiration` read into expiry dates, and the warnings (pure).
//! - [`plan`]: one hop's plan: the `HOP` pipeline plus the order across nodes its steps cannot say.
//! - [`run`]: [`run::prepare`] surveys the cluster (read-only) and computes the path, [`run::execute`]
//!   runs the hops, one engine run each, and records the result.
//! - [`report`]: the survey, the path, the outcome and the certificates in words, for every front end
//!   (`kubewiz upgrade`/`certs` are in `cli/upgrade.rs`, the wizard's screen in `tui`).
//! - [`scripts`]: the upgrade's scripts (`assets/steps/`): survey, certs, and the hop steps' own.

pub mod certs;
pub mod path;
pub mod plan;
pub mod report;
pub mod run;
pub mod scripts;

pub use path::{Hop, NodeSurvey, Path, Refusal, Survey};
