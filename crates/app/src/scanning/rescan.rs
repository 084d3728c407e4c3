//! Stored files scanned again when the scanner's signatures change (R4.4), in batches, by
//! housekeeping on whichever server copy claims the next batch first. A file found then is
//! quarantined: never served, its owner and the agency's administrators told, an incident
//! opened.
use motcua_domain::Role;
use motcua_domain::incident::Origin;
use motcua_domain::notice::NoticeKind;
use motcua_domain::record::Dossier;
use motcua_scan::{Scanner, Verdict};
use motcua_store::dossiers as ds;
use motcua_store::scanning::{self as sc, Quarantine};
use motcua_store::{settings, users};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::notices::NewNotice;
use crate::{App, Audit, Ctx, Result};

/// How far the re-scan got: with which signatures, the last hash scanned (in hash order), and
/// whether the signatures changed during the pass (the files before the cursor are then
/// scanned again once it ends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Pass {
    signatures: String,
    cursor: String,
    again: bool,
}

/// The cursor of a finished pass (after every hash).
const DONE: &str = "~";

/// The pass to work on with the scanner's `current` signatures, from the one stored; `None`
/// when this copy's daemon lags behind the pass (its older signatures scan nothing).
fn next_pass(stored: Option<Pass>, current: &str) -> Option<Pass> {
    let fresh = || Pass {
        signatures: current.into(),
        cursor: String::new(),
        again: false,
    };
    Some(match stored {
        None => fresh(),
        Some(p) if p.signatures == current => p,
        Some(p) if !newer(current, &p.signatures) => return None,
        Some(p) if p.cursor == DONE => fresh(),
        // New signatures mid-pass: go on with them, and start again once through.
        Some(p) => Pass {
            signatures: current.into(),
            again: true,
            ..p
        },
    })
}

/// Whether `a` names newer signatures than `b` (`ClamAV 1.4.6/27481` after `…/27480`). Labels
/// without a database number are ordered as text, so that two copies never send each other
/// back and forth.
fn newer(a: &str, b: &str) -> bool {
    let version = |l: &str| l.rsplit_once('/').and_then(|(_, v)| v.parse::<u64>().ok());
    match (version(a), version(b)) {
        (Some(x), Some(y)) => x > y,
        _ => a > b,
    }
}

/// The pass once `batch` (at most `limit` hashes after its cursor) is scanned.
fn advance(p: &Pass, batch: &[String], limit: u64) -> Pass {
    let end = (batch.len() as u64) < limit;
    match (batch.last(), end, p.again) {
        (Some(last), false, _) => Pass {
            cursor: last.clone(),
            ..p.clone()
        },
        (_, _, true) => Pass {
            cursor: String::new(),
            again: false,
            ..p.clone()
        },
        _ => Pass {
            cursor: DONE.into(),
            ..p.clone()
        },
    }
}

impl App {
    /// Scans the next batch of stored files again when the signatures are newer than those the
    /// last pass used. Of several server copies, the one whose claim of the batch succeeds
    /// scans it; a batch the scanner could not finish is given back. Answers how many files
    /// were quarantined.
    pub async fn rescan(&self, ctx: &Ctx) -> Result<usize> {
        let Some(scanner) = self.scanner.clone() else {
            return Ok(0);
        };
        let Ok(db) = scanner.database().await else {
            return Ok(0);
        };
        let stored = settings::get(self.db.conn(), settings::SCAN_STATE)
            .await?
            .map(|s| s.0);
        let Some(pass) = next_pass(
            stored.as_deref().and_then(|s| serde_json::from_str(s).ok()),
            &db.label(),
        ) else {
            return Ok(0);
        };
        if pass.cursor == DONE && stored.is_some() {
            return Ok(0);
        }
        let limit = self.config.scan.rescan_batch.max(1);
        let batch = ds::blobs_after(self.db.conn(), &pass.cursor, limit).await?;
        let before = serde_json::to_string(&pass).unwrap_or_default();
        let after = serde_json::to_string(&advance(&pass, &batch, limit)).unwrap_or_default();
        if !self.claim_pass(stored.as_deref(), &after).await? {
            return Ok(0);
        }
        let mut found = 0;
        for sha in &batch {
            let done = match self.rescan_one(scanner.as_ref(), sha).await {
                Ok(Some(signature)) => self.quarantine(ctx, sha, &signature, &db.label()).await,
                Ok(None) => Ok(false),
                Err(e) => Err(e),
            };
            match done {
                Ok(new) => found += usize::from(new),
                Err(e) => {
                    // Given back: the next run scans the batch again.
                    self.claim_pass(Some(&after), &before).await?;
                    return Err(e);
                }
            }
        }
        Ok(found)
    }

    /// Moves the pass from `from` (none: not started) to `to`, through the one writer; answers
    /// whether this copy did (of several, one does).
    async fn claim_pass(&self, from: Option<&str>, to: &str) -> Result<bool> {
        let (now, key) = (self.now(), settings::SCAN_STATE);
        let tx = self.db.write().await?;
        let claimed = match from {
            Some(f) => settings::replace(&tx, key, f, to, now).await?,
            None => settings::insert_new(&tx, key, to, now).await?,
        };
        tx.commit().await?;
        Ok(claimed)
    }

    /// Scans one stored file (copied out of the store, which may be a bucket).
    async fn rescan_one(&self, scanner: &dyn Scanner, sha: &str) -> Result<Option<String>> {
        let mut up = self.begin_upload(u64::MAX).await?;
        let body = match self.blobs.get(sha).await {
            Ok(b) => b,
            Err(motcua_blobs::BlobError::NotFound) => return Ok(None),
            Err(e) => return Err(crate::dossiers::blob_err(e)),
        };
        futures_util::pin_mut!(body);
        while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
            let chunk = chunk.map_err(crate::dossiers::blob_err)?;
            up.write(&chunk).await.map_err(crate::dossiers::blob_err)?;
        }
        let staged = up.finish().await.map_err(crate::dossiers::blob_err)?;
        let v = self.scan_path(scanner, staged.path()).await;
        staged.discard();
        match v {
            Ok(Verdict::Found(s)) if !s.starts_with("Heuristics.Limits.Exceeded") => Ok(Some(s)),
            Ok(_) => Ok(None),
            // Past the daemon's limits now (they were lowered): skipped, not a finding, and
            // not a reason to stop the pass on it.
            Err(crate::AppError::Validation(_)) => {
                tracing::warn!(event = "rescan_skipped", sha256 = %sha, "stored file past the scanner's limits");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Quarantines a stored file (once) and tells whom it concerns in one transaction, after
    /// opening (or adding to) the incident, so that a failure leaves the incident rather than
    /// a quarantine nobody was told of.
    pub(super) async fn quarantine(
        &self,
        ctx: &Ctx,
        sha: &str,
        signature: &str,
        scanner: &str,
    ) -> Result<bool> {
        let now = self.now();
        if !self.quarantined(&[sha]).await?.is_empty() {
            return Ok(false);
        }
        let c = self.db.conn();
        let files = ds::files_with(c, sha).await?;
        let mut dossiers = vec![];
        for f in &files {
            dossiers.push((ds::get_dossier(c, f.dossier_id).await?, f.name.clone()));
        }
        let codes: Vec<String> = dossiers
            .iter()
            .map(|(d, _)| d.code.clone().unwrap_or_default())
            .collect();
        let detail = format!(
            "Hồ sơ {}: tệp {}… ({signature}).",
            codes.join(", "),
            &sha[..12]
        );
        self.open_own_incident(Origin::Malware, now, &detail)
            .await?;
        let tx = self.db.write().await?;
        let q = Quarantine {
            sha256: sha.into(),
            signature: signature.into(),
            scanner: scanner.into(),
            found_at: now,
        };
        if !sc::quarantine(&tx, &q).await? {
            return Ok(false);
        }
        tracing::warn!(event = "malware_quarantined", sha256 = %sha, signature, "stored file quarantined");
        for (d, name) in &dossiers {
            self.tell_of_quarantine(&tx, d, name).await?;
        }
        let audit = Audit {
            actor: None,
            action: "file_quarantined",
            object: "blob",
            id: Some(sha.into()),
            agency: None,
            detail: json!({"signature": signature, "scanner": scanner, "files": files.iter().map(|f| f.id).collect::<Vec<_>>()}),
        };
        self.commit(tx, ctx, audit).await?;
        Ok(true)
    }

    /// The person (to their account, or the contact given at the counter) and the agency's
    /// administrators hear of a quarantined paper of a dossier.
    async fn tell_of_quarantine(
        &self,
        tx: &motcua_store::Tx,
        d: &Dossier,
        name: &str,
    ) -> Result<()> {
        let date = motcua_domain::clock::format_vn_datetime(self.now());
        let note = json!({"note": name, "date": date, "staff": false});
        if let Some((n, r)) = self
            .owner_notice(tx, d, NoticeKind::FileQuarantined, note)
            .await?
        {
            let told = self.address(tx, n, r).await?;
            self.store_addressed(tx, told).await?;
        }
        let version = motcua_store::catalogue::get_version(tx, d.procedure_version_id).await?;
        let agency = motcua_store::agencies::get_agency(tx, d.agency_id).await?;
        let site = self.config.public_url.trim_end_matches('/');
        for (u, _) in users::holders(tx, Role::AgencyAdmin, d.agency_id).await? {
            let data = json!({"name": u.full_name, "code": d.code, "procedure": version.body.name,
                "agency": agency.name, "link": format!("{site}/can-bo/ho-so/{}", d.id),
                "note": name, "date": date, "staff": true});
            self.notify(
                tx,
                NewNotice::to_staff(NoticeKind::FileQuarantined, u.id, data),
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(sig: &str, cursor: &str, again: bool) -> Pass {
        Pass {
            signatures: sig.into(),
            cursor: cursor.into(),
            again,
        }
    }

    #[test]
    fn passes_follow_newer_signatures() {
        let v1 = "ClamAV 1.4.6/27480";
        let v2 = "ClamAV 1.4.6/27481";
        assert_eq!(next_pass(None, v1), Some(pass(v1, "", false)));
        assert_eq!(
            next_pass(Some(pass(v1, "ab", false)), v1),
            Some(pass(v1, "ab", false))
        );
        // Finished, then newer signatures: from the start.
        assert_eq!(
            next_pass(Some(pass(v1, DONE, false)), v2),
            Some(pass(v2, "", false))
        );
        // Newer mid-pass: on with them, and again once through.
        assert_eq!(
            next_pass(Some(pass(v1, "ab", false)), v2),
            Some(pass(v2, "ab", true))
        );
        // A copy whose daemon lags behind scans nothing, finished or mid-pass.
        assert_eq!(next_pass(Some(pass(v2, DONE, false)), v1), None);
        assert_eq!(next_pass(Some(pass(v2, "ab", false)), v1), None);
        // Labels without a number: one order, never back and forth.
        assert!(newer("b", "a") && !newer("a", "b"));
    }

    #[test]
    fn batches_move_the_cursor_to_the_end_then_again() {
        let p = pass("s", "", false);
        let full = vec!["aa".to_string(), "bb".to_string()];
        assert_eq!(advance(&p, &full, 2).cursor, "bb");
        assert_eq!(advance(&p, &full[..1], 2).cursor, DONE);
        assert_eq!(advance(&p, &[], 2).cursor, DONE);
        let again = pass("s", "bb", true);
        assert_eq!(advance(&again, &[], 2), pass("s", "", false));
    }
}
