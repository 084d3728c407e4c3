//! What happened to each dossier (its events) and the other agencies consulted on it.

use motcua_domain::event::EventData;
use motcua_domain::lifecycle::{Act, Stage};
use motcua_domain::record::Consultation;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::bad;
use crate::entities::{consultation, dossier_event};
use crate::time::{from_db, to_db};
use crate::{Result, StoreError};

pub use motcua_domain::event::Event;

pub async fn insert_event(c: &impl ConnectionTrait, e: &Event) -> Result<()> {
    dossier_event::Entity::insert(dossier_event::ActiveModel {
        dossier_id: Set(e.dossier_id),
        at: Set(to_db(e.at)),
        actor_id: Set(e.actor_id),
        kind: Set(e.act.as_str().into()),
        from_stage: Set(e.from_stage.map(|s| s.as_str().to_string())),
        to_stage: Set(Some(e.to_stage.as_str().into())),
        comment: Set(e.comment.clone()),
        unit_id: Set(e.unit_id),
        to_unit_id: Set(e.to_unit_id),
        step: Set(e.step.clone()),
        due_at: Set(e.due_at.map(to_db)),
        data: Set(e.data.to_json().map(|v| v.to_string())),
        public: Set(e.public),
        ..Default::default()
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn events(c: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Vec<Event>> {
    dossier_event::Entity::find()
        .filter(dossier_event::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_event::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(event_from)
        .collect()
}

/// The events of many dossiers at once (one query), each dossier's in order.
pub async fn events_of(c: &impl ConnectionTrait, dossiers: &[Uuid]) -> Result<Vec<Event>> {
    dossier_event::Entity::find()
        .filter(dossier_event::Column::DossierId.is_in(dossiers.iter().copied()))
        .order_by_asc(dossier_event::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(event_from)
        .collect()
}

fn event_from(m: dossier_event::Model) -> Result<Event> {
    // The stored kind is an act's name (the migrations renamed older ones).
    let act = Act::parse(&m.kind).ok_or_else(|| bad(format!("event kind {}", m.kind)))?;
    let json = m
        .data
        .map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(bad)?;
    Ok(Event {
        dossier_id: m.dossier_id,
        at: from_db(m.at),
        actor_id: m.actor_id,
        act,
        from_stage: m.from_stage.as_deref().and_then(Stage::parse),
        to_stage: m
            .to_stage
            .as_deref()
            .and_then(Stage::parse)
            .ok_or_else(|| bad("stage"))?,
        comment: m.comment,
        unit_id: m.unit_id,
        to_unit_id: m.to_unit_id,
        step: m.step,
        due_at: m.due_at.map(from_db),
        data: EventData::from_json(act, json).map_err(bad)?,
        public: m.public,
    })
}

fn consultation_from(m: consultation::Model) -> Consultation {
    Consultation {
        id: m.id,
        dossier_id: m.dossier_id,
        agency_id: m.agency_id,
        question: m.question,
        requested_by: m.requested_by,
        requested_at: from_db(m.requested_at),
        due_at: from_db(m.due_at),
        answered_at: m.answered_at.map(from_db),
        answered_by: m.answered_by,
        answer: m.answer,
        files: m
            .files
            .and_then(|f| serde_json::from_str(&f).ok())
            .unwrap_or_default(),
    }
}

pub async fn insert_consultation(c: &impl ConnectionTrait, r: &Consultation) -> Result<()> {
    consultation::Entity::insert(consultation::ActiveModel {
        id: Set(r.id),
        dossier_id: Set(r.dossier_id),
        agency_id: Set(r.agency_id),
        question: Set(r.question.clone()),
        requested_by: Set(r.requested_by),
        requested_at: Set(to_db(r.requested_at)),
        due_at: Set(to_db(r.due_at)),
        answered_at: Set(r.answered_at.map(to_db)),
        answered_by: Set(r.answered_by),
        answer: Set(r.answer.clone()),
        files: Set(Some(
            serde_json::to_string(&r.files).expect("ids serialise"),
        )),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn consultations(
    c: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Vec<Consultation>> {
    Ok(consultation::Entity::find()
        .filter(consultation::Column::DossierId.eq(dossier_id))
        .order_by_asc(consultation::Column::RequestedAt)
        .order_by_asc(consultation::Column::Id)
        .all(c)
        .await?
        .into_iter()
        .map(consultation_from)
        .collect())
}

pub async fn get_consultation(c: &impl ConnectionTrait, id: Uuid) -> Result<Consultation> {
    consultation::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(consultation_from)
        .ok_or(StoreError::NotFound)
}

/// Unanswered consultations addressed to an agency, the soonest due first.
pub async fn pending_consultations(
    c: &impl ConnectionTrait,
    agency_id: Uuid,
    limit: u64,
) -> Result<Vec<Consultation>> {
    Ok(consultation::Entity::find()
        .filter(consultation::Column::AgencyId.eq(agency_id))
        .filter(consultation::Column::AnsweredAt.is_null())
        .order_by_asc(consultation::Column::DueAt)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(consultation_from)
        .collect())
}

/// Records an answer once; false when it was already answered.
pub async fn answer_consultation(
    c: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    at: jiff::Timestamp,
    answer: &str,
) -> Result<bool> {
    let res = consultation::Entity::update_many()
        .col_expr(consultation::Column::AnsweredAt, Expr::value(to_db(at)))
        .col_expr(consultation::Column::AnsweredBy, Expr::value(by))
        .col_expr(consultation::Column::Answer, Expr::value(answer))
        .filter(consultation::Column::Id.eq(id))
        .filter(consultation::Column::AnsweredAt.is_null())
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}
