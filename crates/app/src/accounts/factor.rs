//! The staff's second factor (R4.6; ASVS 6.3.3, 6.5.1, 7.2.4): a TOTP code after the password.
//!
//! A right password alone never makes a staff session where the factor is required (always in
//! production): it makes a pending log-in, a single-use token good for five minutes that can
//! only be spent on the code page. There is no half-authenticated session for other pages to
//! accept by mistake; the session is created, with a new id, once the code is right. Codes are
//! counted against the same per-account and per-address limits as passwords.
use jiff::SignedDuration;
use motcua_domain::account::{AccountKind, User};
use motcua_domain::totp;
use motcua_store::{auth, factors, users};
use rand::RngCore;
use serde_json::json;
use uuid::Uuid;

use crate::crypto::{random_token, sha256_hex};
use crate::staff::By;
use crate::{App, AppError, Audit, Ctx, Result, Session};

use super::LoggedIn;

/// How long the code page waits after the password (ASVS 6.5.5 asks ≤ 10 minutes).
const PENDING_MINS: i64 = 5;
const CODE_PURPOSE: &str = "login_code";
const ENROL_PURPOSE: &str = "login_enrol";
/// The one answer for a wrong, expired or used code.
pub const BAD_CODE: &str =
    "Mã xác thực không đúng, đã hết hạn hoặc đã được dùng. Hãy nhập mã mới trên ứng dụng xác thực.";
const PENDING_GONE: &str = "Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại bằng mật khẩu.";

/// What a right password leads to.
#[derive(Debug)]
pub enum LoginStep {
    /// Signed in.
    Done(LoggedIn),
    /// A staff account with a factor: the code comes next (the pending log-in's raw token).
    Code(String),
    /// A staff account without one where it is required: it enrols first.
    Enrol(String),
}

/// What the person needs to add the factor to an authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in base32, for typing by hand.
    pub secret: String,
    /// The `otpauth://` address the QR code carries.
    pub uri: String,
}

/// A staff member's factor as their account page shows it.
#[derive(Debug, Clone, Default)]
pub struct FactorStatus {
    pub enrolled: bool,
    /// An enrolment started and not yet confirmed with a code.
    pub enrolling: Option<Enrolment>,
    pub recovery_left: u64,
    pub required: bool,
}

impl App {
    /// The step after a right password: a session, or the code page for staff.
    pub(super) async fn after_password(&self, ctx: &Ctx, user: User) -> Result<LoginStep> {
        if user.kind != AccountKind::Staff {
            return self.signed_in(ctx, user).await.map(LoginStep::Done);
        }
        let factor = factors::get(self.db.conn(), user.id).await?;
        let enrolled = factor.as_ref().is_some_and(|f| f.confirmed);
        if !enrolled && !self.config.second_factor_required() {
            return self.signed_in(ctx, user).await.map(LoginStep::Done);
        }
        let raw = random_token();
        let now = self.now();
        let purpose = if enrolled {
            CODE_PURPOSE
        } else {
            ENROL_PURPOSE
        };
        let tx = self.db.write().await?;
        if !enrolled {
            factors::begin(&tx, user.id, &new_secret(), now).await?;
        }
        auth::expire_user_tokens(&tx, user.id, "login_", now).await?;
        let expires = now + SignedDuration::from_mins(PENDING_MINS);
        auth::insert_user_token(&tx, &sha256_hex(&raw), user.id, purpose, now, expires).await?;
        tx.commit().await?;
        tracing::info!(event = "authn_password_ok_factor_next", user_id = %user.id, "password right; the second factor comes next");
        Ok(if enrolled {
            LoginStep::Code(raw)
        } else {
            LoginStep::Enrol(raw)
        })
    }

    pub(super) async fn signed_in(&self, ctx: &Ctx, user: User) -> Result<LoggedIn> {
        let session_id = self.new_session(ctx, &user).await?;
        tracing::info!(event = "authn_login_success", user_id = %user.id, "logged in");
        Ok(LoggedIn { session_id, user })
    }

    /// The account a pending log-in belongs to, and whether it enrols (`None`: no such pending
    /// log-in, or it expired). Reads only.
    pub async fn pending_login(&self, raw: &str) -> Result<Option<(User, bool)>> {
        let conn = self.db.conn();
        let now = self.now();
        for (purpose, enrols) in [(CODE_PURPOSE, false), (ENROL_PURPOSE, true)] {
            if let Some(id) = auth::peek_user_token(conn, &sha256_hex(raw), purpose, now).await? {
                return Ok(Some((users::get_user(conn, id).await?, enrols)));
            }
        }
        Ok(None)
    }

    /// What the enrolment page shows: the secret being enrolled.
    pub async fn enrolment(&self, user: &User) -> Result<Option<Enrolment>> {
        let f = factors::get(self.db.conn(), user.id).await?;
        Ok(f.filter(|f| !f.confirmed).map(|f| Enrolment {
            secret: totp::base32(&f.secret),
            uri: totp::uri(&f.secret, &self.issuer(), &user.login),
        }))
    }

    fn issuer(&self) -> String {
        let host = self
            .config
            .public_url
            .split("://")
            .nth(1)
            .unwrap_or("")
            .trim_end_matches('/');
        format!("motcua {host}")
    }

    /// Finishes a pending log-in with a code (or a recovery code): a new session. Enrolling,
    /// the code confirms the new factor and the recovery codes are answered (shown once).
    pub async fn finish_login(
        &self,
        ctx: &Ctx,
        raw: &str,
        code: &str,
    ) -> Result<(LoggedIn, Vec<String>)> {
        let Some((user, enrols)) = self.pending_login(raw).await? else {
            return Err(AppError::field("code", PENDING_GONE));
        };
        let keys = self.login_keys(&user.login, ctx.ip);
        self.reserve_attempt(&keys).await?;
        let now = self.now();
        let tx = self.db.write().await?;
        let how = self.accept_code(&tx, &user, code, !enrols).await?;
        let purpose = if enrols { ENROL_PURPOSE } else { CODE_PURPOSE };
        let Some(how) = how else {
            drop(tx);
            tracing::warn!(event = "authn_factor_fail", user_id = %user.id, "second factor refused");
            return Err(AppError::field("code", BAD_CODE));
        };
        if auth::take_user_token(&tx, &sha256_hex(raw), purpose, now)
            .await?
            .is_none()
        {
            return Err(AppError::field("code", PENDING_GONE));
        }
        let codes = if enrols {
            self.new_recovery(&tx, user.id).await?
        } else {
            Vec::new()
        };
        let action = match (enrols, how) {
            (true, _) => "second_factor_enrolled",
            (false, Accepted::Recovery) => "second_factor_recovery_used",
            (false, Accepted::Code) => "second_factor_login",
        };
        self.commit(tx, ctx, factor_audit(Some(user.id), action, &user))
            .await?;
        self.release_attempt(&keys).await?;
        Ok((self.signed_in(ctx, user).await?, codes))
    }

    /// Checks a code in the write transaction that records its step (or uses the recovery
    /// code), so that two requests with one code cannot both pass.
    async fn accept_code(
        &self,
        tx: &motcua_store::Tx,
        user: &User,
        code: &str,
        recovery_allowed: bool,
    ) -> Result<Option<Accepted>> {
        let now = self.now();
        let Some(f) = factors::get(tx, user.id).await? else {
            return Ok(None);
        };
        if let Some(step) = totp::matching_step(&f.secret, code, now, f.last_step) {
            return Ok(factors::use_step(tx, user.id, step, now)
                .await?
                .then_some(Accepted::Code));
        }
        match totp::read_recovery(code) {
            Some(r) if recovery_allowed && f.confirmed => {
                Ok(factors::use_recovery(tx, user.id, &sha256_hex(&r), now)
                    .await?
                    .then_some(Accepted::Recovery))
            }
            _ => Ok(None),
        }
    }

    /// Ten new recovery codes for the account, replacing the old ones; answered once.
    async fn new_recovery(&self, tx: &motcua_store::Tx, user: Uuid) -> Result<Vec<String>> {
        let codes: Vec<String> = (0..totp::RECOVERY_CODES)
            .map(|_| {
                let mut b = [0u8; totp::RECOVERY_LEN];
                rand::rng().fill_bytes(&mut b);
                totp::recovery_code(&b)
            })
            .collect();
        let hashes: Vec<String> = codes
            .iter()
            .filter_map(|c| totp::read_recovery(c))
            .map(|c| sha256_hex(&c))
            .collect();
        factors::set_recovery(tx, user, &hashes).await?;
        Ok(codes)
    }

    /// The code a staff member gives with their password for an API token (R4.6): required
    /// when they have a factor or the factor is required.
    pub(super) async fn token_factor(
        &self,
        ctx: &Ctx,
        user: &User,
        code: Option<&str>,
    ) -> Result<()> {
        if user.kind != AccountKind::Staff {
            return Ok(());
        }
        let f = factors::get(self.db.conn(), user.id).await?;
        let enrolled = f.as_ref().is_some_and(|f| f.confirmed);
        if !enrolled {
            if self.config.second_factor_required() {
                return Err(AppError::field(
                    "code",
                    "Tài khoản cán bộ cần đăng ký xác thực hai lớp trên trang web trước khi lấy mã truy cập API.",
                ));
            }
            return Ok(());
        }
        let tx = self.db.write().await?;
        if self
            .accept_code(&tx, user, code.unwrap_or(""), false)
            .await?
            .is_none()
        {
            tracing::warn!(event = "authn_factor_fail", user_id = %user.id, "second factor refused for a token");
            return Err(AppError::field("code", BAD_CODE));
        }
        self.commit(
            tx,
            ctx,
            factor_audit(Some(user.id), "second_factor_token", user),
        )
        .await
    }

    /// The caller's factor, for their account page.
    pub async fn factor_status(&self, s: &Session) -> Result<FactorStatus> {
        let conn = self.db.conn();
        let f = factors::get(conn, s.user.id).await?;
        Ok(FactorStatus {
            enrolled: f.as_ref().is_some_and(|f| f.confirmed),
            enrolling: self.enrolment(&s.user).await?,
            recovery_left: factors::recovery_left(conn, s.user.id).await?,
            required: self.config.second_factor_required(),
        })
    }

    /// Starts enrolling from the account page: the password again first (ASVS 7.5.1). A staff
    /// member with a factor resets it through an administrator, not here.
    pub async fn start_enrolment(&self, ctx: &Ctx, s: &Session, password: &str) -> Result<()> {
        if s.user.kind != AccountKind::Staff {
            return Err(AppError::NotFound);
        }
        self.require_password(ctx, s, password).await?;
        let tx = self.db.write().await?;
        if !factors::begin(&tx, s.user.id, &new_secret(), self.now()).await? {
            return Err(AppError::Conflict(
                "Tài khoản đã có xác thực hai lớp.".into(),
            ));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Confirms the enrolment started on the account page with a first code; answers the
    /// recovery codes (shown once).
    pub async fn confirm_enrolment(
        &self,
        ctx: &Ctx,
        s: &Session,
        code: &str,
    ) -> Result<Vec<String>> {
        let tx = self.db.write().await?;
        let pending = factors::get(&tx, s.user.id)
            .await?
            .is_some_and(|f| !f.confirmed);
        if !pending || self.accept_code(&tx, &s.user, code, false).await?.is_none() {
            return Err(AppError::field("code", BAD_CODE));
        }
        let codes = self.new_recovery(&tx, s.user.id).await?;
        self.commit(
            tx,
            ctx,
            factor_audit(Some(s.user.id), "second_factor_enrolled", &s.user),
        )
        .await?;
        Ok(codes)
    }

    /// New recovery codes in place of the old, for a current code.
    pub async fn renew_recovery(&self, ctx: &Ctx, s: &Session, code: &str) -> Result<Vec<String>> {
        let tx = self.db.write().await?;
        let enrolled = factors::get(&tx, s.user.id)
            .await?
            .is_some_and(|f| f.confirmed);
        if !enrolled || self.accept_code(&tx, &s.user, code, false).await?.is_none() {
            return Err(AppError::field("code", BAD_CODE));
        }
        let codes = self.new_recovery(&tx, s.user.id).await?;
        self.commit(
            tx,
            ctx,
            factor_audit(Some(s.user.id), "recovery_codes_renewed", &s.user),
        )
        .await?;
        Ok(codes)
    }

    /// Removes a staff member's lost factor (their administrator, or the operator): their
    /// sessions and API tokens end, and their next log-in enrols a new one. Audited.
    pub async fn reset_second_factor(&self, ctx: &Ctx, by: By<'_>, user_id: Uuid) -> Result<()> {
        let u = users::get_user(self.db.conn(), user_id).await?;
        self.may_manage_account(&by, &u).await?;
        if u.kind != AccountKind::Staff {
            return Err(AppError::NotFound);
        }
        let now = self.now();
        let tx = self.db.write().await?;
        if !factors::remove(&tx, user_id).await? {
            return Err(AppError::Conflict(
                "Tài khoản này chưa có xác thực hai lớp.".into(),
            ));
        }
        auth::delete_user_sessions(&tx, user_id, None).await?;
        auth::revoke_user_api_tokens(&tx, user_id, now).await?;
        self.commit(tx, ctx, factor_audit(by.id(), "second_factor_reset", &u))
            .await?;
        tracing::info!(event = "second_factor_reset", user_id = %user_id, "second factor reset");
        Ok(())
    }
}

/// How a code was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accepted {
    Code,
    Recovery,
}

fn new_secret() -> [u8; totp::SECRET_LEN] {
    let mut s = [0u8; totp::SECRET_LEN];
    rand::rng().fill_bytes(&mut s);
    s
}

fn factor_audit(actor: Option<Uuid>, action: &'static str, user: &User) -> Audit<'static> {
    Audit {
        actor,
        action,
        object: "user",
        id: Some(user.id.to_string()),
        agency: user.home_agency_id,
        detail: json!({}),
    }
}
