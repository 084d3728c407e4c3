//! The agency tree: agencies, units, successions (R2).
use motcua_domain::agency::{Agency, AgencyKind, Succession, SuccessionKind, Unit, UnitKind};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::entities::{agency, succession, unit};
use crate::time::{date_from_db, date_to_db, to_db};
use crate::{Result, StoreError};

fn agency_from(m: agency::Model) -> Agency {
    Agency {
        id: m.id,
        code: m.code,
        name: m.name,
        short_name: m.short_name,
        kind: AgencyKind::parse(&m.kind).unwrap_or(AgencyKind::Department),
        parent_id: m.parent_id,
        valid_from: date_from_db(m.valid_from),
        valid_to: m.valid_to.map(date_from_db),
    }
}

fn unit_from(m: unit::Model) -> Unit {
    Unit {
        id: m.id,
        agency_id: m.agency_id,
        code: m.code,
        name: m.name,
        kind: UnitKind::parse(&m.kind).unwrap_or(UnitKind::Other),
        valid_from: date_from_db(m.valid_from),
        valid_to: m.valid_to.map(date_from_db),
    }
}

pub async fn insert_agency(
    c: &impl ConnectionTrait,
    a: &Agency,
    now: jiff::Timestamp,
) -> Result<()> {
    agency::Entity::insert(agency::ActiveModel {
        id: Set(a.id),
        code: Set(a.code.clone()),
        name: Set(a.name.clone()),
        short_name: Set(a.short_name.clone()),
        kind: Set(a.kind.as_str().into()),
        parent_id: Set(a.parent_id),
        valid_from: Set(date_to_db(a.valid_from)),
        valid_to: Set(a.valid_to.map(date_to_db)),
        created_at: Set(to_db(now)),
        updated_at: Set(to_db(now)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn update_agency(
    c: &impl ConnectionTrait,
    a: &Agency,
    now: jiff::Timestamp,
) -> Result<()> {
    let res = agency::Entity::update_many()
        .set(agency::ActiveModel {
            code: Set(a.code.clone()),
            name: Set(a.name.clone()),
            short_name: Set(a.short_name.clone()),
            kind: Set(a.kind.as_str().into()),
            parent_id: Set(a.parent_id),
            valid_from: Set(date_to_db(a.valid_from)),
            valid_to: Set(a.valid_to.map(date_to_db)),
            updated_at: Set(to_db(now)),
            ..Default::default()
        })
        .filter(agency::Column::Id.eq(a.id))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn get_agency(c: &impl ConnectionTrait, id: Uuid) -> Result<Agency> {
    agency::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(agency_from)
        .ok_or(StoreError::NotFound)
}

pub async fn find_agency_by_code(c: &impl ConnectionTrait, code: &str) -> Result<Option<Agency>> {
    Ok(agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .one(c)
        .await?
        .map(agency_from))
}

/// Every agency, by code.
pub async fn list_agencies(c: &impl ConnectionTrait) -> Result<Vec<Agency>> {
    Ok(agency::Entity::find()
        .order_by_asc(agency::Column::Code)
        .all(c)
        .await?
        .into_iter()
        .map(agency_from)
        .collect())
}

pub async fn insert_unit(c: &impl ConnectionTrait, u: &Unit, now: jiff::Timestamp) -> Result<()> {
    unit::Entity::insert(unit::ActiveModel {
        id: Set(u.id),
        agency_id: Set(u.agency_id),
        code: Set(u.code.clone()),
        name: Set(u.name.clone()),
        kind: Set(u.kind.as_str().into()),
        valid_from: Set(date_to_db(u.valid_from)),
        valid_to: Set(u.valid_to.map(date_to_db)),
        created_at: Set(to_db(now)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn update_unit(c: &impl ConnectionTrait, u: &Unit) -> Result<()> {
    let res = unit::Entity::update_many()
        .set(unit::ActiveModel {
            name: Set(u.name.clone()),
            kind: Set(u.kind.as_str().into()),
            valid_from: Set(date_to_db(u.valid_from)),
            valid_to: Set(u.valid_to.map(date_to_db)),
            ..Default::default()
        })
        .filter(unit::Column::Id.eq(u.id))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn get_unit(c: &impl ConnectionTrait, id: Uuid) -> Result<Unit> {
    unit::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(unit_from)
        .ok_or(StoreError::NotFound)
}

/// The units of one agency (or of all agencies), by agency and code.
pub async fn list_units(c: &impl ConnectionTrait, agency_id: Option<Uuid>) -> Result<Vec<Unit>> {
    let mut q = unit::Entity::find();
    if let Some(a) = agency_id {
        q = q.filter(unit::Column::AgencyId.eq(a));
    }
    Ok(q.order_by_asc(unit::Column::AgencyId)
        .order_by_asc(unit::Column::Code)
        .all(c)
        .await?
        .into_iter()
        .map(unit_from)
        .collect())
}

pub async fn insert_succession(c: &impl ConnectionTrait, s: &Succession) -> Result<()> {
    succession::Entity::insert(succession::ActiveModel {
        id: Set(Uuid::now_v7()),
        predecessor_id: Set(s.predecessor_id),
        successor_id: Set(s.successor_id),
        kind: Set(s.kind.as_str().into()),
        effective_on: Set(date_to_db(s.effective_on)),
        note: Set(s.note.clone()),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// Every succession link, oldest first.
pub async fn list_successions(c: &impl ConnectionTrait) -> Result<Vec<Succession>> {
    Ok(succession::Entity::find()
        .order_by_asc(succession::Column::EffectiveOn)
        .all(c)
        .await?
        .into_iter()
        .map(|m| Succession {
            predecessor_id: m.predecessor_id,
            successor_id: m.successor_id,
            kind: SuccessionKind::parse(&m.kind).unwrap_or(SuccessionKind::Transfer),
            effective_on: date_from_db(m.effective_on),
            note: m.note,
        })
        .collect())
}
