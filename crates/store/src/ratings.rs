//! Satisfaction ratings of finished dossiers (R9.4): one per dossier (a unique constraint), the
//! comment sealed like other free text a person writes.
use motcua_domain::record::Rating;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Result;
use crate::entities::rating;
use crate::seal;
use crate::time::{from_db, to_db};

fn bad(e: impl std::fmt::Display) -> crate::StoreError {
    crate::StoreError::Db(sea_orm::DbErr::Json(e.to_string()))
}

/// Records a rating; a second one of the same dossier is a `Conflict`.
pub async fn insert(c: &impl ConnectionTrait, r: &Rating) -> Result<()> {
    let answers: serde_json::Map<String, serde_json::Value> = r
        .answers
        .iter()
        .map(|(k, l)| (k.clone(), (*l).into()))
        .collect();
    rating::Entity::insert(rating::ActiveModel {
        id: Set(r.id),
        dossier_id: Set(r.dossier_id),
        agency_id: Set(r.agency_id),
        service_id: Set(r.service_id),
        user_id: Set(r.user_id),
        at: Set(to_db(r.at)),
        answers: Set(serde_json::Value::Object(answers).to_string()),
        dissatisfied: Set(r.dissatisfied),
        comment: Set(r.comment.as_deref().map(seal::seal)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

fn from(m: rating::Model) -> Result<Rating> {
    let answers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&m.answers).map_err(bad)?;
    Ok(Rating {
        id: m.id,
        dossier_id: m.dossier_id,
        agency_id: m.agency_id,
        service_id: m.service_id,
        user_id: m.user_id,
        at: from_db(m.at),
        answers: answers
            .into_iter()
            .map(|(k, v)| {
                let l = v.as_u64().and_then(|l| u8::try_from(l).ok());
                l.map(|l| (k, l)).ok_or_else(|| bad("rating level"))
            })
            .collect::<Result<_>>()?,
        dissatisfied: m.dissatisfied,
        comment: m.comment.as_deref().map(seal::open).transpose()?,
    })
}

/// The rating of a dossier, if it has one.
pub async fn of_dossier(c: &impl ConnectionTrait, dossier: Uuid) -> Result<Option<Rating>> {
    rating::Entity::find()
        .filter(rating::Column::DossierId.eq(dossier))
        .one(c)
        .await?
        .map(from)
        .transpose()
}

/// The ratings given in `[from, to)` (of an agency, or all).
pub async fn given(
    c: &impl ConnectionTrait,
    agency: Option<Uuid>,
    from_at: jiff::Timestamp,
    to_at: jiff::Timestamp,
) -> Result<Vec<Rating>> {
    let mut q = rating::Entity::find()
        .filter(rating::Column::At.gte(to_db(from_at)))
        .filter(rating::Column::At.lt(to_db(to_at)));
    if let Some(a) = agency {
        q = q.filter(rating::Column::AgencyId.eq(a));
    }
    q.all(c).await?.into_iter().map(from).collect()
}
