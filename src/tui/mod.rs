//! The wizard: one model, one message enum, a pure `update`, a view per screen.
