//! The `mstream` binary's library half: configuration, start-up and the
//! CLI commands, so the integration tests start exactly what `mstream
//! serve` starts.

pub mod cli;
pub mod config;
pub mod seed;
pub mod startup;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
