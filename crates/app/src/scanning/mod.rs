//! Every uploaded file passes the malware scanner and parses as the kind it claims before any
//! row may point to it (R4.4): a file with a signature is refused and recorded (who, when,
//! what, its hash; never the file); a scanner that does not answer makes the upload wait, then
//! fail, never pass unscanned. Stored files are scanned again when the signatures change, and
//! a file found then is quarantined: not served, the person and the agency told, an incident
//! opened.
use std::sync::Arc;
use std::time::{Duration, Instant};

use motcua_blobs::Staged;
use motcua_domain::Role;
use motcua_domain::dossier::FileKind;
use motcua_domain::record::Dossier;
use motcua_scan::{Allow, Database, ScanError, Scanner, Verdict};
use motcua_store::dossiers as ds;
use motcua_store::scanning::{self as sc, Detection, Quarantine};
use motcua_store::users;
use serde_json::json;
use uuid::Uuid;

use crate::{App, AppError, Audit, Ctx, Result, Session};

mod rescan;

/// Who sent a file, for the record of a detection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sender<'a> {
    /// `upload` (a person or an officer) or `national` (fetched from the national portal).
    pub source: &'static str,
    pub user: Option<Uuid>,
    pub dossier: Option<&'a Dossier>,
}

/// A file refused for malware, as the provincial department reads it.
#[derive(Debug, Clone)]
pub struct DetectionView {
    pub at: jiff::Timestamp,
    /// Where it came from, in Vietnamese.
    pub source: &'static str,
    /// The sender's name (none for the national portal).
    pub who: String,
    /// The dossier's code, when the file was for one already stored.
    pub dossier: Option<String>,
    pub signature: String,
    /// The engine and signature database that found it.
    pub scanner: String,
    pub sha256: String,
}

/// Builds the configured scanner (none in development without `scan.clamd`).
pub(crate) fn scanner_from_config(c: &crate::config::Config) -> Option<Arc<dyn Scanner>> {
    let a = motcua_scan::clamd::Address::parse(c.scan.clamd.as_deref()?)?;
    Some(Arc::new(motcua_scan::clamd::Clamd::new(a)))
}

/// What the readiness check reports of the scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerState {
    /// Development without a scanner: uploads are stored unscanned.
    Off,
    Up(Database),
    Down(String),
}

impl App {
    /// Checks a staged file before it is stored: scanned, then parsed as `kind`. Answers the
    /// whole file (signature checks read it next). The caller discards the file on refusal.
    pub(crate) async fn screen(
        &self,
        ctx: &Ctx,
        by: Sender<'_>,
        staged: &Staged,
        name: &str,
        kind: FileKind,
        allow: Allow,
    ) -> Result<Arc<Vec<u8>>> {
        let verdict = self.scan_staged(staged).await?;
        if let Some(Verdict::Found(signature)) = &verdict
            && signature.starts_with("Heuristics.Limits.Exceeded")
        {
            // Past the scanner's own limits (AlertExceedsMax): not scanned, so not taken.
            return Err(too_large_to_scan());
        }
        if let Some(Verdict::Found(signature)) = verdict {
            self.record_detection(ctx, by, staged, &signature).await?;
            return Err(AppError::field(
                "file",
                format!(
                    "Tệp «{}» có mã độc (máy quét nhận ra: {signature}) nên không được nhận. Hãy quét virus cho máy của bạn, rồi chụp hoặc quét lại giấy tờ.",
                    motcua_domain::dossier::safe_file_name(name)
                ),
            ));
        }
        let bytes = Arc::new(staged.read().await.map_err(crate::dossiers::blob_err)?);
        let check = bytes.clone();
        let _slot = self
            .inspecting
            .acquire()
            .await
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        let parsed = tokio::task::spawn_blocking(move || motcua_scan::inspect(kind, &check, allow))
            .await
            .map_err(|e| AppError::Unexpected(format!("file check: {e}")))?;
        if let Err(p) = parsed {
            tracing::warn!(
                event = "upload_validation",
                kind = kind.as_str(),
                "upload refused: does not parse"
            );
            return Err(AppError::field("file", p.to_string()));
        }
        Ok(bytes)
    }

    /// The scanner's verdict on a staged file; `None` when there is no scanner (development).
    /// A scanner that does not answer is asked again until `scan.wait_secs` pass, then 503.
    async fn scan_staged(&self, staged: &Staged) -> Result<Option<Verdict>> {
        let Some(scanner) = &self.scanner else {
            return Ok(None);
        };
        self.scan_path(scanner.as_ref(), staged.path())
            .await
            .map(Some)
    }

    async fn scan_path(&self, scanner: &dyn Scanner, path: &std::path::Path) -> Result<Verdict> {
        let until = Instant::now() + Duration::from_secs(self.config.scan.wait_secs);
        loop {
            match scanner.scan(path).await {
                Ok(v) => return Ok(v),
                Err(ScanError::Io(e)) => return Err(AppError::Unexpected(e)),
                Err(ScanError::TooLarge) => return Err(too_large_to_scan()),
                Err(ScanError::Unavailable(e)) => {
                    if Instant::now() + Duration::from_millis(500) >= until {
                        tracing::error!(event = "scanner_unavailable", error = %e, "upload refused: the malware scanner does not answer");
                        return Err(AppError::Unavailable {
                            cause: format!("malware scanner: {e}"),
                            retry: 30,
                        });
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    /// Records a refused upload's detection, with its audit record, in a transaction of its own
    /// (the upload itself is refused).
    async fn record_detection(
        &self,
        ctx: &Ctx,
        by: Sender<'_>,
        staged: &Staged,
        signature: &str,
    ) -> Result<()> {
        let scanner = self.scanner_label().await;
        tracing::warn!(event = "malware_found", source = by.source, sha256 = %staged.sha256, signature, "upload refused: malware signature");
        let d = Detection {
            id: Uuid::now_v7(),
            found_at: self.now(),
            source: by.source.into(),
            user_id: by.user,
            dossier_id: by.dossier.map(|d| d.id),
            sha256: staged.sha256.clone(),
            size: staged.size as i64,
            signature: signature.into(),
            scanner,
        };
        let tx = self.db.write().await?;
        sc::insert_detection(&tx, &d).await?;
        let audit = Audit {
            actor: by.user,
            action: "malware_found",
            object: if by.dossier.is_some() {
                "dossier"
            } else {
                "upload"
            },
            id: by.dossier.map(|d| d.id.to_string()),
            agency: by.dossier.map(|d| d.agency_id),
            detail: json!({"sha256": d.sha256, "size": d.size, "signature": signature, "source": by.source, "scanner": d.scanner}),
        };
        self.commit(tx, ctx, audit).await?;
        // The same bytes stored before (older signatures let them through): withheld now.
        if !ds::files_with(self.db.conn(), &d.sha256).await?.is_empty() {
            self.quarantine(ctx, &d.sha256, signature, &d.scanner)
                .await?;
        }
        Ok(())
    }

    async fn scanner_label(&self) -> String {
        match self.scanner_state().await {
            ScannerState::Up(db) => db.label(),
            ScannerState::Off => "none".into(),
            ScannerState::Down(_) => "unknown".into(),
        }
    }

    /// The scanner and its signatures, for the readiness check and the records.
    pub async fn scanner_state(&self) -> ScannerState {
        let Some(s) = &self.scanner else {
            return ScannerState::Off;
        };
        match s.database().await {
            Ok(db) => ScannerState::Up(db),
            Err(e) => ScannerState::Down(e.to_string()),
        }
    }

    /// The readiness check's line on the scanner: asked at most every ten seconds, so that
    /// anonymous probes cost the scanner nothing. The age of the signatures is the operator's
    /// to watch (`freshclam` updates them).
    pub async fn scanner_report(&self) -> String {
        let now = Instant::now();
        if let Some((at, line)) = self
            .scanner_seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            && now.duration_since(at) < Duration::from_secs(10)
        {
            return line;
        }
        let line = match self.scanner_state().await {
            ScannerState::Off => "scanner: none (development: uploads are not scanned)".to_string(),
            ScannerState::Down(e) => format!("scanner: not answering ({e}); uploads are refused"),
            ScannerState::Up(db) => match db.built {
                Some(b) => {
                    let hours = self.now().duration_since(b).as_hours().max(0);
                    format!(
                        "scanner: {}, signatures {} days {} hours old",
                        db.label(),
                        hours / 24,
                        hours % 24
                    )
                }
                None => format!("scanner: {}, signatures of unknown age", db.label()),
            },
        };
        *self.scanner_seen.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, line.clone()));
        line
    }

    /// Whether uploads go unscanned (development without a scanner; the staff pages say so).
    pub fn scanning_off(&self) -> bool {
        self.scanner.is_none()
    }

    /// The latest files refused for malware, newest first, for the provincial department's
    /// administrators and inspectors (none for anyone else): who sent each, when, to which
    /// dossier, what was found, and its hash.
    pub async fn detections(&self, s: &Session, limit: u64) -> Result<Vec<DetectionView>> {
        if !(s.actor.has_role(Role::ProvinceAdmin) || s.actor.has_role(Role::Inspector)) {
            return Ok(vec![]);
        }
        let c = self.db.conn();
        let mut out = vec![];
        for d in sc::detections(c, limit).await? {
            let who = match d.user_id {
                Some(u) => users::get_user(c, u).await?.full_name,
                None => String::new(),
            };
            let dossier = match d.dossier_id {
                Some(id) => ds::get_dossier(c, id).await.ok().and_then(|x| x.code),
                None => None,
            };
            out.push(DetectionView {
                at: d.found_at,
                source: match d.source.as_str() {
                    "national" => "Cổng dịch vụ công quốc gia",
                    _ => "Tải lên",
                },
                who,
                dossier,
                signature: d.signature,
                scanner: d.scanner,
                sha256: d.sha256,
            });
        }
        Ok(out)
    }

    /// The files of these hashes that are quarantined.
    pub(crate) async fn quarantined(
        &self,
        shas: &[&str],
    ) -> Result<std::collections::HashMap<String, Quarantine>> {
        Ok(sc::quarantined(self.db.conn(), shas).await?)
    }
}

/// A file past the scanner's limits: not scanned, so not taken.
fn too_large_to_scan() -> AppError {
    AppError::field(
        "file",
        "Tệp lớn hơn mức máy quét mã độc kiểm tra được. Hãy chia nhỏ tệp hoặc giảm độ phân giải rồi gửi lại.",
    )
}

/// Why a quarantined file is not served, as people read it.
pub fn quarantine_reason(q: &Quarantine) -> String {
    format!(
        "Tệp đã bị cách ly từ {} vì máy quét phát hiện mã độc ({}); không tải về hay dùng lại được.",
        motcua_domain::clock::format_vn_datetime(q.found_at),
        q.signature
    )
}
