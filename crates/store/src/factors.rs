//! The staff's second factor (R4.6): one TOTP secret per account, sealed like personal data
//! (it must be read back to check a code), the last step used, and single-use recovery codes
//! stored as hashes (the caller hashes).
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Result;
use crate::entities::{recovery_code, second_factor};
use crate::seal;
use crate::time::to_db;

/// An account's factor: its secret, whether enrolment was confirmed with a code, and the last
/// step a code was accepted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    pub secret: Vec<u8>,
    pub confirmed: bool,
    pub last_step: Option<i64>,
}

/// The account's factor, if it has one (confirmed or being enrolled).
pub async fn get(c: &impl ConnectionTrait, user: Uuid) -> Result<Option<Factor>> {
    let Some(m) = second_factor::Entity::find_by_id(user).one(c).await? else {
        return Ok(None);
    };
    let secret = hex::decode(seal::open(&m.secret)?)
        .map_err(|e| crate::StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    Ok(Some(Factor {
        secret,
        confirmed: m.confirmed_at.is_some(),
        last_step: m.last_step,
    }))
}

/// Starts an enrolment with a new secret, replacing an unconfirmed one; an account with a
/// confirmed factor keeps it (answers false).
pub async fn begin(
    c: &impl ConnectionTrait,
    user: Uuid,
    secret: &[u8],
    now: jiff::Timestamp,
) -> Result<bool> {
    second_factor::Entity::delete_many()
        .filter(second_factor::Column::Id.eq(user))
        .filter(second_factor::Column::ConfirmedAt.is_null())
        .exec(c)
        .await?;
    if second_factor::Entity::find_by_id(user)
        .one(c)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    second_factor::Entity::insert(second_factor::ActiveModel {
        id: Set(user),
        secret: Set(seal::seal(&hex::encode(secret))),
        confirmed_at: Set(None),
        last_step: Set(None),
        created_at: Set(to_db(now)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(true)
}

/// Records that a code of `step` was accepted, if no code of that step or a later one was
/// (answers false otherwise: the code was used). Confirms an enrolment on its first code.
pub async fn use_step(
    c: &impl ConnectionTrait,
    user: Uuid,
    step: i64,
    now: jiff::Timestamp,
) -> Result<bool> {
    let res = second_factor::Entity::update_many()
        .col_expr(second_factor::Column::LastStep, Expr::value(step))
        .col_expr(
            second_factor::Column::ConfirmedAt,
            Expr::col(second_factor::Column::ConfirmedAt).if_null(to_db(now)),
        )
        .filter(second_factor::Column::Id.eq(user))
        .filter(
            second_factor::Column::LastStep
                .is_null()
                .or(second_factor::Column::LastStep.lt(step)),
        )
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Replaces the account's recovery codes.
pub async fn set_recovery(c: &impl ConnectionTrait, user: Uuid, hashes: &[String]) -> Result<()> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user))
        .exec(c)
        .await?;
    recovery_code::Entity::insert_many(hashes.iter().map(|h| recovery_code::ActiveModel {
        code_hash: Set(h.clone()),
        user_id: Set(user),
        used_at: Set(None),
    }))
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// Uses one of the account's recovery codes, once (false: not one of its unused codes).
pub async fn use_recovery(
    c: &impl ConnectionTrait,
    user: Uuid,
    hash: &str,
    now: jiff::Timestamp,
) -> Result<bool> {
    let res = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::value(to_db(now)))
        .filter(recovery_code::Column::CodeHash.eq(hash))
        .filter(recovery_code::Column::UserId.eq(user))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The account's unused recovery codes.
pub async fn recovery_left(c: &impl ConnectionTrait, user: Uuid) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(c)
        .await?)
}

/// Removes the account's factor and recovery codes (a reset); answers whether it had one.
pub async fn remove(c: &impl ConnectionTrait, user: Uuid) -> Result<bool> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user))
        .exec(c)
        .await?;
    let res = second_factor::Entity::delete_many()
        .filter(second_factor::Column::Id.eq(user))
        .exec(c)
        .await?;
    Ok(res.rows_affected > 0)
}
