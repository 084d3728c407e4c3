//! Log-in under the throttle, sessions and API tokens.
use jiff::{SignedDuration, Timestamp};
use motcua_domain::account::{AccountKind, User};
use motcua_domain::authz::{Action, Actor, Target, authorize};
use motcua_domain::text;
use motcua_store::{auth, users};

use crate::crypto::{self, random_token, sha256_hex};
use crate::{App, AppError, Ctx, Result, Session};

use super::{BAD_CREDENTIALS, LoginStep};

impl App {
    /// The throttle keys of a log-in name from an address: the account's, the address's, and
    /// the pair's. Names and addresses are keyed with the installation's secret, so that the
    /// table reveals neither (an identity number has only 10^12 values).
    pub(super) fn login_keys(&self, login: &str, ip: Option<std::net::IpAddr>) -> [String; 3] {
        let name = text::fold_vi(login.trim());
        let client = ip.map(crate::limits::client_key).unwrap_or_default();
        [
            format!("acct:{}", self.keyed(&name)),
            format!("ip:{}", self.keyed(&client)),
            format!("pair:{}", self.keyed(&format!("{name}|{client}"))),
        ]
    }

    /// Counts one log-in attempt for a name from an address before its password is checked, so
    /// that attempts sent at once cannot exceed the limits (R4.6): at most `account_failures` an
    /// hour for the account from anywhere and `ip_failures` per window from an address; from one
    /// address for one name, after `pair_failures`, each further attempt waits twice as long as
    /// the last (nobody elsewhere is locked out). A refused attempt is not counted (it checked no
    /// password); a right password gives the attempt back.
    pub(super) async fn reserve_attempt(&self, keys: &[String; 3]) -> Result<()> {
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
    pub(super) async fn release_attempt(&self, keys: &[String; 3]) -> Result<()> {
        let tx = self.db.write().await?;
        auth::throttle_undo(&tx, &keys[0]).await?;
        auth::throttle_undo(&tx, &keys[1]).await?;
        auth::throttle_clear(&tx, &keys[2]).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) fn keyed(&self, s: &str) -> String {
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

    /// Logs in with a new session (a new id every time: no fixation), or, for staff, goes on
    /// to the second factor ([`LoginStep`]).
    pub async fn login(&self, ctx: &Ctx, login: &str, password: &str) -> Result<LoginStep> {
        let user = self.check_credentials(ctx, login, password).await?;
        self.after_password(ctx, user).await
    }

    pub(super) async fn new_session(&self, ctx: &Ctx, user: &User) -> Result<String> {
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
        if let Some(s) = self.auth_cache.get(&hash, now) {
            return Ok(Some(s));
        }
        let epoch = self.auth_cache.epoch();
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
        // Kept fresh at most every 30 s (the idle limit is counted in minutes); the cache's
        // life is shorter, so that a session in use is touched in time.
        if now - s.last_seen_at >= SignedDuration::from_secs(30) {
            auth::touch_session(conn, &hash, now).await?;
        }
        let actor = self.actor_for(&user).await?;
        let session = Session {
            user,
            actor,
            session_hash: Some(hash.clone()),
        };
        let ends = s
            .expires_at
            .min(now + SignedDuration::from_secs(s.idle_secs));
        self.auth_cache.put(&hash, &session, epoch, now, ends);
        Ok(Some(session))
    }

    /// Ends the session a cookie names.
    pub async fn logout(&self, raw: &str) -> Result<()> {
        auth::delete_session(self.db.conn(), &sha256_hex(raw)).await?;
        self.auth_changed();
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
        self.auth_changed();
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

    /// Issues an API bearer token (stored hashed). Staff give their current code too where
    /// they have a second factor or it is required.
    pub async fn issue_api_token(
        &self,
        ctx: &Ctx,
        login: &str,
        password: &str,
        code: Option<&str>,
    ) -> Result<(String, Timestamp)> {
        let user = self.check_credentials(ctx, login, password).await?;
        self.token_factor(ctx, &user, code).await?;
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
        let now = self.now();
        let hash = sha256_hex(raw);
        if let Some(s) = self.auth_cache.get(&hash, now) {
            return Ok(Some(s));
        }
        let epoch = self.auth_cache.epoch();
        let conn = self.db.conn();
        let Some((user_id, expires_at)) = auth::find_api_token(conn, &hash, now).await? else {
            return Ok(None);
        };
        let user = users::get_user(conn, user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        let actor = self.actor_for(&user).await?;
        let session = Session {
            user,
            actor,
            session_hash: None,
        };
        self.auth_cache.put(&hash, &session, epoch, now, expires_at);
        Ok(Some(session))
    }

    pub async fn revoke_api_token(&self, raw: &str) -> Result<()> {
        auth::revoke_api_token(self.db.conn(), &sha256_hex(raw), self.now()).await?;
        self.auth_changed();
        tracing::info!(event = "authn_token_revoked", "API token revoked");
        Ok(())
    }
}
