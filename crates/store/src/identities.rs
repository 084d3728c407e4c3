//! The identities people log in with at an identity provider (R6.2: the national identity,
//! over OpenID Connect), each linked to one account: the provider's issuer and its subject
//! identifier for the person (stable, opaque, not personal data by itself).
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Result;
use crate::entities::external_identity;
use crate::time::to_db;

/// The account an identity is linked to, if it is.
pub async fn account_of(
    c: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
) -> Result<Option<Uuid>> {
    Ok(
        external_identity::Entity::find_by_id((issuer.to_string(), subject.to_string()))
            .one(c)
            .await?
            .map(|m| m.user_id),
    )
}

/// Links an identity to an account (a second link of the same identity is a `Conflict`).
pub async fn link(
    c: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
    user: Uuid,
    now: jiff::Timestamp,
) -> Result<()> {
    external_identity::Entity::insert(external_identity::ActiveModel {
        issuer: Set(issuer.into()),
        subject: Set(subject.into()),
        user_id: Set(user),
        linked_at: Set(to_db(now)),
        last_login_at: Set(to_db(now)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// Records a log-in with the identity.
pub async fn touch(
    c: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    external_identity::Entity::update_many()
        .col_expr(
            external_identity::Column::LastLoginAt,
            Expr::value(to_db(now)),
        )
        .filter(external_identity::Column::Issuer.eq(issuer))
        .filter(external_identity::Column::Subject.eq(subject))
        .exec(c)
        .await?;
    Ok(())
}
