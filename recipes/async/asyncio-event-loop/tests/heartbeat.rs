//! The `heartbeat` example's unit tests, on tokio's paused clock. `cargo test` builds examples
//! but does not run their tests, so they run here, with the example included as a module.

// The example's CLI and `main`, which these tests do not use.
#[allow(dead_code)]
#[path = "../examples/heartbeat.rs"]
mod heartbeat;
