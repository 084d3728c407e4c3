//! A person who submitted at the counter or by post, without an account, claims the dossier
//! into the account they make later (R6.2): they name its code and the phone they gave, and
//! prove they hold that phone with a one-time code sent to it by SMS. From then on they follow
//! the dossier and receive its notices in the account. The phone and e-mail on record are told,
//! so that a claim does not go unnoticed.
use motcua_domain::notice::NoticeKind;
use motcua_domain::record::Contact;
use motcua_store::auth;

use crate::crypto::{random_digits, random_token};
use crate::notices::NewNotice;

use super::*;

/// Claims that may be tried in an hour, per account and per dossier code, and one-time codes
/// that may be typed per account: guessing must stay slow (shared between server copies).
const CLAIMS_PER_HOUR: u32 = 10;
/// One-time codes sent to a dossier's phone in an hour: each is an SMS we pay for.
const CODES_PER_HOUR: u32 = 3;
/// Tries of the one-time code one request sent, counted in the database; then it is spent.
const TRIES_PER_CODE: u32 = 5;
/// How long a one-time code stays good.
const CODE_MINUTES: i64 = 10;
/// The one-time code's digits.
const CODE_DIGITS: u32 = 6;
/// Where the tokens of claims are kept (`user_tokens.purpose`, followed by the dossier's id).
const PURPOSE: &str = "claim:";

/// A one-time code was sent: what the second step names, and where the code went.
#[derive(Debug, Clone)]
pub struct ClaimTicket {
    /// Names this request in the second step (with the code from the SMS).
    pub ticket: String,
    /// The phone the code went to, masked but for its last three digits.
    pub sent_to: String,
    pub expires_at: jiff::Timestamp,
}

impl App {
    /// The first step: when the code names a dossier registered at the counter or from the post
    /// that has no owner, and the phone is the one given then, sends a one-time code to that
    /// phone. Any mismatch answers the same "not found", so that the answer tells nothing of
    /// which part was wrong or whether the code exists. (A dossier from the national portal
    /// belongs to the portal's identified account, never to a claim.)
    pub async fn claim_dossier(
        &self,
        ctx: &Ctx,
        s: &Session,
        code: &str,
        phone: &str,
    ) -> Result<ClaimTicket> {
        if !may_own(s.user.kind) {
            return Err(AppError::Forbidden);
        }
        let code = code.trim();
        let keys = [format!("claim:{}", s.user.id), format!("claim-code:{code}")];
        self.count_try(&keys, CLAIMS_PER_HOUR)?;
        let phone =
            motcua_domain::identity::check_phone(phone).map_err(|m| AppError::field("phone", m))?;
        // One answer for every mismatch: it tells nothing of which part was wrong.
        let refused = || AppError::NotFound;
        if !dom::plausible_code(code) {
            return Err(refused());
        }
        let id = ds::id_by_code(self.db.conn(), code)
            .await?
            .ok_or_else(refused)?;
        let d = ds::get_dossier(self.db.conn(), id).await?;
        let blind = motcua_store::seal::blind(&phone);
        let proven = d
            .phone_index
            .as_deref()
            .is_some_and(|i| crate::crypto::ct_eq(i, &blind));
        if !claimable(&d) || !proven {
            return Err(refused());
        }
        let (ticket, otp) = (random_token(), random_digits(CODE_DIGITS));
        let now = self.now();
        let expires_at = now + SignedDuration::from_mins(CODE_MINUTES);
        // To the phone only, naming no dossier in its record: the code is not for the staff
        // who read the dossier's notices.
        let data = json!({"otp": otp, "code": code, "minutes": CODE_MINUTES});
        let rendered = self.render_notice(NoticeKind::ClaimCode, &data)?;
        let n = NewNotice {
            kind: NoticeKind::ClaimCode,
            user_id: None,
            dossier_id: None,
            address: None,
            outside: Some(Contact {
                phone: Some(phone.clone()),
                email: None,
            }),
            data,
        };
        let sms = self.address(self.db.conn(), n, rendered).await?;
        if sms.channels.is_empty() {
            // The template's SMS text was emptied: no code can go out.
            return Err(AppError::Unavailable {
                cause: "the claim code's SMS template is empty".into(),
                retry: 3600,
            });
        }
        self.count_try(&[format!("claim-sms:{id}")], CODES_PER_HOUR)?;
        let tx = self.db.write().await?;
        let token = sha256_hex(&format!("{ticket}:{otp}"));
        let purpose = format!("{PURPOSE}{id}");
        auth::insert_user_token(&tx, &token, s.user.id, &purpose, now, expires_at).await?;
        self.store_addressed(&tx, sms).await?;
        self.commit(tx, ctx, claim_audit(s, &d, "dossier_claim_code_sent"))
            .await?;
        Ok(ClaimTicket {
            ticket,
            sent_to: motcua_domain::text::mask(&phone, 3),
            expires_at,
        })
    }

    /// The second step: the one-time code sent by `claim_dossier` makes the caller the owner
    /// of the dossier. A wrong, spent or expired code answers "not found"; five tries spend it.
    pub async fn confirm_claim(
        &self,
        ctx: &Ctx,
        s: &Session,
        ticket: &str,
        otp: &str,
    ) -> Result<Dossier> {
        if !may_own(s.user.kind) {
            return Err(AppError::Forbidden);
        }
        let ticket = ticket.trim();
        let key = format!("claim:{}", s.user.id);
        // No claim awaits this ticket with this code: wrong, spent or expired alike.
        let wrong = || AppError::NotFound;
        self.count_try(std::slice::from_ref(&key), CLAIMS_PER_HOUR)?;
        let otp: String = otp.chars().filter(|c| !c.is_whitespace()).collect();
        if otp.len() != CODE_DIGITS as usize || !otp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(wrong());
        }
        // The tries of one code are counted in the database, in a transaction of their own: the
        // count holds across server copies and restarts, and a wrong try does not undo it.
        let now = self.now();
        let tries = format!("claim-ticket:{}", sha256_hex(ticket));
        let window = SignedDuration::from_mins(CODE_MINUTES);
        let tx = self.db.write().await?;
        let (n, _) = auth::throttle_hit(&tx, &tries, window, now).await?;
        tx.commit().await?;
        if n > TRIES_PER_CODE as i32 {
            return Err(wrong());
        }
        let tx = self.db.write().await?;
        let token = sha256_hex(&format!("{ticket}:{otp}"));
        let Some((user, purpose)) = auth::take_user_token(&tx, &token, PURPOSE, now).await? else {
            return Err(wrong());
        };
        let id = purpose
            .strip_prefix(PURPOSE)
            .and_then(|i| Uuid::parse_str(i).ok())
            .filter(|_| user == s.user.id)
            .ok_or_else(wrong)?;
        let mut d = ds::get_dossier(&tx, id).await?;
        if !claimable(&d) {
            let whose = match d.owner_id == Some(s.user.id) {
                true => "tài khoản của bạn",
                false => "một tài khoản khác",
            };
            return Err(AppError::Conflict(format!(
                "Hồ sơ đã được gắn vào {whose}."
            )));
        }
        // The phone (and e-mail) on record hear of it, before its notices go to the account.
        if let Some((n, r)) = self
            .owner_notice(&tx, &d, NoticeKind::Claimed, json!({}))
            .await?
        {
            let told = self.address(&tx, n, r).await?;
            self.store_addressed(&tx, told).await?;
        }
        d.owner_id = Some(s.user.id);
        d.contact = None;
        d.updated_at = now;
        ds::update_dossier(&tx, &d).await.map_err(conflict_msg)?;
        auth::throttle_clear(&tx, &tries).await?;
        self.commit(tx, ctx, claim_audit(s, &d, "dossier_claimed"))
            .await?;
        self.limiter.undo(&key);
        d.version += 1;
        Ok(d)
    }

    /// Counts a try against each key (an hour's window); 429 once one is over `limit`.
    fn count_try(&self, keys: &[String], limit: u32) -> Result<()> {
        let limit = self.config.copy_share(limit);
        for key in keys {
            let (n, end) = self
                .limiter
                .hit(key, SignedDuration::from_hours(1), self.now());
            if n > limit {
                tracing::warn!(event = "excess_rate_limit_exceeded", "dossier claims");
                let wait = (end - self.now()).as_secs().max(1) as u64;
                return Err(AppError::Throttled(wait));
            }
        }
        Ok(())
    }
}

/// Whether a dossier may be claimed: registered at the counter or from the post, with nobody
/// owning it yet.
fn claimable(d: &Dossier) -> bool {
    d.owner_id.is_none() && d.registered_by.is_some()
}

fn claim_audit(s: &Session, d: &Dossier, action: &'static str) -> Audit<'static> {
    Audit {
        actor: Some(s.user.id),
        action,
        object: "dossier",
        id: Some(d.id.to_string()),
        agency: Some(d.agency_id),
        detail: json!({}),
    }
}
