//! Test support: a database per test on either backend, the fixture tenants, and a
//! `TestApp` that sends requests through the real router in-process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod app;
pub mod client;
pub mod db;
pub mod fhir;
pub mod fixtures;
pub mod load;
pub mod moto;
pub mod pdf;
pub mod pgcluster;
pub mod process;
pub mod smtp;

pub use app::{TestApp, TestResponse};
pub use db::{Backend, TestDb};

/// Runs each named `async fn(Backend)` as two tests, `sqlite::name` and `postgres::name`,
/// so one story covers both databases and a filter can run either half.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )*
        }
    };
}
