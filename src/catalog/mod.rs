//! The version catalog: every version rule is a lookup in `assets/catalog.toml`.
