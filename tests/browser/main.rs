//! Browser tests of the admin panel (`/admin/`): the real application on a
//! free port, driven through headless Chromium over WebDriver.
//!
//! They need Debian's `chromium` and `chromium-driver`, so they are
//! `#[ignore]`d: `cargo test` lists them as ignored (not as passed) on
//! machines without a browser, and `.ci/browser.sh` installs both and runs
//! them with `--ignored`. Screenshots of every step are written to
//! `$CARGO_TARGET_DIR/browser-screenshots/` (or `target/…`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod harness;

mod admin;
mod panel;
mod streaming;
