//! The trust anchors and revocation lists an administrator installs in `signatures.trust_dir`
//! (R4.6): PEM certificates (the national root, the licensed public CAs, the government CA,
//! and the CA that signs this system's results), and CRLs beside them (`.crl`, PEM or DER).
//! The directory is read again when a file in it changes, so that a new day's CRLs apply
//! without a restart.
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509, X509Crl};

/// What a directory held when read.
pub struct Anchors {
    pub store: X509Store,
    pub certificates: Vec<X509>,
    pub crls: Vec<X509Crl>,
}

impl Anchors {
    /// Anchors from certificates and CRLs in memory.
    pub fn new(
        certificates: Vec<X509>,
        crls: Vec<X509Crl>,
    ) -> Result<Self, openssl::error::ErrorStack> {
        let mut b = X509StoreBuilder::new()?;
        for c in &certificates {
            b.add_cert(c.clone())?;
        }
        // Any installed certificate is an anchor (a licensed CA's certificate, not only the
        // root above it); validity is checked against the signing time by the verifier itself.
        b.set_flags(X509VerifyFlags::PARTIAL_CHAIN | X509VerifyFlags::NO_CHECK_TIME)?;
        Ok(Self {
            store: b.build(),
            certificates,
            crls,
        })
    }

    /// Reads every `.pem`/`.crt`/`.cer` certificate and `.crl` list in `dir`; a file that does
    /// not parse is logged and skipped, not fatal, so that one bad download does not stop the
    /// checks that the others allow.
    pub fn read(dir: &Path) -> Self {
        let mut certificates = Vec::new();
        let mut crls = Vec::new();
        for path in files(dir) {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            let ok = if ext == "crl" {
                X509Crl::from_pem(&bytes)
                    .or_else(|_| X509Crl::from_der(&bytes))
                    .map(|c| crls.push(c))
                    .is_ok()
            } else {
                X509::stack_from_pem(&bytes)
                    .or_else(|_| X509::from_der(&bytes).map(|c| vec![c]))
                    .map(|cs| certificates.extend(cs))
                    .is_ok()
            };
            if !ok {
                tracing::warn!(event = "trust_file_unreadable", file = %path.display(), "skipped a trust file that does not parse");
            }
        }
        Self::new(certificates, crls).unwrap_or_else(|e| {
            tracing::error!(event = "trust_store", error = %e, "cannot build the trust store");
            Self::new(Vec::new(), Vec::new()).expect("an empty store")
        })
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    ["pem", "crt", "cer", "crl"].contains(&e.to_ascii_lowercase().as_str())
                })
        })
        .collect();
    out.sort();
    out
}

/// The newest modification among the directory and its files (what tells a change).
fn stamp(dir: &Path) -> Option<SystemTime> {
    let own = std::fs::metadata(dir).and_then(|m| m.modified()).ok();
    files(dir)
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .chain(own)
        .max()
}

/// The trust directory, re-read at most once a minute when something in it changed.
pub struct TrustDir {
    dir: PathBuf,
    state: Mutex<(Arc<Anchors>, Option<SystemTime>, Instant)>,
}

const RECHECK: Duration = Duration::from_secs(60);

impl TrustDir {
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        let anchors = Arc::new(Anchors::read(&dir));
        let stamp = stamp(&dir);
        Self {
            dir,
            state: Mutex::new((anchors, stamp, Instant::now())),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The anchors as they stand.
    pub fn anchors(&self) -> Arc<Anchors> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.2.elapsed() >= RECHECK {
            s.2 = Instant::now();
            let now = stamp(&self.dir);
            if now != s.1 {
                s.0 = Arc::new(Anchors::read(&self.dir));
                s.1 = now;
                tracing::info!(
                    event = "trust_reloaded",
                    anchors = s.0.certificates.len(),
                    crls = s.0.crls.len(),
                    "trust directory read again"
                );
            }
        }
        s.0.clone()
    }

    /// Reads the directory now (after the system itself installed a certificate).
    pub fn reload(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0 = Arc::new(Anchors::read(&self.dir));
        s.1 = stamp(&self.dir);
        s.2 = Instant::now();
    }
}
