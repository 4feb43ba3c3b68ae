//! The engine: walks the plan's DAG over SSH, keeps the journal, emits events.
//!
//! - `run`: a run (`start`, in `run/start.rs`): the loop that starts tasks, records every
//!   transition, obeys commands (stop, abort, pause/resume, retry); `schedule`: which task may start now (pure,
//!   generic over tasks); `task`: running one task and its line protocol, reconnects with
//!   backoff; `secrets`: join secrets minted per run, registered with the redactor.
//! - [`transport`]: the traits the engine talks to nodes through (`OpenSsh`; a fake in tests).
//! - [`journal`]: `.kubewiz/state.json`, atomic, locked; the only memory between runs;
//!   `journal_writer` saves it off the scheduler's path, coalescing bursts of changes;
//!   [`kubeconfig`]: the admin kubeconfig a control plane hands back, kept private.
//! - [`checks`]: everything `kubewiz check` checks offline, as one list (the wizard's forms
//!   show the same list, field by field).
//! - [`preflight`]: the cross-node barrier over every node's facts (runs locally);
//!   [`compat`]: the catalog × node facts rules it applies (also used by the wizard).
//! - `connections`: one connection per host (and more for waits when one cannot carry them
//!   all), reopened after a loss.
//! - `manifests`: CNI/dashboard manifests fetched on the workstation, patched, uploaded.
//! - `joinwatch`: join progress and CNI pods as the control plane sees them.
//! - [`event`]: what front ends receive; [`printer`]: the plain front end of `apply`.
//! - [`redact`], [`log`], [`hints`]: secrets out of every line, per-node log files, known
//!   failure texts mapped to what to do.

pub mod checks;
pub mod compat;
mod connections;
pub mod event;
pub mod hints;
mod joinwatch;
pub mod journal;
mod journal_writer;
pub mod kubeconfig;
pub mod log;
mod manifests;
pub mod preflight;
pub mod printer;
pub mod redact;
mod run;
mod schedule;
#[cfg(test)]
mod scheduler_tests;
mod secrets;
mod task;
pub mod transport;

pub use event::*;
pub(crate) use run::start_with_transport;
pub use run::{
    Command, EngineError, MAX_STEPS_PER_HOST, MAX_WAITS_PER_HOST, Options, Run, start,
    start_with_plan,
};
pub use transport::{OpenSsh, Session, Transport};
