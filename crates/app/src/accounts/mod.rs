//! Citizen and organisation accounts, log-in, sessions, API tokens, password reset (R6.2, R13.2;
//! guarded as R4.3, R4.6 and R10.5 require).
use jiff::{SignedDuration, Timestamp};
use motcua_domain::account::{AccountKind, User};
use motcua_domain::{identity, password};
use motcua_store::{auth, users};
use serde_json::json;
use uuid::Uuid;

use crate::Audit;
use crate::crypto::{random_token, sha256_hex};
use crate::notices::{NewNotice, Rendered};
use crate::{App, AppError, Ctx, FieldError, Result};
use motcua_domain::notice::NoticeKind;

mod credentials;
mod factor;
pub mod oidc;
mod sessions;

pub use factor::{BAD_CODE, Enrolment, FactorStatus, LoginStep};

/// The one answer for a wrong log-in name or password, whether or not the account exists.
pub const BAD_CREDENTIALS: &str = "Tên đăng nhập hoặc mật khẩu không đúng.";
const CONFIRM_HOURS: i64 = 24;
const RESET_MINS: i64 = 30;

/// What a person fills in to register.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub kind: Option<AccountKind>,
    pub full_name: String,
    pub id_number: String,
    pub email: String,
    pub phone: String,
    pub password: String,
    pub password_again: String,
}

/// A successful log-in: the raw session id for the cookie (never stored), and the account.
#[derive(Debug)]
pub struct LoggedIn {
    pub session_id: String,
    pub user: User,
}

impl App {
    fn idle_and_absolute(&self, kind: AccountKind) -> (SignedDuration, SignedDuration) {
        let s = &self.config.session;
        if kind == AccountKind::Staff {
            (
                SignedDuration::from_mins(s.staff_idle_mins),
                SignedDuration::from_hours(s.staff_absolute_hours),
            )
        } else {
            (
                SignedDuration::from_mins(s.public_idle_mins),
                SignedDuration::from_hours(s.public_absolute_hours),
            )
        }
    }

    fn link(&self, path: &str, token: &str) -> String {
        format!(
            "{}{}?token={}",
            self.config.public_url.trim_end_matches('/'),
            path,
            token
        )
    }

    /// Registers a citizen or organisation and sends the confirmation e-mail. If the e-mail
    /// address or identity number is already registered, the answer is the same and the owner
    /// of the existing account is told by e-mail instead (no enumeration).
    pub async fn register(&self, ctx: &Ctx, r: &Registration) -> Result<()> {
        let new = check_registration(r)?;
        self.registration_allowed(ctx, &new.id_number, &new.email)?;
        let hash = self.hash_password(&r.password).await?;
        let now = self.now();
        // Both possible notices are rendered before the write transaction (no template work
        // while holding the write lock).
        let token = random_token();
        let link = self.link("/xac-nhan-email", &token);
        let confirm = self.render_notice(
            NoticeKind::EmailConfirmation,
            &json!({"hours": CONFIRM_HOURS, "link": link}),
        )?;
        let exists = self.render_notice(NoticeKind::AccountExists, &json!({}))?;
        let tx = self.db.write().await?;
        let by_email = users::find_by_email(&tx, &new.email).await?;
        let by_login = users::find_for_login(&tx, &new.id_number)
            .await?
            .map(|(u, _)| u);
        if let Some(existing) = by_email.or(by_login) {
            self.tell_owner_of_existing(&tx, &existing, exists, now)
                .await?;
            tx.commit().await?;
            tracing::info!(
                event = "registration_duplicate",
                "registration for an existing account"
            );
            return Ok(());
        }
        let kind = new.kind;
        let user = insert_unconfirmed_user(&tx, new, &hash, &token, now).await?;
        // No name in mail to an address nobody has confirmed: it was typed by whoever registered.
        let n = NewNotice {
            kind: NoticeKind::EmailConfirmation,
            user_id: Some(user.id),
            dossier_id: None,
            address: user.email.as_deref(),
            outside: None,
            data: json!({}),
        };
        self.notify_rendered(&tx, &n, confirm).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(user.id),
                action: "user_created",
                object: "user",
                id: Some(user.id.to_string()),
                agency: None,
                detail: json!({"kind": kind.as_str()}),
            },
        )
        .await?;
        tracing::info!(event = "user_created", user_id = %user.id, kind = kind.as_str(), "account registered");
        Ok(())
    }

    /// Tells the owner of the account a registration collided with, by e-mail, at most twice a
    /// day, so that nobody can flood a person with these.
    async fn tell_owner_of_existing(
        &self,
        tx: &motcua_store::Tx,
        existing: &User,
        exists: Rendered,
        now: Timestamp,
    ) -> Result<()> {
        let day = now - SignedDuration::from_hours(24);
        let told = motcua_store::notices::count_for_user(
            tx,
            existing.id,
            NoticeKind::AccountExists.as_str(),
            day,
        )
        .await?;
        if let Some(to) = existing.email.as_deref().filter(|_| told < 2) {
            let n = NewNotice {
                kind: NoticeKind::AccountExists,
                user_id: Some(existing.id),
                dossier_id: None,
                address: Some(to),
                outside: None,
                data: json!({}),
            };
            self.notify_rendered(tx, &n, exists).await?;
        }
        Ok(())
    }

    /// Registrations are counted in memory per client address (an hour) and per identity number
    /// and e-mail address (a day), before any hashing (R4.2: no client crowds out the others).
    fn registration_allowed(&self, ctx: &Ctx, id_number: &str, email: &str) -> Result<()> {
        let now = self.now();
        let limit = self.config.throttle.registrations;
        let hour = SignedDuration::from_hours(1);
        let day = SignedDuration::from_hours(24);
        let client = ctx.ip.map(crate::limits::client_key).unwrap_or_default();
        let checks = [
            (format!("reg-ip:{client}"), hour, limit),
            (format!("reg-id:{}", self.keyed(id_number)), day, 3),
            (format!("reg-email:{}", self.keyed(email)), day, 3),
        ];
        for (key, window, max) in checks {
            let (n, end) = self.limiter.hit(&key, window, now);
            if n > self.config.copy_share(max) {
                tracing::warn!(
                    event = "excess_rate_limit_exceeded",
                    "registration throttled"
                );
                return Err(AppError::Throttled((end - now).as_secs().max(1) as u64));
            }
        }
        Ok(())
    }

    /// Confirms an e-mail address (registration or change) with a single-use token.
    pub async fn confirm_email(&self, ctx: &Ctx, token: &str) -> Result<()> {
        let now = self.now();
        let tx = self.db.write().await?;
        // Only the tokens of these two purposes: any other token (a claim's, a reset's) is
        // not found here, so that this public page answers nothing about it.
        let hash = sha256_hex(token);
        let taken = match auth::take_user_token(&tx, &hash, "confirm_email", now).await? {
            Some(t) => Some(t),
            None => auth::take_user_token(&tx, &hash, "email_change:", now).await?,
        };
        let Some((user_id, purpose)) = taken else {
            return Err(AppError::field(
                "token",
                "Liên kết xác nhận không đúng, đã được dùng hoặc đã hết hạn. Hãy đăng nhập để gửi lại.",
            ));
        };
        if purpose == "confirm_email" {
            users::set_email_verified(&tx, user_id, now).await?;
        } else if let Some(new_email) = purpose.strip_prefix("email_change:") {
            let u = users::get_user(&tx, user_id).await?;
            users::set_contact(
                &tx,
                user_id,
                Some(new_email.to_string()),
                false,
                u.phone,
                now,
            )
            .await?;
            users::set_email_verified(&tx, user_id, now).await?;
        } else {
            return Err(AppError::field(
                "token",
                "Liên kết xác nhận không đúng, đã được dùng hoặc đã hết hạn.",
            ));
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(user_id),
                action: "email_confirmed",
                object: "user",
                id: Some(user_id.to_string()),
                agency: None,
                detail: json!({}),
            },
        )
        .await?;
        tracing::info!(event = "email_confirmed", user_id = %user_id, "e-mail confirmed");
        Ok(())
    }
}

/// A registration whose every field was checked.
struct NewAccount {
    kind: AccountKind,
    full_name: String,
    id_number: String,
    email: String,
    phone: String,
}

/// Checks every field of a registration and reports all the problems at once, so that the
/// person corrects the form in one go.
fn check_registration(r: &Registration) -> Result<NewAccount> {
    let mut errs: Vec<FieldError> = Vec::new();
    let kind = match r.kind {
        Some(k) if k.is_public() => Some(k),
        _ => {
            errs.push(("kind", "Chọn loại tài khoản: công dân hoặc tổ chức.".into()));
            None
        }
    };
    let full_name = identity::check_name(&r.full_name)
        .map_err(|m| errs.push(("full_name", m.into())))
        .ok();
    let id_number = match kind {
        Some(AccountKind::Organisation) => identity::check_tax_code(&r.id_number),
        _ => identity::check_personal_id(&r.id_number),
    }
    .map_err(|m| errs.push(("id_number", m.into())))
    .ok();
    let email = identity::check_email(&r.email)
        .map_err(|m| errs.push(("email", m.into())))
        .ok();
    let phone = identity::check_phone(&r.phone)
        .map_err(|m| errs.push(("phone", m.into())))
        .ok();
    let ctx_words = [r.email.as_str(), r.id_number.as_str(), r.full_name.as_str()];
    if let Err(p) = password::check(&r.password, password::MIN_LEN_PUBLIC, &ctx_words) {
        errs.push(("password", p.to_string()));
    } else if r.password != r.password_again {
        errs.push((
            "password_again",
            "Hai lần nhập mật khẩu chưa khớp nhau.".into(),
        ));
    }
    let (Some(kind), Some(full_name), Some(id_number), Some(email), Some(phone), true) =
        (kind, full_name, id_number, email, phone, errs.is_empty())
    else {
        tracing::info!(
            event = "input_validation_fail",
            form = "register",
            "registration refused"
        );
        return Err(AppError::Validation(errs));
    };
    Ok(NewAccount {
        kind,
        full_name,
        id_number,
        email,
        phone,
    })
}

/// Stores the new account with its e-mail address not yet confirmed, and the confirmation
/// token (only its hash) that the link in the e-mail carries.
async fn insert_unconfirmed_user(
    tx: &motcua_store::Tx,
    new: NewAccount,
    hash: &str,
    token: &str,
    now: Timestamp,
) -> Result<User> {
    let user = User {
        id: Uuid::now_v7(),
        kind: new.kind,
        login: new.id_number.clone(),
        email: Some(new.email),
        email_verified: false,
        phone: Some(new.phone),
        full_name: new.full_name,
        id_number: Some(new.id_number),
        home_agency_id: None,
        disabled: false,
        created_at: now,
    };
    users::insert_user(tx, &user, hash, now).await?;
    auth::insert_user_token(
        tx,
        &sha256_hex(token),
        user.id,
        "confirm_email",
        now,
        now + SignedDuration::from_hours(CONFIRM_HOURS),
    )
    .await?;
    Ok(user)
}
