//! The engine: walks the plan's DAG over SSH, keeps the journal, emits events.

pub mod event;
pub use event::*;
pub mod journal;
pub mod redact;
pub mod log;
pub mod preflight;
pub mod hints;
mod connections;
mod joinwatch;
mod manifests;
mod run;
pub use run::{Command, EngineError, Options, Run, start, start_with_plan};
pub mod printer;
