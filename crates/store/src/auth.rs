//! Sessions, API tokens, single-use account tokens and log-in throttling. Every secret is
//! stored only as its SHA-256 hash; the caller hashes.
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::Result;
use crate::entities::{api_token, session, throttle, user_token};
use crate::time::{from_db, to_db};

/// A server-side session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: Uuid,
    pub created_at: jiff::Timestamp,
    pub last_seen_at: jiff::Timestamp,
    pub expires_at: jiff::Timestamp,
    pub idle_secs: i64,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

fn session_from(m: session::Model) -> SessionRow {
    SessionRow {
        id_hash: m.id_hash,
        user_id: m.user_id,
        created_at: from_db(m.created_at),
        last_seen_at: from_db(m.last_seen_at),
        expires_at: from_db(m.expires_at),
        idle_secs: m.idle_secs,
        client_ip: m.client_ip,
        user_agent: m.user_agent,
    }
}

pub async fn insert_session(c: &impl ConnectionTrait, s: &SessionRow) -> Result<()> {
    session::Entity::insert(session::ActiveModel {
        id_hash: Set(s.id_hash.clone()),
        user_id: Set(s.user_id),
        created_at: Set(to_db(s.created_at)),
        last_seen_at: Set(to_db(s.last_seen_at)),
        expires_at: Set(to_db(s.expires_at)),
        idle_secs: Set(s.idle_secs),
        client_ip: Set(s.client_ip.clone()),
        user_agent: Set(s.user_agent.clone()),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn get_session(c: &impl ConnectionTrait, id_hash: &str) -> Result<Option<SessionRow>> {
    Ok(session::Entity::find_by_id(id_hash.to_string())
        .one(c)
        .await?
        .map(session_from))
}

pub async fn touch_session(
    c: &impl ConnectionTrait,
    id_hash: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(to_db(now)))
        .filter(session::Column::IdHash.eq(id_hash))
        .exec(c)
        .await?;
    Ok(())
}

pub async fn delete_session(c: &impl ConnectionTrait, id_hash: &str) -> Result<()> {
    session::Entity::delete_by_id(id_hash.to_string())
        .exec(c)
        .await?;
    Ok(())
}

/// Ends every session of an account except, optionally, one. Returns how many ended.
pub async fn delete_user_sessions(
    c: &impl ConnectionTrait,
    user_id: Uuid,
    except: Option<&str>,
) -> Result<u64> {
    let mut q = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = except {
        q = q.filter(session::Column::IdHash.ne(keep));
    }
    Ok(q.exec(c).await?.rows_affected)
}

pub async fn list_user_sessions(
    c: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<SessionRow>> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .order_by_desc(session::Column::LastSeenAt)
        .all(c)
        .await?
        .into_iter()
        .map(session_from)
        .collect())
}

/// Removes sessions past their absolute expiry.
pub async fn purge_expired_sessions(c: &impl ConnectionTrait, now: jiff::Timestamp) -> Result<u64> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(to_db(now)))
        .exec(c)
        .await?
        .rows_affected)
}

pub async fn insert_api_token(
    c: &impl ConnectionTrait,
    user_id: Uuid,
    token_hash: &str,
    now: jiff::Timestamp,
    expires_at: jiff::Timestamp,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    api_token::Entity::insert(api_token::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        token_hash: Set(token_hash.into()),
        created_at: Set(to_db(now)),
        expires_at: Set(to_db(expires_at)),
        revoked_at: Set(None),
    })
    .exec_without_returning(c)
    .await?;
    Ok(id)
}

/// The account an unexpired, unrevoked API token belongs to, and when the token expires.
pub async fn find_api_token(
    c: &impl ConnectionTrait,
    token_hash: &str,
    now: jiff::Timestamp,
) -> Result<Option<(Uuid, jiff::Timestamp)>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(api_token::Column::ExpiresAt.gt(to_db(now)))
        .one(c)
        .await?
        .map(|m| (m.user_id, from_db(m.expires_at))))
}

pub async fn revoke_api_token(
    c: &impl ConnectionTrait,
    token_hash: &str,
    now: jiff::Timestamp,
) -> Result<u64> {
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(to_db(now)))
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(c)
        .await?
        .rows_affected)
}

pub async fn revoke_user_api_tokens(
    c: &impl ConnectionTrait,
    user_id: Uuid,
    now: jiff::Timestamp,
) -> Result<u64> {
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(to_db(now)))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(c)
        .await?
        .rows_affected)
}

pub async fn insert_user_token(
    c: &impl ConnectionTrait,
    token_hash: &str,
    user_id: Uuid,
    purpose: &str,
    now: jiff::Timestamp,
    expires_at: jiff::Timestamp,
) -> Result<()> {
    user_token::Entity::insert(user_token::ActiveModel {
        token_hash: Set(token_hash.into()),
        user_id: Set(user_id),
        purpose: Set(purpose.into()),
        created_at: Set(to_db(now)),
        expires_at: Set(to_db(expires_at)),
        used_at: Set(None),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// Uses a single-use token: marks it used and answers its account and purpose, if it was
/// unused, unexpired and its purpose starts with `purpose_prefix`. A second use finds nothing;
/// an empty prefix finds nothing either (every use names the purposes it serves).
pub async fn take_user_token(
    c: &impl ConnectionTrait,
    token_hash: &str,
    purpose_prefix: &str,
    now: jiff::Timestamp,
) -> Result<Option<(Uuid, String)>> {
    if purpose_prefix.is_empty() {
        return Ok(None);
    }
    let res = user_token::Entity::update_many()
        .col_expr(user_token::Column::UsedAt, Expr::value(to_db(now)))
        .filter(user_token::Column::TokenHash.eq(token_hash))
        .filter(user_token::Column::Purpose.starts_with(purpose_prefix))
        .filter(user_token::Column::UsedAt.is_null())
        .filter(user_token::Column::ExpiresAt.gt(to_db(now)))
        .exec(c)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    Ok(user_token::Entity::find_by_id(token_hash.to_string())
        .one(c)
        .await?
        .map(|m| (m.user_id, m.purpose)))
}

/// The account a live, unused token belongs to, without using it (an empty prefix finds
/// nothing).
pub async fn peek_user_token(
    c: &impl ConnectionTrait,
    token_hash: &str,
    purpose_prefix: &str,
    now: jiff::Timestamp,
) -> Result<Option<Uuid>> {
    if purpose_prefix.is_empty() {
        return Ok(None);
    }
    Ok(user_token::Entity::find_by_id(token_hash.to_string())
        .filter(user_token::Column::Purpose.starts_with(purpose_prefix))
        .filter(user_token::Column::UsedAt.is_null())
        .filter(user_token::Column::ExpiresAt.gt(to_db(now)))
        .one(c)
        .await?
        .map(|m| m.user_id))
}

/// Invalidates the unused tokens of an account for a purpose (e.g. after a password reset).
pub async fn expire_user_tokens(
    c: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    user_token::Entity::update_many()
        .col_expr(user_token::Column::UsedAt, Expr::value(to_db(now)))
        .filter(user_token::Column::UserId.eq(user_id))
        .filter(user_token::Column::Purpose.starts_with(purpose))
        .filter(user_token::Column::UsedAt.is_null())
        .exec(c)
        .await?;
    Ok(())
}

/// Failures counted against `key` in the current window (0 when the window has passed).
pub async fn throttle_count(
    c: &impl ConnectionTrait,
    key: &str,
    window: jiff::SignedDuration,
    now: jiff::Timestamp,
) -> Result<(i32, jiff::Timestamp)> {
    Ok(
        match throttle::Entity::find_by_id(key.to_string()).one(c).await? {
            Some(m) => {
                let start = from_db(m.window_start);
                let end = start + window;
                if end > now {
                    (m.failures, end)
                } else {
                    (0, now + window)
                }
            }
            None => (0, now + window),
        },
    )
}

/// Counts one failure against `key` (in the caller's write transaction); answers the new count.
pub async fn throttle_fail(
    c: &impl ConnectionTrait,
    key: &str,
    window: jiff::SignedDuration,
    now: jiff::Timestamp,
) -> Result<i32> {
    Ok(throttle_hit(c, key, window, now).await?.0)
}

/// Counts one attempt against `key` (in the caller's write transaction); answers the count with
/// it and when its window ends. Atomic under concurrency on both engines: the row is created if
/// missing (insert or ignore), then one UPDATE increments it or starts a new window; the row lock
/// serialises writers.
pub async fn throttle_hit(
    c: &impl ConnectionTrait,
    key: &str,
    window: jiff::SignedDuration,
    now: jiff::Timestamp,
) -> Result<(i32, jiff::Timestamp)> {
    use sea_orm::sea_query::{CaseStatement, OnConflict};
    throttle::Entity::insert(throttle::ActiveModel {
        key: Set(key.into()),
        window_start: Set(to_db(now)),
        failures: Set(0),
        last_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(throttle::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    let in_window = throttle::Column::WindowStart.gt(to_db(now - window));
    throttle::Entity::update_many()
        .col_expr(
            throttle::Column::Failures,
            CaseStatement::new()
                .case(
                    in_window.clone(),
                    Expr::col(throttle::Column::Failures).add(1),
                )
                .finally(Expr::value(1))
                .into(),
        )
        .col_expr(
            throttle::Column::WindowStart,
            CaseStatement::new()
                .case(in_window, Expr::col(throttle::Column::WindowStart))
                .finally(Expr::value(to_db(now)))
                .into(),
        )
        .col_expr(throttle::Column::LastAt, Expr::value(to_db(now)))
        .filter(throttle::Column::Key.eq(key))
        .exec(c)
        .await?;
    let row = throttle::Entity::find_by_id(key.to_string())
        .one(c)
        .await?
        .ok_or(crate::StoreError::NotFound)?;
    Ok((row.failures, from_db(row.window_start) + window))
}

/// The attempts counted against `key` in its window and when the last was, before counting one
/// more.
pub async fn throttle_last(
    c: &impl ConnectionTrait,
    key: &str,
    window: jiff::SignedDuration,
    now: jiff::Timestamp,
) -> Result<(i32, Option<jiff::Timestamp>)> {
    Ok(
        match throttle::Entity::find_by_id(key.to_string()).one(c).await? {
            Some(m) if from_db(m.window_start) + window > now => {
                (m.failures, m.last_at.map(from_db))
            }
            _ => (0, None),
        },
    )
}

/// Takes back one attempt counted against `key` (the attempt succeeded).
pub async fn throttle_undo(c: &impl ConnectionTrait, key: &str) -> Result<()> {
    use sea_orm::sea_query::CaseStatement;
    throttle::Entity::update_many()
        .col_expr(
            throttle::Column::Failures,
            CaseStatement::new()
                .case(
                    throttle::Column::Failures.gt(0),
                    Expr::col(throttle::Column::Failures).sub(1),
                )
                .finally(Expr::value(0))
                .into(),
        )
        .filter(throttle::Column::Key.eq(key))
        .exec(c)
        .await?;
    Ok(())
}

/// Deletes throttle windows that started before `before` (housekeeping).
pub async fn purge_throttles(c: &impl ConnectionTrait, before: jiff::Timestamp) -> Result<u64> {
    let r = throttle::Entity::delete_many()
        .filter(throttle::Column::WindowStart.lt(to_db(before)))
        .exec(c)
        .await?;
    Ok(r.rows_affected)
}

pub async fn throttle_clear(c: &impl ConnectionTrait, key: &str) -> Result<()> {
    throttle::Entity::delete_by_id(key.to_string())
        .exec(c)
        .await?;
    Ok(())
}
