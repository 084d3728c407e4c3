//! The audit record and the outbox, written in the caller's transaction together with the
//! change they describe. No personal data goes into the audit detail: ids and codes only.
//! The log is a Merkle tree (`motcua_domain::audit`): each record carries its place, its leaf
//! hash and the leaf hash of the record before.
use motcua_domain::audit::{Hash, Record, Stored};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::Result;
use crate::entities::{audit, outbox};
use crate::time::{from_db, to_db};

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: jiff::Timestamp,
    pub actor_id: Option<Uuid>,
    /// The roles the actor acted in (comma-separated), or the kind of account.
    pub role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub agency_id: Option<Uuid>,
    pub request_id: Option<String>,
    /// The client's address.
    pub client: Option<String>,
    /// JSON, without personal data.
    pub detail: String,
}

/// The instant as both engines keep it (microseconds), so that what is hashed is what is read.
fn micros(t: jiff::Timestamp) -> i64 {
    (t.as_nanosecond() / 1_000) as i64
}

fn record(seq: i64, e: &AuditEntry) -> Record {
    Record {
        seq,
        at_micros: micros(e.at),
        actor: e.actor_id.map(|u| u.to_string()),
        role: e.role.clone(),
        action: e.action.clone(),
        object_type: e.object_type.clone(),
        object_id: e.object_id.clone(),
        agency: e.agency_id.map(|u| u.to_string()),
        request_id: e.request_id.clone(),
        client: e.client.clone(),
        detail: e.detail.clone(),
    }
}

fn entry_of(m: &audit::Model) -> AuditEntry {
    AuditEntry {
        at: from_db(m.at),
        actor_id: m.actor_id,
        role: m.role.clone(),
        action: m.action.clone(),
        object_type: m.object_type.clone(),
        object_id: m.object_id.clone(),
        agency_id: m.agency_id,
        request_id: m.request_id.clone(),
        client: m.client.clone(),
        detail: m.detail.clone(),
    }
}

fn hash_of(h: Option<&str>) -> Hash {
    h.and_then(|h| hex::decode(h).ok())
        .and_then(|v| Hash::try_from(v).ok())
        .unwrap_or([0xff; 32])
}

fn stored_of(m: &audit::Model) -> Stored {
    Stored {
        record: record(m.seq.unwrap_or(0), &entry_of(m)),
        leaf: hash_of(m.leaf_hash.as_deref()),
        prev: hash_of(m.prev_hash.as_deref()),
    }
}

/// The place and leaf hash of the last record.
async fn last(c: &impl ConnectionTrait) -> Result<Option<(i64, Hash)>> {
    let row = audit::Entity::find()
        .select_only()
        .column(audit::Column::Seq)
        .column(audit::Column::LeafHash)
        .filter(audit::Column::Seq.is_not_null())
        .order_by_desc(audit::Column::Seq)
        .limit(1)
        .into_tuple::<(Option<i64>, Option<String>)>()
        .one(c)
        .await?;
    Ok(row.and_then(|(s, h)| Some((s?, hash_of(h.as_deref())))))
}

/// Appends a record at the next place of the log, chained to the one before (R4.3). Answers
/// its place.
pub async fn append(c: &impl ConnectionTrait, e: &AuditEntry) -> Result<i64> {
    crate::dialect::audit_lock(c).await?;
    let (seq, prev) = match last(c).await? {
        Some((s, h)) => (s + 1, h),
        None => (1, [0; 32]),
    };
    let at = jiff::Timestamp::from_microsecond(micros(e.at)).expect("in range");
    let entry = AuditEntry { at, ..e.clone() };
    let leaf = record(seq, &entry).leaf();
    audit::Entity::insert(audit::ActiveModel {
        at: Set(to_db(at)),
        actor_id: Set(e.actor_id),
        action: Set(e.action.clone()),
        object_type: Set(e.object_type.clone()),
        object_id: Set(e.object_id.clone()),
        agency_id: Set(e.agency_id),
        request_id: Set(e.request_id.clone()),
        detail: Set(e.detail.clone()),
        seq: Set(Some(seq)),
        role: Set(e.role.clone()),
        client: Set(e.client.clone()),
        leaf_hash: Set(Some(hex::encode(leaf))),
        prev_hash: Set(Some(hex::encode(prev))),
        ..Default::default()
    })
    .exec_without_returning(c)
    .await?;
    Ok(seq)
}

/// Gives the records written before the log was a tree their places and hashes, in the order
/// they were written (the migration that makes the table append-only runs this first).
pub(crate) async fn number_existing(
    c: &impl ConnectionTrait,
) -> std::result::Result<(), sea_orm::DbErr> {
    let mut prev = [0u8; 32];
    let mut seq = 0i64;
    loop {
        let rows = audit::Entity::find()
            .filter(audit::Column::Seq.is_null())
            .order_by_asc(audit::Column::Id)
            .limit(1000)
            .all(c)
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        for m in rows {
            seq += 1;
            let e = entry_of(&m);
            let at = jiff::Timestamp::from_microsecond(micros(e.at)).expect("in range");
            let leaf = record(seq, &AuditEntry { at, ..e }).leaf();
            audit::Entity::update_many()
                .col_expr(audit::Column::Seq, Expr::value(seq))
                .col_expr(audit::Column::At, Expr::value(to_db(at)))
                .col_expr(audit::Column::LeafHash, Expr::value(hex::encode(leaf)))
                .col_expr(audit::Column::PrevHash, Expr::value(hex::encode(prev)))
                .filter(audit::Column::Id.eq(m.id))
                .exec(c)
                .await?;
            prev = leaf;
        }
    }
}

/// Up to `limit` stored records after place `after`, in order (the verifier reads the log in
/// such pages, whatever its length).
pub async fn stored_after(c: &impl ConnectionTrait, after: i64, limit: u64) -> Result<Vec<Stored>> {
    Ok(audit::Entity::find()
        .filter(audit::Column::Seq.gt(after))
        .order_by_asc(audit::Column::Seq)
        .limit(limit)
        .all(c)
        .await?
        .iter()
        .map(stored_of)
        .collect())
}

/// The number of records (the last place).
pub async fn size(c: &impl ConnectionTrait) -> Result<i64> {
    Ok(last(c).await?.map(|(s, _)| s).unwrap_or(0))
}

/// What an inspector filters the log by; all optional, each narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Records by this account.
    pub actor: Option<Uuid>,
    /// Records about any of these objects (a dossier, an account).
    pub objects: Option<Vec<String>>,
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
    /// Records in these agencies only (none: all).
    pub agencies: Option<Vec<Uuid>>,
}

/// The newest records matching `f`, with their places.
pub async fn search(
    c: &impl ConnectionTrait,
    f: &AuditFilter,
    limit: u64,
) -> Result<Vec<(i64, AuditEntry)>> {
    let mut q = audit::Entity::find();
    if let Some(a) = f.actor {
        q = q.filter(audit::Column::ActorId.eq(a));
    }
    if let Some(o) = &f.objects {
        q = q.filter(audit::Column::ObjectId.is_in(o.clone()));
    }
    if let Some(t) = f.from {
        q = q.filter(audit::Column::At.gte(to_db(t)));
    }
    if let Some(t) = f.to {
        q = q.filter(audit::Column::At.lt(to_db(t)));
    }
    if let Some(a) = &f.agencies {
        q = q.filter(audit::Column::AgencyId.is_in(a.clone()));
    }
    Ok(q.order_by_desc(audit::Column::Seq)
        .limit(limit)
        .all(c)
        .await?
        .iter()
        .map(|m| (m.seq.unwrap_or(0), entry_of(m)))
        .collect())
}

/// The latest audit entries about one object, newest first.
pub async fn entries_for(
    c: &impl ConnectionTrait,
    object_type: &str,
    object_id: &str,
    limit: u64,
) -> Result<Vec<AuditEntry>> {
    Ok(audit::Entity::find()
        .filter(audit::Column::ObjectType.eq(object_type))
        .filter(audit::Column::ObjectId.eq(object_id))
        .order_by_desc(audit::Column::Seq)
        .limit(limit)
        .all(c)
        .await?
        .iter()
        .map(entry_of)
        .collect())
}

/// A message waiting for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub kind: String,
    pub user_id: Option<Uuid>,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Unique: the same notice is never queued twice.
    pub dedupe_key: String,
    pub created_at: jiff::Timestamp,
    pub sent_at: Option<jiff::Timestamp>,
}

pub async fn enqueue(c: &impl ConnectionTrait, m: &OutboxMessage) -> Result<()> {
    outbox::Entity::insert(outbox::ActiveModel {
        id: Set(m.id),
        kind: Set(m.kind.clone()),
        user_id: Set(m.user_id),
        channel: Set(m.channel.clone()),
        recipient: Set(m.recipient.clone()),
        subject: Set(m.subject.clone()),
        body: Set(m.body.clone()),
        dedupe_key: Set(m.dedupe_key.clone()),
        created_at: Set(to_db(m.created_at)),
        sent_at: Set(m.sent_at.map(to_db)),
        attempts: Set(0),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// The newest messages, optionally for one recipient address.
pub async fn recent_messages(
    c: &impl ConnectionTrait,
    recipient: Option<&str>,
    limit: u64,
) -> Result<Vec<OutboxMessage>> {
    let mut q = outbox::Entity::find();
    if let Some(r) = recipient {
        q = q.filter(outbox::Column::Recipient.eq(r));
    }
    Ok(q.order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(|m| OutboxMessage {
            id: m.id,
            kind: m.kind,
            user_id: m.user_id,
            channel: m.channel,
            recipient: m.recipient,
            subject: m.subject,
            body: m.body,
            dedupe_key: m.dedupe_key,
            created_at: from_db(m.created_at),
            sent_at: m.sent_at.map(from_db),
        })
        .collect())
}
