//! The portal on the web: axum routes per module over the domain and the store.
//!
//! A request passes, outside in: request id → trace span → security headers → tenant
//! resolution (unknown host: a bare 404) → error pages (branded, with the request id) → the
//! route. Handlers stay thin: extract, authorise, call the domain, render.
#![forbid(unsafe_code)]

mod assets;
mod display;
mod error;
mod form;
mod health;
pub mod home;
mod home_glance;
mod invitations;
mod landing;
pub mod metrics;
mod pages;
mod profile;
mod profile_phone;
mod record;
mod recovery;
mod request_id;
mod rights;
mod security;
pub mod session;
mod signin;
mod small_bodies;
mod sms;
mod staff;
mod templates;
mod tenant;
mod upload;

mod routes;
mod server;
mod state;

pub use error::AppError;
pub use request_id::RequestId;
pub use routes::app;
pub use server::serve;
pub use state::{ANSWER_FLOOR, AppState, Keys, WebSettings};
pub use templates::{TemplateError, Templates};
pub use tenant::CurrentTenant;
