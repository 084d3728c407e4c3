//! motcua use cases: each checks permissions, runs the domain rule, and persists in one
//! transaction together with its audit record and outbox messages. Handlers stay thin.

pub mod accounts;
pub mod agencies;
pub mod audit;
pub mod backup;
pub mod caches;
mod calendar;
pub mod catalogue;
/// Catalogue records the web layer names (the domain's).
pub mod catalogue_types {
    pub use motcua_domain::catalogue::{Field, Procedure, Sector, Service, Version, VersionStatus};
}
pub mod config;
pub mod crypto;
pub mod demo;
pub mod dossiers;
mod error;
pub mod housekeeping;
pub mod limits;
mod lookup;
pub mod national;
pub mod notices;
pub mod oversight;
pub mod payments;
pub mod privacy;
pub mod processing;
pub mod scanning;
pub mod signatures;
pub mod staff;

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use motcua_domain::{Actor, Clock};
use motcua_store::Db;
use motcua_store::audit::AuditEntry;

pub use config::Config;
pub use error::{AppError, FieldError, Result};
pub use motcua_domain::record::{Duty, StaffGrant};
pub use motcua_store::Engine;

/// What an audit record says of a change: who did what, to which object, in which agency, with
/// references only (ids and codes, never personal data: R10.5).
pub(crate) struct Audit<'a> {
    pub actor: Option<uuid::Uuid>,
    pub action: &'a str,
    pub object: &'a str,
    pub id: Option<String>,
    pub agency: Option<uuid::Uuid>,
    pub detail: serde_json::Value,
}

/// Everything a use case needs.
#[derive(Clone)]
pub struct App {
    /// The database: the app's alone (pages and the API go through use cases).
    db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    pub blobs: motcua_blobs::Blobs,
    key: Arc<[u8; 32]>,
    /// The working calendar that every deadline uses; the provincial administrator may replace
    /// its data, so it is read through [`App::calendar`].
    calendar: Arc<std::sync::RwLock<Arc<motcua_domain::calendar::Calendar>>>,
    /// Counters of anonymous traffic, in memory (public reads never write).
    pub(crate) limiter: Arc<limits::Limiter>,
    /// The bound on concurrent password hashing.
    hashing: Arc<limits::Hashing>,
    /// The notice templates administrators saved (see `notices::Templates`).
    pub(crate) templates: Arc<notices::Templates>,
    /// Procedure page views not yet written, flushed in batches by maintenance.
    pub(crate) views: Arc<std::sync::Mutex<std::collections::HashMap<uuid::Uuid, i64>>>,
    /// The online payment gateway (none: online payment is not offered).
    pub(crate) gateway: Option<Arc<dyn payments::gateway::Gateway>>,
    /// The trust anchors and CRLs signatures are verified against (R4.6).
    pub(crate) trust: Arc<motcua_signature::TrustDir>,
    /// The national identity provider (none: log-in through it is not offered).
    pub(crate) oidc: Option<Arc<accounts::oidc::Oidc>>,
    /// The national public service portal (none: not connected).
    pub(crate) portal: Option<Arc<dyn national::Portal>>,
    /// Incidents announced to the public and the recent server errors (in memory).
    watch: Arc<oversight::Watch>,
    /// Sessions and tokens resolved in the last seconds (see `caches`).
    pub(crate) auth_cache: Arc<caches::AuthCache>,
    /// Sectors, fields and agencies read in the last seconds (see `caches`).
    pub(crate) reference: Arc<caches::ReferenceCache>,
    /// Published procedure versions read (see `caches`).
    pub(crate) versions: Arc<caches::VersionCache>,
    /// The catalogue's search index (see `catalogue::index`).
    pub(crate) search: Arc<catalogue::index::SearchCache>,
    /// The malware scanner every upload passes (none: development, files unscanned; R4.4).
    pub(crate) scanner: Option<Arc<dyn motcua_scan::Scanner>>,
    /// The bound on files parsed at once (a PDF or an image decoded takes a core and memory).
    pub(crate) inspecting: Arc<tokio::sync::Semaphore>,
    /// The bound on papers rendered at once for the staff pages' previews: its own, so that
    /// previews never hold up citizens' uploads.
    pub(crate) previewing: Arc<tokio::sync::Semaphore>,
    /// The scanner's state as last asked, and when (the readiness check's line).
    pub(crate) scanner_seen: Arc<std::sync::Mutex<Option<(std::time::Instant, String)>>>,
}

/// Where a request comes from, for the audit record and throttling.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub request_id: Option<String>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: motcua_domain::account::User,
    pub actor: Actor,
    /// The stored hash of the session id, for cookie sessions.
    pub session_hash: Option<String>,
}

impl Session {
    /// The role the caller acts in at `agency`, as an audit record names it: from the grants
    /// that authorised the request, by the rule `audit::role_of` applies to stored grants.
    pub fn role_at(&self, agency: Option<uuid::Uuid>) -> String {
        motcua_domain::authz::role_label(self.actor.kind, &self.actor.grants, agency)
    }
}

impl App {
    /// Connects to the configured database, brings the schema up to date, and loads (or, in
    /// the data folder, creates) the secret key.
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<App> {
        config.check().map_err(AppError::Unexpected)?;
        if !config.database_url().starts_with("postgres") {
            std::fs::create_dir_all(&config.data_dir)
                .map_err(|e| AppError::Unexpected(format!("data folder: {e}")))?;
        }
        motcua_store::seal::install(privacy::load_keyring(&config)?)
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        let db = Db::connect(&config.database_url()).await?;
        db.migrate().await?;
        privacy::seal_clear_rows(&db).await?;
        let key = match &config.secret_key {
            Some(k) => decode_key(k)?,
            None => load_or_create_key(&config.data_dir)?,
        };
        let blobs = match &config.blob_url {
            Some(url) => motcua_blobs::Blobs::open_s3(url, &config.data_dir.join("blobs")),
            None => motcua_blobs::Blobs::open(&config.data_dir.join("blobs")),
        }
        .map_err(|e| AppError::Unexpected(format!("blob store: {e}")))?;
        let hashing = Arc::new(limits::Hashing::new(
            config.server.hash_concurrency,
            std::time::Duration::from_millis(config.server.hash_wait_ms),
        ));
        let gateway = payments::gateway::Vnpay::from_config(&config, &key)
            .map(|g| Arc::new(g) as Arc<dyn payments::gateway::Gateway>);
        let trust = Arc::new(motcua_signature::TrustDir::open(config.trust_dir()));
        let oidc = accounts::oidc::Oidc::from_config(&config).map(Arc::new);
        let portal = national::portal_from_config(&config);
        let scanner = scanning::scanner_from_config(&config);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let app = App {
            scanner,
            inspecting: Arc::new(tokio::sync::Semaphore::new(cores)),
            previewing: Arc::new(tokio::sync::Semaphore::new(cores)),
            scanner_seen: Default::default(),
            trust,
            oidc,
            portal,
            gateway,
            db,
            clock,
            config: Arc::new(config),
            blobs,
            key: Arc::new(key),
            calendar: Arc::new(std::sync::RwLock::new(Arc::new(
                motcua_domain::calendar::Calendar::official(),
            ))),
            limiter: Default::default(),
            hashing,
            views: Default::default(),
            templates: Default::default(),
            watch: Default::default(),
            auth_cache: Default::default(),
            reference: Default::default(),
            versions: Default::default(),
            search: Default::default(),
        };
        app.load_calendar().await?;
        app.fill_office_time().await?;
        app.refresh_disruptions().await?;
        app.load_templates().await?;
        // The stand-in hash for unknown log-in names, made now rather than on a request thread.
        tokio::task::spawn_blocking(|| std::sync::LazyLock::force(&crypto::DUMMY_HASH).len())
            .await
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        Ok(app)
    }

    /// The working calendar in force.
    pub fn calendar(&self) -> Arc<motcua_domain::calendar::Calendar> {
        self.calendar
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn set_calendar(&self, c: motcua_domain::calendar::Calendar) {
        *self.calendar.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(c);
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// Whether the application can serve requests: its database answers (readiness probes).
    pub async fn ready(&self) -> Result<()> {
        Ok(self.db.ping().await?)
    }

    /// The CSRF token bound to a session id (or a pre-session cookie for anonymous forms).
    /// The database, for tests and benchmarks that set up or check what no use case does (the
    /// `testing` feature; never compiled into the server).
    #[cfg(feature = "testing")]
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The names of the migrations applied (`motcua migrate` reports them).
    pub async fn applied_migrations(&self) -> Result<Vec<String>> {
        Ok(self.db.applied_migrations().await?)
    }

    /// The sandbox gateway's merchant secret, in development without a configured gateway.
    pub fn sandbox_secret(&self) -> Option<String> {
        (self.config.is_dev() && self.config.payments.vnpay_url.is_none())
            .then(|| payments::gateway::sandbox_secret(self.key.as_slice()))
    }

    pub fn csrf_token(&self, binding: &str) -> String {
        crypto::hmac_b64(self.key.as_slice(), &format!("csrf|{binding}"))
    }

    pub fn csrf_ok(&self, binding: &str, token: &str) -> bool {
        crypto::ct_eq(&self.csrf_token(binding), token)
    }

    /// Ends a change: its audit record joins the transaction, which commits. Every change is
    /// one transaction with its event, audit record and outbox messages (R3.5).
    pub(crate) async fn commit(
        &self,
        tx: motcua_store::Tx,
        ctx: &Ctx,
        audit: Audit<'_>,
    ) -> Result<()> {
        self.commit_as(tx, ctx, audit, None).await
    }

    /// [`App::commit`] with the role the actor acts in, when the session that authorised the
    /// change already holds it ([`Session::role_at`]): the transaction then reads no account.
    pub(crate) async fn commit_as(
        &self,
        tx: motcua_store::Tx,
        ctx: &Ctx,
        audit: Audit<'_>,
        role: Option<String>,
    ) -> Result<()> {
        let (object, action) = (audit.object, audit.action);
        self.record_as(&tx, ctx, audit, role).await?;
        tx.commit().await?;
        // What this copy keeps in memory about what changed is read again (see `caches`).
        match object {
            "user" | "grant" => self.auth_changed(),
            "sector" | "catalogue" | "agency_tree" | "unit" => self.reference_changed(),
            _ => {}
        }
        // The changes that rebuild a procedure's row of the search index (`reindex`).
        if matches!(
            action,
            "procedure_published" | "service_saved" | "catalogue_imported"
        ) {
            self.search_changed();
        }
        Ok(())
    }

    /// Appends an audit record to a change that goes on.
    pub(crate) async fn record(
        &self,
        tx: &motcua_store::Tx,
        ctx: &Ctx,
        a: Audit<'_>,
    ) -> Result<()> {
        self.record_as(tx, ctx, a, None).await
    }

    /// [`App::record`] with the actor's role when known (else read in the transaction).
    async fn record_as(
        &self,
        tx: &motcua_store::Tx,
        ctx: &Ctx,
        a: Audit<'_>,
        role: Option<String>,
    ) -> Result<()> {
        let role = match a.actor {
            Some(id) => Some(match role {
                Some(r) => r,
                None => audit::role_of(tx, id, a.agency).await?,
            }),
            None => None,
        };
        let entry = AuditEntry {
            at: self.now(),
            actor_id: a.actor,
            role,
            client: ctx.ip.map(|ip| ip.to_string()),
            action: a.action.into(),
            object_type: a.object.into(),
            object_id: a.id,
            agency_id: a.agency,
            request_id: ctx.request_id.clone(),
            detail: a.detail.to_string(),
        };
        motcua_store::audit::append(tx, &entry).await?;
        Ok(())
    }
}

fn decode_key(k: &str) -> Result<[u8; 32]> {
    let v = hex::decode(k.trim())
        .map_err(|e| AppError::Unexpected(format!("secret key is not hex: {e}")))?;
    v.try_into().map_err(|v: Vec<u8>| {
        AppError::Unexpected(format!("secret key must be 32 bytes, not {}", v.len()))
    })
}

fn load_or_create_key(dir: &Path) -> Result<[u8; 32]> {
    let path = dir.join("secret.key");
    if let Ok(s) = std::fs::read_to_string(&path) {
        return decode_key(&s);
    }
    std::fs::create_dir_all(dir).map_err(|e| AppError::Unexpected(format!("data folder: {e}")))?;
    let mut k = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut k);
    let tmp = dir.join("secret.key.tmp");
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts
            .open(&tmp)
            .map_err(|e| AppError::Unexpected(format!("secret key: {e}")))?;
        f.write_all(hex::encode(k).as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| AppError::Unexpected(format!("secret key: {e}")))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| AppError::Unexpected(format!("secret key: {e}")))?;
    Ok(k)
}
