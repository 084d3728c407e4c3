//! Reception checks a dossier for validity and completeness (R11.1): it marks each paper it has
//! looked at, and a supplement request (R11.2) starts from what is left. Reading an applicant's
//! identity number whole is asked for and recorded (R10.5).
use motcua_domain::account::Role;
use motcua_domain::lifecycle::{Act, Who};
use motcua_store::dossiers::{self as ds, Dossier};
use serde_json::json;
use uuid::Uuid;

use crate::{App, AppError, Audit, Ctx, Result, Session};

impl App {
    /// Reception of the dossier's agency, while the dossier waits for acceptance.
    pub(crate) fn may_check_papers(&self, s: &Session, d: &Dossier) -> bool {
        let reception = Who::Staff(Role::Reception);
        crate::processing::whos(s, d).contains(&reception)
            && motcua_domain::lifecycle::next(d.stage, Act::Accept, reception).is_ok()
    }

    /// Sets which of the dossier's papers reception has checked: those in `checked` are marked
    /// (keeping an earlier mark's officer and time), the others unmarked. 409 when the dossier
    /// no longer waits for acceptance; 422 for a file that is not one of its papers.
    pub async fn check_papers(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        checked: &[Uuid],
    ) -> Result<()> {
        let d = self.visible(s, id).await?;
        if !self.may_check_papers(s, &d) {
            return Err(AppError::Conflict(
                "Chỉ bộ phận tiếp nhận đánh dấu giấy tờ đã kiểm tra, khi hồ sơ đang chờ tiếp nhận."
                    .into(),
            ));
        }
        let conn = self.db.conn();
        let papers: Vec<Uuid> = ds::files(conn, id)
            .await?
            .into_iter()
            .filter(|f| f.component_id != crate::processing::RESULT_COMPONENT)
            .map(|f| f.id)
            .collect();
        if let Some(f) = checked.iter().find(|f| !papers.contains(f)) {
            return Err(AppError::field(
                "checked",
                format!("Tệp {f} không phải giấy tờ của hồ sơ này."),
            ));
        }
        let tx = self.db.write().await?;
        ds::set_paper_checks(&tx, id, checked, s.user.id, self.now()).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_papers_checked",
                object: "dossier",
                id: Some(id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"checked": checked, "papers": papers.len()}),
            },
        )
        .await
    }

    /// Records that a staff member asked to read the applicant's identity numbers whole on the
    /// dossier page (they are masked until asked for).
    pub async fn reveal_personal_ids(&self, ctx: &Ctx, s: &Session, id: Uuid) -> Result<()> {
        let d = self.visible(s, id).await?;
        if !s.actor.is_staff() {
            return Err(AppError::NotFound);
        }
        let tx = self.db.write().await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "personal_id_revealed",
                object: "dossier",
                id: Some(id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({}),
            },
        )
        .await
    }
}
