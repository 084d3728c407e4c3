//! `motcua`: the online public service system (dịch vụ công trực tuyến) in one binary.
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use motcua_app::staff::{By, NewStaff};
use motcua_app::{App, Config, Ctx};
use motcua_domain::SystemClock;
use motcua_domain::account::Role;
use motcua_domain::authz::Grant;

mod privacy_cmd;

#[derive(Parser)]
#[command(
    name = "motcua",
    version,
    about = "Hệ thống dịch vụ công trực tuyến (online public services)"
)]
struct Cli {
    /// TOML configuration file (default: ./motcua.toml when it exists; also MOTCUA_CONFIG).
    #[arg(long, global = true, env = "MOTCUA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (brings the schema up to date first).
    Serve {
        /// Load the demonstration data before serving and print the demo accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// Check the stored data: SQLite's integrity check, every stored file against its hash, and
    /// the dossier invariants (each state change has its event, accepted dossiers have their
    /// appointment and notice). Prints each problem; fails if there is one.
    Check,
    /// Check the configuration and say what it sets up (engine, attachments, copies); fails on
    /// settings that are unsafe or that several server copies cannot share.
    CheckConfig,
    /// Back up the database (online: SQLite's `VACUUM INTO`, PostgreSQL's `pg_dump`) and the
    /// attachments it refers to, with their manifest, into a new folder. The personal-data and
    /// audit keys are not in it: keep them apart.
    Backup {
        /// The folder to create (it must not hold a backup).
        dir: PathBuf,
    },
    /// Restore a backup folder into the configured installation, whose database must be empty
    /// (a new SQLite file or a PostgreSQL database without tables); then check it as `check`.
    Restore { dir: PathBuf },
    /// Load demonstration data and print the demo accounts (role, login, password, agency).
    Demo,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Manage the agency tree.
    Agency {
        #[command(subcommand)]
        cmd: AgencyCmd,
    },
    /// The working calendar: due instants, holidays, lunar dates (no database needed).
    Calendar {
        /// Calendar data edited from the shipped one (JSON, see `calendar export`).
        #[arg(long, global = true)]
        data: Option<PathBuf>,
        #[command(subcommand)]
        cmd: CalendarCmd,
    },
    /// Print the dossier lifecycle (stage × action → stage, who, national codes) as Markdown,
    /// straight from the table the system enforces (docs/lifecycle.md is this output).
    Lifecycle,
    /// Import or export the catalogue of procedures and online services.
    Catalogue {
        #[command(subcommand)]
        cmd: CatalogueCmd,
    },
    /// Digital signatures: the CAs that sign the agencies' results.
    Signatures {
        #[command(subcommand)]
        cmd: SignaturesCmd,
    },
    /// The tamper-evident audit log: checkpoints, verification, inclusion proofs.
    Audit {
        #[command(subcommand)]
        cmd: privacy_cmd::AuditCmd,
    },
    /// The personal-data keys: generate, rotate.
    Keys {
        #[command(subcommand)]
        cmd: privacy_cmd::KeysCmd,
    },
    /// The national public service portal.
    National {
        #[command(subcommand)]
        cmd: NationalCmd,
    },
}

#[derive(Subcommand)]
enum NationalCmd {
    /// Run a stand-in for the national portal: it takes motcua's status updates, keeps each
    /// dossier's history (`GET /status/{code}`), submits dossiers to motcua (`POST /submit`) and
    /// can be told to fail or to repeat deliveries (`POST /control`). The key is `national.key`.
    Simulate {
        /// Where it listens.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
        /// motcua's address (where it submits dossiers).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        motcua: String,
    },
}

#[derive(Subcommand)]
enum SignaturesCmd {
    /// Print (PEM) the CA certificates above the agencies' signing keys in `signatures.key_dir`:
    /// what a verifier installs as trust anchors for the results this system issues.
    ExportCa,
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// Print when a time limit that starts at --from ends, in RFC 3339 (+07:00).
    Due {
        /// Time of valid receipt, RFC 3339 (e.g. 2026-02-12T10:00:00+07:00).
        #[arg(long)]
        from: String,
        #[arg(long, group = "limit")]
        working_days: Option<f64>,
        #[arg(long, group = "limit")]
        working_hours: Option<f64>,
        #[arg(long, group = "limit")]
        calendar_days: Option<f64>,
        /// Same day, with the cut-off hour of --cutoff.
        #[arg(long, group = "limit")]
        same_day: bool,
        #[arg(long, default_value = "15:00")]
        cutoff: String,
        /// Agency code whose office hours apply (the default hours otherwise).
        #[arg(long)]
        agency: Option<String>,
    },
    /// Print each non-working weekday of a year, one per line as `YYYY-MM-DD name`.
    Holidays { year: i16 },
    /// Print the lunar date of a Gregorian date as D/M/YYYY, with " (nhuận)" for a leap month.
    Lunar { date: String },
    /// Print the calendar data (JSON) to edit and pass back with --data.
    Export,
}

#[derive(Subcommand)]
enum CatalogueCmd {
    /// Import a JSON catalogue (sectors, procedures, services); a changed procedure gets a new
    /// published version; importing the same file again changes nothing.
    Import {
        file: PathBuf,
        /// The date new versions take effect (YYYY-MM-DD; default today).
        #[arg(long)]
        effective_from: Option<String>,
    },
    /// Export the catalogue in force today as JSON (to a file, or standard output).
    Export { file: Option<PathBuf> },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create a staff account; prints its initial password when none is given.
    Create {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// Code of the agency the account belongs to.
        #[arg(long)]
        agency: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// Read the password from this environment variable instead of generating one.
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Disable an account and end its sessions.
    Disable { login: String },
    /// Enable a disabled account.
    Enable { login: String },
    /// Remove a staff member's lost second factor (their sessions and API tokens end; the next
    /// log-in enrols a new one).
    ResetFactor { login: String },
    /// Grant a role (reception, specialist, leader, cashier, agency_admin, province_admin, inspector).
    Grant {
        login: String,
        role: String,
        agency: String,
        /// Code of a unit of the agency.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Revoke a role held for an agency.
    Revoke {
        login: String,
        role: String,
        agency: String,
    },
}

#[derive(Subcommand)]
enum AgencyCmd {
    /// Import a JSON snapshot (created or updated by code; idempotent).
    Import { file: PathBuf },
    /// Export the tree as JSON (to a file, or standard output).
    Export { file: Option<PathBuf> },
    /// List the tree.
    List {
        /// Include bodies no longer in existence (merged, abolished).
        #[arg(long)]
        all: bool,
    },
}

fn load_config(path: Option<&PathBuf>) -> Result<Config> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    match path {
        Some(p) => {
            if !p.exists() {
                bail!("configuration file {} not found", p.display());
            }
            fig = fig.merge(Toml::file(p));
        }
        None => fig = fig.merge(Toml::file("motcua.toml")),
    }
    fig = fig.merge(Env::prefixed("MOTCUA_").split("__").filter(|k| {
        let k = k.as_str().to_ascii_lowercase();
        !k.starts_with("test") && !matches!(k.as_str(), "config" | "log")
    }));
    let config: Config = fig.extract().context("reading the configuration")?;
    config
        .check()
        .map_err(|e| anyhow!("unsafe configuration: {e}"))?;
    Ok(config)
}

/// JSON lines for log collectors; readable lines for a person at a terminal in development.
/// The lines go through a queue to a writer thread of their own: a request never waits on
/// standard error (a slow log collector, a full pipe). None is dropped: when the queue is full,
/// the writer waits. Keep the guard until the end, which writes out what is queued.
fn init_logging(config: &Config) -> tracing_appender::non_blocking::WorkerGuard {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("MOTCUA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let readable = config.is_dev() && std::io::stderr().is_terminal();
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        // Colours for a person at a terminal, unless they asked for none (NO_COLOR).
        .with_ansi(readable && std::env::var_os("NO_COLOR").is_none());
    if readable {
        builder.init();
    } else {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    }
    guard
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn print_demo(accounts: &[motcua_app::demo::DemoAccount]) {
    for a in accounts {
        println!("{}\t{}\t{}\t{}", a.role, a.login, a.password, a.agency_code);
    }
}

fn calendar(data: Option<PathBuf>, cmd: CalendarCmd) -> Result<()> {
    use motcua_domain::calendar::{self, Calendar, CalendarData};
    use motcua_domain::catalogue::Duration;
    let data = match data {
        Some(p) => CalendarData::parse(&std::fs::read_to_string(&p).context("reading --data")?)
            .map_err(|e| anyhow!("{e}"))?,
        None => CalendarData::official(),
    };
    let cal = Calendar::new(data);
    match cmd {
        CalendarCmd::Due {
            from,
            working_days,
            working_hours,
            calendar_days,
            same_day,
            cutoff,
            agency,
        } => {
            let from: jiff::Timestamp = from
                .parse()
                .map_err(|e| anyhow!("--from must be an RFC 3339 instant with an offset: {e}"))?;
            let d = match (working_days, working_hours, calendar_days, same_day) {
                (Some(v), ..) => Duration::WorkingDays { value: v },
                (_, Some(v), ..) => Duration::WorkingHours { value: v },
                (_, _, Some(v), _) => Duration::CalendarDays { value: v },
                (.., true) => Duration::SameDay { cutoff },
                _ => bail!(
                    "give one of --working-days, --working-hours, --calendar-days, --same-day"
                ),
            };
            d.check().map_err(|e| anyhow!("{e}"))?;
            if let Some(a) = &agency
                && !cal.has_agency_hours(a)
            {
                eprintln!("agency {a} has no office hours of its own; the default hours apply");
            }
            println!(
                "{}",
                calendar::rfc3339_vn(cal.due(agency.as_deref(), from, &d))
            );
        }
        CalendarCmd::Holidays { year } => {
            if !(1900..=2100).contains(&year) {
                bail!("the calendar covers 1900 to 2100");
            }
            for (d, name) in cal.holidays(year) {
                println!("{d} {name}");
            }
        }
        CalendarCmd::Lunar { date } => {
            let d: jiff::civil::Date = date
                .parse()
                .map_err(|e| anyhow!("the date must be YYYY-MM-DD: {e}"))?;
            if !(1900..=2100).contains(&d.year()) {
                bail!("the calendar covers 1900 to 2100");
            }
            println!("{}", calendar::lunar::to_lunar(d));
        }
        CalendarCmd::Export => {
            println!("{}", serde_json::to_string_pretty(cal.data())?);
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    fewer_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

/// glibc's malloc gives threads that allocate at once arenas of their own (up to eight per
/// core), and each arena keeps what was freed in it: under concurrent uploads the server's peak
/// memory reached 178 MB with the default and 130 MB with two arenas (the load benchmark with
/// `--copies 1`, R4.2). An operator's `MALLOC_ARENA_MAX` is left to decide.
fn fewer_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: called before any other thread exists; mallopt only sets a limit.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    let config = load_config(cli.config.as_ref())?;
    let _logs = init_logging(&config);
    let ctx = Ctx {
        request_id: Some("cli".into()),
        ..Default::default()
    };
    match cli.command {
        Command::Calendar { data, cmd } => calendar(data, cmd)?,
        Command::Lifecycle => print!("{}", motcua_domain::lifecycle::table_markdown()),
        Command::Audit { cmd } => privacy_cmd::audit(config, cmd).await?,
        Command::Keys { cmd } => privacy_cmd::keys(config, cmd).await?,
        Command::National {
            cmd: NationalCmd::Simulate { listen, motcua },
        } => {
            let key = config
                .national
                .key
                .clone()
                .context("the simulator needs national.key (MOTCUA_NATIONAL__KEY)")?;
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            let public = format!("http://{}", listener.local_addr()?);
            println!("national portal simulator on {public}, submitting to {motcua}");
            let cfg = motcua_web::national_sim::SimConfig {
                motcua,
                key,
                public,
            };
            motcua_web::national_sim::serve(listener, cfg, shutdown_signal()).await?;
        }
        Command::Signatures {
            cmd: SignaturesCmd::ExportCa,
        } => {
            let pem =
                motcua_app::signatures::results::export_ca(&config).map_err(|e| anyhow!("{e}"))?;
            if pem.is_empty() {
                bail!("no agency signing key in {}", config.key_dir().display());
            }
            print!("{pem}");
        }
        Command::Migrate => {
            let app = App::open(config, Arc::new(SystemClock))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let applied = app.applied_migrations().await.map_err(|e| anyhow!("{e}"))?;
            println!("schema up to date ({} migrations applied)", applied.len());
        }
        Command::CheckConfig => {
            let engine = if config.database_url().starts_with("postgres") {
                "PostgreSQL"
            } else {
                "SQLite"
            };
            let blobs = config.blob_url.as_deref().unwrap_or("the local folder");
            println!(
                "configuration usable: {:?} mode, {engine}, attachments in {blobs}, {} server cop{}",
                config.mode,
                config.server.copies,
                if config.server.copies == 1 {
                    "y"
                } else {
                    "ies"
                }
            );
        }
        Command::Backup { dir } => {
            let app = App::open(config, Arc::new(SystemClock))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let m = app.backup(&dir).await.map_err(|e| anyhow!("{e}"))?;
            println!(
                "backup in {}: {} database, {} attachments ({} bytes), {} migrations",
                dir.display(),
                m.engine,
                m.files.len(),
                m.bytes(),
                m.migrations.len()
            );
        }
        Command::Restore { dir } => {
            let r = motcua_app::backup::restore(config, &dir)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            for p in &r.problems {
                println!("{p}");
            }
            if !r.problems.is_empty() {
                bail!("restored, but {} problems found", r.problems.len());
            }
            println!(
                "restored the backup of {}: {} attachments ({} bytes) checked; ok",
                r.manifest.taken_at,
                r.manifest.files.len(),
                r.manifest.bytes()
            );
        }
        Command::Check => {
            let app = App::open(config, Arc::new(SystemClock))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let problems = app.check().await.map_err(|e| anyhow!("{e}"))?;
            for p in &problems {
                println!("{p}");
            }
            if !problems.is_empty() {
                bail!("{} problems found", problems.len());
            }
            println!("ok");
        }
        Command::Demo | Command::Serve { demo: true } if !config.is_dev() => {
            bail!(
                "the demonstration data (with its printed passwords) is for development: \
                 refusing to load it in production"
            );
        }
        Command::Demo => {
            let app = App::open(config, Arc::new(SystemClock))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            print_demo(&app.load_demo().await.map_err(|e| anyhow!("{e}"))?);
        }
        Command::Serve { demo } => {
            let listen = config.listen.clone();
            let admin = config.admin_listen.clone();
            let app = App::open(config, Arc::new(SystemClock))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            app.startup_sweep().await.map_err(|e| anyhow!("{e}"))?;
            if demo {
                print_demo(&app.load_demo().await.map_err(|e| anyhow!("{e}"))?);
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            let admin_listener = tokio::net::TcpListener::bind(&admin)
                .await
                .with_context(|| format!("listening on {admin}"))?;
            eprintln!(
                "motcua: http://{} (metrics: http://{}/metrics)",
                listener.local_addr()?,
                admin_listener.local_addr()?
            );
            tracing::info!(event = "sys_startup", listen = %listen, "server started");
            let (tx, rx) = tokio::sync::watch::channel(false);
            let mut rx_admin = rx.clone();
            let admin_task = tokio::spawn(motcua_web::serve_admin(admin_listener, async move {
                let _ = rx_admin.changed().await;
            }));
            let worker = {
                let app = app.clone();
                let mut rx_worker = rx.clone();
                let on = app.config.worker;
                tokio::spawn(async move {
                    if on {
                        app.run_worker(async move {
                            let _ = rx_worker.changed().await;
                        })
                        .await;
                    }
                })
            };
            let health = {
                let app = app.clone();
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                        if let Err(e) = app.check_health().await {
                            tracing::warn!(event = "health_check_fail", error = %e);
                        }
                    }
                })
            };
            let sweeper = {
                let app = app.clone();
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
                        match app.maintenance().await {
                            Ok(s) => tracing::info!(
                                event = "maintenance",
                                sessions = s.sessions,
                                drafts = s.drafts,
                                orphans = s.orphans,
                                views = s.views,
                                throttles = s.throttles,
                                unconfirmed = s.unconfirmed,
                                checkpoint = s.checkpoint,
                                deadline_reminders = s.reminded.deadlines,
                                desk_reminders = s.reminded.desks,
                                report_reminders = s.reminded.reports,
                                "housekeeping done"
                            ),
                            Err(e) => {
                                tracing::warn!(event = "maintenance_fail", error = %e, "housekeeping failed")
                            }
                        }
                    }
                })
            };
            let mut rx_main = rx;
            let app_for_views = app.clone();
            let server = motcua_web::serve(listener, app, async move {
                let _ = rx_main.changed().await;
            });
            tokio::spawn(async move {
                shutdown_signal().await;
                let _ = tx.send(true);
            });
            server.await?;
            sweeper.abort();
            health.abort();
            if let Err(e) = app_for_views.flush_views().await {
                tracing::warn!(event = "maintenance_fail", error = %e, "page views not written");
            }
            let _ = worker.await;
            let _ = admin_task.await;
            tracing::info!(event = "sys_shutdown", "server stopped");
        }
        Command::User { cmd } => {
            let app = App::open(config, Arc::new(SystemClock))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let e = |e: motcua_app::AppError| anyhow!("{e}: {e:?}");
            match cmd {
                UserCmd::Create {
                    login,
                    name,
                    agency,
                    email,
                    phone,
                    password_env,
                } => {
                    let agency = app
                        .agency_by_code(&agency)
                        .await
                        .map_err(|e| anyhow!("no agency with code {agency}: {e}"))?;
                    let password = match password_env {
                        Some(var) => std::env::var(&var)
                            .with_context(|| format!("environment variable {var}"))?,
                        None => String::new(),
                    };
                    let n = NewStaff {
                        login,
                        full_name: name,
                        email,
                        phone,
                        home_agency_id: Some(agency.id),
                        password,
                    };
                    let (user, generated) =
                        app.create_staff(&ctx, By::Operator, &n).await.map_err(e)?;
                    println!("created\t{}", user.login);
                    if let Some(pw) = generated {
                        println!("password\t{pw}");
                    }
                }
                UserCmd::Disable { login } => {
                    let u = app
                        .find_user(&login)
                        .await
                        .map_err(|e| anyhow!("no account {login}: {e}"))?;
                    app.set_disabled(&ctx, By::Operator, u.id, true)
                        .await
                        .map_err(e)?;
                    println!("disabled\t{login}");
                }
                UserCmd::ResetFactor { login } => {
                    let u = app
                        .find_user(&login)
                        .await
                        .map_err(|e| anyhow!("no account {login}: {e}"))?;
                    app.reset_second_factor(&ctx, By::Operator, u.id)
                        .await
                        .map_err(e)?;
                    println!("second factor reset\t{login}");
                }
                UserCmd::Enable { login } => {
                    let u = app
                        .find_user(&login)
                        .await
                        .map_err(|e| anyhow!("no account {login}: {e}"))?;
                    app.set_disabled(&ctx, By::Operator, u.id, false)
                        .await
                        .map_err(e)?;
                    println!("enabled\t{login}");
                }
                UserCmd::Grant {
                    login,
                    role,
                    agency,
                    unit,
                } => {
                    let u = app
                        .find_user(&login)
                        .await
                        .map_err(|e| anyhow!("no account {login}: {e}"))?;
                    let role = Role::parse(&role).ok_or_else(|| anyhow!("unknown role {role}"))?;
                    let a = app
                        .agency_by_code(&agency)
                        .await
                        .map_err(|e| anyhow!("no agency with code {agency}: {e}"))?;
                    let unit_id = match unit {
                        Some(code) => {
                            let (_, units) = app.agencies_and_units().await.map_err(e)?;
                            Some(
                                units
                                    .into_iter()
                                    .find(|x| x.agency_id == a.id && x.code == code)
                                    .ok_or_else(|| anyhow!("no unit {code} in {agency}"))?
                                    .id,
                            )
                        }
                        None => None,
                    };
                    app.grant_role(
                        &ctx,
                        By::Operator,
                        u.id,
                        &Grant {
                            role,
                            agency_id: a.id,
                            unit_id,
                        },
                    )
                    .await
                    .map_err(e)?;
                    println!("granted\t{login}\t{}\t{agency}", role.as_str());
                }
                UserCmd::Revoke {
                    login,
                    role,
                    agency,
                } => {
                    let u = app
                        .find_user(&login)
                        .await
                        .map_err(|e| anyhow!("no account {login}: {e}"))?;
                    let role = Role::parse(&role).ok_or_else(|| anyhow!("unknown role {role}"))?;
                    let a = app
                        .agency_by_code(&agency)
                        .await
                        .map_err(|e| anyhow!("no agency with code {agency}: {e}"))?;
                    let grants = app.active_grants(u.id).await.map_err(e)?;
                    let matching: Vec<_> = grants
                        .into_iter()
                        .filter(|g| g.grant.role == role && g.grant.agency_id == a.id)
                        .collect();
                    if matching.is_empty() {
                        bail!("{login} holds no {} grant for {agency}", role.as_str());
                    }
                    for g in matching {
                        app.revoke_grant(&ctx, By::Operator, g.id)
                            .await
                            .map_err(e)?;
                    }
                    println!("revoked\t{login}\t{}\t{agency}", role.as_str());
                }
            }
        }
        Command::Catalogue { cmd } => {
            let app = App::open(config, Arc::new(SystemClock))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            match cmd {
                CatalogueCmd::Import {
                    file,
                    effective_from,
                } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let snap: motcua_app::catalogue::CatalogueSnapshot =
                        serde_json::from_str(&text)
                            .with_context(|| format!("{} is not a catalogue", file.display()))?;
                    let day = match effective_from {
                        Some(d) => d
                            .parse()
                            .with_context(|| format!("{d} is not a date (YYYY-MM-DD)"))?,
                        None => motcua_domain::clock::vn_date(jiff::Timestamp::now()),
                    };
                    match app.import_catalogue(&ctx, None, &snap, day).await {
                        Ok(r) => println!("{}", serde_json::to_string(&r)?),
                        Err(motcua_app::AppError::Validation(v)) => {
                            for (_, m) in &v {
                                eprintln!("{m}");
                            }
                            bail!("the catalogue was not imported: {} problem(s)", v.len());
                        }
                        Err(e) => bail!("{e}"),
                    }
                }
                CatalogueCmd::Export { file } => {
                    let snap = app.export_catalogue().await.map_err(|e| anyhow!("{e}"))?;
                    let json = serde_json::to_string_pretty(&snap)?;
                    match file {
                        Some(f) => std::fs::write(&f, json + "\n")
                            .with_context(|| format!("writing {}", f.display()))?,
                        None => println!("{json}"),
                    }
                }
            }
        }
        Command::Agency { cmd } => {
            let app = App::open(config, Arc::new(SystemClock))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            match cmd {
                AgencyCmd::Import { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let snap: motcua_app::agencies::Snapshot = serde_json::from_str(&text)
                        .with_context(|| format!("{} is not an agency snapshot", file.display()))?;
                    let r = app
                        .import_agencies(&ctx, None, &snap)
                        .await
                        .map_err(|e| anyhow!("{e}: {e:?}"))?;
                    println!("{}", serde_json::to_string(&r)?);
                }
                AgencyCmd::Export { file } => {
                    let snap = app.export_agencies().await.map_err(|e| anyhow!("{e}"))?;
                    let json = serde_json::to_string_pretty(&snap)?;
                    match file {
                        Some(f) => std::fs::write(&f, json + "\n")
                            .with_context(|| format!("writing {}", f.display()))?,
                        None => println!("{json}"),
                    }
                }
                AgencyCmd::List { all } => {
                    let day = (!all).then(|| motcua_domain::clock::vn_date(jiff::Timestamp::now()));
                    for n in app.agency_tree(day).await.map_err(|e| anyhow!("{e}"))? {
                        let until = n
                            .agency
                            .valid_to
                            .map(|d| format!(" (đến {d})"))
                            .unwrap_or_default();
                        println!(
                            "{}{}\t{}\t{}{}",
                            "  ".repeat(n.depth),
                            n.agency.code,
                            n.agency.kind.as_str(),
                            n.agency.name,
                            until
                        );
                    }
                }
            }
        }
    }
    Ok(())
}
