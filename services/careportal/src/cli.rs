//! The command line. Exit codes: 0 done, 1 failed, 2 bad configuration or usage.

use crate::clock::clock;
use crate::config::{Config, LogFormat};
use crate::failure::Failure;
use crate::{audit, demo, serve, tenants};
use careportal_store::Store;
use careportal_store_sql::ConnectOptions;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(name = "careportal", version, about = "Careportal: één cliëntportaal voor veel zorgorganisaties")]
struct Cli {
    /// Configuration file (default: careportal.toml if present, or $CAREPORTAL_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web portal (and the background worker, unless --no-worker).
    Serve {
        /// Run only the web part; start workers separately with `careportal worker`.
        #[arg(long)]
        no_worker: bool,
    },
    /// Run only the background worker (scheduled jobs).
    Worker {
        /// Run every job once and exit (for a cron job instead of a long-running worker).
        #[arg(long)]
        once: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Check, load, list and export tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Load the demo tenants (tenants/siloah, tenants/salem) and their demo clients and accounts.
    Demo {
        /// Do nothing when the database already has a tenant (keeps an administrator's edits).
        #[arg(long)]
        if_empty: bool,
    },
    /// Show the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Accounts: invite a client, a representative or a contact person.
    #[command(subcommand)]
    User(UserCommand),
    /// Clients of a tenant.
    #[command(subcommand)]
    Client(ClientCommand),
    /// The ECD sync of a tenant.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Care plan prints offered for signing (what a coordinator or the sync does).
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Staff of a tenant: administrators and care coordinators.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// The audit log (NEN 7513): check its chain, sign a checkpoint.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check every entry's hash and link and every signed checkpoint; name the first broken
    /// link. Exit status 1 when a chain is broken.
    Verify {
        /// Only this tenant (its slug); every tenant when left out.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Sign the end of each tenant's chain now (the worker does so every 15 minutes).
    Checkpoint {
        /// Only this tenant (its slug); every tenant when left out.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Remove entries past the tenant's retention (audit.retention_years, at least five), up
    /// to a signed checkpoint; on PostgreSQL as the database owner.
    Prune {
        /// Only this tenant (its slug); every tenant when left out.
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Invite a tenant administrator (invites people in the portal) or a care coordinator
    /// (also answers messages and offers care plans), or give an existing account the role.
    Add {
        /// The tenant's slug, e.g. siloah.
        #[arg(long)]
        tenant: String,
        /// E-mail address; also the username.
        #[arg(long)]
        email: String,
        /// Full name, e.g. "Lisa Smit".
        #[arg(long)]
        name: String,
        /// admin, coordinator or privacy (the privacy officer: reads the audit log only).
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
enum PlanCommand {
    /// Put a care plan print (PDF) in a client's record and offer it for signing; the client
    /// and their representatives see it on their home page.
    Offer {
        /// The tenant's slug, e.g. siloah.
        #[arg(long)]
        tenant: String,
        /// The client's reference, as `careportal client list` shows it.
        #[arg(long)]
        client: String,
        /// The print, a PDF file.
        #[arg(long)]
        file: PathBuf,
        /// The print's date, e.g. 2026-11-20.
        #[arg(long)]
        date: String,
        /// Who offers it, as the person will see it.
        #[arg(long, default_value = "Coördinator zorg")]
        by: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account linked to a client and e-mail the invitation in the tenant's style
    /// (a one-time password, or an activation link). An existing account is linked only.
    Invite {
        /// The tenant's slug, e.g. siloah.
        #[arg(long)]
        tenant: String,
        /// E-mail address; also the username.
        #[arg(long)]
        email: String,
        /// Full name as people write it, e.g. "Ingrid de Vries".
        #[arg(long)]
        name: String,
        /// The client's reference, as `careportal client list` shows it.
        #[arg(long)]
        client: String,
        /// client, representative or contact.
        #[arg(long)]
        relation: String,
        /// The mobile number from the registration form (06…, +31 6…). The person then signs
        /// in with SMS codes to this number without entering it; only where the tenant offers SMS.
        #[arg(long)]
        phone: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum SyncCommand {
    /// Sync now with the tenant's ECD and print what changed per kind; exit 1 when the ECD
    /// could not be read or something was skipped.
    Run {
        /// The tenant's slug, e.g. salem.
        #[arg(long)]
        tenant: String,
        /// Only this kind (clients, reports, measurements, outbox); default: every kind.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Per tenant and kind: last run, last success, last error, counts, and what waits for
    /// the ECD.
    Status {
        /// Only this tenant; default: every tenant.
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ClientCommand {
    /// One client a line: reference, name, date of birth.
    List {
        /// The tenant's slug, e.g. siloah.
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Check a tenant folder (tenant.toml, logo, templates, rights policy) without loading it.
    Validate {
        /// The tenant folder, e.g. tenants/siloah.
        dir: PathBuf,
    },
    /// Check a tenant folder and load it into the database (creates or updates the tenant).
    Apply {
        /// The tenant folder, e.g. tenants/siloah.
        dir: PathBuf,
    },
    /// List the tenants in the database, one per line.
    List,
    /// Print a tenant's current configuration as TOML; with a folder, write the whole tenant
    /// there (tenants/<slug>/ with its logo and templates, policies/<name>/) for `tenant apply`.
    Export {
        /// The tenant's slug, e.g. siloah.
        slug: String,
        /// An empty folder to write tenants/<slug>/ and policies/<name>/ into.
        dir: Option<PathBuf>,
    },
    /// Suspend a tenant: its portal answers only a notice, and nothing is sent for it.
    Suspend {
        /// The tenant's slug, e.g. siloah.
        slug: String,
    },
    /// Resume a suspended tenant.
    Resume {
        /// The tenant's slug, e.g. siloah.
        slug: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration, with secrets hidden.
    Print,
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: Cli) -> Result<(), Failure> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Config(ConfigCommand::Print) => {
            print!("{}", config.print());
            Ok(())
        }
        Command::Tenant(TenantCommand::Validate { dir }) => tenants::validate(&config, &dir).await,
        Command::Serve { no_worker } => {
            init_logging(&config);
            let store = open_store(&config).await?;
            store.migrate().await?;
            serve::serve(&config, store, !no_worker).await
        }
        Command::Worker { once } => {
            init_logging(&config);
            let store = migrated_store(&config).await?;
            if once {
                let jobs = serve::jobs(&config, store.clone()).await?;
                let round = careportal_worker::run_once(&jobs).await;
                store.close().await;
                let round = round.map_err(|e| Failure::Failed(e.to_string()))?;
                for (tenant, ended) in round.access_ended {
                    println!("{tenant}: toegang beëindigd voor {ended} koppeling(en) na einde zorg");
                }
                let d = round.delivery;
                println!("berichten: {} verstuurd, {} later opnieuw, {} opgegeven", d.sent, d.retried, d.failed);
                return Ok(());
            }
            serve::worker_only(&config, store).await
        }
        Command::Migrate => {
            let store = open_store(&config).await?;
            store.migrate().await?;
            println!("migraties toegepast ({})", store.backend().name());
            store.close().await;
            Ok(())
        }
        Command::Tenant(TenantCommand::Apply { dir }) => {
            let store = migrated_store(&config).await?;
            let result = tenants::apply(&config, store.as_ref(), &dir).await;
            store.close().await;
            result
        }
        Command::Tenant(TenantCommand::List) => {
            let store = migrated_store(&config).await?;
            let result = tenants::list(store.as_ref()).await;
            store.close().await;
            result
        }
        Command::Tenant(TenantCommand::Suspend { slug }) => {
            let store = migrated_store(&config).await?;
            let result = tenants::suspend(store.as_ref(), &slug, true).await;
            store.close().await;
            result
        }
        Command::Tenant(TenantCommand::Resume { slug }) => {
            let store = migrated_store(&config).await?;
            let result = tenants::suspend(store.as_ref(), &slug, false).await;
            store.close().await;
            result
        }
        Command::Tenant(TenantCommand::Export { slug, dir }) => {
            let store = migrated_store(&config).await?;
            let result = tenants::export(store.as_ref(), &slug, dir.as_deref()).await;
            store.close().await;
            result
        }
        Command::User(UserCommand::Invite { tenant, email, name, client, relation, phone }) => {
            let store = migrated_store(&config).await?;
            let request = crate::users::Invitation { tenant, email, name, client, relation, phone };
            let result = crate::users::invite(&config, store.as_ref(), &request).await;
            store.close().await;
            result
        }
        Command::Sync(SyncCommand::Run { tenant, kind }) => {
            let store = migrated_store(&config).await?;
            let result = crate::sync::run(&config, store.as_ref(), &tenant, kind.as_deref()).await;
            store.close().await;
            result
        }
        Command::Sync(SyncCommand::Status { tenant }) => {
            let store = migrated_store(&config).await?;
            let result = crate::sync::status(store.as_ref(), tenant.as_deref()).await;
            store.close().await;
            result
        }
        Command::Client(ClientCommand::List { tenant }) => {
            let store = migrated_store(&config).await?;
            let result = crate::users::list_clients(store.as_ref(), &tenant).await;
            store.close().await;
            result
        }
        Command::Plan(PlanCommand::Offer { tenant, client, file, date, by }) => {
            let store = migrated_store(&config).await?;
            let result = crate::plans::offer(&config, store.as_ref(), &tenant, &client, &file, &date, &by).await;
            store.close().await;
            result
        }
        Command::Staff(StaffCommand::Add { tenant, email, name, role }) => {
            let store = migrated_store(&config).await?;
            let result = crate::users::add_staff(&config, store.as_ref(), &tenant, &email, &name, &role).await;
            store.close().await;
            result
        }
        Command::Audit(command) => {
            let store = migrated_store(&config).await?;
            let result = match command {
                AuditCommand::Verify { tenant } => {
                    audit::verify_chains(&config, store.as_ref(), tenant.as_deref()).await
                }
                AuditCommand::Checkpoint { tenant } => {
                    audit::checkpoint_now(&config, store.as_ref(), tenant.as_deref()).await
                }
                AuditCommand::Prune { tenant } => audit::prune_old(&config, store.as_ref(), tenant.as_deref()).await,
            };
            store.close().await;
            result
        }
        Command::Demo { if_empty } => {
            if config.mode == crate::config::Mode::Production {
                return Err(Failure::Usage(
                    "careportal demo weigert in productie: het laadt proefpersonen met een bekend wachtwoord \
                     (mode = \"production\")"
                        .to_owned(),
                ));
            }
            let store = migrated_store(&config).await?;
            let result = demo::load(&config, store.as_ref(), if_empty).await;
            store.close().await;
            result
        }
    }
}

async fn open_store(config: &Config) -> Result<Arc<dyn Store>, Failure> {
    crate::config::ensure_private_dir(&config.data_dir)?;
    let options = ConnectOptions {
        url: config.database_url.clone(),
        data_dir: config.data_dir.clone(),
        max_connections: config.max_connections,
        clock: clock(),
    };
    Ok(careportal_store_sql::connect(&options).await?)
}

async fn migrated_store(config: &Config) -> Result<Arc<dyn Store>, Failure> {
    let store = open_store(config).await?;
    store.migrate().await?;
    Ok(store)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
