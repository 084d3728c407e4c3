//! Satisfaction ratings (R9.4): the owner of a dossier that has ended rates it once, on the
//! criteria of the evaluation form (`rating::CRITERIA`).
use std::collections::BTreeMap;

use motcua_domain::rating;
use motcua_domain::record::Rating;
use motcua_store::dossiers as ds;
use motcua_store::ratings;
use serde_json::json;
use uuid::Uuid;

use crate::error::StoreResult as _;
use crate::{App, AppError, Audit, Ctx, Result, Session};

/// What the person answers.
#[derive(Debug, Clone, Default)]
pub struct RatingInput {
    pub answers: BTreeMap<String, rating::Level>,
    pub comment: String,
}

/// The rating form of a dossier: whether it may be rated now, and the rating once given.
#[derive(Debug, Clone)]
pub struct RatingForm {
    pub dossier_id: Uuid,
    pub code: String,
    pub may_rate: bool,
    pub given: Option<Rating>,
}

impl App {
    /// Whether the caller may rate the dossier now: theirs, ended, not yet rated.
    pub(crate) async fn may_rate(&self, s: &Session, d: &ds::Dossier) -> Result<bool> {
        if d.owner_id != Some(s.user.id) || !rating::may_rate(d.stage) {
            return Ok(false);
        }
        Ok(ratings::of_dossier(self.db.conn(), d.id).await?.is_none())
    }

    /// The caller's own dossier by its id or code; another person's is not found (R10.5).
    async fn own_dossier(&self, s: &Session, key: &str) -> Result<ds::Dossier> {
        let key = key.trim();
        let found = match Uuid::parse_str(key) {
            Ok(id) => ds::get_dossier(self.db.conn(), id)
                .await
                .or_missing(AppError::NotFound)
                .map(Some)?,
            Err(_) => ds::find_by_code(self.db.conn(), key).await?,
        };
        let d = found.ok_or(AppError::NotFound)?;
        if d.owner_id != Some(s.user.id) {
            return Err(AppError::NotFound);
        }
        Ok(d)
    }

    /// The rating form of the caller's dossier.
    pub async fn rating_form(&self, s: &Session, key: &str) -> Result<RatingForm> {
        let d = self.own_dossier(s, key).await?;
        let given = ratings::of_dossier(self.db.conn(), d.id).await?;
        Ok(RatingForm {
            dossier_id: d.id,
            code: d.code.clone().unwrap_or_default(),
            may_rate: given.is_none() && rating::may_rate(d.stage),
            given,
        })
    }

    /// Rates the caller's dossier, once, when it has ended.
    pub async fn rate_dossier(
        &self,
        ctx: &Ctx,
        s: &Session,
        code: &str,
        input: &RatingInput,
    ) -> Result<Rating> {
        let d = self.own_dossier(s, code).await?;
        if !rating::may_rate(d.stage) {
            return Err(AppError::Conflict(
                "Hồ sơ chưa kết thúc: chỉ đánh giá khi đã trả kết quả hoặc đã dừng.".into(),
            ));
        }
        let answers = rating::check(&input.answers).map_err(|m| AppError::field("answers", m))?;
        let comment = crate::processing::clean(&input.comment, 2000);
        let r = Rating {
            id: Uuid::now_v7(),
            dossier_id: d.id,
            agency_id: d.agency_id,
            service_id: d.service_id,
            user_id: s.user.id,
            at: self.now(),
            dissatisfied: rating::dissatisfied(&answers),
            answers: answers.iter().map(|(k, l)| (k.to_string(), *l)).collect(),
            comment: (!comment.is_empty()).then_some(comment),
        };
        let tx = self.db.write().await?;
        ratings::insert(&tx, &r)
            .await
            .or_changed("Hồ sơ này đã được đánh giá.")?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_rated",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"dissatisfied": r.dissatisfied}),
            },
        )
        .await?;
        Ok(r)
    }
}
