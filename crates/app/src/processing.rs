//! Processing (R11, R12, R8.1b, R8.2, R3.3, R10.3). Every step a person takes on a submitted
//! dossier goes through [`App::perform`]: the lifecycle table says whether the step is allowed now
//! and for whom; the step's fields are checked (`steps`); then the stage, the due point and unit
//! the service's published process gives it, the national count, the event (who, when, from which
//! unit, comment, data, whether the applicant sees it), the audit record and any notice are
//! written in one transaction. A step that is not allowed answers `Conflict` with the reason and
//! changes nothing.
use motcua_domain::account::Role;
use motcua_domain::catalogue::{Channel, Duration, ProcessStep, time_to_result};
use motcua_domain::deadline::{self, Plan};
use motcua_domain::dossier::Intake;
use motcua_domain::event::{self, Answer, Event, EventData, Slip};
use motcua_domain::fees::FeeDue;
use motcua_domain::lifecycle::{self, Act, NotAllowed, Stage, Who};
use motcua_domain::notice::NoticeKind;
use motcua_domain::oversight;
use motcua_domain::record::Marks;
use motcua_store::agencies;
use motcua_store::catalogue as cat;
use motcua_store::dossiers::{self as ds, Consultation, Dossier};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Audit;
use crate::error::StoreResult;
use crate::{App, AppError, Ctx, Result, Session};

mod actions;
mod batch;
pub(crate) mod persist;
mod steps;
mod views;
pub mod work;

use persist::{RowWrite, StepNotice, StepWrite};

pub use actions::{ActionSpec, Actions, FieldSpec, OptionSpec};
pub use batch::{BATCH_MAX, Decided, Seen};
pub use motcua_domain::event::{StepView, steps};
pub use views::{
    RegisterRow, Scope, WORK_ROLES, WorkFilter, WorkItem, WorkPanel, WorklistPage, overall,
};

/// The component id under which the department's result document is stored.
pub const RESULT_COMPONENT: &str = "_ket-qua";

/// The pseudo-component a supplement request names for the declaration form's answers (tờ khai).
pub const FORM_COMPONENT: &str = "_to-khai";

/// What a person sends with a step (the API's body, a page's form), the act parsed at the edge
/// ([`parse_act`]). Which fields a step takes is `Act::fields`.
#[derive(Debug, Clone)]
pub struct ActionInput {
    pub act: Act,
    pub comment: String,
    /// Reasons, or what is missing or wrong, one item each.
    pub reasons: Vec<String>,
    /// Components the person must supplement (their ids in the procedure, or [`FORM_COMPONENT`]).
    pub components: Vec<String>,
    pub assignee: Option<Uuid>,
    pub consultations: Vec<ConsultationInput>,
    /// The new appointment date (form 04), `YYYY-MM-DD`.
    pub new_date: Option<String>,
    pub tracking_number: Option<String>,
    pub originals_compared: bool,
    /// The result document: a file of the dossier uploaded under [`RESULT_COMPONENT`].
    pub result_document: Option<Uuid>,
    /// The step records what already happened elsewhere (the national portal reports that the
    /// person took the result there): the way they chose at this office does not hold it.
    pub reported: bool,
    /// The dossier's version as the caller saw it: the step is refused if it changed since.
    pub expected_version: Option<i32>,
}

impl ActionInput {
    /// The act with nothing filled in.
    pub fn new(act: Act) -> Self {
        ActionInput {
            act,
            comment: String::new(),
            reasons: vec![],
            components: vec![],
            assignee: None,
            consultations: vec![],
            new_date: None,
            tracking_number: None,
            originals_compared: false,
            result_document: None,
            reported: false,
            expected_version: None,
        }
    }
}

/// An act by its name, as a page or a program sends it.
pub fn parse_act(name: &str) -> Result<Act> {
    Act::parse(name.trim())
        .ok_or_else(|| AppError::field("action", "Thao tác không có trong quy trình."))
}

/// One agency asked for its opinion, by its code, with its own deadline (a date inside the
/// dossier's appointment).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConsultationInput {
    pub agency: String,
    pub question: String,
    /// `YYYY-MM-DD`: the answer is due at the end of that working day.
    pub due: String,
    /// The dossier's files the agency may read while the consultation is open.
    pub files: Vec<Uuid>,
    /// What the disclosure rests on: one of the procedure's legal documents, or `consent`.
    pub basis: String,
}

/// A step the caller may take now.
#[derive(Debug, Clone, PartialEq)]
pub struct Available {
    pub act: Act,
    pub who: Who,
}

/// What the caller may do with a dossier now, decided once per request by the lifecycle table:
/// pages, templates and the API read it and never compare stages themselves.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// The steps they may take through the actions, in table order.
    pub acts: Vec<Available>,
    /// The owner may change the form and the files.
    pub may_edit: bool,
    /// The owner may withdraw the dossier.
    pub may_withdraw: bool,
    /// They may upload the result document (whoever may propose the result).
    pub may_attach_result: bool,
    /// The promised date is about to pass and they may apologise with a new one (form 04).
    pub apology_due: bool,
    /// The statutory slips that exist for them.
    pub slips: Vec<Slip>,
    /// The owner may pay what is left of the fee online now.
    pub may_pay_online: bool,
    /// The caller is the agency's cashier and a payment may be recorded now.
    pub may_take_payment: bool,
    /// Reception may record that the papers sent by post arrived (R7.2a).
    pub may_receive_papers: bool,
    /// The owner may rate the dossier now: it has ended and they have not rated it (R9.4).
    pub may_rate: bool,
    /// The owner, or reception at their request, may choose how the result is received: more
    /// than one way is allowed and it has not been returned (R8.2).
    pub may_choose_result: bool,
    /// Reception may mark the papers it checked: the dossier waits for acceptance (R11.1).
    pub may_check_papers: bool,
}

/// Where a step left the dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub stage: Stage,
    pub appointment_at: Option<jiff::Timestamp>,
    pub step_due_at: Option<jiff::Timestamp>,
}

pub(crate) fn channel(i: Intake) -> Channel {
    match i {
        Intake::InPerson => Channel::InPerson,
        Intake::Online => Channel::Online,
        Intake::Postal => Channel::Postal,
    }
}

/// Everyone the caller is on this dossier: its owner, staff in each processing role they hold at
/// its agency, and its assignee when the leader assigned it to them (the lifecycle table says
/// what each may do).
pub(crate) fn whos(s: &Session, d: &Dossier) -> Vec<Who> {
    let mut v = vec![];
    if d.owner_id == Some(s.user.id) {
        v.push(Who::Owner);
    }
    for r in [Role::Reception, Role::Specialist, Role::Leader] {
        if s.actor.has_role_in(r, d.agency_id) {
            v.push(Who::Staff(r));
        }
    }
    if d.assignee_id == Some(s.user.id) && s.actor.has_role_in(Role::Specialist, d.agency_id) {
        v.push(Who::Assignee);
    }
    v
}

pub(crate) fn clean_list(v: &[String], max: usize) -> Vec<String> {
    v.iter()
        .map(|r| r.trim().chars().take(1000).collect::<String>())
        .filter(|r| !r.is_empty())
        .take(max)
        .collect()
}

pub(crate) fn clean(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

/// What a step changes besides the stage: what its event carries, the notice it sends, the
/// consultations it opens, the file it makes the applicant's.
#[derive(Debug, Default)]
pub(crate) struct Effect {
    pub data: EventData,
    pub notice: Option<(NoticeKind, Value)>,
    pub consult_due: Option<jiff::Timestamp>,
    pub consultations: Vec<Consultation>,
    /// The disclosures the consultations make, each with its basis (R10.5).
    pub disclosures: Vec<motcua_domain::record::Disclosure>,
    /// The signed result the leader's approval issues (R8.2b).
    pub issue: Option<crate::signatures::results::IssuedWrite>,
}

impl Effect {
    /// A step that changes only what its event carries.
    pub fn data(data: EventData) -> Self {
        Effect {
            data,
            ..Default::default()
        }
    }
}

/// The unit and the published step a dossier entered a stage with, for its event.
pub(crate) struct Entered {
    pub unit_id: Option<Uuid>,
    pub step: Option<String>,
}

impl App {
    /// Performs one step on a dossier (see the module). 404 when the caller cannot see the
    /// dossier or has no part in it; `Conflict` with the reason when the step is not allowed now.
    pub async fn perform(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        input: &ActionInput,
    ) -> Result<Outcome> {
        let act = input.act;
        if act.has_own_form() {
            return Err(AppError::Conflict(
                "Nộp, nộp bổ sung, tiếp nhận tại quầy và trả lời lấy ý kiến có chức năng riêng, kèm giấy tờ hoặc ý kiến."
                    .into(),
            ));
        }
        let now = self.now();
        // Everything is read, decided and rendered before the write transaction, which holds the
        // database only to write; it checks that nobody changed the dossier meanwhile (its
        // version) and answers 409 if someone did.
        let conn = self.db.conn();
        let mut d = ds::get_dossier(conn, id)
            .await
            .or_missing(AppError::NotFound)?;
        let (who, to) = allowed(s, &d, act)?;
        if input.expected_version.is_some_and(|v| v != d.version) {
            return Err(AppError::Conflict(
                "Hồ sơ đã thay đổi sau khi bạn mở: mở lại hồ sơ để xem trước khi quyết định."
                    .into(),
            ));
        }
        if FeeDue::holds_any(act) {
            Self::fee_hold(&self.fee_view(conn, &d).await?, act)?;
        }
        crate::signatures::papers_hold(&d, act)?;
        if !input.reported {
            crate::dossiers::delivery_hold(&d, act)?;
        }
        let events = ds::events(conn, id).await?;
        if act.decides_a_proposal() && event::proposer(&events) == Some(s.user.id) {
            return Err(AppError::Conflict(
                "Không thể tự phê duyệt đề xuất của chính mình: một lãnh đạo khác quyết định."
                    .into(),
            ));
        }
        self.ensure_plan(conn, &mut d).await?;
        let from = d.stage;
        let effect = self
            .step_effect(conn, s, &mut d, act, input, &events)
            .await?;
        let entered = self
            .enter(conn, &mut d, to, now, &events, effect.consult_due)
            .await?;
        let mut notices = vec![];
        if let Some((kind, extra)) = effect.notice {
            notices.extend(self.owner_notice(conn, &d, kind, extra).await?);
        }
        notices.extend(self.fee_due_notice(conn, &d, act).await?);
        let mut addressed = vec![];
        for (n, r) in notices {
            addressed.push(StepNotice::Addressed(self.address(conn, n, r).await?));
        }
        let staff = self
            .staff_notices(conn, &d, Some(from), act, s.user.id, &effect.consultations)
            .await?;
        d.updated_at = now;
        let tx = self.db.write().await?;
        let action = format!("dossier_{}", act.as_str());
        let result = effect.issue.as_ref().map(|i| i.result.number.clone());
        let write = StepWrite {
            dossier: &d,
            row: RowWrite::Update,
            at: now,
            actor: s.user.id,
            act,
            from: Some(from),
            entered: Some(entered),
            comment: Some(clean(&input.comment, 2000)),
            unit: actor_unit(s, who, d.agency_id),
            data: effect.data,
            consultations: effect.consultations,
            disclosures: effect.disclosures,
            issue: effect.issue,
            notices: addressed,
            staff: Some(staff),
            role: Some(s.role_at(Some(d.agency_id))),
            audit: Audit {
                actor: Some(s.user.id),
                action: &action,
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"from": from.as_str(), "to": to.as_str(), "result": result}),
            },
        };
        self.write_step(tx, ctx, write).await?;
        tracing::info!(event = "dossier_step", dossier = %id, act = act.as_str(), to = to.as_str(), "dossier step");
        Ok(Outcome {
            stage: to,
            appointment_at: d.appointment_at,
            step_due_at: d.step_due_at,
        })
    }

    /// Gives a dossier stored without them the time to result and process its service publishes
    /// now (dossiers keep what was published when they were submitted).
    pub(crate) async fn ensure_plan(
        &self,
        c: &impl motcua_store::Conn,
        d: &mut Dossier,
    ) -> Result<()> {
        if d.time_to_result.is_some() {
            return Ok(());
        }
        let (total, process) = self
            .published_plan(c, d.service_id, d.procedure_version_id, d.intake)
            .await?;
        d.time_to_result = Some(total);
        d.process = process;
        Ok(())
    }

    /// The time to result (R8.1c) and internal process (R10.3) a service publishes for a
    /// dossier of a procedure version received by `intake`.
    pub(crate) async fn published_plan(
        &self,
        c: &impl motcua_store::Conn,
        service_id: Uuid,
        version_id: Uuid,
        intake: Intake,
    ) -> Result<(Duration, Vec<ProcessStep>)> {
        let service = cat::get_service(c, service_id).await?;
        let version = cat::get_version(c, version_id).await?;
        let total = time_to_result(&version.body, service.online_time.as_ref(), channel(intake))
            .ok_or_else(|| {
                AppError::Conflict("Thủ tục chưa công bố thời hạn giải quyết.".into())
            })?;
        Ok((total, service.process))
    }

    /// Moves a dossier into `to` at `now` by its process (R10.3): the stage, its due point, the
    /// unit responsible, and the national count with this step in its history
    /// (`deadline::outcome`). `history` is the events before this step.
    pub(crate) async fn enter(
        &self,
        c: &impl motcua_store::Conn,
        d: &mut Dossier,
        to: Stage,
        now: jiff::Timestamp,
        history: &[Event],
        consult_due: Option<jiff::Timestamp>,
    ) -> Result<Entered> {
        let agency = agencies::get_agency(c, d.agency_id).await?;
        let total = d
            .time_to_result
            .clone()
            .ok_or_else(|| AppError::Unexpected("a submitted dossier without its time".into()))?;
        let plan = Plan {
            steps: &d.process,
            total: &total,
        };
        let step = plan.step(to);
        // A step that keeps the stage (an apology, a reassignment, a partial answer) keeps its
        // due point and unit: the work is as late as it was.
        if to != d.stage || history.is_empty() {
            d.stage = to;
            d.step_due_at = match to {
                Stage::Consulting => consult_due.or(d.step_due_at),
                _ => plan.due(
                    &self.calendar(),
                    Some(&agency.code),
                    to,
                    now,
                    d.appointment_at,
                ),
            };
            d.unit_id = match &step.unit {
                Some(code) => self.unit_id(c, d.agency_id, code).await?,
                None => None,
            };
        }
        let mut stages: Vec<(Stage, jiff::Timestamp)> =
            history.iter().map(|e| (e.to_stage, e.at)).collect();
        stages.push((to, now));
        let outcome = deadline::outcome(&stages, d.appointment_at);
        d.outcome = outcome.map(|o| o.0);
        d.finished_at = outcome.map(|o| o.1);
        self.mark(d, &agency.code, history, (to, now), &stages);
        Ok(Entered {
            unit_id: d.unit_id,
            step: step.name,
        })
    }

    /// What oversight counts of the dossier with this step in its history (R9.6): the desk's
    /// time marks, late by count, and the office time once its count ended.
    fn mark(
        &self,
        d: &mut Dossier,
        agency: &str,
        history: &[Event],
        (to, now): (Stage, jiff::Timestamp),
        stages: &[(Stage, jiff::Timestamp)],
    ) {
        let timed: Vec<_> = history
            .iter()
            .map(|e| (e.to_stage, e.at, e.due_at))
            .chain([(to, now, d.step_due_at)])
            .collect();
        let (intake_late, handover_late) = oversight::desk_marks(&timed);
        d.marks = Marks {
            intake_late,
            handover_late,
            late_by_count: deadline::late_by_count(stages),
            office_secs: d
                .finished_at
                .map(|end| oversight::office_secs(&self.calendar(), Some(agency), stages, end)),
        };
    }

    /// A unit of an agency by its code (`None` when the agency has no such unit).
    pub(crate) async fn unit_id(
        &self,
        c: &impl motcua_store::Conn,
        agency: Uuid,
        code: &str,
    ) -> Result<Option<Uuid>> {
        Ok(agencies::list_units(c, Some(agency))
            .await?
            .into_iter()
            .find(|u| u.code == code)
            .map(|u| u.id))
    }

    /// A consulted agency answers (R8.1b): the answer comes back into the dossier; when it is the
    /// last one outstanding, the dossier returns to the examining specialist. The dossier is
    /// locked first, so that two last answers at once cannot both see the other outstanding.
    pub async fn answer_consultation(
        &self,
        ctx: &Ctx,
        s: &Session,
        consultation: Uuid,
        answer: &str,
    ) -> Result<()> {
        let answer = clean(answer, 4000);
        if answer.is_empty() {
            return Err(AppError::field("answer", "Nhập ý kiến của cơ quan."));
        }
        let now = self.now();
        let tx = self.db.write().await?;
        let c = ds::get_consultation(&tx, consultation)
            .await
            .or_missing(AppError::NotFound)?;
        let role = [Role::Specialist, Role::Leader]
            .into_iter()
            .find(|r| s.actor.has_role_in(*r, c.agency_id))
            .ok_or(AppError::NotFound)?;
        let mut d = ds::lock_dossier(&tx, c.dossier_id).await?;
        let stage = d.stage;
        lifecycle::next(stage, Act::AnswerConsultation, Who::Consulted)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        if !ds::answer_consultation(&tx, c.id, s.user.id, now, &answer).await? {
            return Err(AppError::Conflict("Cơ quan đã trả lời đề nghị này.".into()));
        }
        let last = ds::consultations(&tx, d.id)
            .await?
            .iter()
            .all(|x| x.answered_at.is_some());
        // The last answer ends the wait, when the dossier still waits (the table's system row).
        let (act, to) = match lifecycle::next(stage, Act::ConsultationAnswered, Who::System) {
            Ok(to) if last => (Act::ConsultationAnswered, to),
            _ => (Act::AnswerConsultation, stage),
        };
        let other = agencies::get_agency(&tx, c.agency_id).await?;
        let events = ds::events(&tx, d.id).await?;
        let (row, entered) = if to != stage {
            self.ensure_plan(&tx, &mut d).await?;
            let entered = self.enter(&tx, &mut d, to, now, &events, None).await?;
            d.updated_at = now;
            (RowWrite::Update, Some(entered))
        } else {
            (RowWrite::Keep, None)
        };
        let unit = actor_unit(s, Who::Staff(role), c.agency_id);
        let write = StepWrite {
            dossier: &d,
            row,
            at: now,
            actor: s.user.id,
            act,
            from: Some(stage),
            entered,
            comment: Some(answer),
            unit,
            data: EventData::Answered(Answer {
                consultation: c.id,
                agency: other.code,
                name: other.name,
            }),
            consultations: vec![],
            disclosures: vec![],
            issue: None,
            notices: vec![],
            staff: None,
            role: Some(s.role_at(Some(c.agency_id))),
            audit: Audit {
                actor: Some(s.user.id),
                action: "consultation_answered",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(c.agency_id),
                detail: json!({"consultation": c.id}),
            },
        };
        self.write_step(tx, ctx, write).await?;
        Ok(())
    }

    /// Unanswered consultations addressed to the agencies where the caller is a specialist or
    /// leader, on dossiers that have not ended, with the dossier code and procedure name.
    pub async fn consultations_for_me(
        &self,
        s: &Session,
    ) -> Result<Vec<(Consultation, String, String)>> {
        let conn = self.db.conn();
        let mut out = vec![];
        for a in s.actor.agencies_with(&[Role::Specialist, Role::Leader]) {
            for c in ds::pending_consultations(conn, a, 100).await? {
                let d = ds::get_dossier(conn, c.dossier_id).await?;
                if lifecycle::next(d.stage, Act::AnswerConsultation, Who::Consulted).is_err() {
                    continue; // the dossier ended: nothing left to answer
                }
                let v = cat::get_version(conn, d.procedure_version_id).await?;
                out.push((c, d.code.unwrap_or_default(), v.body.name));
            }
        }
        out.sort_by_key(|(c, _, _)| c.due_at);
        Ok(out)
    }

    /// Reception accepts a dossier at the desk (R11.3); the appointment it was given.
    pub async fn accept(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        comment: &str,
    ) -> Result<jiff::Timestamp> {
        let input = ActionInput {
            comment: comment.into(),
            ..ActionInput::new(Act::Accept)
        };
        let out = self.perform(ctx, s, id, &input).await?;
        out.appointment_at
            .ok_or_else(|| AppError::Unexpected("accepted without an appointment".into()))
    }

    /// Reception refuses to accept a dossier (R11.2), with each reason.
    pub async fn refuse_at_intake(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        reasons: &[String],
    ) -> Result<()> {
        let input = ActionInput {
            reasons: reasons.to_vec(),
            ..ActionInput::new(Act::Refuse)
        };
        self.perform(ctx, s, id, &input).await.map(|_| ())
    }

    /// The date promised to the person (the appointment, or the new date of an apology) passes
    /// within a working day while the department still has the dossier: time to apologise with a
    /// new date (form 04 of Circular 01/2018/TT-VPCP; R8.1a).
    pub fn apology_due(&self, agency: &str, d: &Dossier, now: jiff::Timestamp) -> bool {
        let appointment = d.new_appointment_at.or(d.appointment_at);
        deadline::apology_due(d.stage, appointment, self.apology_horizon(agency, now))
    }

    /// One working day from `now` at the agency: an appointment by then is owed an apology.
    pub(crate) fn apology_horizon(&self, agency: &str, now: jiff::Timestamp) -> jiff::Timestamp {
        let day = Duration::WorkingDays { value: 1.0 };
        self.calendar().due(Some(agency), now, &day)
    }

    /// Whether the caller may upload the result document now: whoever may propose the result
    /// (the step that carries it), per the lifecycle table.
    pub(crate) fn may_attach_result(&self, s: &Session, d: &Dossier) -> bool {
        whos(s, d)
            .into_iter()
            .any(|w| lifecycle::next(d.stage, Act::ProposeResolve, w).is_ok())
    }

    /// The caller's capabilities on a dossier (`events`: those they may read; `staff`: whether
    /// they read it as staff).
    pub(crate) fn capabilities(
        &self,
        s: &Session,
        d: &Dossier,
        agency: &str,
        events: &[Event],
        staff: bool,
        fee: &crate::payments::FeeView,
    ) -> Capabilities {
        let owner = d.owner_id == Some(s.user.id);
        // A step the unpaid fee or the awaited papers hold is not offered (their boxes say why).
        let acts: Vec<Available> = available_to(s, d)
            .into_iter()
            .filter(|a| Self::fee_hold(fee, a.act).is_ok())
            .filter(|a| crate::signatures::papers_hold(d, a.act).is_ok())
            .collect();
        let apology_due =
            acts.iter().any(|a| a.act == Act::Apologise) && self.apology_due(agency, d, self.now());
        Capabilities {
            may_edit: owner && d.stage.owner_edits(),
            may_withdraw: acts.iter().any(|a| a.act == Act::Withdraw),
            may_attach_result: self.may_attach_result(s, d),
            apology_due,
            slips: event::slips(events, staff),
            may_pay_online: owner && fee.payable.is_some() && self.gateway.is_some(),
            may_take_payment: fee.payable.is_some()
                && motcua_domain::authorize(
                    &s.actor,
                    motcua_domain::Action::TakePayment,
                    &motcua_domain::Target::Agency(d.agency_id),
                )
                .is_ok(),
            may_receive_papers: self.may_receive_papers(s, d),
            may_rate: false,
            may_choose_result: false,
            may_check_papers: false,
            acts,
        }
    }
}

/// The steps the caller may take now on the dossier, in table order (each act once); of the
/// return steps, the one the person chose (R8.2).
fn available_to(s: &Session, d: &Dossier) -> Vec<Available> {
    let mut out = vec![];
    for who in whos(s, d) {
        for act in lifecycle::available(d.stage, who) {
            if act.has_own_form() {
                continue; // through the submission or the answer, with its files or text
            }
            if crate::dossiers::delivery_hold(d, act).is_err() {
                continue;
            }
            if !out.iter().any(|a: &Available| a.act == act) {
                out.push(Available { act, who });
            }
        }
    }
    out
}

/// Whether the caller may take `act` now, as whom, and the stage it leads to; else 404 (no part
/// in the dossier) or 409 with the reason.
fn allowed(s: &Session, d: &Dossier, act: Act) -> Result<(Who, Stage)> {
    let whos = whos(s, d);
    if whos.is_empty() {
        return Err(AppError::NotFound);
    }
    let mut refusal = None;
    for w in &whos {
        match lifecycle::next(d.stage, act, *w) {
            Ok(to) => return Ok((*w, to)),
            Err(e @ NotAllowed::NotNow { .. }) => {
                refusal = Some(e);
                break;
            }
            Err(e) => refusal = Some(e),
        }
    }
    let e = refusal.expect("at least one who");
    if whos.contains(&Who::Staff(Role::Specialist))
        && lifecycle::next(d.stage, act, Who::Assignee).is_ok()
    {
        return Err(AppError::Conflict(
            "Hồ sơ được phân công cho chuyên viên khác.".into(),
        ));
    }
    tracing::warn!(event = "sequence_fail", user_id = %s.user.id, dossier = %d.id,
        act = act.as_str(), stage = d.stage.as_str(), "step not allowed now");
    // The applicant is told why without learning the departments' internal step (R10.5).
    Err(AppError::Conflict(match whos.as_slice() {
        [Who::Owner] => e.for_applicant(),
        _ => e.to_string(),
    }))
}

/// The unit the caller acts from in `who`'s role at the agency.
fn actor_unit(s: &Session, who: Who, agency: Uuid) -> Option<Uuid> {
    let role = who.role()?;
    s.actor
        .grants
        .iter()
        .find(|g| g.role == role && g.agency_id == agency)
        .and_then(|g| g.unit_id)
}
