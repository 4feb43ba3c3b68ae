//! The engine: walks the plan's DAG over SSH, keeps the journal, emits events.

pub mod event;
pub use event::*;
pub mod journal;
pub mod redact;
