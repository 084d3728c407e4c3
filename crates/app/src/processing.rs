//! Processing (issue 6: R11, R12, R8.1b, R8.2, R3.3). Every step a person takes on a submitted
//! dossier goes through [`App::perform`]: the lifecycle table says whether the step is allowed now
//! and for whom; the step's fields are checked; then the stage, the step's due point, the event
//! (who, when, from which unit, comment, data), the audit record and any notice are written in one
//! transaction. A step that is not allowed answers `Conflict` with the reason and changes nothing.
use motcua_domain::account::Role;
use motcua_domain::catalogue::{Channel, Duration, Original, money};
use motcua_domain::clock::{format_vn_date, format_vn_datetime, vn_date};
use motcua_domain::deadline;
use motcua_domain::dossier::Intake;
use motcua_domain::lifecycle::{self, Act, NotAllowed, Stage, Who};
use motcua_domain::notice::NoticeKind;
use motcua_store::catalogue::{self as cat, Version as VersionRow};
use motcua_store::dossiers::{self as ds, ConsultationRow, DossierRow, EventRow};
use motcua_store::{agencies, audit, users};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{App, AppError, Ctx, Result, Session};

/// The component id under which the department's result document is stored.
pub const RESULT_COMPONENT: &str = "_ket-qua";

/// What a person sends with a step (the API's body, a page's form). Which fields a step needs is
/// `Act::fields`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionInput {
    pub action: String,
    pub comment: String,
    /// Reasons, or what is missing or wrong, one item each.
    pub reasons: Vec<String>,
    /// Components the person must supplement (their ids in the procedure).
    pub components: Vec<String>,
    pub assignee: Option<Uuid>,
    pub consultations: Vec<ConsultationInput>,
    /// The new appointment date (form 04), `YYYY-MM-DD`.
    pub new_date: Option<String>,
    pub tracking_number: Option<String>,
    pub originals_compared: bool,
    /// The result document: a file of the dossier uploaded under [`RESULT_COMPONENT`].
    pub result_document: Option<Uuid>,
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
}

/// A step the caller may take now.
#[derive(Debug, Clone, PartialEq)]
pub struct Available {
    pub act: Act,
    pub who: Who,
}

/// Where a step left the dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub stage: Stage,
    pub appointment_at: Option<jiff::Timestamp>,
    pub step_due_at: Option<jiff::Timestamp>,
}

fn channel(i: Intake) -> Channel {
    match i {
        Intake::InPerson => Channel::InPerson,
        Intake::Online => Channel::Online,
        Intake::Postal => Channel::Postal,
    }
}

/// The procedure's published time for the dossier's channel.
pub(crate) fn published_time(v: &VersionRow, intake: Intake) -> Result<Duration> {
    let ch = channel(intake);
    v.body
        .times
        .iter()
        .find(|t| t.channel == ch)
        .or(v.body.times.first())
        .map(|t| t.duration.clone())
        .ok_or_else(|| AppError::Conflict("Thủ tục chưa công bố thời hạn giải quyết.".into()))
}

/// The stage of a submitted dossier (rows stored before stages have it from their state).
pub fn stage_of(d: &DossierRow) -> Option<Stage> {
    d.stage.or_else(|| Stage::of_state(d.state))
}

/// Everyone the caller is on this dossier: its owner, and staff in each processing role they hold
/// at its agency.
fn whos(s: &Session, d: &DossierRow) -> Vec<Who> {
    let mut v = vec![];
    if d.owner_id == Some(s.user.id) {
        v.push(Who::Owner);
    }
    for r in [Role::Reception, Role::Specialist, Role::Leader] {
        if s.actor.has_role_in(r, d.agency_id) {
            v.push(Who::Staff(r));
        }
    }
    v
}

/// Steps of the examining specialist belong to the one assigned.
fn assignee_only(act: Act, who: Who) -> bool {
    who == Who::Staff(Role::Specialist)
        && matches!(
            act,
            Act::ProposeResolve
                | Act::ProposeSupplement
                | Act::ProposeDecline
                | Act::Consult
                | Act::ConsultationAnswered
                | Act::Apologise
        )
}

fn clean_list(v: &[String], max: usize) -> Vec<String> {
    v.iter()
        .map(|r| r.trim().chars().take(1000).collect::<String>())
        .filter(|r| !r.is_empty())
        .take(max)
        .collect()
}

fn clean(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

impl App {
    /// The steps the caller may take now on a dossier they can see, in table order.
    pub async fn available_actions(
        &self,
        s: &Session,
        id: Uuid,
    ) -> Result<(Stage, Vec<Available>)> {
        let d = self.visible(s, id).await?;
        let stage = stage_of(&d).ok_or_else(|| AppError::Conflict("Hồ sơ chưa nộp.".into()))?;
        let mut out = vec![];
        for who in whos(s, &d) {
            for act in lifecycle::available(stage, who) {
                if assignee_only(act, who) && d.assignee_id != Some(s.user.id) {
                    continue;
                }
                if act == Act::Resubmit {
                    continue; // through the submission, with the files
                }
                if !out.iter().any(|a: &Available| a.act == act) {
                    out.push(Available { act, who });
                }
            }
        }
        Ok((stage, out))
    }

    /// Performs one step on a dossier (see the module). 404 when the caller cannot see the
    /// dossier or has no part in it; `Conflict` with the reason when the step is not allowed now.
    pub async fn perform(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        input: &ActionInput,
    ) -> Result<Outcome> {
        let act = Act::parse(input.action.trim())
            .ok_or_else(|| AppError::field("action", "Thao tác không có trong quy trình."))?;
        if act == Act::Resubmit {
            return Err(AppError::Conflict(
                "Nộp bổ sung bằng cách nộp lại hồ sơ sau khi thêm giấy tờ.".into(),
            ));
        }
        let now = self.now();
        let tx = self.db.write().await?;
        let mut d = ds::get_dossier(&tx, id)
            .await
            .map_err(|_| AppError::NotFound)?;
        let whos = whos(s, &d);
        if whos.is_empty() {
            return Err(AppError::NotFound);
        }
        let stage = stage_of(&d).ok_or_else(|| AppError::Conflict("Hồ sơ chưa nộp.".into()))?;
        let mut refusal = None;
        let mut step = None;
        for w in &whos {
            match lifecycle::next(stage, act, *w) {
                Ok(to) => {
                    step = Some((*w, to));
                    break;
                }
                Err(e @ NotAllowed::NotNow { .. }) => {
                    refusal = Some(e);
                    break;
                }
                Err(e) => refusal = Some(e),
            }
        }
        let Some((who, to)) = step else {
            let e = refusal.expect("at least one who");
            tracing::warn!(event = "sequence_fail", user_id = %s.user.id, dossier = %id,
                act = act.as_str(), stage = stage.as_str(), "step not allowed now");
            return Err(AppError::Conflict(e.to_string()));
        };
        if assignee_only(act, who) && d.assignee_id != Some(s.user.id) {
            return Err(AppError::Conflict(
                "Hồ sơ được phân công cho chuyên viên khác.".into(),
            ));
        }
        let version = cat::get_version(&tx, d.procedure_version_id).await?;
        let agency = agencies::get_agency(&tx, d.agency_id).await?;
        let cal = self.calendar();
        let total = published_time(&version, d.intake)?;
        let comment = clean(&input.comment, 2000);
        let reasons = clean_list(&input.reasons, 50);
        let need_reasons = |what: &str| -> Result<()> {
            if reasons.is_empty() {
                return Err(AppError::field("reasons", format!("Nêu rõ {what}.")));
            }
            Ok(())
        };
        let mut data = json!({});
        let mut notice: Option<(NoticeKind, Value)> = None;
        let mut consult_due = None;
        let mut new_consultations = vec![];
        match act {
            Act::Accept => {
                let events = ds::events(&tx, id).await?;
                let entered = |st: Stage| {
                    events
                        .iter()
                        .rev()
                        .find(|e| e.to_stage.or_else(|| Stage::of_state(e.to_state)) == Some(st))
                        .map(|e| e.at)
                };
                let appointment = match (d.appointment_at, stage) {
                    // Back after a supplement asked by the department: the clock resumes with the
                    // office time that was left (domain.md §2.4).
                    (Some(old), Stage::Supplemented) => {
                        let paused = entered(Stage::SupplementRequested).unwrap_or(old);
                        let resumed = entered(Stage::Supplemented).unwrap_or(now);
                        cal.resume(Some(&agency.code), paused, resumed, old)
                    }
                    _ => {
                        // Valid receipt: the submission, or the resubmission after a supplement.
                        let receipt = match stage {
                            Stage::Supplemented => entered(Stage::Supplemented).unwrap_or(now),
                            _ => d.submitted_at.unwrap_or(now),
                        };
                        cal.due(Some(&agency.code), receipt, &total)
                    }
                };
                d.appointment_at = Some(appointment);
                let ch = channel(d.intake);
                let originals: Vec<String> = version
                    .body
                    .components
                    .iter()
                    .filter(|c| matches!(c.original, Original::Original | Original::CertifiedCopy))
                    .map(|c| c.name.clone())
                    .collect();
                let fee: i64 = version
                    .body
                    .fees
                    .iter()
                    .filter(|f| f.channel == ch)
                    .map(|f| f.amount)
                    .sum();
                data = json!({"appointment_at": motcua_domain::calendar::rfc3339_vn(appointment)});
                notice = Some((
                    NoticeKind::Acceptance,
                    json!({"date": format_vn_datetime(appointment), "items": originals,
                        "amount": (fee > 0).then(|| money(fee))}),
                ));
            }
            Act::RequestSupplement | Act::ProposeSupplement => {
                let mut items = vec![];
                for c in &input.components {
                    let comp = version
                        .body
                        .components
                        .iter()
                        .find(|x| &x.id == c)
                        .ok_or_else(|| {
                            AppError::field("components", "Chọn các giấy tờ cần bổ sung.")
                        })?;
                    items.push(format!("Bổ sung: {}", comp.name));
                }
                items.extend(reasons.iter().cloned());
                if items.is_empty() {
                    return Err(AppError::field(
                        "reasons",
                        "Liệt kê đầy đủ, một lần, những giấy tờ hoặc nội dung cần bổ sung.",
                    ));
                }
                let request =
                    json!({"components": input.components, "items": items, "note": comment});
                data = request.clone();
                d.supplement = Some(request);
                if act == Act::RequestSupplement {
                    notice = Some((
                        NoticeKind::SupplementRequest,
                        json!({"items": items, "note": comment}),
                    ));
                }
            }
            Act::SendSupplementRequest => {
                let req = d.supplement.clone().unwrap_or(json!({}));
                notice = Some((
                    NoticeKind::SupplementRequest,
                    json!({"items": req.get("items").cloned().unwrap_or(json!([])),
                        "note": req.get("note").cloned().unwrap_or(json!(""))}),
                ));
            }
            Act::Refuse => {
                need_reasons("lý do từ chối tiếp nhận")?;
                data = json!({"reasons": reasons});
                notice = Some((
                    NoticeKind::Refusal,
                    json!({"items": reasons, "note": comment}),
                ));
            }
            Act::ProposeDecline => {
                need_reasons("lý do từ chối giải quyết")?;
                data = json!({"reasons": reasons});
            }
            Act::SendDecline => {
                let events = ds::events(&tx, id).await?;
                let items = events
                    .iter()
                    .rev()
                    .find(|e| e.kind == Act::ProposeDecline.as_str())
                    .and_then(|e| e.data.as_ref()?.get("reasons").cloned())
                    .unwrap_or(json!([]));
                data = json!({"reasons": items});
                notice = Some((
                    NoticeKind::Refusal,
                    json!({"items": items, "note": comment}),
                ));
            }
            Act::ReturnForRevision => {
                need_reasons("điều cần xử lý lại")?;
                data = json!({"reasons": reasons});
            }
            Act::Assign => {
                let a = input
                    .assignee
                    .ok_or_else(|| AppError::field("assignee", "Chọn chuyên viên xử lý."))?;
                let grants = users::active_grants(&tx, a).await?;
                if !grants
                    .iter()
                    .any(|g| g.grant.role == Role::Specialist && g.grant.agency_id == d.agency_id)
                {
                    return Err(AppError::field(
                        "assignee",
                        "Người được chọn không phải chuyên viên của cơ quan.",
                    ));
                }
                d.assignee_id = Some(a);
                data = json!({"assignee": a});
            }
            Act::ProposeResolve => {
                let f = input.result_document.ok_or_else(|| {
                    AppError::field(
                        "result_document",
                        "Tải lên văn bản kết quả trước khi trình.",
                    )
                })?;
                let file = ds::get_file(&tx, f)
                    .await
                    .ok()
                    .filter(|x| x.dossier_id == id && x.component_id == RESULT_COMPONENT);
                let file = file.ok_or_else(|| {
                    AppError::field("result_document", "Văn bản kết quả không thuộc hồ sơ này.")
                })?;
                data = json!({"result_document": file.id, "name": file.name});
            }
            Act::Consult => {
                let appointment = d.appointment_at.ok_or_else(|| {
                    AppError::Conflict("Hồ sơ chưa có ngày hẹn trả kết quả.".into())
                })?;
                if input.consultations.is_empty() || input.consultations.len() > 20 {
                    return Err(AppError::field(
                        "consultations",
                        "Chọn cơ quan cần lấy ý kiến, nội dung và hạn trả lời.",
                    ));
                }
                let mut list = vec![];
                for c in &input.consultations {
                    let other = agencies::find_agency_by_code(&tx, c.agency.trim())
                        .await?
                        .filter(|a| a.id != d.agency_id)
                        .ok_or_else(|| {
                            AppError::field(
                                "consultations",
                                "Không có cơ quan phối hợp với mã này.",
                            )
                        })?;
                    let question = clean(&c.question, 4000);
                    if question.is_empty() {
                        return Err(AppError::field(
                            "consultations",
                            format!("Nêu nội dung cần {} cho ý kiến.", other.name),
                        ));
                    }
                    let day = c.due.trim().parse::<jiff::civil::Date>().map_err(|_| {
                        AppError::field("consultations", "Hạn trả lời viết dạng NNNN-TT-NN.")
                    })?;
                    let due = cal.due(
                        Some(&other.code),
                        motcua_domain::calendar::from_local(
                            day.to_datetime(jiff::civil::Time::midnight()),
                        ),
                        &Duration::SameDay {
                            cutoff: "23:59".into(),
                        },
                    );
                    if day < vn_date(now) || due > appointment {
                        return Err(AppError::field(
                            "consultations",
                            format!(
                                "Hạn trả lời của {} phải từ hôm nay đến trước ngày hẹn trả kết quả ({}).",
                                other.name,
                                format_vn_date(vn_date(appointment))
                            ),
                        ));
                    }
                    consult_due = consult_due.max(Some(due));
                    list.push(json!({"agency": other.code, "name": other.name, "due_at": motcua_domain::calendar::rfc3339_vn(due)}));
                    new_consultations.push(ConsultationRow {
                        id: Uuid::now_v7(),
                        dossier_id: id,
                        agency_id: other.id,
                        question,
                        requested_by: s.user.id,
                        requested_at: now,
                        due_at: due,
                        answered_at: None,
                        answered_by: None,
                        answer: None,
                    });
                }
                data = json!({"consultations": list});
            }
            Act::ConsultationAnswered => {
                if comment.is_empty() {
                    return Err(AppError::field(
                        "comment",
                        "Ghi tóm tắt ý kiến của các cơ quan phối hợp.",
                    ));
                }
            }
            Act::Approve => {
                if stage == Stage::ProposedResolve {
                    notice = Some((
                        NoticeKind::ResultReady,
                        json!({"note": d.appointment_at.map(|a| format!("Ngày hẹn trả kết quả: {}.", format_vn_datetime(a))).unwrap_or_default()}),
                    ));
                }
            }
            Act::Apologise => {
                need_reasons("lý do chưa trả kết quả đúng hẹn")?;
                let day = input
                    .new_date
                    .as_deref()
                    .map(str::trim)
                    .and_then(|x| x.parse::<jiff::civil::Date>().ok())
                    .ok_or_else(|| AppError::field("new_date", "Chọn ngày hẹn trả kết quả mới."))?;
                let old = d.appointment_at.map(vn_date);
                if old.is_some_and(|o| day <= o) || !cal.is_working_day(day) {
                    return Err(AppError::field(
                        "new_date",
                        "Ngày hẹn mới phải là một ngày làm việc sau ngày hẹn cũ.",
                    ));
                }
                let end = cal.due(
                    Some(&agency.code),
                    motcua_domain::calendar::from_local(
                        day.to_datetime(jiff::civil::Time::midnight()),
                    ),
                    &Duration::SameDay {
                        cutoff: "23:59".into(),
                    },
                );
                data = json!({"reasons": reasons, "new_date": motcua_domain::calendar::rfc3339_vn(end)});
                notice = Some((
                    NoticeKind::Apology,
                    json!({"note": reasons.join("; "), "date": format_vn_datetime(end)}),
                ));
            }
            Act::ReturnAtOffice => {
                let needs =
                    version.body.components.iter().any(|c| {
                        matches!(c.original, Original::Original | Original::CertifiedCopy)
                    });
                if needs && !input.originals_compared {
                    return Err(AppError::field(
                        "originals_compared",
                        "Đối chiếu bản chính trước khi trả kết quả (R7.1a).",
                    ));
                }
                data = json!({"channel": "office", "originals_compared": input.originals_compared});
            }
            Act::ReturnOnline => {
                let files = ds::files(&tx, id).await?;
                if !files.iter().any(|f| f.component_id == RESULT_COMPONENT) {
                    return Err(AppError::Conflict(
                        "Hồ sơ chưa có văn bản kết quả điện tử để trả trực tuyến.".into(),
                    ));
                }
                data = json!({"channel": "online"});
            }
            Act::ReturnByPost => {
                let n = clean(input.tracking_number.as_deref().unwrap_or(""), 40);
                if n.len() < 6 || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(AppError::field(
                        "tracking_number",
                        "Nhập số hiệu bưu gửi (chữ và số, ít nhất 6 ký tự).",
                    ));
                }
                data = json!({"channel": "post", "tracking_number": n});
            }
            Act::Forward | Act::Withdraw => {}
            Act::Resubmit => unreachable!("refused above"),
        }
        // The step's due point: its budget from now, inside the appointment.
        d.enter(to);
        d.step_due_at = match to {
            _ if to.queue().is_none() => None,
            Stage::Resolved => d.appointment_at,
            Stage::Consulting => consult_due,
            _ => deadline::step_budget(to, &total).map(|b| {
                let due = cal.due(Some(&agency.code), now, &b);
                match d.appointment_at {
                    Some(a) if deadline::bounded_by_appointment(to) => due.min(a),
                    _ => due,
                }
            }),
        };
        d.updated_at = now;
        ds::update_dossier(&tx, &d)
            .await
            .map_err(|_| AppError::Conflict("Hồ sơ vừa được người khác cập nhật.".into()))?;
        for c in &new_consultations {
            ds::insert_consultation(&tx, c).await?;
        }
        let unit_id = match who {
            Who::Staff(r) => s
                .actor
                .grants
                .iter()
                .find(|g| g.role == r && g.agency_id == d.agency_id)
                .and_then(|g| g.unit_id),
            Who::Owner => None,
        };
        ds::insert_event(
            &tx,
            &EventRow {
                dossier_id: id,
                at: now,
                actor_id: Some(s.user.id),
                kind: act.as_str().into(),
                from_state: Some(stage.state()),
                to_state: d.state,
                comment: (!comment.is_empty()).then(|| comment.clone()),
                to_stage: Some(to),
                unit_id,
                due_at: d.step_due_at,
                data: (data != json!({})).then_some(data),
            },
        )
        .await?;
        if let Some((kind, extra)) = notice {
            self.notify_owner(&tx, &d, &version.body.name, &agency.name, kind, extra)
                .await?;
        }
        audit::append(
            &tx,
            &self.audit(
                ctx,
                Some(s.user.id),
                &format!("dossier_{}", act.as_str()),
                "dossier",
                d.code.clone(),
                Some(d.agency_id),
                json!({"from": stage.as_str(), "to": to.as_str()}),
            ),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(event = "dossier_step", dossier = %id, act = act.as_str(), to = to.as_str(), "dossier step");
        Ok(Outcome {
            stage: to,
            appointment_at: d.appointment_at,
            step_due_at: d.step_due_at,
        })
    }

    /// A consulted agency answers (R8.1b): the answer comes back into the dossier; when it is the
    /// last one outstanding, the dossier returns to the examining specialist.
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
            .map_err(|_| AppError::NotFound)?;
        let role = [Role::Specialist, Role::Leader]
            .into_iter()
            .find(|r| s.actor.has_role_in(*r, c.agency_id))
            .ok_or(AppError::NotFound)?;
        if !ds::answer_consultation(&tx, c.id, s.user.id, now, &answer).await? {
            return Err(AppError::Conflict("Cơ quan đã trả lời đề nghị này.".into()));
        }
        let mut d = ds::get_dossier(&tx, c.dossier_id).await?;
        let stage = stage_of(&d).unwrap_or(Stage::Consulting);
        let all = ds::consultations(&tx, d.id).await?;
        let last = all.iter().all(|x| x.answered_at.is_some());
        let to = if last && stage == Stage::Consulting {
            lifecycle::next(
                stage,
                Act::ConsultationAnswered,
                Who::Staff(Role::Specialist),
            )
            .map_err(|e| AppError::Conflict(e.to_string()))?
        } else {
            stage
        };
        let other = agencies::get_agency(&tx, c.agency_id).await?;
        if to != stage {
            let version = cat::get_version(&tx, d.procedure_version_id).await?;
            let total = published_time(&version, d.intake)?;
            let agency = agencies::get_agency(&tx, d.agency_id).await?;
            d.enter(to);
            d.step_due_at = deadline::step_budget(to, &total).map(|b| {
                let due = self.calendar().due(Some(&agency.code), now, &b);
                d.appointment_at.map_or(due, |a| due.min(a))
            });
            d.updated_at = now;
            ds::update_dossier(&tx, &d)
                .await
                .map_err(|_| AppError::Conflict("Hồ sơ vừa được người khác cập nhật.".into()))?;
        }
        ds::insert_event(
            &tx,
            &EventRow {
                dossier_id: d.id,
                at: now,
                actor_id: Some(s.user.id),
                kind: if to != stage {
                    Act::ConsultationAnswered.as_str().into()
                } else {
                    "consultation_answer".into()
                },
                from_state: Some(stage.state()),
                to_state: d.state,
                comment: Some(answer),
                to_stage: Some(to),
                unit_id: s
                    .actor
                    .grants
                    .iter()
                    .find(|g| g.role == role && g.agency_id == c.agency_id)
                    .and_then(|g| g.unit_id),
                due_at: (to != stage).then_some(d.step_due_at).flatten(),
                data: Some(json!({"consultation": c.id, "agency": other.code, "name": other.name})),
            },
        )
        .await?;
        audit::append(
            &tx,
            &self.audit(
                ctx,
                Some(s.user.id),
                "consultation_answered",
                "dossier",
                d.code.clone(),
                Some(c.agency_id),
                json!({"consultation": c.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Unanswered consultations addressed to the agencies where the caller is a specialist or
    /// leader, with the dossier code and procedure name.
    pub async fn consultations_for_me(
        &self,
        s: &Session,
    ) -> Result<Vec<(ConsultationRow, String, String)>> {
        let conn = self.db.conn();
        let mut out = vec![];
        for a in s.actor.agencies_with(&[Role::Specialist, Role::Leader]) {
            for c in ds::pending_consultations(conn, a, 100).await? {
                let d = ds::get_dossier(conn, c.dossier_id).await?;
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
            action: Act::Accept.as_str().into(),
            comment: comment.into(),
            ..Default::default()
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
            action: Act::Refuse.as_str().into(),
            reasons: reasons.to_vec(),
            ..Default::default()
        };
        self.perform(ctx, s, id, &input).await.map(|_| ())
    }

    /// When a dossier arriving at the desk at `at` must be acknowledged (Decree 45/2020).
    pub(crate) fn arrival_due(&self, agency: &str, at: jiff::Timestamp) -> jiff::Timestamp {
        self.calendar().due(
            Some(agency),
            at,
            &Duration::WorkingHours {
                value: deadline::ACKNOWLEDGE_HOURS,
            },
        )
    }

    /// The appointment passes within a working day while the department still has the dossier:
    /// time to apologise with a new date (form 04, `domain.md` §2.4).
    pub fn apology_due(&self, agency: &str, d: &DossierRow, now: jiff::Timestamp) -> bool {
        let with_department = matches!(
            stage_of(d),
            Some(Stage::Examining | Stage::Consulting | Stage::ProposedResolve)
        );
        with_department
            && d.appointment_at.is_some_and(|a| {
                a <= self
                    .calendar()
                    .due(Some(agency), now, &Duration::WorkingDays { value: 1.0 })
            })
    }

    /// Whether the caller may upload the result document now: the assigned specialist, while
    /// examining.
    pub(crate) fn may_attach_result(&self, s: &Session, d: &DossierRow) -> bool {
        d.assignee_id == Some(s.user.id)
            && s.actor.has_role_in(Role::Specialist, d.agency_id)
            && stage_of(d) == Some(Stage::Examining)
    }

    /// The dossier's state for people: the stage's label and national code when it has one.
    pub fn stage_label(d: &DossierRow) -> (&'static str, Option<u8>) {
        match stage_of(d) {
            Some(st) => (st.label_vi(), Some(st.national())),
            None => (d.state.label_vi(), d.state.national()),
        }
    }
}

/// One step of a dossier's processing as the control sheet (form 05) shows it: the stage entered,
/// when, its due point, when it ended, and whether it ended early, on time or late.
#[derive(Debug, Clone)]
pub struct StepView {
    pub stage: Stage,
    pub started_at: jiff::Timestamp,
    pub actor_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub due_at: Option<jiff::Timestamp>,
    pub finished_at: Option<jiff::Timestamp>,
    pub timeliness: Option<deadline::Timeliness>,
}

/// The steps of a dossier from its events (each event starts a step; the next one ends it).
pub fn steps(events: &[EventRow], now: jiff::Timestamp) -> Vec<StepView> {
    let entered: Vec<(&EventRow, Stage)> = events
        .iter()
        .filter_map(|e| Some((e, e.to_stage.or_else(|| Stage::of_state(e.to_state))?)))
        .collect();
    entered
        .iter()
        .enumerate()
        .map(|(i, (e, st))| {
            let finished_at = entered.get(i + 1).map(|(n, _)| n.at);
            StepView {
                stage: *st,
                started_at: e.at,
                actor_id: e.actor_id,
                unit_id: e.unit_id,
                due_at: e.due_at,
                finished_at,
                timeliness: e
                    .due_at
                    .map(|due| deadline::Timeliness::of(finished_at, due, now)),
            }
        })
        .collect()
}

/// The dossier's count as the national monitoring makes it (see `deadline::overall`).
pub fn overall(
    d: &DossierRow,
    events: &[EventRow],
    now: jiff::Timestamp,
) -> Option<deadline::Timeliness> {
    let history: Vec<(Stage, jiff::Timestamp)> = events
        .iter()
        .filter_map(|e| Some((e.to_stage.or_else(|| Stage::of_state(e.to_state))?, e.at)))
        .collect();
    deadline::overall(&history, d.appointment_at, now)
}

/// One dossier on a worklist.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub row: DossierRow,
    pub procedure: String,
    pub stage: Stage,
    pub urgency: deadline::Urgency,
    /// The appointment passes within a working day and the result is not ready: time to
    /// apologise with a new date (form 04).
    pub apology_due: bool,
}

/// One page of a worklist.
#[derive(Debug, Clone)]
pub struct WorklistPage {
    pub role: Role,
    pub agency_id: Uuid,
    pub agency: String,
    pub total: u64,
    pub overdue: u64,
    pub items: Vec<WorkItem>,
    /// The keyset of the next page, when there is one.
    pub next: Option<String>,
}

/// The worklist roles, in the order a person holding several sees them.
pub const WORK_ROLES: [Role; 3] = [Role::Reception, Role::Leader, Role::Specialist];

fn cursor(t: jiff::Timestamp, id: Uuid) -> String {
    format!("{t}_{id}")
}

fn parse_cursor(s: &str) -> Option<(jiff::Timestamp, Uuid)> {
    let (t, id) = s.split_once('_')?;
    Some((t.parse().ok()?, Uuid::parse_str(id).ok()?))
}

impl App {
    /// The caller's worklist for one role at one agency (defaults: their first processing role
    /// and its first agency), in due order, keyset-paginated. Reception's list is the desk's, for
    /// every officer on it (R10.6); the leader's is the department's; a specialist's holds the
    /// dossiers assigned to them.
    pub async fn worklist(
        &self,
        s: &Session,
        role: Option<Role>,
        agency: Option<Uuid>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<WorklistPage> {
        let role = match role {
            Some(r) if WORK_ROLES.contains(&r) => r,
            Some(_) => return Err(AppError::field("role", "Vai trò không có danh sách việc.")),
            None => WORK_ROLES
                .into_iter()
                .find(|r| s.actor.has_role(*r))
                .ok_or(AppError::Forbidden)?,
        };
        let agency_id = match agency {
            Some(a) if s.actor.has_role_in(role, a) => a,
            Some(_) => return Err(AppError::Forbidden),
            None => *s
                .actor
                .agencies_with(&[role])
                .first()
                .ok_or(AppError::Forbidden)?,
        };
        let after = match after.filter(|a| !a.is_empty()) {
            Some(a) => Some(
                parse_cursor(a)
                    .ok_or_else(|| AppError::field("after", "Con trỏ trang không hợp lệ."))?,
            ),
            None => None,
        };
        let q = ds::Queue {
            agency_id,
            role,
            assignee_id: (role == Role::Specialist).then_some(s.user.id),
        };
        let limit = limit.clamp(1, 200);
        let now = self.now();
        let conn = self.db.conn();
        let mut rows = ds::worklist(conn, &q, after, limit + 1).await?;
        let next = (rows.len() as u64 > limit).then(|| {
            rows.truncate(limit as usize);
            let last = rows.last().expect("a full page");
            cursor(last.step_due_at.unwrap_or(now), last.id)
        });
        let (total, overdue) = ds::worklist_counts(conn, &q, now).await?;
        let agency = agencies::get_agency(conn, agency_id).await?;
        let mut names: std::collections::HashMap<Uuid, String> = Default::default();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let procedure = procedure_name(self, &mut names, row.procedure_version_id).await?;
            let stage = stage_of(&row).unwrap_or(Stage::Submitted);
            let apology_due = self.apology_due(&agency.code, &row, now);
            items.push(WorkItem {
                urgency: deadline::Urgency::of(row.step_due_at, now),
                procedure,
                stage,
                apology_due,
                row,
            });
        }
        Ok(WorklistPage {
            role,
            agency_id,
            agency: agency.name,
            total,
            overdue,
            items,
            next,
        })
    }

    /// The specialists of an agency, for the leader's assignment.
    pub async fn specialists(&self, s: &Session, agency: Uuid) -> Result<Vec<(Uuid, String)>> {
        if !s.actor.has_role_in(Role::Leader, agency) {
            return Err(AppError::Forbidden);
        }
        Ok(users::holders(self.db.conn(), Role::Specialist, agency)
            .await?
            .into_iter()
            .map(|u| (u.id, u.full_name))
            .collect())
    }
}

/// A procedure version's name, read once per list.
async fn procedure_name(
    app: &App,
    cache: &mut std::collections::HashMap<Uuid, String>,
    version: Uuid,
) -> Result<String> {
    if let Some(n) = cache.get(&version) {
        return Ok(n.clone());
    }
    let n = cat::get_version(app.db.conn(), version).await?.body.name;
    cache.insert(version, n.clone());
    Ok(n)
}

/// One line of the tracking register (form 06).
#[derive(Debug, Clone)]
pub struct RegisterRow {
    pub code: String,
    pub procedure: String,
    pub applicant_name: String,
    pub intake: &'static str,
    pub submitted_at: Option<jiff::Timestamp>,
    pub appointment_at: Option<jiff::Timestamp>,
    pub stage: &'static str,
    /// When the result was returned, for returned dossiers.
    pub returned_at: Option<jiff::Timestamp>,
}

impl App {
    /// Display names of accounts (staff pages and slips).
    pub async fn user_names(
        &self,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, String>> {
        let mut out = std::collections::HashMap::new();
        for id in ids {
            if !out.contains_key(id)
                && let Ok(u) = users::get_user(self.db.conn(), *id).await
            {
                out.insert(*id, u.full_name);
            }
        }
        Ok(out)
    }

    /// Form 06: the dossiers an agency received from `from` to `to` (dates in UTC+7), for its
    /// reception officers and leaders. At most 5,000 lines.
    pub async fn register_book(
        &self,
        s: &Session,
        agency: Option<Uuid>,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<(String, Vec<RegisterRow>)> {
        let roles = [Role::Reception, Role::Leader];
        let agency_id = match agency {
            Some(a) if roles.iter().any(|r| s.actor.has_role_in(*r, a)) => a,
            Some(_) => return Err(AppError::Forbidden),
            None => *s
                .actor
                .agencies_with(&roles)
                .first()
                .ok_or(AppError::Forbidden)?,
        };
        let start = |d: jiff::civil::Date| {
            motcua_domain::calendar::from_local(d.to_datetime(jiff::civil::Time::midnight()))
        };
        let conn = self.db.conn();
        let rows = ds::received_between(
            conn,
            agency_id,
            start(from),
            start(
                to.tomorrow()
                    .map_err(|e| AppError::Unexpected(e.to_string()))?,
            ),
            5000,
        )
        .await?;
        let agency = agencies::get_agency(conn, agency_id).await?;
        let mut names: std::collections::HashMap<Uuid, String> = Default::default();
        let mut out = Vec::with_capacity(rows.len());
        for d in rows {
            let procedure = procedure_name(self, &mut names, d.procedure_version_id).await?;
            let stage = stage_of(&d);
            out.push(RegisterRow {
                code: d.code.clone().unwrap_or_default(),
                procedure,
                applicant_name: d.applicant_name.clone(),
                intake: d.intake.label_vi(),
                submitted_at: d.submitted_at,
                appointment_at: d.appointment_at,
                stage: stage.map_or(d.state.label_vi(), |s| s.label_vi()),
                returned_at: (stage == Some(Stage::Returned)).then_some(d.updated_at),
            });
        }
        Ok((agency.name, out))
    }
}
