//! Feedback, complaints and agencies' proposals (R9.4): the body sealed like other free text a
//! person writes; closing and the author's verdict are conditional updates, so that two
//! answers at once close it once.
use motcua_domain::feedback::{About, Kind, State};
use motcua_domain::record::Feedback;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::feedback;
use crate::seal;
use crate::time::{from_db, to_db};
use crate::{Result, StoreError};

fn bad(what: &str) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Type(format!("feedback: {what}")))
}

pub async fn insert(c: &impl ConnectionTrait, f: &Feedback) -> Result<()> {
    feedback::Entity::insert(feedback::ActiveModel {
        id: Set(f.id),
        kind: Set(f.kind.as_str().into()),
        about: Set(f.about.as_str().into()),
        agency_id: Set(f.agency_id),
        service_id: Set(f.service_id),
        dossier_id: Set(f.dossier_id),
        author_id: Set(f.author_id),
        from_agency_id: Set(f.from_agency_id),
        subject: Set(f.subject.clone()),
        body: Set(seal::seal(&f.body)),
        created_at: Set(to_db(f.created_at)),
        due_at: Set(to_db(f.due_at)),
        state: Set(f.state.as_str().into()),
        closed_at: Set(f.closed_at.map(to_db)),
        closed_by: Set(f.closed_by),
        answer: Set(f.answer.clone()),
        satisfied: Set(f.satisfied),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

fn from(m: feedback::Model) -> Result<Feedback> {
    Ok(Feedback {
        id: m.id,
        kind: Kind::parse(&m.kind).ok_or_else(|| bad("kind"))?,
        about: About::parse(&m.about).ok_or_else(|| bad("about"))?,
        agency_id: m.agency_id,
        service_id: m.service_id,
        dossier_id: m.dossier_id,
        author_id: m.author_id,
        from_agency_id: m.from_agency_id,
        subject: m.subject,
        body: seal::open(&m.body)?,
        created_at: from_db(m.created_at),
        due_at: from_db(m.due_at),
        state: State::parse(&m.state).ok_or_else(|| bad("state"))?,
        closed_at: m.closed_at.map(from_db),
        closed_by: m.closed_by,
        answer: m.answer,
        satisfied: m.satisfied,
    })
}

pub async fn get(c: &impl ConnectionTrait, id: Uuid) -> Result<Feedback> {
    from(
        feedback::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

/// Who sees which: an author theirs, an agency what was routed to it.
#[derive(Debug, Clone)]
pub enum Of {
    Author(Uuid),
    Agencies(Vec<Uuid>),
    All,
}

/// Newest first, at most `limit`.
pub async fn list(c: &impl ConnectionTrait, of: &Of, limit: u64) -> Result<Vec<Feedback>> {
    let q = feedback::Entity::find();
    let q = match of {
        Of::Author(u) => q.filter(feedback::Column::AuthorId.eq(*u)),
        Of::Agencies(a) => q.filter(feedback::Column::AgencyId.is_in(a.iter().copied())),
        Of::All => q,
    };
    q.order_by_desc(feedback::Column::CreatedAt)
        .limit(limit.min(1000))
        .all(c)
        .await?
        .into_iter()
        .map(from)
        .collect()
}

/// Closes an open one with an answer or a refusal; `false` when it was no longer open.
pub async fn close(
    c: &impl ConnectionTrait,
    id: Uuid,
    state: State,
    by: Uuid,
    answer: &str,
    at: jiff::Timestamp,
) -> Result<bool> {
    let r = feedback::Entity::update_many()
        .col_expr(feedback::Column::State, Expr::value(state.as_str()))
        .col_expr(feedback::Column::ClosedBy, Expr::value(by))
        .col_expr(feedback::Column::Answer, Expr::value(answer))
        .col_expr(feedback::Column::ClosedAt, Expr::value(to_db(at)))
        .filter(feedback::Column::Id.eq(id))
        .filter(feedback::Column::State.eq(State::Open.as_str()))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The author's verdict on a closed one, once; `false` when already given or still open.
pub async fn rate(c: &impl ConnectionTrait, id: Uuid, satisfied: bool) -> Result<bool> {
    let r = feedback::Entity::update_many()
        .col_expr(feedback::Column::Satisfied, Expr::value(satisfied))
        .filter(feedback::Column::Id.eq(id))
        .filter(feedback::Column::Satisfied.is_null())
        .filter(feedback::Column::State.ne(State::Open.as_str()))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// What the scorecard needs of one item of feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    pub agency_id: Uuid,
    pub received: jiff::Timestamp,
    pub state: State,
    pub closed: Option<jiff::Timestamp>,
    pub satisfied: Option<bool>,
}

/// What the scorecard needs of one agency's (or all) feedback received in `[from, to)`.
pub async fn facts(
    c: &impl ConnectionTrait,
    agency: Option<Uuid>,
    from_at: jiff::Timestamp,
    to_at: jiff::Timestamp,
) -> Result<Vec<Fact>> {
    let mut q = feedback::Entity::find()
        .select_only()
        .column(feedback::Column::AgencyId)
        .column(feedback::Column::CreatedAt)
        .column(feedback::Column::State)
        .column(feedback::Column::ClosedAt)
        .column(feedback::Column::Satisfied)
        .filter(feedback::Column::Kind.ne(Kind::Proposal.as_str()))
        .filter(feedback::Column::CreatedAt.gte(to_db(from_at)))
        .filter(feedback::Column::CreatedAt.lt(to_db(to_at)));
    if let Some(a) = agency {
        q = q.filter(feedback::Column::AgencyId.eq(a));
    }
    type At = chrono::DateTime<chrono::Utc>;
    type Row = (Uuid, At, String, Option<At>, Option<bool>);
    let rows: Vec<Row> = q.into_tuple().all(c).await?;
    rows.into_iter()
        .map(|(a, at, st, closed, sat)| {
            Ok(Fact {
                agency_id: a,
                received: from_db(at),
                state: State::parse(&st).ok_or_else(|| bad("state"))?,
                closed: closed.map(from_db),
                satisfied: sat,
            })
        })
        .collect()
}
