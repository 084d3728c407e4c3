//! Citizen and organisation accounts, log-in, sessions, API tokens, password reset (issue 2;
//! security.md §1.1–1.2, rows 1–11).
use jiff::{SignedDuration, Timestamp};
use motcua_domain::account::{AccountKind, User};
use motcua_domain::authz::{Action, Actor, Target, authorize};
use motcua_domain::{identity, password, text};
use motcua_store::{audit, auth, users};
use serde_json::json;
use uuid::Uuid;

use crate::crypto::{self, hash_password, random_token, sha256_hex, verify_password};
use crate::notices::NewNotice;
use crate::{App, AppError, Ctx, FieldError, Result, Session};
use motcua_domain::notice::NoticeKind;

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

        let pw = r.password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        let now = self.now();
        let tx = self.db.write().await?;
        let by_email = users::find_by_email(&tx, &email).await?;
        let by_login = users::find_for_login(&tx, &id_number)
            .await?
            .map(|(u, _)| u);
        if let Some(existing) = by_email.or(by_login) {
            if let Some(to) = existing.email.as_deref() {
                self.notify(
                    &tx,
                    NewNotice {
                        kind: NoticeKind::AccountExists,
                        user_id: Some(existing.id),
                        dossier_id: None,
                        address: Some(to),
                        data: json!({"name": existing.full_name}),
                    },
                )
                .await?;
            }
            tx.commit().await?;
            tracing::info!(
                event = "registration_duplicate",
                "registration for an existing account"
            );
            return Ok(());
        }
        let user = User {
            id: Uuid::now_v7(),
            kind,
            login: id_number.clone(),
            email: Some(email.clone()),
            email_verified: false,
            phone: Some(phone),
            full_name,
            id_number: Some(id_number),
            home_agency_id: None,
            disabled: false,
            created_at: now,
        };
        users::insert_user(&tx, &user, &hash, now).await?;
        let token = random_token();
        auth::insert_user_token(
            &tx,
            &sha256_hex(&token),
            user.id,
            "confirm_email",
            now,
            now + SignedDuration::from_hours(CONFIRM_HOURS),
        )
        .await?;
        self.notify(&tx, NewNotice { kind: NoticeKind::EmailConfirmation, user_id: Some(user.id), dossier_id: None, address: Some(&email), data: json!({"name": user.full_name, "hours": CONFIRM_HOURS, "link": self.link("/xac-nhan-email", &token)}) }).await?;
        audit::append(
            &tx,
            &self.audit(
                ctx,
                Some(user.id),
                "user_created",
                "user",
                Some(user.id.to_string()),
                None,
                json!({"kind": kind.as_str()}),
            ),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(event = "user_created", user_id = %user.id, kind = kind.as_str(), "account registered");
        Ok(())
    }

    /// Confirms an e-mail address (registration or change) with a single-use token.
    pub async fn confirm_email(&self, ctx: &Ctx, token: &str) -> Result<()> {
        let now = self.now();
        let tx = self.db.write().await?;
        let Some((user_id, purpose)) =
            auth::take_user_token(&tx, &sha256_hex(token), "", now).await?
        else {
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
        audit::append(
            &tx,
            &self.audit(
                ctx,
                Some(user_id),
                "email_confirmed",
                "user",
                Some(user_id.to_string()),
                None,
                json!({}),
            ),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(event = "email_confirmed", user_id = %user_id, "e-mail confirmed");
        Ok(())
    }

    /// Checks a log-in name and password with per-account and per-address throttling.
    /// Unknown accounts cost the same Argon2 verification and give the same answer.
    async fn check_credentials(&self, ctx: &Ctx, login: &str, password: &str) -> Result<User> {
        let now = self.now();
        let t = &self.config.throttle;
        let window = SignedDuration::from_mins(t.window_mins);
        let acct_key = format!("acct:{}", sha256_hex(&text::fold_vi(login.trim())));
        let ip_key = ctx.ip.map(|ip| format!("ip:{ip}"));
        let conn = self.db.conn();
        let (acct_fails, acct_end) = auth::throttle_count(conn, &acct_key, window, now).await?;
        let ip_state = match &ip_key {
            Some(k) => Some(auth::throttle_count(conn, k, window, now).await?),
            None => None,
        };
        let retry = |end: Timestamp| (end - now).as_secs().max(1) as u64;
        if acct_fails >= t.account_failures {
            tracing::warn!(
                event = "authn_login_fail_max",
                "log-in refused: too many failures for this account"
            );
            return Err(AppError::Throttled(retry(acct_end)));
        }
        if let Some((n, end)) = ip_state
            && n >= t.ip_failures
        {
            tracing::warn!(
                event = "excess_rate_limit_exceeded",
                "log-in refused: too many failures from this address"
            );
            return Err(AppError::Throttled(retry(end)));
        }
        let found = users::find_for_login(conn, login).await?;
        let (hash, user) = match found {
            Some((u, h)) => (h, Some(u)),
            None => (crypto::DUMMY_HASH.clone(), None),
        };
        let pw = password.to_string();
        let h2 = hash.clone();
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &h2))
            .await
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        match user {
            Some(u) if ok && !u.disabled => {
                let tx = self.db.write().await?;
                auth::throttle_clear(&tx, &acct_key).await?;
                if crypto::needs_rehash(&hash) {
                    let pw = password.to_string();
                    let new = tokio::task::spawn_blocking(move || hash_password(&pw))
                        .await
                        .map_err(|e| AppError::Unexpected(e.to_string()))?;
                    users::set_password(&tx, u.id, &new, now).await?;
                }
                tx.commit().await?;
                if u.kind.is_public() && !u.email_verified {
                    return Err(AppError::field(
                        "login",
                        "Bạn chưa xác nhận địa chỉ thư điện tử. Hãy mở liên kết trong thư chúng tôi đã gửi, rồi đăng nhập lại.",
                    ));
                }
                Ok(u)
            }
            _ => {
                let tx = self.db.write().await?;
                let n = auth::throttle_fail(&tx, &acct_key, window, now).await?;
                if let Some(k) = &ip_key {
                    auth::throttle_fail(&tx, k, window, now).await?;
                }
                tx.commit().await?;
                tracing::warn!(event = "authn_login_fail", failures = n, "log-in failed");
                Err(AppError::field("login", BAD_CREDENTIALS))
            }
        }
    }

    /// Logs in with a new session (a new id every time: no fixation).
    pub async fn login(&self, ctx: &Ctx, login: &str, password: &str) -> Result<LoggedIn> {
        let user = self.check_credentials(ctx, login, password).await?;
        let session_id = self.new_session(ctx, &user).await?;
        tracing::info!(event = "authn_login_success", user_id = %user.id, "logged in");
        Ok(LoggedIn { session_id, user })
    }

    async fn new_session(&self, ctx: &Ctx, user: &User) -> Result<String> {
        let now = self.now();
        let (idle, absolute) = self.idle_and_absolute(user.kind);
        let raw = random_token();
        let row = auth::SessionRow {
            id_hash: sha256_hex(&raw),
            user_id: user.id,
            created_at: now,
            last_seen_at: now,
            expires_at: now + absolute,
            idle_secs: idle.as_secs(),
            client_ip: ctx.ip.map(|i| i.to_string()),
            user_agent: ctx
                .user_agent
                .as_ref()
                .map(|s| s.chars().take(200).collect()),
        };
        let tx = self.db.write().await?;
        auth::insert_session(&tx, &row).await?;
        tx.commit().await?;
        tracing::info!(event = "session_created", user_id = %user.id, "session created");
        Ok(raw)
    }

    async fn actor_for(&self, user: &User) -> Result<Actor> {
        let grants = if user.kind == AccountKind::Staff {
            users::active_grants(self.db.conn(), user.id)
                .await?
                .into_iter()
                .map(|g| g.grant)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Actor {
            user_id: user.id,
            kind: user.kind,
            grants,
        })
    }

    /// The session a cookie names, if it is alive: within both the idle and the absolute
    /// time-out, and its account not disabled. An expired session is deleted.
    pub async fn resolve_session(&self, raw: &str) -> Result<Option<Session>> {
        let now = self.now();
        let hash = sha256_hex(raw);
        let conn = self.db.conn();
        let Some(s) = auth::get_session(conn, &hash).await? else {
            return Ok(None);
        };
        let idle_end = s.last_seen_at + SignedDuration::from_secs(s.idle_secs);
        if now >= s.expires_at || now >= idle_end {
            auth::delete_session(conn, &hash).await?;
            tracing::info!(event = "session_expired", user_id = %s.user_id, "session expired");
            return Ok(None);
        }
        let user = users::get_user(conn, s.user_id).await?;
        if user.disabled {
            auth::delete_session(conn, &hash).await?;
            return Ok(None);
        }
        if now - s.last_seen_at >= SignedDuration::from_secs(30) {
            auth::touch_session(conn, &hash, now).await?;
        }
        let actor = self.actor_for(&user).await?;
        Ok(Some(Session {
            user,
            actor,
            session_hash: Some(hash),
        }))
    }

    /// Ends the session a cookie names.
    pub async fn logout(&self, raw: &str) -> Result<()> {
        auth::delete_session(self.db.conn(), &sha256_hex(raw)).await?;
        tracing::info!(event = "session_logout", "logged out");
        Ok(())
    }

    /// Ends every other session of the caller ("đăng xuất ở các thiết bị khác").
    pub async fn logout_others(&self, s: &Session) -> Result<u64> {
        authorize(
            &s.actor,
            Action::EditOwnAccount,
            &Target::Account(s.user.id),
        )?;
        let n = auth::delete_user_sessions(self.db.conn(), s.user.id, s.session_hash.as_deref())
            .await?;
        tracing::info!(event = "session_logout_others", user_id = %s.user.id, ended = n, "other sessions ended");
        Ok(n)
    }

    /// The caller's sessions, current first.
    pub async fn my_sessions(&self, s: &Session) -> Result<Vec<auth::SessionRow>> {
        authorize(
            &s.actor,
            Action::ViewOwnAccount,
            &Target::Account(s.user.id),
        )?;
        Ok(auth::list_user_sessions(self.db.conn(), s.user.id).await?)
    }

    /// Issues an API bearer token (stored hashed).
    pub async fn issue_api_token(
        &self,
        ctx: &Ctx,
        login: &str,
        password: &str,
    ) -> Result<(String, Timestamp)> {
        let user = self.check_credentials(ctx, login, password).await?;
        let now = self.now();
        let expires = now + SignedDuration::from_hours(self.config.session.api_token_hours);
        let raw = format!("mct_{}", random_token());
        let tx = self.db.write().await?;
        auth::insert_api_token(&tx, user.id, &sha256_hex(&raw), now, expires).await?;
        tx.commit().await?;
        tracing::info!(event = "authn_token_issued", user_id = %user.id, "API token issued");
        Ok((raw, expires))
    }

    /// The caller a bearer token designates, if it is valid.
    pub async fn resolve_api_token(&self, raw: &str) -> Result<Option<Session>> {
        let conn = self.db.conn();
        let Some((user_id, _)) = auth::find_api_token(conn, &sha256_hex(raw), self.now()).await?
        else {
            return Ok(None);
        };
        let user = users::get_user(conn, user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        let actor = self.actor_for(&user).await?;
        Ok(Some(Session {
            user,
            actor,
            session_hash: None,
        }))
    }

    pub async fn revoke_api_token(&self, raw: &str) -> Result<()> {
        auth::revoke_api_token(self.db.conn(), &sha256_hex(raw), self.now()).await?;
        tracing::info!(event = "authn_token_revoked", "API token revoked");
        Ok(())
    }

    /// Sends a password-reset link if the address belongs to an account; same answer otherwise.
    pub async fn request_password_reset(&self, ctx: &Ctx, email: &str) -> Result<()> {
        let email = identity::check_email(email).map_err(|m| AppError::field("email", m))?;
        let now = self.now();
        let window = SignedDuration::from_mins(self.config.throttle.window_mins);
        let key = format!("reset:{}", sha256_hex(&email));
        let tx = self.db.write().await?;
        let n = auth::throttle_fail(&tx, &key, window, now).await?;
        if n > 3 {
            tx.commit().await?;
            return Ok(()); // quietly: the person already has recent links
        }
        if let Some(u) = users::find_by_email(&tx, &email).await?
            && !u.disabled
        {
            let token = random_token();
            auth::insert_user_token(
                &tx,
                &sha256_hex(&token),
                u.id,
                "reset_password",
                now,
                now + SignedDuration::from_mins(RESET_MINS),
            )
            .await?;
            self.notify(&tx, NewNotice { kind: NoticeKind::PasswordReset, user_id: Some(u.id), dossier_id: None, address: Some(&email), data: json!({"name": u.full_name, "hours": RESET_MINS, "link": self.link("/dat-lai-mat-khau", &token)}) }).await?;
            audit::append(
                &tx,
                &self.audit(
                    ctx,
                    None,
                    "password_reset_requested",
                    "user",
                    Some(u.id.to_string()),
                    None,
                    json!({}),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password with a reset token; ends every session and API token of the account.
    pub async fn reset_password(
        &self,
        ctx: &Ctx,
        token: &str,
        new_password: &str,
        again: &str,
    ) -> Result<()> {
        let now = self.now();
        let tx = self.db.write().await?;
        let Some((user_id, _)) =
            auth::take_user_token(&tx, &sha256_hex(token), "reset_password", now).await?
        else {
            return Err(AppError::field(
                "token",
                "Liên kết đặt lại mật khẩu không đúng, đã được dùng hoặc đã hết hạn. Hãy yêu cầu liên kết mới.",
            ));
        };
        let user = users::get_user(&tx, user_id).await?;
        self.check_new_password(&user, new_password, again)?;
        let pw = new_password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        users::set_password(&tx, user_id, &hash, now).await?;
        auth::delete_user_sessions(&tx, user_id, None).await?;
        auth::revoke_user_api_tokens(&tx, user_id, now).await?;
        auth::expire_user_tokens(&tx, user_id, "reset_password", now).await?;
        if user.kind.is_public() && !user.email_verified {
            // Receiving the link proves the address.
            users::set_email_verified(&tx, user_id, now).await?;
        }
        audit::append(
            &tx,
            &self.audit(
                ctx,
                Some(user_id),
                "password_reset",
                "user",
                Some(user_id.to_string()),
                None,
                json!({}),
            ),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(event = "password_reset", user_id = %user_id, "password reset; sessions ended");
        Ok(())
    }

    fn check_new_password(&self, user: &User, pw: &str, again: &str) -> Result<()> {
        let min = if user.kind == AccountKind::Staff {
            password::MIN_LEN_STAFF
        } else {
            password::MIN_LEN_PUBLIC
        };
        let words = [
            user.login.as_str(),
            user.email.as_deref().unwrap_or(""),
            user.id_number.as_deref().unwrap_or(""),
        ];
        password::check(pw, min, &words).map_err(|p| AppError::field("password", p.to_string()))?;
        if pw != again {
            return Err(AppError::field(
                "password_again",
                "Hai lần nhập mật khẩu chưa khớp nhau.",
            ));
        }
        Ok(())
    }

    async fn require_password(&self, s: &Session, current: &str) -> Result<()> {
        let hash = users::password_hash(self.db.conn(), s.user.id).await?;
        let pw = current.to_string();
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
            .await
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        if ok {
            Ok(())
        } else {
            Err(AppError::field(
                "current_password",
                "Mật khẩu hiện tại không đúng.",
            ))
        }
    }

    /// Changes the caller's password (current password required); ends the other sessions and
    /// gives the current one a new id, returned for the cookie.
    pub async fn change_password(
        &self,
        ctx: &Ctx,
        s: &Session,
        current: &str,
        new: &str,
        again: &str,
    ) -> Result<String> {
        authorize(
            &s.actor,
            Action::EditOwnAccount,
            &Target::Account(s.user.id),
        )?;
        self.require_password(s, current).await?;
        self.check_new_password(&s.user, new, again)?;
        let pw = new.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        let now = self.now();
        let tx = self.db.write().await?;
        users::set_password(&tx, s.user.id, &hash, now).await?;
        auth::delete_user_sessions(&tx, s.user.id, None).await?;
        auth::revoke_user_api_tokens(&tx, s.user.id, now).await?;
        audit::append(
            &tx,
            &self.audit(
                ctx,
                Some(s.user.id),
                "password_changed",
                "user",
                Some(s.user.id.to_string()),
                None,
                json!({}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.new_session(ctx, &s.user).await
    }

    /// Changes the caller's phone now, and the e-mail address once the new address is
    /// confirmed (current password required, ASVS 7.5.1).
    pub async fn change_contact(
        &self,
        ctx: &Ctx,
        s: &Session,
        email: &str,
        phone: &str,
        current: &str,
    ) -> Result<bool> {
        authorize(
            &s.actor,
            Action::EditOwnAccount,
            &Target::Account(s.user.id),
        )?;
        let mut errs: Vec<FieldError> = Vec::new();
        let email = identity::check_email(email)
            .map_err(|m| errs.push(("email", m.into())))
            .ok();
        let phone = if phone.trim().is_empty() && s.user.kind == AccountKind::Staff {
            Some(String::new())
        } else {
            identity::check_phone(phone)
                .map_err(|m| errs.push(("phone", m.into())))
                .ok()
        };
        let (Some(email), Some(phone), true) = (email, phone, errs.is_empty()) else {
            return Err(AppError::Validation(errs));
        };
        self.require_password(s, current).await?;
        let now = self.now();
        let email_changed = s.user.email.as_deref() != Some(email.as_str());
        let tx = self.db.write().await?;
        if email_changed && users::find_by_email(&tx, &email).await?.is_some() {
            return Err(AppError::field(
                "email",
                "Địa chỉ thư điện tử này đã được dùng cho tài khoản khác.",
            ));
        }
        let phone = (!phone.is_empty()).then_some(phone);
        users::set_contact(&tx, s.user.id, s.user.email.clone(), false, phone, now).await?;
        if email_changed {
            let token = random_token();
            auth::insert_user_token(
                &tx,
                &sha256_hex(&token),
                s.user.id,
                &format!("email_change:{email}"),
                now,
                now + SignedDuration::from_hours(CONFIRM_HOURS),
            )
            .await?;
            self.notify(&tx, NewNotice { kind: NoticeKind::EmailConfirmation, user_id: Some(s.user.id), dossier_id: None, address: Some(&email), data: json!({"name": s.user.full_name, "hours": CONFIRM_HOURS, "link": self.link("/xac-nhan-email", &token)}) }).await?;
            if let Some(old) = s.user.email.as_deref() {
                self.notify(
                    &tx,
                    NewNotice {
                        kind: NoticeKind::EmailChanged,
                        user_id: Some(s.user.id),
                        dossier_id: None,
                        address: Some(old),
                        data: json!({"name": s.user.full_name}),
                    },
                )
                .await?;
            }
        }
        audit::append(
            &tx,
            &self.audit(
                ctx,
                Some(s.user.id),
                "contact_changed",
                "user",
                Some(s.user.id.to_string()),
                None,
                json!({"email_changed": email_changed}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(email_changed)
    }
}
