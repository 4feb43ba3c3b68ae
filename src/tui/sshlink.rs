//! Access to `src/ssh/hostkey.rs` and `src/ssh/bootstrap.rs` (owned by the wizard) until
//! `src/ssh/mod.rs` declares them; then this becomes `pub use crate::ssh::{bootstrap, hostkey};`.

#[path = "../ssh/bootstrap.rs"]
pub mod bootstrap;
#[path = "../ssh/hostkey.rs"]
pub mod hostkey;
