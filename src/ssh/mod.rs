//! SSH: one multiplexed master connection per node (the `openssh` crate, native mux).
