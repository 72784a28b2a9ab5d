//! Logs: `tracing` to stderr, human-readable (`MSTREAM_LOG_FORMAT=text`, the
//! default) or one JSON object a line (`MSTREAM_LOG_FORMAT=json`), filtered
//! by `RUST_LOG` (default `info`). Every request is one line of target
//! `mstream::access` (see `mstream_api::observe`).

use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-12-02T15:40:00.123456Z  INFO mstream::access: request method=GET …`
    Text,
    /// `{"timestamp": …, "level": "INFO", "message": "request", "method": "GET", …}`
    Json,
}

/// Reads `MSTREAM_LOG_FORMAT` and `RUST_LOG`; a value neither understands
/// is refused, not silently replaced by the default.
pub fn from_env() -> Result<(LogFormat, EnvFilter), String> {
    let format = match std::env::var("MSTREAM_LOG_FORMAT") {
        Err(_) => LogFormat::Text,
        Ok(value) if value.is_empty() || value.eq_ignore_ascii_case("text") => LogFormat::Text,
        Ok(value) if value.eq_ignore_ascii_case("json") => LogFormat::Json,
        Ok(value) => {
            return Err(format!(
                "MSTREAM_LOG_FORMAT={value:?}: must be \"text\" or \"json\""
            ))
        }
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::builder()
            .parse(&directives)
            .map_err(|error| {
                format!(
                    "RUST_LOG={directives:?}: {error} (expected e.g. \"info\" or \"warn,mstream::access=info\")"
                )
            })?,
        _ => EnvFilter::new("info"),
    };
    Ok((format, filter))
}

/// Installs the global subscriber from the environment (once; later calls
/// do nothing). Fails on an invalid `MSTREAM_LOG_FORMAT` or `RUST_LOG`.
pub fn init() -> Result<(), String> {
    let (format, filter) = from_env()?;
    // Colours only for a person at a terminal: escape codes in a log file or
    // a collector's input are noise.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            // Fields at the top level, the enclosing request span (its id,
            // the user) under "span"; no list of every enclosing span.
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    Ok(())
}
