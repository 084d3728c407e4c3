//! Accounts, role grants and the duty roster.
use motcua_domain::account::{AccountKind, Role, User};
use motcua_domain::authz::Grant;
pub use motcua_domain::record::{Duty, StaffGrant};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{duty, grant, user};
use crate::seal::{self, Keyring};
use crate::time::{date_from_db, date_to_db, from_db, to_db};
use crate::{Result, StoreError};

/// An account as stored: its identity number and phone sealed, and a login that is an identity
/// number kept only as its blind index (R10.5).
fn user_from(m: user::Model) -> Result<User> {
    let id_number = seal::open_opt(m.id_number)?;
    let login = match (&id_number, Keyring::is_blind(&m.login)) {
        (Some(id), true) => id.clone(),
        _ => m.login,
    };
    Ok(User {
        id: m.id,
        kind: AccountKind::parse(&m.kind).unwrap_or(AccountKind::Citizen),
        login,
        email: m.email,
        email_verified: m.email_verified_at.is_some(),
        phone: seal::open_opt(m.phone)?,
        full_name: m.full_name,
        id_number,
        home_agency_id: m.home_agency_id,
        disabled: m.disabled_at.is_some(),
        created_at: from_db(m.created_at),
    })
}

/// What the `login` column holds: an identity number as its blind index, a staff name as it is.
fn stored_login(u: &User) -> String {
    match &u.id_number {
        Some(id) if *id == u.login => seal::blind(id),
        _ => u.login.clone(),
    }
}

/// Inserts an account. Unique login, e-mail and (kind, id number) are enforced by the schema.
pub async fn insert_user(
    c: &impl ConnectionTrait,
    u: &User,
    password_hash: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    user::Entity::insert(user::ActiveModel {
        id: Set(u.id),
        kind: Set(u.kind.as_str().into()),
        login: Set(stored_login(u)),
        email: Set(u.email.clone()),
        email_verified_at: Set(u.email_verified.then(|| to_db(now))),
        phone: Set(seal::seal_opt(u.phone.as_deref())),
        full_name: Set(u.full_name.clone()),
        id_number: Set(seal::seal_opt(u.id_number.as_deref())),
        id_index: Set(u.id_number.as_deref().map(seal::blind)),
        restricted_at: Set(None),
        home_agency_id: Set(u.home_agency_id),
        password_hash: Set(password_hash.into()),
        disabled_at: Set(u.disabled.then(|| to_db(now))),
        created_at: Set(to_db(now)),
        updated_at: Set(to_db(now)),
        notify_email: Set(true),
        notify_sms: Set(false),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// The kind of an account (none: no such account).
pub async fn account_kind(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<AccountKind>> {
    Ok(user::Entity::find_by_id(id)
        .select_only()
        .column(user::Column::Kind)
        .into_tuple::<String>()
        .one(c)
        .await?
        .and_then(|k| AccountKind::parse(&k)))
}

pub async fn get_user(c: &impl ConnectionTrait, id: Uuid) -> Result<User> {
    user::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(user_from)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// The display names of some accounts (one query); unknown ids are left out.
pub async fn full_names(c: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::FullName])
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(c)
        .await?)
}

/// Locks a person's row until the transaction ends (PostgreSQL: `FOR UPDATE`; SQLite's one
/// writer holds the whole database already), so that checks over all their dossiers (storage
/// quota, number of drafts) and the write they allow happen as one.
pub async fn lock_user(c: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    user::Entity::find_by_id(id)
        .select_only()
        .column(user::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(())
}

/// The account a log-in name designates (its login, or its e-mail address), with its hash.
pub async fn find_for_login(
    c: &impl ConnectionTrait,
    login: &str,
) -> Result<Option<(User, String)>> {
    let login = login.trim();
    let lower = login.to_lowercase();
    user::Entity::find()
        .filter(
            Condition::any()
                .add(user::Column::Login.eq(lower.clone()))
                .add(user::Column::Login.eq(login))
                .add(user::Column::Login.eq(seal::blind(login)))
                .add(user::Column::Email.eq(lower)),
        )
        .one(c)
        .await?
        .map(|m| {
            let h = m.password_hash.clone();
            Ok::<_, StoreError>((user_from(m)?, h))
        })
        .transpose()
}

pub async fn find_by_email(c: &impl ConnectionTrait, email: &str) -> Result<Option<User>> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email.to_lowercase()))
        .one(c)
        .await?
        .map(user_from)
        .transpose()
}

pub async fn password_hash(c: &impl ConnectionTrait, id: Uuid) -> Result<String> {
    user::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(|m| m.password_hash)
        .ok_or(StoreError::NotFound)
}

async fn update(c: &impl ConnectionTrait, id: Uuid, am: user::ActiveModel) -> Result<()> {
    let res = user::Entity::update_many()
        .set(am)
        .filter(user::Column::Id.eq(id))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn set_password(
    c: &impl ConnectionTrait,
    id: Uuid,
    hash: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    update(
        c,
        id,
        user::ActiveModel {
            password_hash: Set(hash.into()),
            updated_at: Set(to_db(now)),
            ..Default::default()
        },
    )
    .await
}

pub async fn set_email_verified(
    c: &impl ConnectionTrait,
    id: Uuid,
    now: jiff::Timestamp,
) -> Result<()> {
    update(
        c,
        id,
        user::ActiveModel {
            email_verified_at: Set(Some(to_db(now))),
            updated_at: Set(to_db(now)),
            ..Default::default()
        },
    )
    .await
}

/// Changes contact details. A changed e-mail address must be confirmed again.
pub async fn set_contact(
    c: &impl ConnectionTrait,
    id: Uuid,
    email: Option<String>,
    email_changed: bool,
    phone: Option<String>,
    now: jiff::Timestamp,
) -> Result<()> {
    let mut am = user::ActiveModel {
        email: Set(email),
        phone: Set(seal::seal_opt(phone.as_deref())),
        updated_at: Set(to_db(now)),
        ..Default::default()
    };
    if email_changed {
        am.email_verified_at = Set(None);
    }
    update(c, id, am).await
}

pub async fn set_staff_details(
    c: &impl ConnectionTrait,
    id: Uuid,
    full_name: &str,
    home_agency_id: Option<Uuid>,
    now: jiff::Timestamp,
) -> Result<()> {
    update(
        c,
        id,
        user::ActiveModel {
            full_name: Set(full_name.into()),
            home_agency_id: Set(home_agency_id),
            updated_at: Set(to_db(now)),
            ..Default::default()
        },
    )
    .await
}

pub async fn set_disabled(
    c: &impl ConnectionTrait,
    id: Uuid,
    disabled: bool,
    now: jiff::Timestamp,
) -> Result<()> {
    update(
        c,
        id,
        user::ActiveModel {
            disabled_at: Set(disabled.then(|| to_db(now))),
            updated_at: Set(to_db(now)),
            ..Default::default()
        },
    )
    .await
}

/// Staff accounts, optionally only those whose home agency is in `agencies`, by login.
pub async fn list_staff(
    c: &impl ConnectionTrait,
    agencies: Option<&[Uuid]>,
    limit: u64,
) -> Result<Vec<User>> {
    let mut q = user::Entity::find().filter(user::Column::Kind.eq(AccountKind::Staff.as_str()));
    if let Some(a) = agencies {
        q = q.filter(user::Column::HomeAgencyId.is_in(a.iter().copied()));
    }
    q.order_by_asc(user::Column::Login)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(user_from)
        .collect()
}

pub async fn insert_grant(
    c: &impl ConnectionTrait,
    user_id: Uuid,
    g: &Grant,
    by: Option<Uuid>,
    now: jiff::Timestamp,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    grant::Entity::insert(grant::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        role: Set(g.role.as_str().into()),
        agency_id: Set(g.agency_id),
        unit_id: Set(g.unit_id),
        granted_by: Set(by),
        granted_at: Set(to_db(now)),
        revoked_at: Set(None),
        revoked_by: Set(None),
    })
    .exec_without_returning(c)
    .await?;
    Ok(id)
}

/// Revokes an active grant; `NotFound` if it is not active.
pub async fn revoke_grant(
    c: &impl ConnectionTrait,
    id: Uuid,
    by: Option<Uuid>,
    now: jiff::Timestamp,
) -> Result<()> {
    let res = grant::Entity::update_many()
        .col_expr(grant::Column::RevokedAt, Expr::value(to_db(now)))
        .col_expr(grant::Column::RevokedBy, Expr::value(by))
        .filter(grant::Column::Id.eq(id))
        .filter(grant::Column::RevokedAt.is_null())
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

fn grant_from(m: grant::Model) -> Option<StaffGrant> {
    Some(StaffGrant {
        id: m.id,
        user_id: m.user_id,
        grant: Grant {
            role: Role::parse(&m.role)?,
            agency_id: m.agency_id,
            unit_id: m.unit_id,
        },
        granted_at: from_db(m.granted_at),
    })
}

/// The active grants of one account.
pub async fn active_grants(c: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<StaffGrant>> {
    Ok(grant::Entity::find()
        .filter(grant::Column::UserId.eq(user_id))
        .filter(grant::Column::RevokedAt.is_null())
        .order_by_asc(grant::Column::GrantedAt)
        .all(c)
        .await?
        .into_iter()
        .filter_map(grant_from)
        .collect())
}

/// The active holders of a role at an agency, each with the units their grants name (`None`:
/// the whole agency), by name.
pub async fn holders(
    c: &impl ConnectionTrait,
    role: motcua_domain::account::Role,
    agency: Uuid,
) -> Result<Vec<(User, Vec<Option<Uuid>>)>> {
    let grants = grant::Entity::find()
        .filter(grant::Column::Role.eq(role.as_str()))
        .filter(grant::Column::AgencyId.eq(agency))
        .filter(grant::Column::RevokedAt.is_null())
        .all(c)
        .await?;
    let ids: Vec<Uuid> = grants.iter().map(|g| g.user_id).collect();
    let mut users: Vec<(User, Vec<Option<Uuid>>)> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(c)
        .await?
        .into_iter()
        .map(user_from)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| {
            let units = grants
                .iter()
                .filter(|g| g.user_id == u.id)
                .map(|g| g.unit_id)
                .collect();
            (u, units)
        })
        .collect();
    users.sort_by(|a, b| a.0.full_name.cmp(&b.0.full_name));
    Ok(users)
}

pub async fn get_grant(c: &impl ConnectionTrait, id: Uuid) -> Result<StaffGrant> {
    grant::Entity::find_by_id(id)
        .filter(grant::Column::RevokedAt.is_null())
        .one(c)
        .await?
        .and_then(grant_from)
        .ok_or(StoreError::NotFound)
}

pub async fn insert_duty(
    c: &impl ConnectionTrait,
    d: &Duty,
    by: Option<Uuid>,
    now: jiff::Timestamp,
) -> Result<()> {
    duty::Entity::insert(duty::ActiveModel {
        id: Set(d.id),
        unit_id: Set(d.unit_id),
        user_id: Set(d.user_id),
        starts_on: Set(date_to_db(d.starts_on)),
        ends_on: Set(d.ends_on.map(date_to_db)),
        created_by: Set(by),
        created_at: Set(to_db(now)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn delete_duty(c: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    let res = duty::Entity::delete_by_id(id).exec(c).await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn get_duty(c: &impl ConnectionTrait, id: Uuid) -> Result<Duty> {
    duty::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(duty_from)
        .ok_or(StoreError::NotFound)
}

fn duty_from(m: duty::Model) -> Duty {
    Duty {
        id: m.id,
        unit_id: m.unit_id,
        user_id: m.user_id,
        starts_on: date_from_db(m.starts_on),
        ends_on: m.ends_on.map(date_from_db),
    }
}

/// The roster of a desk: every turn (past, current and future), by start date.
pub async fn list_duty(c: &impl ConnectionTrait, unit_id: Uuid) -> Result<Vec<Duty>> {
    Ok(duty::Entity::find()
        .filter(duty::Column::UnitId.eq(unit_id))
        .order_by_asc(duty::Column::StartsOn)
        .all(c)
        .await?
        .into_iter()
        .map(duty_from)
        .collect())
}

/// Who is on duty on `day` at any of these desks (R10.6).
pub async fn on_duty(
    c: &impl ConnectionTrait,
    desks: &[Uuid],
    day: jiff::civil::Date,
) -> Result<Vec<Uuid>> {
    let d = date_to_db(day);
    let mut ids: Vec<Uuid> = duty::Entity::find()
        .filter(duty::Column::UnitId.is_in(desks.iter().copied()))
        .filter(duty::Column::StartsOn.lte(d))
        .filter(
            sea_orm::Condition::any()
                .add(duty::Column::EndsOn.is_null())
                .add(duty::Column::EndsOn.gte(d)),
        )
        .all(c)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// A person's channel choices (the inbox is always on): (e-mail, SMS).
pub async fn notify_prefs(c: &impl ConnectionTrait, id: Uuid) -> Result<(bool, bool)> {
    user::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(|m| (m.notify_email, m.notify_sms))
        .ok_or(StoreError::NotFound)
}

pub async fn set_notify_prefs(
    c: &impl ConnectionTrait,
    id: Uuid,
    email: bool,
    sms: bool,
) -> Result<()> {
    update(
        c,
        id,
        user::ActiveModel {
            notify_email: Set(email),
            notify_sms: Set(sms),
            ..Default::default()
        },
    )
    .await
}

/// Deletes the public accounts created before `created_before` whose e-mail was never confirmed
/// (they could never log in: no dossier, no session), with their tokens and notices. Answers how
/// many.
pub async fn delete_unconfirmed(
    c: &impl ConnectionTrait,
    created_before: jiff::Timestamp,
) -> Result<u64> {
    use crate::entities::{api_token, delivery, notice, outbox, session, user_token};
    use sea_orm::sea_query::Query;
    let ids: Vec<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Kind.ne(AccountKind::Staff.as_str()))
        .filter(user::Column::EmailVerifiedAt.is_null())
        .filter(user::Column::CreatedAt.lt(to_db(created_before)))
        .into_tuple()
        .all(c)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let their_notices = Query::select()
        .column(notice::Column::Id)
        .from(notice::Entity)
        .and_where(notice::Column::UserId.is_in(ids.clone()))
        .to_owned();
    delivery::Entity::delete_many()
        .filter(delivery::Column::NoticeId.in_subquery(their_notices))
        .exec(c)
        .await?;
    notice::Entity::delete_many()
        .filter(notice::Column::UserId.is_in(ids.clone()))
        .exec(c)
        .await?;
    outbox::Entity::delete_many()
        .filter(outbox::Column::UserId.is_in(ids.clone()))
        .exec(c)
        .await?;
    user_token::Entity::delete_many()
        .filter(user_token::Column::UserId.is_in(ids.clone()))
        .exec(c)
        .await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.is_in(ids.clone()))
        .exec(c)
        .await?;
    api_token::Entity::delete_many()
        .filter(api_token::Column::UserId.is_in(ids.clone()))
        .exec(c)
        .await?;
    let r = user::Entity::delete_many()
        .filter(user::Column::Id.is_in(ids))
        .exec(c)
        .await?;
    Ok(r.rows_affected)
}

/// Marks an account restricted (R10.5): its data is kept only as the law requires.
pub async fn restrict(c: &impl ConnectionTrait, id: Uuid, now: jiff::Timestamp) -> Result<()> {
    update(
        c,
        id,
        user::ActiveModel {
            restricted_at: Set(Some(to_db(now))),
            updated_at: Set(to_db(now)),
            ..Default::default()
        },
    )
    .await
}

/// Erases what a deletion request removes (R10.5): the phone number, the addresses notices
/// were sent to, notice preferences; and closes the account. The identity number, name and
/// e-mail stay on the account the dossiers the law keeps still name.
pub async fn erase_contact(c: &impl ConnectionTrait, id: Uuid, now: jiff::Timestamp) -> Result<()> {
    use crate::entities::{delivery, notice};
    use sea_orm::sea_query::Query;
    update(
        c,
        id,
        user::ActiveModel {
            phone: Set(None),
            notify_email: Set(false),
            notify_sms: Set(false),
            disabled_at: Set(Some(to_db(now))),
            updated_at: Set(to_db(now)),
            ..Default::default()
        },
    )
    .await?;
    let theirs = Query::select()
        .column(notice::Column::Id)
        .from(notice::Entity)
        .and_where(notice::Column::UserId.eq(id))
        .to_owned();
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Recipient, Expr::value(""))
        .filter(delivery::Column::NoticeId.in_subquery(theirs))
        .exec(c)
        .await?;
    notice::Entity::update_many()
        .col_expr(
            notice::Column::Recipient,
            Expr::value(Option::<String>::None),
        )
        .filter(notice::Column::UserId.eq(id))
        .exec(c)
        .await?;
    Ok(())
}
