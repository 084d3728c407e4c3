//! The results agencies issue (R8.2b; Decree 45/2020 Art. 14 cl. 3): at the leader's approval
//! the drafted PDF is numbered `<dossier code>-KQ<n>`, stamped with a QR code and signed as
//! PAdES with the agency's key; anyone can then check a copy on the authenticity page.
use std::path::Path;
use std::sync::Arc;

use motcua_domain::dossier::FileKind;
use motcua_domain::record::DossierFile;
use motcua_domain::signature::{self as sig, Signature, Status};
use motcua_signature::{Issue, Pkcs12Key, pdf, sign_result, verify};
use motcua_store::Conn;
use motcua_store::agencies;
use motcua_store::dossiers::{self as ds, Dossier};
use motcua_store::results::{self as rs, IssuedResult};
use serde::Serialize;
use uuid::Uuid;

use super::blocking;
use crate::config::Config;
use crate::dossiers::blob_err;
use crate::processing::RESULT_COMPONENT;
use crate::{App, AppError, Ctx, Result};

/// A signed result to write with the approval: its file and its entry in the register.
#[derive(Debug)]
pub(crate) struct IssuedWrite {
    pub file: DossierFile,
    pub result: IssuedResult,
}

/// What the authenticity check found of a file (R3.5).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Authenticity {
    /// A valid signature of an agency of this system over a result in its register.
    pub issued_here: bool,
    /// The file is the one issued, byte for byte.
    pub unchanged: bool,
    /// The agency that issued it.
    pub agency: Option<String>,
    pub dossier_code: Option<String>,
    /// The result's number, `<dossier code>-KQ<n>`.
    pub number: Option<String>,
    pub signed_at: Option<jiff::Timestamp>,
    /// What is wrong, when something is.
    pub reason: Option<String>,
}

impl App {
    /// The agency's signing key: `<agency code>.p12` in the key folder.
    fn agency_signer(&self, code: &str) -> Result<Pkcs12Key> {
        let path = self.config.key_dir().join(format!("{code}.p12"));
        // A missing key is the administrator's to install; any other failure to read it is
        // an outage, reported with its cause.
        let der = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => AppError::Conflict(format!(
                "Cơ quan chưa có khóa ký số để ký kết quả điện tử: quản trị viên cần cài tệp {code}.p12 vào thư mục khóa (signatures.key_dir)."
            )),
            _ => AppError::Unexpected(format!("reading {}: {e}", path.display())),
        })?;
        let password = self
            .config
            .signatures
            .key_password
            .clone()
            .unwrap_or_default();
        Pkcs12Key::from_der(&der, &password).map_err(|e| AppError::Conflict(e.to_string()))
    }

    /// Signs the approved draft as the dossier's next result; the signed file is stored (made
    /// durable) before the approval's transaction writes the rows that point to it.
    pub(crate) async fn issue_result(
        &self,
        c: &impl Conn,
        d: &Dossier,
        draft: Uuid,
    ) -> Result<IssuedWrite> {
        let file = ds::get_file(c, draft).await?;
        if file.kind != FileKind::Pdf {
            return Err(AppError::Conflict(
                "Văn bản kết quả phải là tệp PDF để cơ quan ký số.".into(),
            ));
        }
        // A draft a later scan found infected is never signed into a result (R4.4).
        if let Some(q) = self
            .quarantined(&[&file.sha256])
            .await?
            .remove(&file.sha256)
        {
            return Err(AppError::Conflict(format!(
                "Không ký được dự thảo kết quả: {}",
                crate::scanning::quarantine_reason(&q)
            )));
        }
        let agency = agencies::get_agency(c, d.agency_id).await?;
        let code = d.code.clone().ok_or(AppError::NotFound)?;
        let rank = rs::results_count(c, d.id).await? as u32 + 1;
        let number = sig::result_number(&code, rank);
        let signer = self.agency_signer(&agency.code)?;
        let pdf = self
            .blobs
            .read_verified(&file.sha256)
            .await
            .map_err(blob_err)?;
        let at = self.now();
        let url = format!(
            "{}/xac-thuc?so={number}",
            self.config.public_url.trim_end_matches('/')
        );
        let (n, name) = (number.clone(), agency.name.clone());
        let signed = blocking(move || {
            let issue = Issue {
                number: &n,
                agency: &name,
                verify_url: &url,
                at,
            };
            sign_result(&pdf, &issue, &signer)
        })
        .await?
        .map_err(|e| AppError::Conflict(e.to_string()))?;
        let (sha, size, signatures) = self.store_signed(signed).await?;
        let certificate = signatures
            .first()
            .and_then(|s| s.certificate.clone())
            .unwrap_or_default();
        let id = Uuid::now_v7();
        Ok(IssuedWrite {
            file: DossierFile {
                id,
                dossier_id: d.id,
                component_id: RESULT_COMPONENT.into(),
                sha256: sha.clone(),
                size,
                kind: FileKind::Pdf,
                name: format!("{number}.pdf"),
                created_at: at,
                public: true,
                signatures,
            },
            result: IssuedResult {
                number,
                dossier_id: d.id,
                agency_id: agency.id,
                file_id: id,
                draft_id: draft,
                sha256: sha,
                certificate,
                signed_at: at,
            },
        })
    }

    /// Stores a signed result (durable before any row points to it), with what verifying it
    /// finds: its hash, size and signatures.
    async fn store_signed(&self, signed: Vec<u8>) -> Result<(String, i64, Vec<Signature>)> {
        let signed = Arc::new(signed);
        let check = signed.clone();
        let (anchors, now) = (self.anchors(), self.now());
        let signatures = blocking(move || verify::verify_pdf(&check, &anchors, now)).await?;
        let mut up = self
            .blobs
            .begin(signed.len() as u64)
            .await
            .map_err(blob_err)?;
        up.write(&signed).await.map_err(blob_err)?;
        let staged = up.finish().await.map_err(blob_err)?;
        let sha = self.blobs.commit(staged).await.map_err(blob_err)?;
        Ok((sha, signed.len() as i64, signatures))
    }

    /// Whether a file is a result this system issued, unchanged (R3.5): the same bytes as one
    /// in the register, or a valid signature by the certificate that signed a registered
    /// result, over a copy with something added after it. Nothing is written; checks are
    /// counted per client in memory, as look-ups are (R4.4).
    pub async fn authenticate(&self, ctx: &Ctx, bytes: Vec<u8>) -> Result<Authenticity> {
        if let Some(ip) = ctx.ip {
            let now = self.now();
            let key = format!("verify:{}", crate::limits::client_key(ip));
            let (n, end) = self
                .limiter
                .hit(&key, jiff::SignedDuration::from_mins(15), now);
            if n > self.config.throttle.lookups {
                tracing::warn!(
                    event = "excess_rate_limit_exceeded",
                    "authenticity check rate limit"
                );
                return Err(AppError::Throttled((end - now).as_secs().max(1) as u64));
            }
        }
        let mut out = Authenticity {
            issued_here: false,
            unchanged: false,
            agency: None,
            dossier_code: None,
            number: None,
            signed_at: None,
            reason: None,
        };
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        let conn = self.db.conn();
        if let Some(r) = rs::result_by_sha(conn, &sha).await? {
            return self.describe(conn, r, true).await;
        }
        let bytes = Arc::new(bytes);
        let (anchors, now, b) = (self.anchors(), self.now(), bytes.clone());
        let reports = blocking(move || verify::verify_pdf(&b, &anchors, now)).await?;
        let dicts = pdf::signatures(&bytes);
        for (report, dict) in reports.iter().zip(dicts.iter()) {
            let Some(number) = dict
                .as_ref()
                .ok()
                .and_then(|d| d.reason.as_deref())
                .and_then(number_in)
            else {
                continue;
            };
            let Some(r) = rs::result_by_number(conn, &number).await? else {
                continue;
            };
            if report.certificate.as_deref() != Some(r.certificate.as_str()) {
                continue;
            }
            if !matches!(report.status, Status::Valid) {
                out.reason = report.reason.clone();
                return Ok(out);
            }
            let mut a = self.describe(conn, r, false).await?;
            a.reason = Some(
                "Tệp có nội dung thêm vào sau khi cơ quan ký: không phải bản cơ quan đã cấp."
                    .into(),
            );
            return Ok(a);
        }
        out.reason = Some(match reports.iter().find(|r| r.status != Status::Valid) {
            Some(r) => r
                .reason
                .clone()
                .unwrap_or_else(|| r.status.label_vi().into()),
            None if reports.is_empty() => "Tệp không có chữ ký số.".into(),
            None => "Tệp không do cơ quan nào trên hệ thống này ký cấp.".into(),
        });
        Ok(out)
    }

    async fn describe(
        &self,
        c: &impl Conn,
        r: IssuedResult,
        unchanged: bool,
    ) -> Result<Authenticity> {
        let agency = agencies::get_agency(c, r.agency_id).await?;
        let code = sig::parse_result_number(&r.number).map(|(code, _)| code.to_string());
        Ok(Authenticity {
            issued_here: true,
            unchanged,
            agency: Some(agency.name),
            dossier_code: code,
            number: Some(r.number),
            signed_at: Some(r.signed_at),
            reason: None,
        })
    }

    /// A result in the register by its number (what the QR code leads to).
    pub async fn issued_result(&self, number: &str) -> Result<Option<Authenticity>> {
        let conn = self.db.conn();
        match rs::result_by_number(conn, number.trim()).await? {
            Some(r) => Ok(Some(self.describe(conn, r, false).await?)),
            None => Ok(None),
        }
    }
}

/// The result number a signature's reason names ("…, số <number>").
fn number_in(reason: &str) -> Option<String> {
    let n = reason.rsplit(' ').next()?;
    sig::parse_result_number(n).map(|_| n.to_string())
}

/// The certificates of the CAs that sign the agencies' results (PEM), from the keys in the key
/// folder: what verifiers install as trust anchors (`motcua signatures export-ca`).
pub fn export_ca(config: &Config) -> Result<String> {
    let password = config.signatures.key_password.clone().unwrap_or_default();
    let mut seen = std::collections::BTreeMap::new();
    for path in p12_files(&config.key_dir()) {
        let der = std::fs::read(&path)
            .map_err(|e| AppError::Unexpected(format!("{}: {e}", path.display())))?;
        let key = Pkcs12Key::from_der(&der, &password)
            .map_err(|e| AppError::Unexpected(format!("{}: {e}", path.display())))?;
        let chain = motcua_signature::ResultSigner::chain(&key);
        let issuers = if chain.len() > 1 { &chain[1..] } else { chain };
        for c in issuers {
            let pem = c
                .to_pem()
                .map_err(|e| AppError::Unexpected(e.to_string()))?;
            seen.insert(pem.clone(), pem);
        }
    }
    Ok(seen
        .into_values()
        .map(|p| String::from_utf8_lossy(&p).into_owned())
        .collect())
}

fn p12_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "p12"))
        .collect();
    v.sort();
    v
}

/// The demonstration PKI (`motcua demo`): a CA kept in the key folder (made once), a key per
/// agency that lacks one, and the CA installed as a trust anchor.
pub(crate) fn demo_pki(config: &Config, agencies: &[(String, String)]) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| AppError::Unexpected(format!("demo signing keys: {e}"));
    let (keys, trust) = (config.key_dir(), config.trust_dir());
    std::fs::create_dir_all(&keys).map_err(|e| err(&e))?;
    std::fs::create_dir_all(&trust).map_err(|e| err(&e))?;
    let ca_file = keys.join("demo-ca.pem");
    let ca = match std::fs::read(&ca_file) {
        Ok(pem) => motcua_signature::demo::Ca::from_pem(&pem).map_err(|e| err(&e))?,
        Err(_) => {
            let ca = motcua_signature::demo::Ca::new("motcua Demo CA").map_err(|e| err(&e))?;
            write_private(&ca_file, &ca.to_pem().map_err(|e| err(&e))?).map_err(|e| err(&e))?;
            ca
        }
    };
    std::fs::write(
        trust.join("motcua-demo-ca.pem"),
        ca.certificate.to_pem().map_err(|e| err(&e))?,
    )
    .map_err(|e| err(&e))?;
    // Its revocation list (empty), as a real CA publishes one: results show revocation checked.
    std::fs::write(
        trust.join("motcua-demo-ca.crl"),
        ca.crl(30).map_err(|e| err(&e))?,
    )
    .map_err(|e| err(&e))?;
    let password = config.signatures.key_password.clone().unwrap_or_default();
    for (code, name) in agencies {
        let path = keys.join(format!("{code}.p12"));
        if path.exists() {
            continue;
        }
        let p12 = ca
            .agency_key(name, code, 3650, &password)
            .map_err(|e| err(&e))?;
        write_private(&path, &p12).map_err(|e| err(&e))?;
    }
    Ok(())
}

/// A key file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
