//! Citizen and organisation accounts, log-in, sessions, API tokens, password reset (issue 2;
//! security.md §1.1–1.2, rows 1–11).
use jiff::{SignedDuration, Timestamp};
use motcua_domain::account::{AccountKind, User};
use motcua_domain::authz::{Action, Actor, Target, authorize};
use motcua_domain::{identity, password, text};
use motcua_store::{auth, users};
use serde_json::json;
use uuid::Uuid;

use crate::Audit;
use crate::crypto::{self, random_token, sha256_hex};
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

        self.registration_allowed(ctx, &id_number, &email)?;
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
        let by_email = users::find_by_email(&tx, &email).await?;
        let by_login = users::find_for_login(&tx, &id_number)
            .await?
            .map(|(u, _)| u);
        if let Some(existing) = by_email.or(by_login) {
            // Told at most twice a day, so that nobody can flood a person with these.
            let day = now - SignedDuration::from_hours(24);
            let told = motcua_store::notices::count_for_user(
                &tx,
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
                    data: json!({}),
                };
                self.notify_rendered(&tx, &n, exists).await?;
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
        auth::insert_user_token(
            &tx,
            &sha256_hex(&token),
            user.id,
            "confirm_email",
            now,
            now + SignedDuration::from_hours(CONFIRM_HOURS),
        )
        .await?;
        // No name in mail to an address nobody has confirmed: it was typed by whoever registered.
        let n = NewNotice {
            kind: NoticeKind::EmailConfirmation,
            user_id: Some(user.id),
            dossier_id: None,
            address: Some(&email),
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

    /// Registrations are counted in memory per client address (an hour) and per identity number
    /// and e-mail address (a day), before any hashing (security.md row 3).
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
            if n > max {
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

    /// The throttle keys of a log-in name from an address: the account's, the address's, and
    /// the pair's. Names and addresses are keyed with the installation's secret, so that the
    /// table reveals neither (an identity number has only 10^12 values).
    fn login_keys(&self, login: &str, ip: Option<std::net::IpAddr>) -> [String; 3] {
        let name = text::fold_vi(login.trim());
        let client = ip.map(crate::limits::client_key).unwrap_or_default();
        [
            format!("acct:{}", self.keyed(&name)),
            format!("ip:{}", self.keyed(&client)),
            format!("pair:{}", self.keyed(&format!("{name}|{client}"))),
        ]
    }

    /// Counts one log-in attempt for a name from an address before its password is checked, so
    /// that attempts sent at once cannot exceed the limits (security.md rows 3–4): at most
    /// `account_failures` an hour for the account from anywhere and `ip_failures` per window from
    /// an address; from one address for one name, after `pair_failures`, each further attempt
    /// waits twice as long as the last (nobody elsewhere is locked out). A refused attempt is not
    /// counted (it checked no password); a right password gives the attempt back.
    async fn reserve_attempt(&self, keys: &[String; 3]) -> Result<()> {
        let now = self.now();
        let t = &self.config.throttle;
        let hour = SignedDuration::from_hours(1);
        let window = SignedDuration::from_mins(t.window_mins);
        let retry = |end: Timestamp| (end - now).as_secs().max(1) as u64;
        // Dropping the transaction on a refusal takes its counts back.
        let tx = self.db.write().await?;
        let (pair, last) = auth::throttle_last(&tx, &keys[2], window, now).await?;
        if pair >= t.pair_failures
            && let Some(last) = last
        {
            let wait = SignedDuration::from_secs(1 << (pair - t.pair_failures).min(10));
            if now < last + wait {
                tracing::warn!(
                    event = "authn_login_delayed",
                    "log-in refused: wait before trying again"
                );
                return Err(AppError::Throttled(retry(last + wait)));
            }
        }
        let (acct, acct_end) = auth::throttle_hit(&tx, &keys[0], hour, now).await?;
        if acct > t.account_failures {
            tracing::warn!(
                event = "authn_login_fail_max",
                "log-in refused: too many failures for this account"
            );
            return Err(AppError::Throttled(retry(acct_end)));
        }
        let (ip, ip_end) = auth::throttle_hit(&tx, &keys[1], window, now).await?;
        if ip > t.ip_failures {
            tracing::warn!(
                event = "excess_rate_limit_exceeded",
                "log-in refused: too many failures from this address"
            );
            return Err(AppError::Throttled(retry(ip_end)));
        }
        auth::throttle_hit(&tx, &keys[2], window, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives back the attempt a right password used.
    async fn release_attempt(&self, keys: &[String; 3]) -> Result<()> {
        let tx = self.db.write().await?;
        auth::throttle_undo(&tx, &keys[0]).await?;
        auth::throttle_undo(&tx, &keys[1]).await?;
        auth::throttle_clear(&tx, &keys[2]).await?;
        tx.commit().await?;
        Ok(())
    }

    fn keyed(&self, s: &str) -> String {
        crypto::hmac_b64(self.key.as_slice(), &format!("throttle|{s}"))
    }

    /// Checks a log-in name and password under the throttle ([`App::reserve_attempt`]).
    /// Unknown accounts cost the same Argon2 verification and give the same answer.
    async fn check_credentials(&self, ctx: &Ctx, login: &str, password: &str) -> Result<User> {
        let keys = self.login_keys(login, ctx.ip);
        self.reserve_attempt(&keys).await?;
        let now = self.now();
        let found = users::find_for_login(self.db.conn(), login).await?;
        let (hash, user) = match found {
            Some((u, h)) => (h, Some(u)),
            None => (crypto::DUMMY_HASH.clone(), None),
        };
        let ok = self.verify_password(password, &hash).await?;
        match user {
            Some(u) if ok && !u.disabled => {
                self.release_attempt(&keys).await?;
                if crypto::needs_rehash(&hash) {
                    let new = self.hash_password(password).await?;
                    let tx = self.db.write().await?;
                    users::set_password(&tx, u.id, &new, now).await?;
                    tx.commit().await?;
                }
                if u.kind.is_public() && !u.email_verified {
                    return Err(AppError::field(
                        "login",
                        "Bạn chưa xác nhận địa chỉ thư điện tử. Hãy mở liên kết trong thư chúng tôi đã gửi, rồi đăng nhập lại.",
                    ));
                }
                Ok(u)
            }
            _ => {
                tracing::warn!(event = "authn_login_fail", "log-in failed");
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
        let token = random_token();
        let link = self.link("/dat-lai-mat-khau", &token);
        let reset = self.render_notice(
            NoticeKind::PasswordReset,
            &json!({"hours": RESET_MINS, "link": link}),
        )?;
        let tx = self.db.write().await?;
        let n = auth::throttle_fail(&tx, &key, window, now).await?;
        if n > 3 {
            tx.commit().await?;
            return Ok(()); // quietly: the person already has recent links
        }
        if let Some(u) = users::find_by_email(&tx, &email).await?
            && !u.disabled
        {
            auth::insert_user_token(
                &tx,
                &sha256_hex(&token),
                u.id,
                "reset_password",
                now,
                now + SignedDuration::from_mins(RESET_MINS),
            )
            .await?;
            let n = NewNotice {
                kind: NoticeKind::PasswordReset,
                user_id: Some(u.id),
                dossier_id: None,
                address: Some(&email),
                data: json!({}),
            };
            self.notify_rendered(&tx, &n, reset).await?;
            self.record(
                &tx,
                ctx,
                Audit {
                    actor: None,
                    action: "password_reset_requested",
                    object: "user",
                    id: Some(u.id.to_string()),
                    agency: None,
                    detail: json!({}),
                },
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
        let gone = || {
            AppError::field(
                "token",
                "Liên kết đặt lại mật khẩu không đúng, đã được dùng hoặc đã hết hạn. Hãy yêu cầu liên kết mới.",
            )
        };
        // The password is checked and hashed before the write transaction; the token is taken
        // inside it, once.
        let user_id =
            auth::peek_user_token(self.db.conn(), &sha256_hex(token), "reset_password", now)
                .await?
                .ok_or_else(gone)?;
        let user = users::get_user(self.db.conn(), user_id).await?;
        self.check_new_password(&user, new_password, again)?;
        let hash = self.hash_password(new_password).await?;
        let tx = self.db.write().await?;
        if auth::take_user_token(&tx, &sha256_hex(token), "reset_password", now)
            .await?
            .is_none_or(|(u, _)| u != user_id)
        {
            return Err(gone());
        }
        users::set_password(&tx, user_id, &hash, now).await?;
        auth::delete_user_sessions(&tx, user_id, None).await?;
        auth::revoke_user_api_tokens(&tx, user_id, now).await?;
        auth::expire_user_tokens(&tx, user_id, "reset_password", now).await?;
        if user.kind.is_public() && !user.email_verified {
            // Receiving the link proves the address.
            users::set_email_verified(&tx, user_id, now).await?;
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(user_id),
                action: "password_reset",
                object: "user",
                id: Some(user_id.to_string()),
                agency: None,
                detail: json!({}),
            },
        )
        .await?;
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

    /// The caller's current password, checked under the same throttle as a log-in (a stolen
    /// session must not become a password oracle).
    async fn require_password(&self, ctx: &Ctx, s: &Session, current: &str) -> Result<()> {
        let keys = self.login_keys(&s.user.login, ctx.ip);
        self.reserve_attempt(&keys).await?;
        let hash = users::password_hash(self.db.conn(), s.user.id).await?;
        if self.verify_password(current, &hash).await? {
            self.release_attempt(&keys).await
        } else {
            tracing::warn!(event = "authn_password_check_fail", user_id = %s.user.id, "current password wrong");
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
        self.require_password(ctx, s, current).await?;
        self.check_new_password(&s.user, new, again)?;
        let hash = self.hash_password(new).await?;
        let now = self.now();
        let tx = self.db.write().await?;
        users::set_password(&tx, s.user.id, &hash, now).await?;
        auth::delete_user_sessions(&tx, s.user.id, None).await?;
        auth::revoke_user_api_tokens(&tx, s.user.id, now).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "password_changed",
                object: "user",
                id: Some(s.user.id.to_string()),
                agency: None,
                detail: json!({}),
            },
        )
        .await?;
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
        self.require_password(ctx, s, current).await?;
        let now = self.now();
        let email_changed = s.user.email.as_deref() != Some(email.as_str());
        let token = random_token();
        let link = self.link("/xac-nhan-email", &token);
        let confirm = self.render_notice(
            NoticeKind::EmailConfirmation,
            &json!({"hours": CONFIRM_HOURS, "link": link}),
        )?;
        let changed = self.render_notice(NoticeKind::EmailChanged, &json!({}))?;
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
            auth::insert_user_token(
                &tx,
                &sha256_hex(&token),
                s.user.id,
                &format!("email_change:{email}"),
                now,
                now + SignedDuration::from_hours(CONFIRM_HOURS),
            )
            .await?;
            let n = NewNotice {
                kind: NoticeKind::EmailConfirmation,
                user_id: Some(s.user.id),
                dossier_id: None,
                address: Some(&email),
                data: json!({}),
            };
            self.notify_rendered(&tx, &n, confirm).await?;
            if let Some(old) = s.user.email.as_deref() {
                let n = NewNotice {
                    kind: NoticeKind::EmailChanged,
                    user_id: Some(s.user.id),
                    dossier_id: None,
                    address: Some(old),
                    data: json!({}),
                };
                self.notify_rendered(&tx, &n, changed).await?;
            }
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "contact_changed",
                object: "user",
                id: Some(s.user.id.to_string()),
                agency: None,
                detail: json!({"email_changed": email_changed}),
            },
        )
        .await?;
        Ok(email_changed)
    }
}
