//! `careportal`: the one binary. Web server, background worker, migrations, tenant
//! onboarding and the demo data, each a subcommand.
#![forbid(unsafe_code)]

mod audit;
mod cli;
mod clock;
mod config;
mod demo;
mod demo_record;
mod documents;
mod failure;
mod plans;
mod serve;
mod sync;
mod tenants;
mod users;

use std::process::ExitCode;

/// A page is many small allocations (rows, strings, the rendered template); mimalloc serves
/// them from per-thread pages, where glibc's malloc took a tenth of a page's time (#14).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Everything this process writes is health data or a secret (the SQLite file and its
    // journal, documents and photos in the data folder, the development outbox): readable by
    // this user only, whatever umask the service manager or shell left us.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("kan de runtime niet starten: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(cli::run())
}
