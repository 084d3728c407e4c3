//! Settings the administrators edit at run time (the working calendar's yearly decisions,
//! R8.1a), one JSON text per key.
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::Result;
use crate::entities::setting;
use crate::time::{from_db, to_db};

/// The calendar data (`CalendarData` as JSON) that replaces the shipped default.
pub const CALENDAR: &str = "calendar";
/// Changed with every change of the catalogue's search index, so that every server copy knows
/// to read the index again (R4.2).
pub const CATALOGUE_REVISION: &str = "catalogue_revision";

/// The state of the re-scan of stored files (R4.4): the scanner's database and how far it got.
pub const SCAN_STATE: &str = "scan_state";

/// Replaces the value under `key` only if it is still `old`: answers whether it was (of
/// several server copies, one wins).
pub async fn replace(
    c: &impl ConnectionTrait,
    key: &str,
    old: &str,
    new: &str,
    at: jiff::Timestamp,
) -> Result<bool> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let r = setting::Entity::update_many()
        .col_expr(setting::Column::Value, sea_orm::sea_query::Expr::value(new))
        .col_expr(
            setting::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(to_db(at)),
        )
        .filter(setting::Column::Key.eq(key))
        .filter(setting::Column::Value.eq(old))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Stores `value` under `key` only if nothing is there yet: answers whether it was stored (of
/// several server copies, one wins).
pub async fn insert_new(
    c: &impl ConnectionTrait,
    key: &str,
    value: &str,
    at: jiff::Timestamp,
) -> Result<bool> {
    let n = setting::Entity::insert(setting::ActiveModel {
        key: Set(key.into()),
        value: Set(value.into()),
        updated_at: Set(to_db(at)),
        updated_by: Set(None),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    Ok(n == 1)
}

/// The value stored under `key`, when and by whom it was last changed.
pub async fn get(
    c: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<(String, jiff::Timestamp, Option<Uuid>)>> {
    Ok(setting::Entity::find_by_id(key.to_string())
        .one(c)
        .await?
        .map(|m| (m.value, from_db(m.updated_at), m.updated_by)))
}

pub async fn put(
    c: &impl ConnectionTrait,
    key: &str,
    value: &str,
    at: jiff::Timestamp,
    by: Option<Uuid>,
) -> Result<()> {
    setting::Entity::insert(setting::ActiveModel {
        key: Set(key.into()),
        value: Set(value.into()),
        updated_at: Set(to_db(at)),
        updated_by: Set(by),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_columns([
                setting::Column::Value,
                setting::Column::UpdatedAt,
                setting::Column::UpdatedBy,
            ])
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    Ok(())
}
