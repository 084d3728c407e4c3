//! What each act checks and changes (R11.1–R11.4, R12, R8.1b, R8.2, R3.4), before the common
//! tail in [`App::perform`] writes it.
use motcua_domain::account::Role;
use motcua_domain::catalogue::{Duration, money};
use motcua_domain::clock::{format_vn_date, format_vn_datetime, vn_date};
use motcua_domain::event::{
    self, Apology, Asked, Assignment, Event, EventData, ResultDocument, ReturnChannel, Returned,
    Snapshot, SupplementRequest,
};
use motcua_domain::lifecycle::{Act, Stage};
use motcua_domain::notice::NoticeKind;
use motcua_domain::privacy::{Basis, Purpose, disclosure_basis};
use motcua_domain::record::Disclosure;
use motcua_store::Conn;
use motcua_store::agencies;
use motcua_store::catalogue::{self as cat, Version};
use motcua_store::dossiers::{self as ds, Consultation, Dossier};
use serde_json::json;
use uuid::Uuid;

use super::{ActionInput, Effect, FORM_COMPONENT, RESULT_COMPONENT, channel, clean, clean_list};
use crate::crypto::sha256_hex;
use crate::error::StoreResult;
use crate::{App, AppError, Result, Session};

/// The desk asks again after the person resubmitted, before accepting: allowed only for what the
/// resubmission changed, and counted against the agency (guide once, R3.4).
pub(crate) fn is_repeat_request(d: &Dossier, act: Act) -> bool {
    act == Act::RequestSupplement && d.stage == Stage::Supplemented && d.appointment_at.is_none()
}

/// A component's name in the procedure (the declaration form has its own).
pub(crate) fn component_name(v: &Version, id: &str) -> Option<String> {
    if id == FORM_COMPONENT {
        return Some("Tờ khai (thông tin đã khai)".into());
    }
    v.body
        .components
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.name.clone())
}

fn need_reasons(reasons: &[String], what: &str) -> Result<()> {
    if reasons.is_empty() {
        return Err(AppError::field("reasons", format!("Nêu rõ {what}.")));
    }
    Ok(())
}

impl App {
    /// What the dossier looks like when a supplement request reaches the person: the form's hash
    /// and each file with its component, so that the resubmission can tell what it changed.
    async fn snapshot(&self, c: &impl Conn, d: &Dossier) -> Result<Snapshot> {
        Ok(Snapshot {
            form: sha256_hex(&d.form.to_string()),
            files: own_files(c, d).await?,
        })
    }

    /// The components a resubmission changed since the request that reached the person: those
    /// with a file added or removed, and the declaration form when its answers changed.
    pub(crate) async fn changed_since_request(
        &self,
        c: &impl Conn,
        d: &Dossier,
        events: &[Event],
    ) -> Result<Vec<String>> {
        let snap = event::snapshot_at_request(events)
            .cloned()
            .unwrap_or_default();
        let files = own_files(c, d).await?;
        let mut changed: Vec<String> = files
            .iter()
            .filter(|f| !snap.files.contains(f))
            .chain(snap.files.iter().filter(|b| !files.contains(b)))
            .map(|(_, component)| component.clone())
            .collect();
        if snap.form != sha256_hex(&d.form.to_string()) {
            changed.push(FORM_COMPONENT.into());
        }
        changed.sort();
        changed.dedup();
        Ok(changed)
    }

    /// The checks and changes of one act (the module's list).
    pub(super) async fn step_effect(
        &self,
        c: &impl Conn,
        s: &Session,
        d: &mut Dossier,
        act: Act,
        input: &ActionInput,
        events: &[Event],
    ) -> Result<Effect> {
        let reasons = clean_list(&input.reasons, 50);
        let comment = clean(&input.comment, 2000);
        let data = |v: EventData| {
            Ok(Effect {
                data: v,
                ..Default::default()
            })
        };
        match act {
            Act::Accept => self.accept_step(d, events).await,
            Act::RequestSupplement | Act::ProposeSupplement => {
                self.supplement_step(c, d, act, input, events).await
            }
            Act::SendSupplementRequest => {
                let mut sent = event::proposed_supplement(events);
                sent.note = Some(comment);
                self.send_supplement(c, d, sent).await
            }
            Act::Refuse | Act::ProposeDecline | Act::SendDecline | Act::ReturnForRevision => {
                reasons_step(act, reasons, comment, events)
            }
            Act::Assign | Act::Reassign => self.assign_step(c, s, d, act, input, reasons).await,
            Act::TakeBack => {
                need_reasons(&reasons, "lý do thu hồi hồ sơ")?;
                let previous = d.assignee_id.take();
                data(EventData::TakenBack(Assignment {
                    assignee: None,
                    previous,
                    reasons,
                }))
            }
            Act::ProposeResolve => self.propose_result_step(c, d, input).await,
            Act::Consult => self.consult_step(c, s, d, input).await,
            Act::ConsultationAnswered => {
                if comment.is_empty() {
                    return Err(AppError::field(
                        "comment",
                        "Ghi tóm tắt ý kiến của các cơ quan phối hợp.",
                    ));
                }
                Ok(Effect::default())
            }
            Act::Approve => self.approve_step(c, d, events).await,
            Act::Apologise => self.apology_step(c, d, input, reasons).await,
            Act::ReturnAtOffice | Act::ReturnOnline | Act::ReturnByPost => {
                self.return_step(c, d, act, input).await
            }
            Act::Forward | Act::Withdraw => Ok(Effect::default()),
            Act::Submit
            | Act::Resubmit
            | Act::RegisterInPerson
            | Act::RegisterPostal
            | Act::AnswerConsultation => Err(AppError::Unexpected(format!(
                "{} has its own operation",
                act.as_str()
            ))),
        }
    }

    /// The drafted result proposed to the leader (R12.1): a result document of this dossier.
    async fn propose_result_step(
        &self,
        c: &impl Conn,
        d: &Dossier,
        input: &ActionInput,
    ) -> Result<Effect> {
        let f = input.result_document.ok_or_else(|| {
            AppError::field(
                "result_document",
                "Tải lên văn bản kết quả trước khi trình.",
            )
        })?;
        let not_ours =
            || AppError::field("result_document", "Văn bản kết quả không thuộc hồ sơ này.");
        let file = ds::get_file(c, f).await.or_missing(not_ours())?;
        if file.dossier_id != d.id || file.component_id != RESULT_COMPONENT {
            return Err(not_ours());
        }
        Ok(Effect::data(EventData::ResultProposed(ResultDocument {
            result_document: file.id,
            name: file.name,
        })))
    }

    /// The result returned to the person (R8.2): at the office with the originals compared when
    /// the procedure asks for them (R7.1a), online once an approved result is published, or by
    /// registered post with its tracking number.
    async fn return_step(
        &self,
        c: &impl Conn,
        d: &Dossier,
        act: Act,
        input: &ActionInput,
    ) -> Result<Effect> {
        let returned = match act {
            Act::ReturnAtOffice => {
                let version = cat::get_version(c, d.procedure_version_id).await?;
                let needs = !self.originals_to_compare(c, d, &version).await?.is_empty();
                if needs && !input.originals_compared {
                    return Err(AppError::field(
                        "originals_compared",
                        "Đối chiếu bản chính trước khi trả kết quả (R7.1a).",
                    ));
                }
                Returned {
                    channel: ReturnChannel::Office,
                    originals_compared: input.originals_compared,
                    tracking_number: None,
                }
            }
            Act::ReturnOnline => {
                let files = ds::files(c, d.id).await?;
                if !files
                    .iter()
                    .any(|f| f.component_id == RESULT_COMPONENT && f.public)
                {
                    return Err(AppError::Conflict(
                    "Hồ sơ chưa có văn bản kết quả điện tử đã được phê duyệt để trả trực tuyến."
                        .into(),
                ));
                }
                Returned {
                    channel: ReturnChannel::Online,
                    originals_compared: false,
                    tracking_number: None,
                }
            }
            _ => {
                let n = clean(input.tracking_number.as_deref().unwrap_or(""), 40);
                if n.len() < 6 || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(AppError::field(
                        "tracking_number",
                        "Nhập số hiệu bưu gửi (chữ và số, ít nhất 6 ký tự).",
                    ));
                }
                Returned {
                    channel: ReturnChannel::Post,
                    originals_compared: false,
                    tracking_number: Some(n),
                }
            }
        };
        Ok(Effect::data(EventData::Returned(returned)))
    }

    /// Acceptance (R11.3): the appointment from the valid receipt and the time to result that
    /// applies to the dossier (R8.1c); after a supplement the department asked for, the clock
    /// resumes with the office time that was left (R8.1a, R12.2). The notice gives the date,
    /// the originals to bring and the fee. The agency and the version come from memory: the
    /// step is decided before its write transaction, and a read through the pool inside one
    /// could wait for a connection the transactions hold.
    async fn accept_step(&self, d: &mut Dossier, events: &[Event]) -> Result<Effect> {
        let now = self.now();
        let agency = self.agency(d.agency_id).await?;
        let version = self.version(d.procedure_version_id).await?;
        let cal = self.calendar();
        let total = d
            .time_to_result
            .clone()
            .ok_or_else(|| AppError::Unexpected("a submitted dossier without its time".into()))?;
        let entered = |st: Stage| events.iter().rev().find(|e| e.to_stage == st).map(|e| e.at);
        let appointment = match (d.appointment_at, d.stage) {
            (Some(old), Stage::Supplemented) => {
                let paused = entered(Stage::SupplementRequested).unwrap_or(old);
                let resumed = entered(Stage::Supplemented).unwrap_or(now);
                cal.resume(Some(&agency.code), paused, resumed, old)
            }
            _ => {
                // The valid receipt: the submission, or the resubmission after a supplement.
                let receipt = match d.stage {
                    Stage::Supplemented => entered(Stage::Supplemented).unwrap_or(now),
                    _ => d.submitted_at.unwrap_or(now),
                };
                d.received_at = Some(receipt);
                cal.due(Some(&agency.code), receipt, &total)
            }
        };
        d.appointment_at = Some(appointment);
        let ch = channel(d.intake);
        let originals: Vec<String> = self
            .originals_to_compare(self.db.conn(), d, &version)
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect();
        let fee: i64 = version
            .body
            .fees
            .iter()
            .filter(|f| f.channel == ch)
            .map(|f| f.amount)
            .sum();
        Ok(Effect {
            data: EventData::Accepted {
                appointment_at: appointment,
            },
            notice: Some((
                NoticeKind::Acceptance,
                json!({"date": format_vn_datetime(appointment), "items": originals,
                    "amount": (fee > 0).then(|| money(fee))}),
            )),
            ..Default::default()
        })
    }

    /// A supplement request: everything missing, once, in one notice (R11.2). After a
    /// resubmission the desk may ask again only about what the resubmission changed; that
    /// request is marked and counted against the agency (guide once, R3.4). The department's
    /// proposal waits for the leader and reception (R12.2).
    async fn supplement_step(
        &self,
        c: &impl Conn,
        d: &mut Dossier,
        act: Act,
        input: &ActionInput,
        events: &[Event],
    ) -> Result<Effect> {
        let version = cat::get_version(c, d.procedure_version_id).await?;
        let repeat = is_repeat_request(d, act);
        let changed = event::changed_by_resubmission(events);
        if repeat && input.components.is_empty() {
            return Err(AppError::field(
                "components",
                "Đã hướng dẫn bổ sung một lần: lần này chỉ được yêu cầu lại những giấy tờ người nộp vừa bổ sung, sửa đổi. Chọn các giấy tờ đó.",
            ));
        }
        let mut items = vec![];
        for c in &input.components {
            let name = component_name(&version, c)
                .ok_or_else(|| AppError::field("components", "Chọn các giấy tờ cần bổ sung."))?;
            if repeat && !changed.contains(c) {
                return Err(AppError::field(
                    "components",
                    format!(
                        "«{name}» không thay đổi khi người nộp bổ sung. Đã hướng dẫn một lần, chỉ được yêu cầu lại những gì vừa bổ sung, sửa đổi."
                    ),
                ));
            }
            items.push(format!("Bổ sung: {name}"));
        }
        items.extend(clean_list(&input.reasons, 50));
        if items.is_empty() {
            return Err(AppError::field(
                "reasons",
                "Liệt kê đầy đủ, một lần, những giấy tờ hoặc nội dung cần bổ sung.",
            ));
        }
        let mut request = SupplementRequest {
            components: input.components.clone(),
            items,
            ..Default::default()
        };
        if act == Act::ProposeSupplement {
            return Ok(Effect {
                data: EventData::Supplement(request),
                ..Default::default()
            });
        }
        if repeat {
            d.repeat_requests += 1;
        }
        request.note = Some(clean(&input.comment, 2000));
        request.repeat = repeat;
        self.send_supplement(c, d, request).await
    }

    /// A supplement request reaches the person: kept on the dossier (without its snapshot),
    /// noticed, and recorded with what the dossier looked like (R11.2).
    async fn send_supplement(
        &self,
        c: &impl Conn,
        d: &mut Dossier,
        mut sent: SupplementRequest,
    ) -> Result<Effect> {
        let notice = json!({"components": sent.components, "items": sent.items,
            "note": sent.note.clone().unwrap_or_default()});
        d.supplement = Some(SupplementRequest {
            repeat: false,
            ..sent.clone()
        });
        sent.snapshot = Some(self.snapshot(c, d).await?);
        Ok(Effect {
            notice: Some((NoticeKind::SupplementRequest, notice)),
            data: EventData::Supplement(sent),
            ..Default::default()
        })
    }

    /// Assigning or reassigning a specialist: one the process's examining unit may take, never the
    /// leader themself (separation of duties); a reassignment says why.
    async fn assign_step(
        &self,
        c: &impl Conn,
        s: &Session,
        d: &mut Dossier,
        act: Act,
        input: &ActionInput,
        reasons: Vec<String>,
    ) -> Result<Effect> {
        let a = input
            .assignee
            .ok_or_else(|| AppError::field("assignee", "Chọn chuyên viên xử lý."))?;
        if a == s.user.id {
            return Err(AppError::field(
                "assignee",
                "Không tự phân công hồ sơ cho chính mình: người phân công, người thẩm định và người phê duyệt phải khác nhau.",
            ));
        }
        if !self
            .eligible_specialists(c, d, s.user.id)
            .await?
            .iter()
            .any(|(id, _)| *id == a)
        {
            return Err(AppError::field(
                "assignee",
                "Người được chọn không phải chuyên viên của cơ quan.",
            ));
        }
        let previous = d.assignee_id;
        if act == Act::Reassign {
            need_reasons(&reasons, "lý do phân công lại")?;
            if previous == Some(a) {
                return Err(AppError::field(
                    "assignee",
                    "Chọn một chuyên viên khác với người đang xử lý.",
                ));
            }
        }
        d.assignee_id = Some(a);
        let assignment = match act {
            Act::Reassign => Assignment {
                assignee: Some(a),
                previous,
                reasons,
            },
            _ => Assignment {
                assignee: Some(a),
                ..Default::default()
            },
        };
        Ok(Effect {
            data: EventData::Assigned(assignment),
            ..Default::default()
        })
    }

    /// Consulting other agencies (R8.1b, R3.3): each with its question and a due date from today
    /// to the appointment.
    async fn consult_step(
        &self,
        c: &impl Conn,
        s: &Session,
        d: &Dossier,
        input: &ActionInput,
    ) -> Result<Effect> {
        let now = self.now();
        let cal = self.calendar();
        let appointment = d
            .appointment_at
            .ok_or_else(|| AppError::Conflict("Hồ sơ chưa có ngày hẹn trả kết quả.".into()))?;
        if input.consultations.is_empty() || input.consultations.len() > 20 {
            return Err(AppError::field(
                "consultations",
                "Chọn cơ quan cần lấy ý kiến, nội dung và hạn trả lời.",
            ));
        }
        let mut effect = Effect::default();
        let mut list = vec![];
        let legal = cat::get_version(c, d.procedure_version_id)
            .await?
            .body
            .legal_basis;
        let sharing = match d.owner_id {
            Some(o) => motcua_store::consents::active_consent(c, o, Purpose::Sharing.as_str())
                .await?
                .map(|x| x.id),
            None => None,
        };
        let files: Vec<Uuid> = ds::files(c, d.id).await?.iter().map(|f| f.id).collect();
        for ask in &input.consultations {
            let other = agencies::find_agency_by_code(c, ask.agency.trim())
                .await?
                .filter(|a| a.id != d.agency_id)
                .ok_or_else(|| {
                    AppError::field("consultations", "Không có cơ quan phối hợp với mã này.")
                })?;
            let question = clean(&ask.question, 4000);
            if question.is_empty() {
                return Err(AppError::field(
                    "consultations",
                    format!("Nêu nội dung cần {} cho ý kiến.", other.name),
                ));
            }
            let Ok(day) = ask.due.trim().parse::<jiff::civil::Date>() else {
                return Err(AppError::field(
                    "consultations",
                    "Hạn trả lời viết dạng NNNN-TT-NN.",
                ));
            };
            let due = end_of_day(&cal, &other.code, day);
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
            let basis = disclosure_basis(&ask.basis, &legal, sharing)
                .map_err(|m| AppError::field("consultations", m))?;
            if ask.files.iter().any(|f| !files.contains(f)) {
                return Err(AppError::field(
                    "consultations",
                    "Giấy tờ gửi cơ quan phối hợp phải là giấy tờ của hồ sơ này.",
                ));
            }
            effect.consult_due = effect.consult_due.max(Some(due));
            list.push(Asked {
                agency: other.code.clone(),
                name: other.name.clone(),
                due_at: due,
            });
            let id = Uuid::now_v7();
            effect.disclosures.push(Disclosure {
                id: Uuid::now_v7(),
                dossier_id: d.id,
                agency_id: other.id,
                purpose: "consultation".into(),
                basis: basis.text(),
                consent_id: match basis {
                    Basis::Consent(x) => Some(x),
                    Basis::Law(_) => None,
                },
                consultation_id: Some(id),
                by_user: Some(s.user.id),
                at: now,
            });
            effect.consultations.push(Consultation {
                id,
                dossier_id: d.id,
                agency_id: other.id,
                question,
                requested_by: s.user.id,
                requested_at: now,
                due_at: due,
                answered_at: None,
                answered_by: None,
                answer: None,
                files: ask.files.clone(),
            });
        }
        effect.data = EventData::Consulted(list);
        Ok(effect)
    }

    /// The leader's approval. Of a drafted result: the document proposed is signed by the
    /// agency as the dossier's next electronic result, which becomes the applicant's (the drafts
    /// stay the department's), and the person hears the result is ready (R8.2b).
    async fn approve_step(&self, c: &impl Conn, d: &Dossier, events: &[Event]) -> Result<Effect> {
        if d.stage != Stage::ProposedResolve {
            return Ok(Effect::default());
        }
        let issue = match event::proposed_result(events) {
            Some(draft) => Some(self.issue_result(c, d, draft).await?),
            None => None,
        };
        let note = d
            .appointment_at
            .map(|a| format!("Ngày hẹn trả kết quả: {}.", format_vn_datetime(a)))
            .unwrap_or_default();
        Ok(Effect {
            issue,
            notice: Some((NoticeKind::ResultReady, json!({"note": note}))),
            ..Default::default()
        })
    }

    /// The apology with a new date (form 04): a working day after the appointment, with reasons.
    async fn apology_step(
        &self,
        c: &impl Conn,
        d: &mut Dossier,
        input: &ActionInput,
        reasons: Vec<String>,
    ) -> Result<Effect> {
        need_reasons(&reasons, "lý do chưa trả kết quả đúng hẹn")?;
        let agency = agencies::get_agency(c, d.agency_id).await?;
        let cal = self.calendar();
        let day = input
            .new_date
            .as_deref()
            .map(str::trim)
            .and_then(|x| x.parse::<jiff::civil::Date>().ok())
            .ok_or_else(|| AppError::field("new_date", "Chọn ngày hẹn trả kết quả mới."))?;
        let old = d.new_appointment_at.or(d.appointment_at).map(vn_date);
        if old.is_some_and(|o| day <= o) || !cal.is_working_day(day) {
            return Err(AppError::field(
                "new_date",
                "Ngày hẹn mới phải là một ngày làm việc sau ngày hẹn cũ.",
            ));
        }
        let end = end_of_day(&cal, &agency.code, day);
        d.new_appointment_at = Some(end);
        Ok(Effect {
            notice: Some((
                NoticeKind::Apology,
                json!({"note": reasons.join("; "), "date": format_vn_datetime(end)}),
            )),
            data: EventData::Apology(Apology {
                reasons,
                new_date: end,
            }),
            ..Default::default()
        })
    }

    /// The specialists who may examine the dossier: those of the unit its process names for the
    /// examination, or of the whole agency (all of the agency's when the unit has none), never
    /// `except` (who assigns).
    pub(crate) async fn eligible_specialists(
        &self,
        c: &impl motcua_store::Conn,
        d: &Dossier,
        except: Uuid,
    ) -> Result<Vec<(Uuid, String)>> {
        let total = d
            .time_to_result
            .clone()
            .unwrap_or(Duration::WorkingDays { value: 1.0 });
        let plan = motcua_domain::deadline::Plan {
            steps: &d.process,
            total: &total,
        };
        let unit = match plan.step(Stage::Examining).unit {
            Some(code) => self.unit_id(c, d.agency_id, &code).await?,
            None => None,
        };
        let all = motcua_store::users::holders(c, Role::Specialist, d.agency_id).await?;
        let fits = |units: &Vec<Option<Uuid>>| {
            unit.is_none() || units.iter().any(|u| u.is_none() || *u == unit)
        };
        let mut list: Vec<_> = all.iter().filter(|(_, units)| fits(units)).collect();
        if list.is_empty() {
            list = all.iter().collect();
        }
        Ok(list
            .into_iter()
            .filter(|(u, _)| u.id != except)
            .map(|(u, _)| (u.id, u.full_name.clone()))
            .collect())
    }
}

/// The steps that carry reasons (R11.2, R12.2): a refusal at the desk (noticed to the person), a
/// proposal to decline, its sending (the reasons the leader approved, noticed), a return for
/// revision.
fn reasons_step(
    act: Act,
    reasons: Vec<String>,
    comment: String,
    events: &[Event],
) -> Result<Effect> {
    let (items, notice) = match act {
        Act::Refuse => {
            need_reasons(&reasons, "lý do từ chối tiếp nhận")?;
            (reasons, true)
        }
        Act::SendDecline => (event::proposed_decline(events), true),
        Act::ProposeDecline => {
            need_reasons(&reasons, "lý do từ chối giải quyết")?;
            (reasons, false)
        }
        _ => {
            need_reasons(&reasons, "điều cần xử lý lại")?;
            (reasons, false)
        }
    };
    Ok(Effect {
        notice: notice.then(|| {
            (
                NoticeKind::Refusal,
                json!({"items": items, "note": comment}),
            )
        }),
        data: EventData::Reasons(items),
        ..Default::default()
    })
}

/// The dossier's own papers, each (file, component): not the department's result.
async fn own_files(c: &impl Conn, d: &Dossier) -> Result<Vec<(Uuid, String)>> {
    Ok(ds::files(c, d.id)
        .await?
        .into_iter()
        .filter(|f| f.component_id != RESULT_COMPONENT)
        .map(|f| (f.id, f.component_id))
        .collect())
}

/// The end of a working day at an agency (a due date given as a day).
fn end_of_day(
    cal: &motcua_domain::calendar::Calendar,
    agency: &str,
    day: jiff::civil::Date,
) -> jiff::Timestamp {
    cal.due(
        Some(agency),
        motcua_domain::calendar::from_local(day.to_datetime(jiff::civil::Time::midnight())),
        &Duration::SameDay {
            cutoff: "23:59".into(),
        },
    )
}
