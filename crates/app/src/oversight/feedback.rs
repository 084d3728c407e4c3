//! Feedback and complaints from people, and agencies' proposals to the provincial department
//! (R9.4): routed to one agency, answered within fifteen working days or refused with a reason,
//! rated by their author; counted in the scorecard (Decision 766 indicators 5.2, 5.3).
use motcua_domain::Role;
use motcua_domain::feedback::{self as fb, About, Kind, State};
use motcua_domain::oversight::scorecard::Ratio;
use motcua_domain::record::Feedback;
use motcua_store::feedback::{self as store, Of};
use motcua_store::{agencies, catalogue as cat, dossiers as ds};
use serde_json::json;
use uuid::Uuid;

use crate::error::StoreResult as _;
use crate::processing::clean;
use crate::{App, AppError, Audit, Ctx, Result, Session};

/// What someone sends.
#[derive(Debug, Clone, Default)]
pub struct NewFeedback {
    pub kind: String,
    pub about: String,
    /// The agency it is for, by code (a proposal goes to the provincial department).
    pub agency: Option<String>,
    /// Or the service it is about.
    pub service: Option<Uuid>,
    /// Or the sender's dossier it is about, by code.
    pub dossier: Option<String>,
    pub subject: String,
    pub body: String,
}

/// How many unanswered items one person may have at once.
const MAX_OPEN: usize = 20;

impl App {
    /// Sends feedback (people) or a proposal (an agency's leaders and administrators).
    pub async fn send_feedback(&self, ctx: &Ctx, s: &Session, n: &NewFeedback) -> Result<Feedback> {
        let kind =
            Kind::parse(n.kind.trim()).ok_or_else(|| AppError::field("kind", "Chọn loại."))?;
        let about = About::parse(n.about.trim()).unwrap_or(About::Other);
        let subject = clean(&n.subject, 200);
        let body = clean(&n.body, 4000);
        if subject.is_empty() {
            return Err(AppError::field("subject", "Nhập tiêu đề."));
        }
        if body.is_empty() {
            return Err(AppError::field("body", "Nhập nội dung."));
        }
        let (agency_id, from_agency_id, service_id, dossier_id) = self.route(s, kind, n).await?;
        let mine = store::list(self.db.conn(), &Of::Author(s.user.id), 1000).await?;
        if mine.iter().filter(|f| f.state == State::Open).count() >= MAX_OPEN {
            return Err(AppError::Conflict(format!(
                "Bạn đang có {MAX_OPEN} phản ánh, kiến nghị chưa được trả lời."
            )));
        }
        let agency = agencies::get_agency(self.db.conn(), agency_id).await?;
        let now = self.now();
        let f = Feedback {
            id: Uuid::now_v7(),
            kind,
            about,
            agency_id,
            service_id,
            dossier_id,
            author_id: s.user.id,
            from_agency_id,
            subject,
            body,
            created_at: now,
            due_at: fb::answer_due(&self.calendar(), Some(&agency.code), now),
            state: State::Open,
            closed_at: None,
            closed_by: None,
            answer: None,
            satisfied: None,
        };
        let tx = self.db.write().await?;
        store::insert(&tx, &f).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "feedback_sent",
                object: "feedback",
                id: Some(f.id.to_string()),
                agency: Some(agency_id),
                detail: json!({"kind": kind.as_str(), "about": about.as_str()}),
            },
        )
        .await?;
        Ok(f)
    }

    /// Where it goes: (agency, proposing agency, service, dossier).
    async fn route(
        &self,
        s: &Session,
        kind: Kind,
        n: &NewFeedback,
    ) -> Result<(Uuid, Option<Uuid>, Option<Uuid>, Option<Uuid>)> {
        let c = self.db.conn();
        let province = agencies::list_agencies(c)
            .await?
            .into_iter()
            .find(|a| a.parent_id.is_none())
            .ok_or_else(|| AppError::Unexpected("no provincial agency".into()))?;
        if !kind.from_people() {
            let own = s.actor.agencies_with(&[Role::Leader, Role::AgencyAdmin]);
            let from = *own.first().ok_or(AppError::Forbidden)?;
            return Ok((province.id, Some(from), None, None));
        }
        if !s.user.kind.is_public() {
            return Err(AppError::Forbidden);
        }
        if let Some(code) = n
            .dossier
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let d = ds::find_by_code(c, code)
                .await?
                .filter(|d| d.owner_id == Some(s.user.id))
                .ok_or(AppError::NotFound)?;
            return Ok((d.agency_id, None, Some(d.service_id), Some(d.id)));
        }
        if let Some(id) = n.service {
            let sv = cat::get_service(c, id)
                .await
                .or_missing(AppError::NotFound)?;
            return Ok((sv.agency_id, None, Some(sv.id), None));
        }
        // No agency named: the provincial department receives it.
        let a = match n.agency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => agencies::find_agency_by_code(c, code)
                .await?
                .ok_or(AppError::NotFound)?,
            None => province,
        };
        Ok((a.id, None, None, None))
    }

    /// What the caller sent, newest first.
    pub async fn my_feedback(&self, s: &Session) -> Result<Vec<Feedback>> {
        Ok(store::list(self.db.conn(), &Of::Author(s.user.id), 200).await?)
    }

    /// What was routed to the agencies the caller answers for (leaders and administrators;
    /// inspectors and the province's administrators: all), newest first.
    pub async fn agency_feedback(&self, s: &Session) -> Result<Vec<Feedback>> {
        Ok(store::list(self.db.conn(), &self.feedback_scope(s)?, 500).await?)
    }

    fn feedback_scope(&self, s: &Session) -> Result<Of> {
        if s.actor.has_role(Role::Inspector) || s.actor.has_role(Role::ProvinceAdmin) {
            return Ok(Of::All);
        }
        let own = s.actor.agencies_with(&[Role::Leader, Role::AgencyAdmin]);
        if own.is_empty() {
            return Err(AppError::Forbidden);
        }
        Ok(Of::Agencies(own))
    }

    /// The agency answers, or refuses with the reason: its leaders and administrators, or the
    /// province's administrators.
    pub async fn close_feedback(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        refuse: bool,
        answer: &str,
    ) -> Result<Feedback> {
        let f = store::get(self.db.conn(), id)
            .await
            .or_missing(AppError::NotFound)?;
        let may = [Role::Leader, Role::AgencyAdmin, Role::ProvinceAdmin]
            .iter()
            .any(|r| s.actor.has_role_in(*r, f.agency_id));
        if !may {
            return Err(AppError::NotFound);
        }
        let answer = clean(answer, 4000);
        if answer.chars().count() < 10 {
            return Err(AppError::field(
                "answer",
                "Nhập nội dung trả lời (ít nhất 10 ký tự).",
            ));
        }
        let state = if refuse {
            State::Refused
        } else {
            State::Answered
        };
        let now = self.now();
        let tx = self.db.write().await?;
        if !store::close(&tx, id, state, s.user.id, &answer, now).await? {
            return Err(AppError::Conflict("Phản ánh này đã được trả lời.".into()));
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "feedback_closed",
                object: "feedback",
                id: Some(id.to_string()),
                agency: Some(f.agency_id),
                detail: json!({"state": state.as_str()}),
            },
        )
        .await?;
        Ok(store::get(self.db.conn(), id).await?)
    }

    /// The author says whether the answer satisfied them, once.
    pub async fn rate_feedback_answer(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        satisfied: bool,
    ) -> Result<()> {
        let f = store::get(self.db.conn(), id)
            .await
            .or_missing(AppError::NotFound)?;
        if f.author_id != s.user.id {
            return Err(AppError::NotFound);
        }
        let tx = self.db.write().await?;
        if !store::rate(&tx, id, satisfied).await? {
            return Err(AppError::Conflict(
                "Chỉ đánh giá một lần, sau khi cơ quan đã trả lời.".into(),
            ));
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "feedback_rated",
                object: "feedback",
                id: Some(id.to_string()),
                agency: Some(f.agency_id),
                detail: json!({"satisfied": satisfied}),
            },
        )
        .await
    }

    /// Indicators 5.2 and 5.3 over the feedback received in `[from, to)`: (closed in time of
    /// those closed or due by now) and (answered in time without a dissatisfied verdict, of
    /// those closed).
    pub(crate) async fn feedback_ratios(
        &self,
        agency: Option<Uuid>,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> Result<(Ratio, Ratio)> {
        let c = self.db.conn();
        let cal = self.calendar();
        let now = self.now();
        let rows = store::facts(c, agency, from, to).await?;
        let codes = agencies::list_agencies(c).await?;
        let code = |id: Uuid| codes.iter().find(|a| a.id == id).map(|a| a.code.clone());
        let (mut on_time, mut satisfied) = (Ratio::default(), Ratio::default());
        for f in rows {
            let code = code(f.agency_id);
            let late = fb::late(&cal, code.as_deref(), f.received, f.state, f.closed, now);
            if f.state != State::Open || late {
                on_time.den += 1;
                on_time.num += u64::from(!late);
            }
            if f.state != State::Open {
                satisfied.den += 1;
                satisfied.num += u64::from(!late && f.satisfied != Some(false));
            }
        }
        Ok((on_time, satisfied))
    }
}
