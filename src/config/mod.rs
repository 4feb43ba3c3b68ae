//! cluster.toml: the model (`model`), loading with precise errors (`load`), and the
//! cross-field rules checked before any SSH (`validate`).

mod model;
pub use model::*;
