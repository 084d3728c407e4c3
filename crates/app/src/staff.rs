//! Staff accounts, role grants and the duty roster, managed by administrators (R10.6).
use motcua_domain::account::{AccountKind, Role, User, check_staff_login};
use motcua_domain::authz::{Action, Grant, Target, authorize};
use motcua_domain::{identity, password};
use motcua_store::users::{Duty, StaffGrant};
use motcua_store::{agencies, auth, users};
use serde_json::json;
use uuid::Uuid;

use crate::Audit;
use crate::crypto::random_token;
use crate::error::StoreResult;
use crate::{App, AppError, Ctx, FieldError, Result, Session};

/// A new staff account.
#[derive(Debug, Clone, Default)]
pub struct NewStaff {
    pub login: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub home_agency_id: Option<Uuid>,
    /// When empty, a password is generated and answered once.
    pub password: String,
}

/// A staff member with their active grants.
#[derive(Debug, Clone)]
pub struct StaffDetail {
    pub user: User,
    pub grants: Vec<StaffGrant>,
    /// Whether they log in with a second factor (R4.6).
    pub second_factor: bool,
}

/// Who acts: a signed-in administrator, or the operator at the command line.
pub enum By<'a> {
    Session(&'a Session),
    Operator,
}

impl By<'_> {
    pub(crate) fn id(&self) -> Option<Uuid> {
        match self {
            By::Session(s) => Some(s.user.id),
            By::Operator => None,
        }
    }
    fn check(&self, action: Action, target: &Target) -> Result<()> {
        match self {
            By::Session(s) => Ok(authorize(&s.actor, action, target)?),
            By::Operator => Ok(()),
        }
    }
}

impl App {
    /// Creates a staff account in an agency. Answers the account and, if none was given, the
    /// generated password (shown once).
    pub async fn create_staff(
        &self,
        ctx: &Ctx,
        by: By<'_>,
        n: &NewStaff,
    ) -> Result<(User, Option<String>)> {
        let Some(home) = n.home_agency_id else {
            return Err(AppError::field(
                "home_agency_id",
                "Chọn cơ quan của cán bộ.",
            ));
        };
        by.check(Action::ManageStaff, &Target::Agency(home))?;
        agencies::get_agency(self.db.conn(), home)
            .await
            .or_missing(AppError::field("home_agency_id", "Cơ quan không tồn tại."))?;
        let generated = n
            .password
            .is_empty()
            .then(|| format!("mc-{}", &random_token()[..22]));
        let pw = generated.clone().unwrap_or_else(|| n.password.clone());
        let checked = check_new_staff(n, &pw)?;
        let hash = self.hash_password(&pw).await?;
        let now = self.now();
        let user = User {
            id: Uuid::now_v7(),
            kind: AccountKind::Staff,
            login: checked.login,
            email: checked.email,
            email_verified: true,
            phone: checked.phone,
            full_name: checked.full_name,
            id_number: None,
            home_agency_id: Some(home),
            disabled: false,
            created_at: now,
        };
        let tx = self.db.write().await?;
        users::insert_user(&tx, &user, &hash, now)
            .await
            .map_err(|e| match e {
                motcua_store::StoreError::Conflict(_) => AppError::field(
                    "login",
                    "Tên đăng nhập hoặc thư điện tử đã được dùng cho tài khoản khác.",
                ),
                e => e.into(),
            })?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: by.id(),
                action: "user_created",
                object: "user",
                id: Some(user.id.to_string()),
                agency: Some(home),
                detail: json!({"kind": "staff"}),
            },
        )
        .await?;
        tracing::info!(event = "user_created", user_id = %user.id, kind = "staff", "staff account created");
        Ok((user, generated))
    }

    async fn staff_home(&self, user_id: Uuid) -> Result<(User, Uuid)> {
        let u = users::get_user(self.db.conn(), user_id).await?;
        match (u.kind, u.home_agency_id) {
            (AccountKind::Staff, Some(h)) => Ok((u, h)),
            _ => Err(AppError::NotFound),
        }
    }

    /// Whether `by` may disable an account or reset its second factor: the administrators of
    /// a staff member's home agency, the province's for staff who oversee every agency and for
    /// public accounts, and the operator.
    pub(crate) async fn may_manage_account(&self, by: &By<'_>, u: &User) -> Result<()> {
        match (by, u.home_agency_id) {
            (By::Operator, _) => {}
            (By::Session(s), Some(h)) if u.kind == AccountKind::Staff => {
                by.check(Action::ManageStaff, &Target::Agency(h))?;
                // An account that oversees every agency answers to the province, not to one of
                // the agencies it oversees (separation of duties).
                let wide = users::active_grants(self.db.conn(), u.id)
                    .await?
                    .iter()
                    .any(|g| g.grant.role.is_province_wide());
                if wide && !s.actor.has_role(Role::ProvinceAdmin) {
                    return Err(AppError::Forbidden);
                }
            }
            // Only a province administrator may manage a public account.
            (By::Session(s), _) => {
                if !s.actor.has_role(Role::ProvinceAdmin) {
                    return Err(AppError::NotFound);
                }
            }
        }
        Ok(())
    }

    /// Disables or re-enables an account. Disabling ends its sessions and API tokens.
    pub async fn set_disabled(
        &self,
        ctx: &Ctx,
        by: By<'_>,
        user_id: Uuid,
        disabled: bool,
    ) -> Result<()> {
        let u = users::get_user(self.db.conn(), user_id).await?;
        self.may_manage_account(&by, &u).await?;
        if by.id() == Some(user_id) && disabled {
            return Err(AppError::Conflict(
                "Bạn không thể tự khóa tài khoản của mình.".into(),
            ));
        }
        let now = self.now();
        let tx = self.db.write().await?;
        users::set_disabled(&tx, user_id, disabled, now).await?;
        if disabled {
            auth::delete_user_sessions(&tx, user_id, None).await?;
            auth::revoke_user_api_tokens(&tx, user_id, now).await?;
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: by.id(),
                action: if disabled {
                    "user_disabled"
                } else {
                    "user_enabled"
                },
                object: "user",
                id: Some(user_id.to_string()),
                agency: u.home_agency_id,
                detail: json!({}),
            },
        )
        .await?;
        tracing::info!(event = if disabled { "user_disabled" } else { "user_enabled" }, user_id = %user_id, "account status changed");
        Ok(())
    }

    /// Grants a role for an agency (and optionally a unit of it). The holder's sessions end, so
    /// their next log-in gets a new session id with the new privileges.
    pub async fn grant_role(
        &self,
        ctx: &Ctx,
        by: By<'_>,
        user_id: Uuid,
        g: &Grant,
    ) -> Result<Uuid> {
        by.check(Action::GrantRole(g.role), &Target::Agency(g.agency_id))?;
        // Nobody widens their own powers: another administrator (or the operator) grants them.
        if by.id() == Some(user_id) {
            return Err(AppError::field(
                "role",
                "Không tự cấp quyền cho chính mình: một quản trị khác cấp quyền này.",
            ));
        }
        let (_, _) = self.staff_home(user_id).await?;
        let conn = self.db.conn();
        agencies::get_agency(conn, g.agency_id)
            .await
            .or_missing(AppError::field("agency_id", "Cơ quan không tồn tại."))?;
        if let Some(unit) = g.unit_id {
            let u = agencies::get_unit(conn, unit)
                .await
                .or_missing(AppError::field("unit_id", "Bộ phận không tồn tại."))?;
            if u.agency_id != g.agency_id {
                return Err(AppError::field(
                    "unit_id",
                    "Bộ phận không thuộc cơ quan đã chọn.",
                ));
            }
        }
        let now = self.now();
        let tx = self.db.write().await?;
        if users::active_grants(&tx, user_id)
            .await?
            .iter()
            .any(|r| r.grant == *g)
        {
            return Err(AppError::Conflict("Cán bộ đã có quyền này.".into()));
        }
        let id = users::insert_grant(&tx, user_id, g, by.id(), now).await?;
        // The holder logs in again and gets a new session id with the new privileges.
        auth::delete_user_sessions(&tx, user_id, None).await?;
        self.commit(tx, ctx, Audit { actor: by.id(), action: "authz_change", object: "grant", id: Some(id.to_string()), agency: Some(g.agency_id), detail: json!({"user": user_id, "role": g.role.as_str(), "unit": g.unit_id, "op": "grant"}) }).await?;
        tracing::info!(event = "authz_change", user_id = %user_id, role = g.role.as_str(), "role granted");
        Ok(id)
    }

    /// Revokes a grant; the holder's sessions end.
    pub async fn revoke_grant(&self, ctx: &Ctx, by: By<'_>, grant_id: Uuid) -> Result<()> {
        let row = users::get_grant(self.db.conn(), grant_id).await?;
        by.check(
            Action::GrantRole(row.grant.role),
            &Target::Agency(row.grant.agency_id),
        )?;
        let now = self.now();
        let tx = self.db.write().await?;
        users::revoke_grant(&tx, grant_id, by.id(), now).await?;
        auth::delete_user_sessions(&tx, row.user_id, None).await?;
        self.commit(tx, ctx, Audit { actor: by.id(), action: "authz_change", object: "grant", id: Some(grant_id.to_string()), agency: Some(row.grant.agency_id), detail: json!({"user": row.user_id, "role": row.grant.role.as_str(), "op": "revoke"}) }).await?;
        tracing::info!(event = "authz_change", user_id = %row.user_id, role = row.grant.role.as_str(), "role revoked");
        Ok(())
    }

    /// Staff the caller may see: everyone for province administrators and inspectors, else the
    /// staff of the agencies they administer. `agency` narrows the list (never widens it).
    pub async fn list_staff(&self, s: &Session, agency: Option<Uuid>) -> Result<Vec<User>> {
        let conn = self.db.conn();
        let wide = s.actor.has_role(Role::ProvinceAdmin) || s.actor.has_role(Role::Inspector);
        match agency {
            Some(a) => {
                authorize(&s.actor, Action::ListStaff, &Target::Agency(a))?;
                Ok(users::list_staff(conn, Some(&[a]), 1000).await?)
            }
            None if wide => Ok(users::list_staff(conn, None, 1000).await?),
            None => {
                let mine = s.actor.agencies_with(&[Role::AgencyAdmin]);
                if mine.is_empty() {
                    return Err(AppError::Forbidden);
                }
                Ok(users::list_staff(conn, Some(&mine), 1000).await?)
            }
        }
    }

    /// One staff member and their grants. Outside the caller's agencies it does not exist.
    pub async fn staff_detail(&self, s: &Session, user_id: Uuid) -> Result<StaffDetail> {
        let (user, home) = self.staff_home(user_id).await?;
        authorize(&s.actor, Action::ListStaff, &Target::Agency(home))
            .map_err(|d| AppError::from(d).hiding())?;
        let conn = self.db.conn();
        let grants = users::active_grants(conn, user_id).await?;
        let second_factor = motcua_store::factors::get(conn, user_id)
            .await?
            .is_some_and(|f| f.confirmed);
        Ok(StaffDetail {
            user,
            grants,
            second_factor,
        })
    }

    /// Puts a reception officer on a desk's duty roster (R10.6).
    pub async fn add_duty(
        &self,
        ctx: &Ctx,
        by: By<'_>,
        unit_id: Uuid,
        user_id: Uuid,
        starts_on: jiff::civil::Date,
        ends_on: Option<jiff::civil::Date>,
    ) -> Result<Uuid> {
        let conn = self.db.conn();
        let unit = agencies::get_unit(conn, unit_id).await?;
        by.check(Action::ManageDutyRoster, &Target::Agency(unit.agency_id))?;
        if unit.kind != motcua_domain::agency::UnitKind::ReceptionDesk {
            return Err(AppError::field(
                "unit_id",
                "Chỉ xếp lịch trực cho bộ phận tiếp nhận và trả kết quả.",
            ));
        }
        let grants = users::active_grants(conn, user_id).await?;
        if !grants
            .iter()
            .any(|g| g.grant.role == Role::Reception && g.grant.agency_id == unit.agency_id)
        {
            return Err(AppError::field(
                "user_id",
                "Cán bộ chưa được giao quyền tiếp nhận hồ sơ tại cơ quan này.",
            ));
        }
        if ends_on.is_some_and(|e| e < starts_on) {
            return Err(AppError::field(
                "ends_on",
                "Ngày kết thúc phải sau ngày bắt đầu.",
            ));
        }
        let id = Uuid::now_v7();
        let tx = self.db.write().await?;
        users::insert_duty(
            &tx,
            &Duty {
                id,
                unit_id,
                user_id,
                starts_on,
                ends_on,
            },
            by.id(),
            self.now(),
        )
        .await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: by.id(),
                action: "duty_added",
                object: "unit",
                id: Some(unit_id.to_string()),
                agency: Some(unit.agency_id),
                detail: json!({"user": user_id}),
            },
        )
        .await?;
        Ok(id)
    }

    pub async fn remove_duty(&self, ctx: &Ctx, by: By<'_>, duty_id: Uuid) -> Result<()> {
        let conn = self.db.conn();
        let d = users::get_duty(conn, duty_id).await?;
        let unit = agencies::get_unit(conn, d.unit_id).await?;
        by.check(Action::ManageDutyRoster, &Target::Agency(unit.agency_id))?;
        let tx = self.db.write().await?;
        users::delete_duty(&tx, duty_id).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: by.id(),
                action: "duty_removed",
                object: "unit",
                id: Some(unit.id.to_string()),
                agency: Some(unit.agency_id),
                detail: json!({"user": d.user_id}),
            },
        )
        .await?;
        Ok(())
    }

    /// The roster of a desk, with the officers' names.
    pub async fn duty_roster(&self, s: &Session, unit_id: Uuid) -> Result<Vec<(Duty, User)>> {
        let conn = self.db.conn();
        let unit = agencies::get_unit(conn, unit_id).await?;
        authorize(
            &s.actor,
            Action::ManageDutyRoster,
            &Target::Agency(unit.agency_id),
        )
        .or_else(|_| authorize(&s.actor, Action::ListStaff, &Target::Agency(unit.agency_id)))
        .map_err(|d| AppError::from(d).hiding())?;
        let mut out = Vec::new();
        for d in users::list_duty(conn, unit_id).await? {
            let u = users::get_user(conn, d.user_id).await?;
            out.push((d, u));
        }
        Ok(out)
    }

    /// Finds an account by log-in name (operator commands).
    pub async fn find_user(&self, login: &str) -> Result<User> {
        users::find_for_login(self.db.conn(), login)
            .await?
            .map(|(u, _)| u)
            .ok_or(AppError::NotFound)
    }

    /// Sets a password without the old one (operator commands and demo data).
    pub async fn operator_set_password(&self, ctx: &Ctx, user_id: Uuid, pw: &str) -> Result<()> {
        let u = users::get_user(self.db.conn(), user_id).await?;
        let min = if u.kind == AccountKind::Staff {
            password::MIN_LEN_STAFF
        } else {
            password::MIN_LEN_PUBLIC
        };
        password::check(pw, min, &[u.login.as_str()])
            .map_err(|p| AppError::field("password", p.to_string()))?;
        let pw = pw.to_string();
        let hash = self.hash_password(&pw).await?;
        let now = self.now();
        let tx = self.db.write().await?;
        users::set_password(&tx, user_id, &hash, now).await?;
        auth::delete_user_sessions(&tx, user_id, None).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: None,
                action: "password_set_by_operator",
                object: "user",
                id: Some(user_id.to_string()),
                agency: None,
                detail: json!({}),
            },
        )
        .await?;
        Ok(())
    }
}

/// A new staff account's fields, checked.
struct CheckedStaff {
    login: String,
    full_name: String,
    email: Option<String>,
    phone: Option<String>,
}

/// Checks a new staff account's fields and its password (given or generated), reporting every
/// problem at once; e-mail and phone may be left empty for staff.
fn check_new_staff(n: &NewStaff, pw: &str) -> Result<CheckedStaff> {
    let mut errs: Vec<FieldError> = Vec::new();
    let login = check_staff_login(&n.login)
        .map_err(|m| errs.push(("login", m.into())))
        .ok();
    let full_name = identity::check_name(&n.full_name)
        .map_err(|m| errs.push(("full_name", m.into())))
        .ok();
    let email = if n.email.trim().is_empty() {
        Some(None)
    } else {
        identity::check_email(&n.email)
            .map(Some)
            .map_err(|m| errs.push(("email", m.into())))
            .ok()
    };
    let phone = if n.phone.trim().is_empty() {
        Some(None)
    } else {
        identity::check_phone(&n.phone)
            .map(Some)
            .map_err(|m| errs.push(("phone", m.into())))
            .ok()
    };
    if let Err(p) = password::check(
        pw,
        password::MIN_LEN_STAFF,
        &[n.login.as_str(), n.email.as_str()],
    ) {
        errs.push(("password", p.to_string()));
    }
    let (Some(login), Some(full_name), Some(email), Some(phone), true) =
        (login, full_name, email, phone, errs.is_empty())
    else {
        return Err(AppError::Validation(errs));
    };
    Ok(CheckedStaff {
        login,
        full_name,
        email,
        phone,
    })
}
