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
