//! Browser tests of the admin panel (`/admin/`): the real application on a
//! free port, driven through headless Chromium over WebDriver.
//!
//! They need Debian's `chromium` and `chromium-driver` and run only when
//! `MSTREAM_BROWSER_TESTS` is set (`.ci/browser.sh` does both); otherwise
//! each test prints a note and passes, so `cargo test` stays green on
//! machines without a browser. Screenshots of every step are written to
//! `$CARGO_TARGET_DIR/browser-screenshots/` (or `target/…`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod harness;

mod panel;
