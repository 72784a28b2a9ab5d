//! Black-box tests: each starts the real application on a free port with its
//! own database (a fresh SQLite file, or a fresh PostgreSQL database when
//! `MSTREAM_TEST_DATABASE_URL=postgres://…` is set) and talks HTTP to it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod admin;
mod catalog;
mod cli;
mod client;
mod conventions;
mod helpers;
mod history;
mod hls;
mod hostile;
mod layers;
mod logs;
mod media;
mod operations;
mod ops;
mod options;
mod panel;
mod progress;
mod races;
mod read_model;
mod reviews;
mod scaleout;
mod schema;
mod seed;
mod throttle;
mod tus;
mod typed;
mod uploads;
