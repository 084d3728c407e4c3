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
        crate::signatures::reception_of(s, d)
            && motcua_domain::lifecycle::next(d.stage, Act::Accept, Who::Staff(Role::Reception))
                .is_ok()
    }

    /// Sets which of the dossier's papers reception has checked, of those its form showed:
    /// the ones in `checked` are marked (keeping an earlier mark's officer and time), the other
    /// shown ones unmarked; papers the form did not show (attached since) keep what they had.
    /// 409 when the dossier no longer waits for acceptance; 422 for a file that is not one of
    /// its papers, or that is quarantined (it cannot be vouched for).
    pub async fn check_papers(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        shown: &[Uuid],
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
        let papers: Vec<_> = ds::files(conn, id)
            .await?
            .into_iter()
            .filter(|f| f.component_id != crate::processing::RESULT_COMPONENT)
            .collect();
        let ours = |f: &Uuid| papers.iter().any(|p| p.id == *f);
        if !shown.iter().chain(checked).all(ours) {
            return Err(AppError::field(
                "checked",
                "Một tệp đã chọn không phải giấy tờ của hồ sơ này: tải lại trang rồi đánh dấu lại.",
            ));
        }
        let shas: Vec<&str> = papers
            .iter()
            .filter(|p| checked.contains(&p.id))
            .map(|p| p.sha256.as_str())
            .collect();
        if !self.quarantined(&shas).await?.is_empty() {
            return Err(AppError::field(
                "checked",
                "Giấy tờ đã bị cách ly vì mã độc không thể đánh dấu đã kiểm tra: yêu cầu nộp lại.",
            ));
        }
        let tx = self.db.write().await?;
        ds::set_paper_checks(&tx, id, shown, checked, s.user.id, self.now()).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_papers_checked",
                object: "dossier",
                id: Some(id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"checked": checked, "shown": shown}),
            },
        )
        .await
    }

    /// Records that a staff member who works on the dossier asked to read the applicant's
    /// identity numbers whole on its page (they are masked until asked for); 403 for others.
    pub async fn reveal_personal_ids(&self, ctx: &Ctx, s: &Session, id: Uuid) -> Result<()> {
        let d = self.visible(s, id).await?;
        // Those who work on the dossier (R10.5): not a cashier, an inspector or a consulted
        // agency, who see it without needing the number.
        let works_on = crate::processing::whos(s, &d)
            .iter()
            .any(|w| matches!(w, Who::Staff(_) | Who::Assignee));
        if !works_on {
            return Err(AppError::Forbidden);
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
