//! The [`careportal_store::Store`] contract on SQLite (the embedded default) and PostgreSQL
//! (production), chosen by the scheme of the database URL, with the migrations of both.
//!
//! Both backends compile the same SQL: `src/sql/<area>.rs`, once per backend module
//! (`sqlite.rs`, `postgres.rs`) with that backend's types. SQLite and PostgreSQL accept the
//! same statements there (`$1` placeholders, `RETURNING`, `ON CONFLICT`); where the dialects
//! really differ, a body branches on `SqlStore::BACKEND`.
//!
//! Rules every method keeps:
//! - a tenant-owned row is reached only through its tenant: the tenant id comes first in
//!   every call and is in every WHERE clause, so no URL or cookie can cross tenants;
//! - every write of client data appends its audit entry in the same transaction.
#![forbid(unsafe_code)]
// Loading each `sql/<area>.rs` once per backend is the design (see above), not a slip.
#![allow(clippy::duplicate_mod)]

mod connect;
mod postgres;
mod sqlite;

pub use connect::{ConnectOptions, connect};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
