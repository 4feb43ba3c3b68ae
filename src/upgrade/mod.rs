//! Day 2: upgrading a running cluster one minor at a time (`kubewiz upgrade`) and its certificates
//! (`kubewiz certs`).
//!
//! - [`path`]: from what the cluster runs to `--to`, hop by hop, with what changes and what is refused (pure).
//! - [`certs`]: `kubeadm certs check-expiration` read into expiry dates, and the warnings (pure).
//! - [`scripts`]: the upgrade's scripts (`assets/steps/`): survey, certs, and the hop steps' own.

pub mod certs;
pub mod cli;
pub mod path;
pub mod plan;
pub mod run;
pub mod scripts;

pub use path::{Hop, NodeSurvey, Path, Refusal, Survey};
