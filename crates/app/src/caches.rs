//! What most requests read and rarely changes, kept in this server copy's memory for a few
//! seconds: who a session or token belongs to (with the account's grants), and the reference
//! data of the public pages (sectors, fields, agencies). A change made through this copy empties
//! the cache at once; a change made through another copy is seen within the cache's life
//! (R4.2: the per-request cost of what is not the page's own work).
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use jiff::{SignedDuration, Timestamp};
use motcua_domain::agency::Agency;
use motcua_store::catalogue::{Field, Sector, Version, VersionStatus};
use uuid::Uuid;

use crate::{App, Result, Session};

/// How long a resolved session or token is reused before it is read again.
pub const AUTH_LIFE: SignedDuration = SignedDuration::from_secs(5);
/// How long the reference data is reused before it is read again.
pub const REFERENCE_LIFE: SignedDuration = SignedDuration::from_secs(10);
/// Sessions and tokens kept at most (then the cache starts afresh).
const MAX_AUTH: usize = 20_000;
/// Published procedure versions kept at most (then the cache starts afresh).
const MAX_VERSIONS: usize = 5_000;

/// Published procedure versions by id. A published version never changes (an amendment is a new
/// version), so that an entry never goes stale.
#[derive(Debug, Default)]
pub struct VersionCache(Mutex<HashMap<Uuid, Arc<Version>>>);

/// Resolved sessions and tokens by their stored hash.
#[derive(Debug, Default)]
pub struct AuthCache {
    /// Bumped by every change of sessions, tokens, accounts or grants made through this copy:
    /// entries from before it are not used.
    epoch: AtomicU64,
    entries: Mutex<HashMap<String, AuthEntry>>,
}

#[derive(Debug, Clone)]
struct AuthEntry {
    session: Session,
    epoch: u64,
    /// The entry's end: its life, or the session's own end if sooner.
    until: Timestamp,
}

impl AuthCache {
    pub(crate) fn get(&self, hash: &str, now: Timestamp) -> Option<Session> {
        let epoch = self.epoch.load(Ordering::Acquire);
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(hash)
            .filter(|e| e.epoch == epoch && now < e.until)
            .map(|e| e.session.clone())
    }

    /// Keeps `session` until `ends` or the cache's life, whichever is sooner. `epoch` is the one
    /// read before the session was resolved, so that a change during the read is not hidden.
    pub(crate) fn put(
        &self,
        hash: &str,
        session: &Session,
        epoch: u64,
        now: Timestamp,
        ends: Timestamp,
    ) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_AUTH {
            map.clear();
        }
        map.insert(
            hash.to_string(),
            AuthEntry {
                session: session.clone(),
                epoch,
                until: ends.min(now + AUTH_LIFE),
            },
        );
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Forgets every entry (a session, token, account or grant changed).
    pub(crate) fn changed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// The reference data of the public pages, as read at `read_at`.
#[derive(Debug)]
pub struct Reference {
    read_at: Timestamp,
    epoch: u64,
    pub sectors: Vec<Sector>,
    pub fields: Vec<Field>,
    pub agencies: Vec<Agency>,
    by_id: HashMap<Uuid, usize>,
    by_code: HashMap<String, usize>,
}

impl Reference {
    pub fn agency(&self, id: Uuid) -> Option<&Agency> {
        self.by_id.get(&id).map(|i| &self.agencies[*i])
    }

    pub fn agency_by_code(&self, code: &str) -> Option<&Agency> {
        self.by_code.get(code).map(|i| &self.agencies[*i])
    }
}

/// The reference data in memory, read again when its life is over or after a change.
#[derive(Debug, Default)]
pub struct ReferenceCache {
    epoch: AtomicU64,
    current: RwLock<Option<Arc<Reference>>>,
}

impl ReferenceCache {
    /// Forgets the data (a sector, field or agency changed through this copy).
    pub(crate) fn changed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl App {
    /// The sectors, fields and agencies, from memory when read recently.
    pub async fn reference(&self) -> Result<Arc<Reference>> {
        let now = self.now();
        let epoch = self.reference.epoch.load(Ordering::Acquire);
        if let Some(r) = self
            .reference
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|r| r.epoch == epoch && now < r.read_at + REFERENCE_LIFE)
        {
            return Ok(r.clone());
        }
        let conn = self.db.conn();
        let sectors = motcua_store::catalogue::list_sectors(conn).await?;
        let fields = motcua_store::catalogue::list_fields(conn).await?;
        let agencies = motcua_store::agencies::list_agencies(conn).await?;
        let by_id = agencies
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i))
            .collect();
        let by_code = agencies
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.clone(), i))
            .collect();
        let r = Arc::new(Reference {
            read_at: now,
            epoch,
            sectors,
            fields,
            agencies,
            by_id,
            by_code,
        });
        *self
            .reference
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(r.clone());
        Ok(r)
    }

    /// An agency, from the reference data in memory; read from the database when it is not
    /// there yet (made through another copy within the reference data's life).
    pub async fn agency(&self, id: Uuid) -> Result<Agency> {
        match self.reference().await?.agency(id) {
            Some(a) => Ok(a.clone()),
            None => Ok(motcua_store::agencies::get_agency(self.db.conn(), id).await?),
        }
    }

    /// A procedure version (published ones from memory once read).
    pub async fn version(&self, id: Uuid) -> Result<Arc<Version>> {
        if let Some(v) = self
            .versions
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
        {
            return Ok(v.clone());
        }
        let v = Arc::new(motcua_store::catalogue::get_version(self.db.conn(), id).await?);
        if v.status == VersionStatus::Published {
            let mut map = self.versions.0.lock().unwrap_or_else(|e| e.into_inner());
            if map.len() >= MAX_VERSIONS {
                map.clear();
            }
            map.insert(id, v.clone());
        }
        Ok(v)
    }

    /// Sessions, tokens, accounts or grants changed through this copy: forget who is who.
    pub(crate) fn auth_changed(&self) {
        self.auth_cache.changed();
    }

    /// Sectors, fields or agencies changed through this copy: read them again.
    pub(crate) fn reference_changed(&self) {
        self.reference.changed();
    }
}

#[cfg(test)]
mod tests {
    use motcua_domain::account::{AccountKind, User};
    use motcua_domain::authz::Actor;

    use super::*;

    fn session() -> Session {
        let id = Uuid::now_v7();
        Session {
            user: User {
                id,
                kind: AccountKind::Citizen,
                login: "051095001234".into(),
                email: None,
                email_verified: false,
                phone: None,
                full_name: "Phạm Văn Bình".into(),
                id_number: None,
                home_agency_id: None,
                disabled: false,
                created_at: "2026-03-01T00:00:00Z".parse().unwrap(),
            },
            actor: Actor {
                user_id: id,
                kind: AccountKind::Citizen,
                grants: vec![],
            },
            session_hash: None,
        }
    }

    #[test]
    fn an_entry_lives_until_its_end_or_a_change() {
        let c = AuthCache::default();
        let now: Timestamp = "2026-03-02T02:00:00Z".parse().unwrap();
        let s = session();
        let e = c.epoch();
        c.put("h", &s, e, now, now + SignedDuration::from_hours(1));
        assert!(c.get("h", now).is_some());
        assert!(
            c.get("h", now + AUTH_LIFE).is_none(),
            "no longer than its life"
        );
        // A session that ends sooner ends the entry with it.
        c.put("h", &s, e, now, now + SignedDuration::from_secs(1));
        assert!(c.get("h", now + SignedDuration::from_secs(1)).is_none());
        // A change through this copy forgets everything at once.
        c.put("h", &s, e, now, now + SignedDuration::from_hours(1));
        c.changed();
        assert!(c.get("h", now).is_none());
        // An entry read before a change is not kept after it.
        c.put("h", &s, e, now, now + SignedDuration::from_hours(1));
        assert!(c.get("h", now).is_none(), "resolved before the change");
    }
}
