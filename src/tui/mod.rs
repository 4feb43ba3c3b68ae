//! The wizard: one model, one message enum, a pure `update`, a view per screen.
//!
//! - [`model`]: the whole state of the wizard ([`Model`]) and its parts.
//! - [`msg`]: what can happen ([`Msg`]: keys, engine events, background results) and what
//!   the runtime is asked to do ([`Effect`]: probe, save, start the install, quit...).
//! - [`update`]: `update(&mut Model, Msg) -> Vec<Effect>`, pure, no terminal or network; one
//!   module per screen, each with its key table ([`keys`]) that the footer and help also read.
//! - [`view`] + [`screens`]: drawing, one file per screen.
//! - [`app`]: the runtime: terminal, channels, background tasks, the engine; [`connect`]: what
//!   is asked of a node before installing (connection test, repository patches); [`upgrading`]: the
//!   Upgrade flow's background work (survey and path, the hops' events as messages).

pub mod app;
pub mod catalog;
pub mod connect;
pub mod form;
pub mod keys;
pub mod logbuf;
pub mod model;
pub mod msg;
pub mod save;
pub mod screens;
pub mod theme;
pub mod update;
pub mod upgrading;
pub mod validate;
pub mod view;

pub use app::run;
pub use model::{Model, Screen};
pub use msg::{Effect, Msg};
pub use update::update;
pub use view::view;
