//! Moving stored personal data under the current key (R10.5): rows written in clear before
//! sealing began, and rows sealed under a key since rotated.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::Result;
use crate::entities::user;
use crate::seal::{self, Keyring};

/// Rows handled per query.
const BATCH: u64 = 500;

/// Whether a stored value must be sealed again: in clear, or (when rotating) under an older key.
fn stale(v: &str, rotating: bool, current: u32) -> bool {
    match Keyring::key_of(v) {
        None => true,
        Some(k) => rotating && k != current,
    }
}

/// Seals every personal value in clear and, when `rotating`, seals again under the current key
/// every value sealed under an older one. Answers how many rows changed. Runs in batches, each
/// in the caller's connection (run it in a transaction per call for atomicity per batch).
pub async fn reseal(c: &impl ConnectionTrait, rotating: bool) -> Result<u64> {
    let current = seal::keyring().current();
    let pattern = if rotating {
        format!("enc1:{current}:%")
    } else {
        "enc1:%".to_string()
    };
    let mut n = 0;
    n += reseal_users(c, &pattern, rotating, current).await?;
    for (table, column) in [
        ("dossiers", "form"),
        ("dossiers", "result_delivery"),
        ("dossiers", "contact"),
        ("notices", "recipient"),
        ("deliveries", "recipient"),
        ("second_factors", "secret"),
    ] {
        n += reseal_column(c, table, column, &pattern).await?;
    }
    Ok(n)
}

async fn reseal_users(
    c: &impl ConnectionTrait,
    pattern: &str,
    rotating: bool,
    current: u32,
) -> Result<u64> {
    let mut n = 0;
    let mut after = Uuid::nil();
    loop {
        let rows = user::Entity::find()
            .filter(user::Column::Id.gt(after))
            .filter(
                sea_orm::Condition::any()
                    .add(user::Column::IdNumber.not_like(pattern))
                    .add(user::Column::Phone.not_like(pattern)),
            )
            .order_by_asc(user::Column::Id)
            .limit(BATCH)
            .all(c)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(n);
        };
        after = last.id;
        for m in rows {
            let id = seal::open_opt(m.id_number.clone())?;
            let phone = seal::open_opt(m.phone.clone())?;
            let login = match &id {
                Some(i) if *i == m.login => seal::blind(i),
                _ => m.login.clone(),
            };
            let fresh = |v: &Option<String>, p: &Option<String>| match (v, p) {
                (Some(old), Some(plain)) if stale(old, rotating, current) => {
                    Some(seal::seal(plain))
                }
                _ => v.clone(),
            };
            user::Entity::update_many()
                .col_expr(
                    user::Column::IdNumber,
                    Expr::value(fresh(&m.id_number, &id)),
                )
                .col_expr(user::Column::Phone, Expr::value(fresh(&m.phone, &phone)))
                .col_expr(user::Column::Login, Expr::value(login))
                .col_expr(
                    user::Column::IdIndex,
                    Expr::value(id.as_deref().map(seal::blind)),
                )
                .filter(user::Column::Id.eq(m.id))
                .exec(c)
                .await?;
            n += 1;
        }
    }
}

/// Seals again, batch by batch, every value of one sealed column (`table.column`, keyed by
/// a UUID `id`) that does not match `pattern`; a NULL stays NULL.
async fn reseal_column(
    c: &impl ConnectionTrait,
    table: &str,
    column: &str,
    pattern: &str,
) -> Result<u64> {
    let backend = c.get_database_backend();
    let pg = backend == sea_orm::DbBackend::Postgres;
    let (p1, p2) = if pg { ("$1", "$2") } else { ("?", "?") };
    let select =
        format!("SELECT id, {column} FROM {table} WHERE {column} NOT LIKE {p1} LIMIT {BATCH}");
    let update = format!("UPDATE {table} SET {column} = {p1} WHERE id = {p2}");
    let mut n = 0;
    loop {
        let rows = c
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                &select,
                [pattern.into()],
            ))
            .await?;
        if rows.is_empty() {
            return Ok(n);
        }
        for r in rows {
            let id: Uuid = r.try_get_by_index(0).map_err(crate::StoreError::Db)?;
            let value: String = r.try_get_by_index(1).map_err(crate::StoreError::Db)?;
            let sealed = seal::seal(&seal::open(&value)?);
            c.execute_raw(Statement::from_sql_and_values(
                backend,
                &update,
                [sealed.into(), id.into()],
            ))
            .await?;
            n += 1;
        }
    }
}
