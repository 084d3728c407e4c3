//! Passwords (reset by e-mail, changed by their owner) and the owner's contact details.
use jiff::{SignedDuration, Timestamp};
use motcua_domain::account::{AccountKind, User};
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::{identity, password};
use motcua_store::{auth, users};
use serde_json::json;

use crate::Audit;
use crate::crypto::{random_token, sha256_hex};
use crate::notices::{NewNotice, Rendered};
use crate::{App, AppError, Ctx, FieldError, Result, Session};
use motcua_domain::notice::NoticeKind;

use super::{CONFIRM_HOURS, RESET_MINS};

impl App {
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
                outside: None,
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
    pub(super) async fn require_password(
        &self,
        ctx: &Ctx,
        s: &Session,
        current: &str,
    ) -> Result<()> {
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
        let (email, phone) = check_contact(s, email, phone)?;
        self.require_password(ctx, s, current).await?;
        let now = self.now();
        let email_changed = s.user.email.as_deref() != Some(email.as_str());
        let token = random_token();
        let link = self.link("/xac-nhan-email", &token);
        let notices = EmailChange {
            confirm: self.render_notice(
                NoticeKind::EmailConfirmation,
                &json!({"hours": CONFIRM_HOURS, "link": link}),
            )?,
            changed: self.render_notice(NoticeKind::EmailChanged, &json!({}))?,
        };
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
            self.start_email_change(&tx, &s.user, &email, &token, notices, now)
                .await?;
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

    /// Stores the token that confirms the new address and mails the link to it, and tells the
    /// old address of the change: the address changes only once its owner confirms it.
    async fn start_email_change(
        &self,
        tx: &motcua_store::Tx,
        user: &User,
        email: &str,
        token: &str,
        notices: EmailChange,
        now: Timestamp,
    ) -> Result<()> {
        auth::insert_user_token(
            tx,
            &sha256_hex(token),
            user.id,
            &format!("email_change:{email}"),
            now,
            now + SignedDuration::from_hours(CONFIRM_HOURS),
        )
        .await?;
        let n = NewNotice {
            kind: NoticeKind::EmailConfirmation,
            user_id: Some(user.id),
            dossier_id: None,
            address: Some(email),
            outside: None,
            data: json!({}),
        };
        self.notify_rendered(tx, &n, notices.confirm).await?;
        if let Some(old) = user.email.as_deref() {
            let n = NewNotice {
                kind: NoticeKind::EmailChanged,
                user_id: Some(user.id),
                dossier_id: None,
                address: Some(old),
                outside: None,
                data: json!({}),
            };
            self.notify_rendered(tx, &n, notices.changed).await?;
        }
        Ok(())
    }
}

/// The two notices of an e-mail change, rendered before the write transaction (no template
/// work while holding the write lock).
struct EmailChange {
    /// To the new address, with the confirmation link.
    confirm: Rendered,
    /// To the old address, telling its owner of the change.
    changed: Rendered,
}

/// The new e-mail address and phone, checked, with every problem reported at once; staff may
/// leave the phone empty (an empty string).
fn check_contact(s: &Session, email: &str, phone: &str) -> Result<(String, String)> {
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
    Ok((email, phone))
}
