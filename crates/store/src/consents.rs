//! Consents, disclosures to other agencies, the person's requests about their data, and
//! incidents (R10.5).
use motcua_domain::incident::Origin;
use motcua_domain::record::{Consent, Disclosure, Incident, IncidentUpdate, PrivacyRequest};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::entities::{consent, disclosure, incident, incident_update, privacy_request};
use crate::seal;
use crate::time::{from_db, to_db};
use crate::{Result, StoreError};

pub async fn insert_consent(c: &impl ConnectionTrait, r: &Consent) -> Result<()> {
    consent::Entity::insert(consent::ActiveModel {
        id: Set(r.id),
        user_id: Set(r.user_id),
        purpose: Set(r.purpose.clone()),
        notice_version: Set(r.notice_version),
        notice_sha256: Set(r.notice_sha256.clone()),
        channel: Set(r.channel.clone()),
        accepted_at: Set(to_db(r.accepted_at)),
        withdrawn_at: Set(r.withdrawn_at.map(to_db)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

fn consent_from(m: consent::Model) -> Consent {
    Consent {
        id: m.id,
        user_id: m.user_id,
        purpose: m.purpose,
        notice_version: m.notice_version,
        notice_sha256: m.notice_sha256,
        channel: m.channel,
        accepted_at: from_db(m.accepted_at),
        withdrawn_at: m.withdrawn_at.map(from_db),
    }
}

/// Every consent a person gave, withdrawn or not, oldest first (the history is kept).
pub async fn consents_of(c: &impl ConnectionTrait, user: Uuid) -> Result<Vec<Consent>> {
    Ok(consent::Entity::find()
        .filter(consent::Column::UserId.eq(user))
        .order_by_asc(consent::Column::AcceptedAt)
        .all(c)
        .await?
        .into_iter()
        .map(consent_from)
        .collect())
}

/// The consent in force for a purpose, if any.
pub async fn active_consent(
    c: &impl ConnectionTrait,
    user: Uuid,
    purpose: &str,
) -> Result<Option<Consent>> {
    Ok(consent::Entity::find()
        .filter(consent::Column::UserId.eq(user))
        .filter(consent::Column::Purpose.eq(purpose))
        .filter(consent::Column::WithdrawnAt.is_null())
        .order_by_desc(consent::Column::AcceptedAt)
        .one(c)
        .await?
        .map(consent_from))
}

/// Withdraws a person's consents to a purpose; answers how many were in force.
pub async fn withdraw(
    c: &impl ConnectionTrait,
    user: Uuid,
    purpose: &str,
    at: jiff::Timestamp,
) -> Result<u64> {
    Ok(consent::Entity::update_many()
        .col_expr(consent::Column::WithdrawnAt, Expr::value(to_db(at)))
        .filter(consent::Column::UserId.eq(user))
        .filter(consent::Column::Purpose.eq(purpose))
        .filter(consent::Column::WithdrawnAt.is_null())
        .exec(c)
        .await?
        .rows_affected)
}

pub async fn insert_disclosure(c: &impl ConnectionTrait, d: &Disclosure) -> Result<()> {
    disclosure::Entity::insert(disclosure::ActiveModel {
        id: Set(d.id),
        dossier_id: Set(d.dossier_id),
        agency_id: Set(d.agency_id),
        purpose: Set(d.purpose.clone()),
        basis: Set(d.basis.clone()),
        consent_id: Set(d.consent_id),
        consultation_id: Set(d.consultation_id),
        by_user: Set(d.by_user),
        at: Set(to_db(d.at)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// The disclosures of some dossiers, oldest first.
pub async fn disclosures_of(
    c: &impl ConnectionTrait,
    dossiers: &[Uuid],
) -> Result<Vec<Disclosure>> {
    Ok(disclosure::Entity::find()
        .filter(disclosure::Column::DossierId.is_in(dossiers.iter().copied()))
        .order_by_asc(disclosure::Column::At)
        .all(c)
        .await?
        .into_iter()
        .map(|m| Disclosure {
            id: m.id,
            dossier_id: m.dossier_id,
            agency_id: m.agency_id,
            purpose: m.purpose,
            basis: m.basis,
            consent_id: m.consent_id,
            consultation_id: m.consultation_id,
            by_user: m.by_user,
            at: from_db(m.at),
        })
        .collect())
}

pub async fn insert_request(c: &impl ConnectionTrait, r: &PrivacyRequest) -> Result<()> {
    privacy_request::Entity::insert(privacy_request::ActiveModel {
        id: Set(r.id),
        user_id: Set(r.user_id),
        kind: Set(r.kind.clone()),
        detail: Set(seal::seal(&r.detail)),
        status: Set(r.status.clone()),
        created_at: Set(to_db(r.created_at)),
        due_at: Set(to_db(r.due_at)),
        answered_at: Set(r.answered_at.map(to_db)),
        answered_by: Set(r.answered_by),
        answer: Set(r.answer.clone()),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

fn request_from(m: privacy_request::Model) -> Result<PrivacyRequest> {
    Ok(PrivacyRequest {
        id: m.id,
        user_id: m.user_id,
        kind: m.kind,
        detail: seal::open(&m.detail)?,
        status: m.status,
        created_at: from_db(m.created_at),
        due_at: from_db(m.due_at),
        answered_at: m.answered_at.map(from_db),
        answered_by: m.answered_by,
        answer: m.answer,
    })
}

/// A person's requests (`user`), or every open one (none), the soonest due first.
pub async fn requests(c: &impl ConnectionTrait, user: Option<Uuid>) -> Result<Vec<PrivacyRequest>> {
    let mut q = privacy_request::Entity::find();
    q = match user {
        Some(u) => q.filter(privacy_request::Column::UserId.eq(u)),
        None => q.filter(privacy_request::Column::Status.eq("open")),
    };
    q.order_by_asc(privacy_request::Column::DueAt)
        .all(c)
        .await?
        .into_iter()
        .map(request_from)
        .collect()
}

pub async fn get_request(c: &impl ConnectionTrait, id: Uuid) -> Result<PrivacyRequest> {
    privacy_request::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(request_from)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// Closes an open request; false when it was no longer open.
pub async fn answer_request(
    c: &impl ConnectionTrait,
    id: Uuid,
    status: &str,
    answer: &str,
    by: Uuid,
    at: jiff::Timestamp,
) -> Result<bool> {
    Ok(privacy_request::Entity::update_many()
        .col_expr(privacy_request::Column::Status, Expr::value(status))
        .col_expr(privacy_request::Column::Answer, Expr::value(answer))
        .col_expr(privacy_request::Column::AnsweredBy, Expr::value(by))
        .col_expr(privacy_request::Column::AnsweredAt, Expr::value(to_db(at)))
        .filter(privacy_request::Column::Id.eq(id))
        .filter(privacy_request::Column::Status.eq("open"))
        .exec(c)
        .await?
        .rows_affected
        == 1)
}

pub async fn insert_incident(c: &impl ConnectionTrait, i: &Incident) -> Result<()> {
    incident::Entity::insert(incident::ActiveModel {
        id: Set(i.id),
        agency_id: Set(i.agency_id),
        personal_data: Set(i.personal_data),
        summary: Set(i.summary.clone()),
        started_at: Set(to_db(i.started_at)),
        discovered_at: Set(to_db(i.discovered_at)),
        notify_by: Set(to_db(i.notify_by)),
        notified_at: Set(i.notified_at.map(to_db)),
        reported_by: Set(i.reported_by),
        created_at: Set(to_db(i.created_at)),
        impact: Set(i.impact.clone()),
        origin: Set(i.origin.as_str().into()),
        public_notice: Set(i.public_notice),
        resolved_at: Set(i.resolved_at.map(to_db)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

fn incident_from(m: incident::Model) -> Incident {
    Incident {
        id: m.id,
        agency_id: m.agency_id,
        personal_data: m.personal_data,
        summary: m.summary,
        started_at: from_db(m.started_at),
        discovered_at: from_db(m.discovered_at),
        notify_by: from_db(m.notify_by),
        notified_at: m.notified_at.map(from_db),
        reported_by: m.reported_by,
        created_at: from_db(m.created_at),
        impact: m.impact,
        // An origin this version does not know reads as reported, never as a failure.
        origin: Origin::parse(&m.origin).unwrap_or(Origin::Reported),
        public_notice: m.public_notice,
        resolved_at: m.resolved_at.map(from_db),
    }
}

pub async fn get_incident(c: &impl ConnectionTrait, id: Uuid) -> Result<Incident> {
    incident::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(incident_from)
        .ok_or(StoreError::NotFound)
}

/// Incidents, optionally of some agencies, newest first.
pub async fn incidents(
    c: &impl ConnectionTrait,
    agencies: Option<&[Uuid]>,
) -> Result<Vec<Incident>> {
    let mut q = incident::Entity::find();
    if let Some(a) = agencies {
        q = q.filter(incident::Column::AgencyId.is_in(a.iter().copied()));
    }
    Ok(q.order_by_desc(incident::Column::CreatedAt)
        .all(c)
        .await?
        .into_iter()
        .map(incident_from)
        .collect())
}

/// Records that the authority was notified (once).
pub async fn set_notified(c: &impl ConnectionTrait, id: Uuid, at: jiff::Timestamp) -> Result<bool> {
    Ok(incident::Entity::update_many()
        .col_expr(incident::Column::NotifiedAt, Expr::value(to_db(at)))
        .filter(incident::Column::Id.eq(id))
        .filter(incident::Column::NotifiedAt.is_null())
        .exec(c)
        .await?
        .rows_affected
        == 1)
}

/// Resolves an open incident (once).
pub async fn resolve_incident(
    c: &impl ConnectionTrait,
    id: Uuid,
    at: jiff::Timestamp,
) -> Result<bool> {
    Ok(incident::Entity::update_many()
        .col_expr(incident::Column::ResolvedAt, Expr::value(to_db(at)))
        .filter(incident::Column::Id.eq(id))
        .filter(incident::Column::ResolvedAt.is_null())
        .exec(c)
        .await?
        .rows_affected
        == 1)
}

/// Open incidents: those of one origin, or those announced to the public.
pub async fn open_incidents(
    c: &impl ConnectionTrait,
    origin: Option<Origin>,
    public_only: bool,
) -> Result<Vec<Incident>> {
    let mut q = incident::Entity::find().filter(incident::Column::ResolvedAt.is_null());
    if let Some(o) = origin {
        q = q.filter(incident::Column::Origin.eq(o.as_str()));
    }
    if public_only {
        q = q.filter(incident::Column::PublicNotice.eq(true));
    }
    Ok(q.order_by_asc(incident::Column::CreatedAt)
        .all(c)
        .await?
        .into_iter()
        .map(incident_from)
        .collect())
}

pub async fn insert_incident_update(c: &impl ConnectionTrait, u: &IncidentUpdate) -> Result<()> {
    incident_update::Entity::insert(incident_update::ActiveModel {
        id: Set(u.id),
        incident_id: Set(u.incident_id),
        at: Set(to_db(u.at)),
        by: Set(u.by),
        note: Set(u.note.clone()),
        resolves: Set(u.resolves),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// An incident's timeline, oldest first.
pub async fn incident_updates(c: &impl ConnectionTrait, id: Uuid) -> Result<Vec<IncidentUpdate>> {
    Ok(incident_update::Entity::find()
        .filter(incident_update::Column::IncidentId.eq(id))
        .order_by_asc(incident_update::Column::At)
        .order_by_asc(incident_update::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(|m| IncidentUpdate {
            id: m.id,
            incident_id: m.incident_id,
            at: from_db(m.at),
            by: m.by,
            note: m.note,
            resolves: m.resolves,
        })
        .collect())
}
