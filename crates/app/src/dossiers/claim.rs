//! A person who submitted at the counter or by post, without an account, claims the dossier
//! into the account they make later, by proving its code and the phone they gave (R6.2): from
//! then on they follow it and receive its notices there. The phone on record is told, so that
//! a claim by someone else who knew both does not go unnoticed.
use motcua_domain::notice::NoticeKind;

use super::*;

/// Claims that may be tried in an hour, per account and per dossier code: the code and the
/// phone together are the proof, and guessing either must stay slow (shared between server
/// copies).
const CLAIMS_PER_HOUR: u32 = 10;

impl App {
    /// Makes the caller the owner of the dossier with this code, when it was registered at the
    /// counter or from the post, has no owner, and the phone is the one given then. Any
    /// mismatch answers the same "not found", so that the answer tells nothing of which part was
    /// wrong or whether the code exists. (A dossier from the national portal belongs to the
    /// portal's identified account, never to a claim.)
    pub async fn claim_dossier(
        &self,
        ctx: &Ctx,
        s: &Session,
        code: &str,
        phone: &str,
    ) -> Result<Dossier> {
        if !may_own(s.user.kind) {
            return Err(AppError::Forbidden);
        }
        let code = code.trim();
        let keys = [format!("claim:{}", s.user.id), format!("claim-code:{code}")];
        let limit = self.config.copy_share(CLAIMS_PER_HOUR);
        for key in &keys {
            let (n, end) = self
                .limiter
                .hit(key, SignedDuration::from_hours(1), self.now());
            if n > limit {
                tracing::warn!(event = "excess_rate_limit_exceeded", "dossier claims");
                let wait = (end - self.now()).as_secs().max(1) as u64;
                return Err(AppError::Throttled(wait));
            }
        }
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
        let mut d = ds::get_dossier(self.db.conn(), id).await?;
        let blind = motcua_store::seal::blind(&phone);
        let proven = d
            .phone_index
            .as_deref()
            .is_some_and(|i| crate::crypto::ct_eq(i, &blind));
        if d.owner_id.is_some() || d.registered_by.is_none() || !proven {
            return Err(refused());
        }
        // The phone (and e-mail) on record hear of it, before its notices go to the account.
        let told = match self
            .owner_notice(self.db.conn(), &d, NoticeKind::Claimed, json!({}))
            .await?
        {
            Some((n, r)) => Some(self.address(self.db.conn(), n, r).await?),
            None => None,
        };
        d.owner_id = Some(s.user.id);
        d.contact = None;
        d.updated_at = self.now();
        let tx = self.db.write().await?;
        ds::update_dossier(&tx, &d).await.map_err(conflict_msg)?;
        if let Some(a) = told {
            self.store_addressed(&tx, a).await?;
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_claimed",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({}),
            },
        )
        .await?;
        for key in &keys {
            self.limiter.undo(key);
        }
        d.version += 1;
        Ok(d)
    }
}
