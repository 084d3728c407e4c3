//! Staff search of dossiers (R9.6, R10.5): by code, by the applicant's name folded (no
//! diacritics, any case), or by the blind index of an identity number or phone, within the
//! agencies the caller works for. Drafts are the person's alone and never found.
use motcua_domain::lifecycle::Stage;
use sea_orm::sea_query::{Condition, LikeExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Result;
use crate::entities::dossier;
use crate::reports::Listed;

/// What to look for; any of it matches.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    /// The agencies searched; `None`: all (inspectors).
    pub agencies: Option<Vec<Uuid>>,
    /// A code, or its beginning.
    pub code: Option<String>,
    /// Part of the applicant's name, folded (`text::fold_vi`).
    pub name: Option<String>,
    /// Blind indexes of an identity number or phone.
    pub keys: Vec<String>,
}

fn like_escaped(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The dossiers found, newest first, at most `limit`.
pub async fn search(c: &impl ConnectionTrait, w: &Wanted, limit: u64) -> Result<Vec<Listed>> {
    let mut any = Condition::any();
    if let Some(code) = &w.code {
        any = any.add(
            dossier::Column::Code
                .like(LikeExpr::new(format!("{}%", like_escaped(code))).escape('\\')),
        );
    }
    if let Some(name) = &w.name {
        any = any.add(
            dossier::Column::ApplicantFolded
                .like(LikeExpr::new(format!("%{}%", like_escaped(name))).escape('\\')),
        );
    }
    if !w.keys.is_empty() {
        any = any
            .add(dossier::Column::IdIndex.is_in(w.keys.clone()))
            .add(dossier::Column::PhoneIndex.is_in(w.keys.clone()));
    }
    if any.is_empty() {
        return Ok(vec![]);
    }
    let mut q = dossier::Entity::find()
        .filter(any)
        .filter(dossier::Column::Stage.ne(Stage::Draft.as_str()));
    if let Some(a) = &w.agencies {
        q = q.filter(dossier::Column::AgencyId.is_in(a.iter().copied()));
    }
    q.order_by_desc(dossier::Column::SubmittedAt)
        .order_by_asc(dossier::Column::Id)
        .limit(limit.min(200))
        .all(c)
        .await?
        .into_iter()
        .map(|m| {
            let d = super::row_from(m)?;
            Ok(Listed {
                id: d.id,
                code: d.code,
                applicant_name: d.applicant_name,
                stage: d.stage,
                intake: d.intake,
                submitted_at: d.submitted_at.unwrap_or(d.created_at),
                appointment_at: d.appointment_at,
            })
        })
        .collect()
}
