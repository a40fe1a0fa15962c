//! Careportal's use cases: what a person, the CLI or the worker asks of the portal, in
//! terms of the domain and the store, with neither HTTP nor SQL. The web handlers, the CLI
//! commands and the worker's jobs are thin callers of these, so each rule lives once.
//! (The first area here is the audit log; the others move in under #9.)
#![forbid(unsafe_code)]

pub mod audit;
pub mod dossier;
pub mod logbook;
