//! mstream's database layer: diesel over SQLite (default) or PostgreSQL,
//! chosen by the URL scheme, behind one connection type and one pool.
//!
//! Catalog resources are stored through one engine ([`engine`]) that reads
//! each resource's table mapping ([`tables`]) and the kernel's list query,
//! and emits parameterised SQL: a count, a page and one batched query per
//! relation, whatever the page size. Accounts use diesel's typed DSL
//! ([`accounts`]). Every call here is blocking: callers run it off the async
//! workers.
//!
//! Conventions: ids are hyphenated UUID text, timestamps are UTC
//! `TIMESTAMP`s truncated to microseconds, and every write runs in
//! [`tx::write`] (`BEGIN IMMEDIATE` on SQLite).

pub mod accounts;
pub mod cascade;
pub mod conn;
pub(crate) mod derived;
pub mod engine;
pub mod error;
pub mod generation;
pub mod history;
pub mod jobs;
pub mod media;
pub mod migrate;
pub mod progress;
pub mod read_model;
pub mod reviews;
pub(crate) mod rows;
pub mod schema;
pub mod search;
pub mod seed;
pub(crate) mod sql;
pub mod table;
pub mod tables;
pub mod tx;
pub mod upkeep;
pub mod uploads;
pub mod write;

pub use conn::{AnyConn, Backend, DbPool, PoolOptions, PoolStats};
pub use error::{DbError, DbResult};
pub use generation::Generations;
