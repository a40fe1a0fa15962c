//! Careportal's domain: the types and rules of tenants, clients, accounts and the audit
//! trail. It knows neither HTTP nor SQL, so every rule here is testable on its own and the
//! web and store layers cannot disagree about what a valid value is.
#![forbid(unsafe_code)]

pub mod audit;
pub mod clock;
pub mod colour;
pub mod error;
pub mod ids;
pub mod outbox;
pub mod password;
pub mod people;
pub mod phone;
pub mod record;
pub mod rights;
pub mod signin;
pub mod staff;
pub mod sync;
pub mod tenant;
pub mod throttle;
pub mod time;

pub use error::DomainError;
pub use ids::{AccountId, ClientId, TenantId};
