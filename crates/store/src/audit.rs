//! The audit record and the outbox, written in the caller's transaction together with the
//! change they describe. No personal data goes into the audit detail: ids and codes only.
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
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub agency_id: Option<Uuid>,
    pub request_id: Option<String>,
    /// JSON, without personal data.
    pub detail: String,
}

pub async fn append(c: &impl ConnectionTrait, e: &AuditEntry) -> Result<()> {
    audit::Entity::insert(audit::ActiveModel {
        at: Set(to_db(e.at)),
        actor_id: Set(e.actor_id),
        action: Set(e.action.clone()),
        object_type: Set(e.object_type.clone()),
        object_id: Set(e.object_id.clone()),
        agency_id: Set(e.agency_id),
        request_id: Set(e.request_id.clone()),
        detail: Set(e.detail.clone()),
        ..Default::default()
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
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
        .order_by_desc(audit::Column::Id)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(|m| AuditEntry {
            at: from_db(m.at),
            actor_id: m.actor_id,
            action: m.action,
            object_type: m.object_type,
            object_id: m.object_id,
            agency_id: m.agency_id,
            request_id: m.request_id,
            detail: m.detail,
        })
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
