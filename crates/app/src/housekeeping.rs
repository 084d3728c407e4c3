//! Periodic housekeeping, safe to run on several server copies at once: expired sessions and
//! drafts, orphan blobs, the page views counted in memory, ended throttle windows, and accounts
//! whose e-mail was never confirmed; the audit log's periodic signed checkpoint; and the next
//! batch of stored files scanned again once the malware signatures changed.
use std::time::Duration as StdDuration;

use jiff::SignedDuration;
use motcua_store::dossiers as ds;
use motcua_store::{auth, catalogue as cat, users};

use crate::dossiers::blob_err;
use crate::{App, Result};

/// What one run of housekeeping did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub drafts: usize,
    pub orphans: usize,
    pub views: usize,
    pub throttles: u64,
    pub unconfirmed: u64,
    /// Whether an audit checkpoint was signed (R4.3).
    pub checkpoint: bool,
    /// The reminders sent to staff (R10.6, R14).
    pub reminded: crate::processing::work::Reminded,
    /// Stored files a scan with new signatures found infected, now quarantined (R4.4).
    pub quarantined: usize,
}

/// How long an account may wait for its e-mail to be confirmed before it is removed (so that
/// nobody keeps another person's identity number for good).
pub const UNCONFIRMED_HOURS: i64 = 24;

impl App {
    pub async fn maintenance(&self) -> Result<Swept> {
        let now = self.now();
        let sessions = self.purge_expired_sessions().await?;
        // Another server copy may have saved a new calendar or notice templates.
        self.load_calendar().await?;
        self.load_templates().await?;
        let drafts = self.expire_drafts().await?;
        let referenced = ds::referenced_blobs(self.db.conn()).await?;
        let (_, orphans) = self
            .blobs
            .sweep(&referenced, StdDuration::from_secs(3600))
            .await
            .map_err(blob_err)?;
        let views = self.flush_views().await?;
        let longest = SignedDuration::from_hours(24);
        self.limiter.sweep(longest, now);
        let tx = self.db.write().await?;
        let throttles = auth::purge_throttles(&tx, now - longest).await?;
        let unconfirmed =
            users::delete_unconfirmed(&tx, now - SignedDuration::from_hours(UNCONFIRMED_HOURS))
                .await?;
        tx.commit().await?;
        let checkpoint = self.periodic_checkpoint().await?;
        // Another server copy may have opened or resolved an incident.
        self.refresh_disruptions().await?;
        let reminded = self.remind().await?;
        let quarantined = self.rescan(&crate::Ctx::default()).await?;
        Ok(Swept {
            quarantined,
            reminded,
            checkpoint,
            sessions,
            drafts,
            orphans,
            views,
            throttles,
            unconfirmed,
        })
    }

    /// Writes the page views counted in memory since the last flush, in one transaction.
    pub async fn flush_views(&self) -> Result<usize> {
        let pending: Vec<(uuid::Uuid, i64)> = {
            let mut v = self.views.lock().unwrap_or_else(|e| e.into_inner());
            v.drain().collect()
        };
        if pending.is_empty() {
            return Ok(0);
        }
        let tx = self.db.write().await?;
        for (id, n) in &pending {
            cat::add_views(&tx, *id, *n).await?;
        }
        tx.commit().await?;
        Ok(pending.len())
    }

    /// Counts a view of a procedure's page in memory; answers the views not yet written.
    pub(crate) fn count_view(&self, procedure: uuid::Uuid) -> i64 {
        let mut v = self.views.lock().unwrap_or_else(|e| e.into_inner());
        let n = v.entry(procedure).or_insert(0);
        *n += 1;
        *n
    }

    /// The views of a procedure counted in memory and not yet written.
    pub(crate) fn pending_views(&self, procedure: uuid::Uuid) -> i64 {
        let v = self.views.lock().unwrap_or_else(|e| e.into_inner());
        v.get(&procedure).copied().unwrap_or(0)
    }
}
