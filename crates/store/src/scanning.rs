//! What the malware scanner found (R4.4): detections at upload, refused and recorded without
//! the file; and stored files a later scan found, quarantined.
use std::collections::HashMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::Result;
use crate::entities::{malware_found as mf, quarantined as q};
use crate::time::{from_db, to_db};

/// A file the scanner found a signature in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub id: Uuid,
    pub found_at: jiff::Timestamp,
    /// `upload` (a person or an officer) or `national` (a paper fetched from the national
    /// portal).
    pub source: String,
    pub user_id: Option<Uuid>,
    pub dossier_id: Option<Uuid>,
    pub sha256: String,
    pub size: i64,
    pub signature: String,
    /// The engine and signature database that found it (`ClamAV 1.4.6/27480`).
    pub scanner: String,
}

/// A stored file withheld because a later scan found a signature in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantine {
    pub sha256: String,
    pub signature: String,
    pub scanner: String,
    pub found_at: jiff::Timestamp,
}

pub async fn insert_detection(c: &impl ConnectionTrait, d: &Detection) -> Result<()> {
    mf::Entity::insert(mf::ActiveModel {
        id: Set(d.id),
        found_at: Set(to_db(d.found_at)),
        source: Set(d.source.clone()),
        user_id: Set(d.user_id),
        dossier_id: Set(d.dossier_id),
        sha256: Set(d.sha256.clone()),
        size: Set(d.size),
        signature: Set(d.signature.clone()),
        scanner: Set(d.scanner.clone()),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// The latest detections, newest first.
pub async fn detections(c: &impl ConnectionTrait, limit: u64) -> Result<Vec<Detection>> {
    Ok(mf::Entity::find()
        .order_by_desc(mf::Column::FoundAt)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(|m| Detection {
            id: m.id,
            found_at: from_db(m.found_at),
            source: m.source,
            user_id: m.user_id,
            dossier_id: m.dossier_id,
            sha256: m.sha256,
            size: m.size,
            signature: m.signature,
            scanner: m.scanner,
        })
        .collect())
}

/// Quarantines a stored file; answers whether it was not already.
pub async fn quarantine(c: &impl ConnectionTrait, x: &Quarantine) -> Result<bool> {
    let n = q::Entity::insert(q::ActiveModel {
        sha256: Set(x.sha256.clone()),
        signature: Set(x.signature.clone()),
        scanner: Set(x.scanner.clone()),
        found_at: Set(to_db(x.found_at)),
    })
    .on_conflict(
        OnConflict::column(q::Column::Sha256)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    Ok(n > 0)
}

/// Which of these files are quarantined, by hash.
pub async fn quarantined(
    c: &impl ConnectionTrait,
    shas: &[&str],
) -> Result<HashMap<String, Quarantine>> {
    if shas.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(q::Entity::find()
        .filter(q::Column::Sha256.is_in(shas.iter().copied()))
        .all(c)
        .await?
        .into_iter()
        .map(|m| {
            let x = Quarantine {
                sha256: m.sha256,
                signature: m.signature,
                scanner: m.scanner,
                found_at: from_db(m.found_at),
            };
            (x.sha256.clone(), x)
        })
        .collect())
}
