//! Settings: a TOML file plus `MOTCUA_*` environment variables (loaded by the binary). Every
//! setting has a safe default for one machine; [`Config::check`] refuses unsafe production settings.
use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Development shows confirmation links on screen and allows plain-HTTP cookies; production
/// refuses unsafe settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Development,
    Production,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub mode: Mode,
    /// Public listener (pages and API).
    pub listen: String,
    /// Internal listener for `/metrics` (and health checks); never exposed publicly.
    pub admin_listen: String,
    /// `sqlite://…` (default `./data/motcua.db`) or `postgres://…`.
    pub database_url: Option<String>,
    /// Folder for the database file, blobs and the generated secret key.
    pub data_dir: PathBuf,
    /// Base URL people reach the site at, used in links sent by e-mail.
    pub public_url: String,
    /// Secret for CSRF tokens (hex, 32 bytes). Generated into the data folder when absent.
    #[serde(skip_serializing)]
    pub secret_key: Option<String>,
    /// Whether cookies carry `Secure` and the `__Host-` prefix. Off only for plain-HTTP
    /// development on another host than localhost.
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` is trusted for the client address.
    pub trusted_proxies: Vec<IpAddr>,
    pub session: SessionConfig,
    pub throttle: ThrottleConfig,
    pub server: ServerConfig,
    /// Serve test-only routes (a forced error); used by the test kit, refused in production.
    pub test_routes: bool,
    pub dossiers: DossierConfig,
    /// Where attachments live: absent for the local folder `data_dir/blobs`, or `s3://bucket`
    /// (credentials, region and endpoint from the `AWS_*` variables).
    pub blob_url: Option<String>,
    /// SMTP server for e-mail notices (`MOTCUA_SMTP_URL`): `smtp://host:port` (plain),
    /// `smtps://user:pass@host` (TLS), `smtp://host:587?tls=required` (STARTTLS). Without it, in
    /// development, e-mail stays in the outbox (readable at `/dev/hop-thu`); production refuses.
    #[serde(skip_serializing)]
    pub smtp_url: Option<String>,
    /// The sender address (`MOTCUA_MAIL_FROM`).
    pub mail_from: Option<String>,
    /// SMS provider endpoint (JSON over HTTP); without it the local simulator records messages.
    pub sms_url: Option<String>,
    #[serde(skip_serializing)]
    pub sms_key: Option<String>,
    /// Run the notice delivery worker in this process.
    pub worker: bool,
    pub payments: PaymentsConfig,
    pub signatures: SignaturesConfig,
    pub privacy: PrivacyConfig,
    pub audit: AuditConfig,
    pub oidc: OidcConfig,
    pub national: NationalConfig,
    pub scan: ScanConfig,
}

/// The malware scanner every upload passes before it is stored (R4.4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScanConfig {
    /// ClamAV's daemon: `unix:/run/clamav/clamd.ctl` or `tcp:127.0.0.1:3310`. Production needs
    /// one; development without it stores files unscanned and says so on the staff pages.
    pub clamd: Option<String>,
    /// How long an upload waits for a scanner that does not answer before it is refused (503).
    pub wait_secs: u64,
    /// How many stored files each housekeeping run scans again after the signatures change.
    pub rescan_batch: u64,
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self {
            clamd: None,
            wait_secs: 15,
            rescan_batch: 200,
        }
    }
}

/// The national public service portal (R6.1, R9.2): absent url, not connected.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NationalConfig {
    /// The portal's address (`motcua national simulate` runs a stand-in).
    pub url: Option<String>,
    /// The key both sides present: motcua's bearer token to the portal, and the portal's to
    /// motcua (`MOTCUA_NATIONAL__KEY`).
    #[serde(skip_serializing)]
    pub key: Option<String>,
}

/// Log-in with the national identity (R6.2) through an OpenID Connect provider: absent issuer,
/// not offered.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer identifier (its discovery document is read from
    /// `<issuer>/.well-known/openid-configuration`).
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    #[serde(skip_serializing)]
    pub client_secret: Option<String>,
    /// The claim that carries the person's identity number (số định danh cá nhân).
    pub id_number_claim: String,
    /// The claim that carries the person's full name.
    pub name_claim: String,
    /// The provider's name on the log-in button.
    pub label: String,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self {
            issuer: None,
            client_id: None,
            client_secret: None,
            id_number_claim: "identity_number".into(),
            name_claim: "name".into(),
            label: "VNeID".into(),
        }
    }
}

/// Personal data at rest (R10.5).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyConfig {
    /// The personal-data keys themselves (`MOTCUA_PRIVACY__KEYS`): an `index <base64>` line and
    /// `key <n> <base64>` lines, separated by `;` or newlines (`motcua keys generate` prints
    /// them).
    #[serde(skip_serializing)]
    pub keys: Option<String>,
    /// Or the file that holds them; absent for `data_dir/privacy.keys`, which development
    /// creates. Keep it outside the database's backups.
    pub key_file: Option<PathBuf>,
}

/// The tamper-evident audit log (R3.5, R4.3).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Where signed checkpoints are written, outside the database; absent for
    /// `data_dir/checkpoints`.
    pub checkpoint_dir: Option<PathBuf>,
    /// The installation's Ed25519 signing key (PEM); absent for `data_dir/audit-key.pem`,
    /// created on first use.
    pub key_file: Option<PathBuf>,
    /// The log's name in its checkpoints (C2SP origin); absent for the public URL's host.
    pub origin: Option<String>,
    /// Minutes between the checkpoints maintenance writes (when records were added).
    pub checkpoint_mins: u64,
    /// Addresses each checkpoint is e-mailed to (an oversight mailbox the operator does not
    /// control, so that a rewritten log cannot be hidden).
    pub mail_to: Vec<String>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            checkpoint_dir: None,
            key_file: None,
            origin: None,
            checkpoint_mins: 60,
            mail_to: Vec::new(),
        }
    }
}

/// Digital signatures (R4.6, R8.2b).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignaturesConfig {
    /// The trust anchors (PEM certificates: the national root, the licensed public CAs, the
    /// government CA) and their CRLs (`.crl`); absent for `data_dir/trust`.
    pub trust_dir: Option<PathBuf>,
    /// Each agency's signing key and certificate as `<agency code>.p12`; absent for
    /// `data_dir/keys`.
    pub key_dir: Option<PathBuf>,
    /// The password of those PKCS#12 files (`MOTCUA_SIGNATURES__KEY_PASSWORD`).
    #[serde(skip_serializing)]
    pub key_password: Option<String>,
}

/// The online payment gateway (R7.2b). Without `vnpay_url`, development uses motcua's own
/// sandbox gateway at `/dev/vnpay` (the same protocol) and production takes no online payments.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentsConfig {
    /// The payment page, e.g. `https://sandbox.vnpayment.vn/paymentv2/vpcpay.html`.
    pub vnpay_url: Option<String>,
    /// The merchant API (refunds), e.g. `https://sandbox.vnpayment.vn/merchant_webapi/api/transaction`.
    pub vnpay_api_url: Option<String>,
    /// The merchant's terminal code (`vnp_TmnCode`).
    pub vnpay_tmn_code: Option<String>,
    /// The merchant's hash secret (`MOTCUA_PAYMENTS__VNPAY_SECRET`).
    #[serde(skip_serializing)]
    pub vnpay_secret: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DossierConfig {
    /// The dossier code, with `{agency}`, `{yymmdd}` or `{yyyymmdd}`, and `{seq:N}`.
    pub code_format: String,
    /// Largest file, in MB.
    pub max_file_mb: u64,
    /// Largest dossier (all its files), in MB.
    pub max_dossier_mb: u64,
    /// Most a person may store across their dossiers, in MB.
    pub max_person_mb: u64,
    /// Days before an untouched draft is deleted.
    pub draft_days: i64,
    /// Drafts a person may keep at once.
    pub max_drafts: u64,
    /// Largest form answers, in KB (as JSON).
    pub max_form_kb: u64,
    /// The postage the public postal service collects from the person when it delivers a
    /// result by post, in đồng, as its tariff publishes it (R8.2b); 0 when the person pays
    /// nothing (the province pays, or the post charges the agency).
    pub result_postage: u32,
}

impl Default for DossierConfig {
    fn default() -> Self {
        Self {
            code_format: motcua_domain::dossier::DEFAULT_CODE_FORMAT.into(),
            max_file_mb: 20,
            max_dossier_mb: 100,
            max_person_mb: 500,
            draft_days: 30,
            max_drafts: 20,
            max_form_kb: 64,
            result_postage: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    pub public_idle_mins: i64,
    pub public_absolute_hours: i64,
    pub staff_idle_mins: i64,
    pub staff_absolute_hours: i64,
    pub api_token_hours: i64,
    /// Whether staff must give a second factor (a TOTP code) to get a session or an API token
    /// (R4.6, ASVS 6.3.3). Absent: required in production, offered in development. Production
    /// refuses `false`.
    pub staff_second_factor: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleConfig {
    /// Failed log-ins from one address for one account before each further try from there
    /// waits, twice as long each time (nobody elsewhere is locked out).
    pub pair_failures: i32,
    /// Failed log-ins per account per hour, from anywhere (ASVS 4.0.3 2.2.1: at most 100).
    pub account_failures: i32,
    /// Failed log-ins per client address per window.
    pub ip_failures: i32,
    pub window_mins: i64,
    /// Public status look-ups per client address per window (R6.1).
    pub lookups: u32,
    /// Wrong phone digits per dossier code per hour at the look-up.
    pub lookup_guesses: u32,
    /// Registrations per client address per hour, and per e-mail or identity number per day.
    pub registrations: u32,
}

/// Limits of the server itself (R4.2, R4.4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Password hashes at once (each takes 19 MiB and a core).
    pub hash_concurrency: usize,
    /// How long a log-in waits for a hashing slot before it is told to come back (503).
    pub hash_wait_ms: u64,
    /// Open connections at once; more wait to be accepted.
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers.
    pub header_timeout_secs: u64,
    /// Seconds a request may take in all.
    pub request_timeout_secs: u64,
    /// How many copies of the server share the database and the attachments behind a load
    /// balancer. More than one needs PostgreSQL, S3 attachments and keys common to all copies;
    /// each copy's in-memory limits count its share of the traffic.
    pub copies: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            hash_concurrency: 2,
            hash_wait_ms: 2000,
            max_connections: 2048,
            header_timeout_secs: 10,
            request_timeout_secs: 60,
            copies: 1,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mode: Mode::Development,
            listen: "127.0.0.1:8080".into(),
            admin_listen: "127.0.0.1:9464".into(),
            database_url: None,
            data_dir: PathBuf::from("./data"),
            public_url: "http://127.0.0.1:8080".into(),
            secret_key: None,
            secure_cookies: true,
            trusted_proxies: Vec::new(),
            session: SessionConfig::default(),
            throttle: ThrottleConfig::default(),
            server: ServerConfig::default(),
            test_routes: false,
            dossiers: DossierConfig::default(),
            blob_url: None,
            smtp_url: None,
            mail_from: None,
            sms_url: None,
            sms_key: None,
            worker: true,
            payments: PaymentsConfig::default(),
            signatures: SignaturesConfig::default(),
            privacy: PrivacyConfig::default(),
            audit: AuditConfig::default(),
            oidc: OidcConfig::default(),
            national: NationalConfig::default(),
            scan: ScanConfig::default(),
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        // R10.5 (ASVS 5.0 V7.3): citizens idle 30 min / absolute 12 h;
        // staff idle 15 min / absolute 8 h.
        Self {
            public_idle_mins: 30,
            public_absolute_hours: 12,
            staff_idle_mins: 15,
            staff_absolute_hours: 8,
            api_token_hours: 12,
            staff_second_factor: None,
        }
    }
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        // R4.6 (ASVS 4.0.3 2.2.1): ≤ 100 failures an hour per account; growing delay per client.
        Self {
            pair_failures: 5,
            account_failures: 100,
            ip_failures: 50,
            window_mins: 15,
            lookups: 60,
            lookup_guesses: 5,
            registrations: 5,
        }
    }
}

impl Config {
    /// The database URL, defaulting to the SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("motcua.db").display()))
    }

    /// Where the trust anchors and CRLs are.
    pub fn trust_dir(&self) -> PathBuf {
        self.signatures
            .trust_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("trust"))
    }

    /// Where the agencies' signing keys are.
    pub fn key_dir(&self) -> PathBuf {
        self.signatures
            .key_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys"))
    }

    /// Where the personal-data keys are read from when not given inline.
    pub fn privacy_key_file(&self) -> PathBuf {
        self.privacy
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("privacy.keys"))
    }

    /// Where signed audit checkpoints go.
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.audit
            .checkpoint_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("checkpoints"))
    }

    /// The audit log's checkpoint signing key.
    pub fn audit_key_file(&self) -> PathBuf {
        self.audit
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-key.pem"))
    }

    /// The log's name in its checkpoints.
    pub fn audit_origin(&self) -> String {
        self.audit.origin.clone().unwrap_or_else(|| {
            let host = self
                .public_url
                .split("://")
                .nth(1)
                .unwrap_or(&self.public_url)
                .trim_end_matches('/');
            format!("{host}/audit")
        })
    }

    /// What production needs that these settings lack (empty when they are safe).
    fn production_gaps(&self) -> Vec<&'static str> {
        let mut gaps = vec![];
        if !self.public_url.starts_with("https://") {
            gaps.push("public_url must be https://");
        }
        if !self.secure_cookies {
            gaps.push("secure_cookies must be on");
        }
        if self.test_routes {
            gaps.push("test_routes must be off");
        }
        if self.smtp_url.is_none() {
            gaps.push("set smtp_url (MOTCUA_SMTP_URL) so that notices reach people by e-mail");
        }
        if self.secret_key.is_none() {
            gaps.push("set secret_key (MOTCUA_SECRET_KEY), 64 hex characters");
        }
        if self.privacy.keys.is_none() && self.privacy.key_file.is_none() {
            gaps.push(
                "set privacy.keys (MOTCUA_PRIVACY__KEYS) or privacy.key_file: the personal-data keys, kept apart from the database",
            );
        }
        if self.audit.checkpoint_dir.is_none() {
            gaps.push("set audit.checkpoint_dir outside the database's folder and backups");
        }
        if self.scan.clamd.is_none() {
            gaps.push("set scan.clamd (MOTCUA_SCAN__CLAMD) to ClamAV's daemon: uploads are never stored unscanned");
        }
        gaps
    }

    /// Refuses settings that are unsafe: production without what it needs, and development
    /// anywhere but the loopback (its mailbox shows every e-mail, reset links included).
    pub fn check(&self) -> Result<(), String> {
        let gaps = self.production_gaps();
        if self.mode == Mode::Production && !gaps.is_empty() {
            return Err(format!("production: {}", gaps.join("; ")));
        }
        if self.mode == Mode::Development {
            let on_loopback = |addr: &str| {
                addr.parse::<std::net::SocketAddr>()
                    .is_ok_and(|a| a.ip().is_loopback())
            };
            for (name, addr) in [
                ("listen", &self.listen),
                ("admin_listen", &self.admin_listen),
            ] {
                if !on_loopback(addr) {
                    return Err(format!(
                        "development mode serves only on the loopback (127.0.0.1 or [::1]), not \
                         {name} = {addr}: it shows the development mailbox with every e-mail. To \
                         serve there, set mode = \"production\" and: {}",
                        if gaps.is_empty() {
                            "nothing else".to_string()
                        } else {
                            gaps.join("; ")
                        }
                    ));
                }
            }
        }
        let p = &self.payments;
        if p.vnpay_url.is_some()
            && (p.vnpay_tmn_code.is_none() || p.vnpay_secret.is_none() || p.vnpay_api_url.is_none())
        {
            return Err(
                "payments: vnpay_url needs vnpay_api_url, vnpay_tmn_code and vnpay_secret".into(),
            );
        }
        if self.mode == Mode::Production && self.session.staff_second_factor == Some(false) {
            return Err(
                "production: staff log in with a second factor (session.staff_second_factor cannot be false)".into(),
            );
        }
        if self.mode == Mode::Production
            && [&p.vnpay_url, &p.vnpay_api_url]
                .iter()
                .any(|u| u.as_ref().is_some_and(|u| !u.starts_with("https://")))
        {
            return Err("production: the payment gateway's addresses must be https://".into());
        }
        let n = &self.national;
        if n.url.is_some() && n.key.as_deref().is_none_or(|k| k.len() < 32) {
            return Err("national: url needs a key of at least 32 characters".into());
        }
        if self.mode == Mode::Production
            && n.url.as_ref().is_some_and(|u| !u.starts_with("https://"))
        {
            return Err("production: national.url must be https://".into());
        }
        let o = &self.oidc;
        if o.issuer.is_some() && (o.client_id.is_none() || o.client_secret.is_none()) {
            return Err("oidc: issuer needs client_id and client_secret".into());
        }
        if self.mode == Mode::Production
            && o.issuer
                .as_ref()
                .is_some_and(|u| !u.starts_with("https://"))
        {
            return Err("production: oidc.issuer must be https://".into());
        }
        if let Some(u) = &self.blob_url
            && !u.starts_with("s3://")
        {
            return Err("blob_url must be s3://bucket (or absent for the local folder)".into());
        }
        if let Some(k) = &self.secret_key
            && (k.len() != 64 || hex::decode(k).is_err())
        {
            return Err("secret_key must be 64 hex characters (32 bytes)".into());
        }
        if let Some(a) = &self.scan.clamd
            && motcua_scan::clamd::Address::parse(a).is_none()
        {
            return Err("scan.clamd must be unix:/path/to/clamd.ctl or tcp:host:port".into());
        }
        let gaps = self.several_copies_gaps();
        if !gaps.is_empty() {
            return Err(format!(
                "server.copies = {}: {}",
                self.server.copies,
                gaps.join("; ")
            ));
        }
        Ok(())
    }

    /// What several server copies need that these settings lack: one database and one store of
    /// attachments that every copy reaches, and the same keys in every copy (a key generated into
    /// one copy's data folder would differ from the others').
    fn several_copies_gaps(&self) -> Vec<&'static str> {
        let mut gaps = vec![];
        if self.server.copies == 0 {
            gaps.push("at least one copy");
        }
        if self.server.copies <= 1 {
            return gaps;
        }
        if !self.database_url().starts_with("postgres") {
            gaps.push("the copies share a PostgreSQL database (database_url = postgres://…), not an SQLite file");
        }
        if self.blob_url.is_none() {
            gaps.push("the copies share an S3 store for attachments (blob_url = s3://bucket), not the local folder");
        }
        if self.secret_key.is_none() {
            gaps.push("set secret_key (MOTCUA_SECRET_KEY), the same in every copy");
        }
        if self.privacy.keys.is_none() && self.privacy.key_file.is_none() {
            gaps.push("set privacy.keys or privacy.key_file, the same in every copy");
        }
        if self.audit.key_file.is_none() {
            gaps.push("set audit.key_file, the same key in every copy");
        }
        gaps
    }

    /// This copy's share of a limit counted in memory: the load balancer spreads a client's
    /// requests over the copies, so that together they allow about `limit` (never less than 1).
    pub fn copy_share(&self, limit: u32) -> u32 {
        limit.div_ceil(self.server.copies.max(1)).max(1)
    }

    pub fn is_dev(&self) -> bool {
        self.mode == Mode::Development
    }

    /// Whether staff log in with a second factor (R4.6): always in production.
    pub fn second_factor_required(&self) -> bool {
        self.session
            .staff_second_factor
            .unwrap_or(self.mode == Mode::Production)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_unsafe_settings() {
        let good = Config {
            mode: Mode::Production,
            public_url: "https://dichvucong.quangngai.example".into(),
            secret_key: Some("ab".repeat(32)),
            smtp_url: Some("smtps://u:p@mail.example".into()),
            privacy: PrivacyConfig {
                key_file: Some("/etc/motcua/privacy.keys".into()),
                ..Default::default()
            },
            audit: AuditConfig {
                checkpoint_dir: Some("/srv/audit".into()),
                ..Default::default()
            },
            scan: ScanConfig {
                clamd: Some("unix:/run/clamav/clamd.ctl".into()),
                ..Default::default()
            },
            ..Config::default()
        };
        assert!(good.check().is_ok());
        for (c, what) in [
            (
                Config {
                    privacy: PrivacyConfig::default(),
                    ..good.clone()
                },
                "privacy.keys",
            ),
            (
                Config {
                    audit: AuditConfig::default(),
                    ..good.clone()
                },
                "checkpoint_dir",
            ),
            // Uploads are never stored unscanned in production (R4.4).
            (
                Config {
                    scan: ScanConfig::default(),
                    ..good.clone()
                },
                "scan.clamd",
            ),
            (
                Config {
                    scan: ScanConfig {
                        clamd: Some("clamd".into()),
                        ..Default::default()
                    },
                    ..good.clone()
                },
                "unix:/path",
            ),
        ] {
            assert!(c.check().unwrap_err().contains(what), "{what}");
        }
        let no_smtp = Config {
            smtp_url: None,
            ..good.clone()
        };
        assert!(
            no_smtp.check().unwrap_err().contains("smtp_url"),
            "without SMTP, production refuses to start"
        );
        assert!(
            Config {
                public_url: "http://x".into(),
                ..good.clone()
            }
            .check()
            .is_err()
        );
        assert!(
            Config {
                secret_key: None,
                ..good.clone()
            }
            .check()
            .is_err()
        );
        assert!(
            Config {
                test_routes: true,
                ..good.clone()
            }
            .check()
            .is_err()
        );
        assert!(good.second_factor_required());
        assert!(!Config::default().second_factor_required());
        let no_factor = Config {
            session: SessionConfig {
                staff_second_factor: Some(false),
                ..SessionConfig::default()
            },
            ..good.clone()
        };
        assert!(no_factor.check().unwrap_err().contains("second factor"));
        assert!(
            Config {
                blob_url: Some("ftp://x".into()),
                ..good.clone()
            }
            .check()
            .is_err()
        );
        assert!(
            Config::default().check().is_ok(),
            "development defaults are fine without SMTP"
        );
        let open = Config {
            listen: "0.0.0.0:8080".into(),
            ..Config::default()
        }
        .check()
        .unwrap_err();
        assert!(
            open.contains("loopback") && open.contains("smtp_url") && open.contains("https://"),
            "says which production settings are missing: {open}"
        );
        assert!(
            Config {
                listen: "[::1]:8080".into(),
                ..Config::default()
            }
            .check()
            .is_ok()
        );
    }

    #[test]
    fn several_copies_share_the_database_the_attachments_and_the_keys() {
        let one = Config::default();
        assert!(one.check().is_ok());
        let three = Config {
            server: ServerConfig {
                copies: 3,
                ..ServerConfig::default()
            },
            ..Config::default()
        };
        let e = three.check().unwrap_err();
        for what in [
            "PostgreSQL",
            "S3",
            "secret_key",
            "privacy.keys",
            "audit.key_file",
        ] {
            assert!(e.contains(what), "{what}: {e}");
        }
        let shared = Config {
            database_url: Some("postgres://db.internal/motcua".into()),
            blob_url: Some("s3://motcua".into()),
            secret_key: Some("ab".repeat(32)),
            privacy: PrivacyConfig {
                keys: Some("index x".into()),
                key_file: None,
            },
            audit: AuditConfig {
                key_file: Some("/etc/motcua/audit-key.pem".into()),
                ..AuditConfig::default()
            },
            ..three.clone()
        };
        assert!(shared.check().is_ok());
        let local = Config {
            blob_url: None,
            ..shared.clone()
        }
        .check()
        .unwrap_err();
        assert!(
            local.contains("not the local folder") && !local.contains("PostgreSQL"),
            "{local}"
        );
        // Each copy allows its share of a limit counted in memory.
        assert_eq!(shared.copy_share(60), 20);
        assert_eq!(shared.copy_share(5), 2);
        assert_eq!(shared.copy_share(1), 1);
        assert_eq!(one.copy_share(5), 5);
    }

    #[test]
    fn a_gateway_is_configured_whole_and_over_https_in_production() {
        let gw = PaymentsConfig {
            vnpay_url: Some("https://sandbox.vnpayment.vn/paymentv2/vpcpay.html".into()),
            vnpay_api_url: Some(
                "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction".into(),
            ),
            vnpay_tmn_code: Some("MOTCUA01".into()),
            vnpay_secret: Some("SECRETKEY0123456789".into()),
        };
        let prod = Config {
            mode: Mode::Production,
            public_url: "https://dichvucong.quangngai.example".into(),
            secret_key: Some("ab".repeat(32)),
            smtp_url: Some("smtps://u:p@mail.example".into()),
            payments: gw.clone(),
            privacy: PrivacyConfig {
                key_file: Some("/etc/motcua/privacy.keys".into()),
                ..Default::default()
            },
            audit: AuditConfig {
                checkpoint_dir: Some("/srv/audit".into()),
                ..Default::default()
            },
            scan: ScanConfig {
                clamd: Some("unix:/run/clamav/clamd.ctl".into()),
                ..Default::default()
            },
            ..Config::default()
        };
        assert!(prod.check().is_ok());
        let no_secret = PaymentsConfig {
            vnpay_secret: None,
            ..gw.clone()
        };
        let e = Config {
            payments: no_secret,
            ..Config::default()
        }
        .check()
        .unwrap_err();
        assert!(e.contains("vnpay_secret"), "{e}");
        let plain = PaymentsConfig {
            vnpay_api_url: Some("http://gw.example/api".into()),
            ..gw.clone()
        };
        let e = Config {
            payments: plain.clone(),
            ..prod.clone()
        }
        .check()
        .unwrap_err();
        assert!(e.contains("https"), "{e}");
        assert!(
            Config {
                payments: plain,
                ..Config::default()
            }
            .check()
            .is_ok(),
            "development may point at a local gateway"
        );
    }
}
