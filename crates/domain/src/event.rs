//! A dossier's events: each step taken on it, who took it and when, and what it carried, typed
//! per act (R10.5: a record of who did what; R11, R12). What a step carried is stored as JSON
//! through serde and read back by the act that wrote it, never by a string key. The statutory
//! slips (forms 01–05) and the control sheet's steps are built here from the typed events.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::deadline::Timeliness;
use crate::lifecycle::{Act, Stage};

/// One step taken on a dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub dossier_id: Uuid,
    pub at: jiff::Timestamp,
    pub actor_id: Option<Uuid>,
    pub act: Act,
    pub from_stage: Option<Stage>,
    /// The stage entered.
    pub to_stage: Stage,
    pub comment: Option<String>,
    /// The unit the actor acted from.
    pub unit_id: Option<Uuid>,
    /// The unit responsible for the stage entered, and the published process step it belongs to.
    pub to_unit_id: Option<Uuid>,
    pub step: Option<String>,
    /// When the step this event starts is due.
    pub due_at: Option<jiff::Timestamp>,
    pub data: EventData,
    /// The applicant sees it as it happened (`Act::is_public`); else only as a change of status.
    pub public: bool,
}

/// What a step carried, by act.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum EventData {
    /// Nothing beyond the comment (submission, hand-over, approval, withdrawal …).
    #[default]
    None,
    /// Acceptance: the appointment given (form 01).
    Accepted { appointment_at: jiff::Timestamp },
    /// A supplement request, proposed by the department or sent to the person (form 02).
    Supplement(SupplementRequest),
    /// The reasons of a refusal, a proposal to decline, its sending, or a return for revision.
    Reasons(Vec<String>),
    /// An assignment, or a reassignment with the previous holder and why.
    Assigned(Assignment),
    /// The leader took the dossier back from `previous`.
    TakenBack(Assignment),
    /// The drafted result proposed to the leader.
    ResultProposed(ResultDocument),
    /// Opinions asked of other agencies.
    Consulted(Vec<Asked>),
    /// An agency's answer to a consultation.
    Answered(Answer),
    /// The apology and new date (form 04).
    Apology(Apology),
    /// The result returned to the person.
    Returned(Returned),
    /// A resubmission, with the components it changed since the request.
    Resubmitted(Resubmission),
}

/// What the person must supplement: the components named, every item in words, the officer's
/// note, and what the dossier looked like when the request reached the person.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SupplementRequest {
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
    /// The desk's second request before acceptance (guide once, R3.4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repeat: bool,
}

/// The dossier when a supplement request reached the person: the form's hash and each file with
/// its component, so that the resubmission can tell what it changed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub form: String,
    /// (file id, component id).
    pub files: Vec<(Uuid, String)>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Assignment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultDocument {
    pub result_document: Uuid,
    pub name: String,
}

/// One agency asked for its opinion, with its due point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asked {
    pub agency: String,
    pub name: String,
    pub due_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub consultation: Uuid,
    pub agency: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Apology {
    pub reasons: Vec<String>,
    pub new_date: jiff::Timestamp,
}

/// How the result went back to the person (R8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReturnChannel {
    Office,
    Online,
    Post,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Returned {
    pub channel: ReturnChannel,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub originals_compared: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Resubmission {
    pub changed: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct AcceptedJson {
    appointment_at: jiff::Timestamp,
}

#[derive(Serialize, Deserialize)]
struct ReasonsJson {
    reasons: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct ConsultedJson {
    consultations: Vec<Asked>,
}

impl EventData {
    /// The stored JSON (`None` when the step carried nothing).
    pub fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::to_value as v;
        let value = match self {
            Self::None => return None,
            Self::Accepted { appointment_at } => v(AcceptedJson {
                appointment_at: *appointment_at,
            }),
            Self::Supplement(x) => v(x),
            Self::Reasons(reasons) => v(ReasonsJson {
                reasons: reasons.clone(),
            }),
            Self::Assigned(x) | Self::TakenBack(x) => v(x),
            Self::ResultProposed(x) => v(x),
            Self::Consulted(list) => v(ConsultedJson {
                consultations: list.clone(),
            }),
            Self::Answered(x) => v(x),
            Self::Apology(x) => v(x),
            Self::Returned(x) => v(x),
            Self::Resubmitted(x) => v(x),
        };
        Some(value.expect("event data is plain JSON"))
    }

    /// Reads what `act` stored. An act that stores nothing reads `None` whatever is there.
    pub fn from_json(act: Act, json: Option<serde_json::Value>) -> Result<Self, serde_json::Error> {
        let Some(j) = json else {
            return Ok(Self::None);
        };
        use serde_json::from_value as f;
        Ok(match act {
            Act::Accept => Self::Accepted {
                appointment_at: f::<AcceptedJson>(j)?.appointment_at,
            },
            Act::RequestSupplement | Act::ProposeSupplement | Act::SendSupplementRequest => {
                Self::Supplement(f(j)?)
            }
            Act::Refuse | Act::ProposeDecline | Act::SendDecline | Act::ReturnForRevision => {
                Self::Reasons(f::<ReasonsJson>(j)?.reasons)
            }
            Act::Assign | Act::Reassign => Self::Assigned(f(j)?),
            Act::TakeBack => Self::TakenBack(f(j)?),
            Act::ProposeResolve => Self::ResultProposed(f(j)?),
            Act::Consult => Self::Consulted(f::<ConsultedJson>(j)?.consultations),
            Act::ConsultationAnswered | Act::AnswerConsultation => Self::Answered(f(j)?),
            Act::Apologise => Self::Apology(f(j)?),
            Act::ReturnAtOffice | Act::ReturnOnline | Act::ReturnByPost => Self::Returned(f(j)?),
            Act::Resubmit => Self::Resubmitted(f(j)?),
            Act::Submit
            | Act::Forward
            | Act::Approve
            | Act::Withdraw
            | Act::RegisterInPerson
            | Act::RegisterPostal => Self::None,
        })
    }

    /// The reasons a step gave (refusal, decline, revision, reassignment, taking back, apology).
    pub fn reasons(&self) -> &[String] {
        match self {
            Self::Reasons(r) => r,
            Self::Assigned(a) | Self::TakenBack(a) => &a.reasons,
            Self::Apology(a) => &a.reasons,
            _ => &[],
        }
    }
}

/// The latest event of one of `acts`.
pub fn latest<'a>(events: &'a [Event], acts: &[Act]) -> Option<&'a Event> {
    events.iter().rev().find(|e| acts.contains(&e.act))
}

/// Who proposed what a leader now decides (the latest proposal's author).
pub fn proposer(events: &[Event]) -> Option<Uuid> {
    latest(
        events,
        &[
            Act::ProposeResolve,
            Act::ProposeSupplement,
            Act::ProposeDecline,
        ],
    )
    .and_then(|e| e.actor_id)
}

/// The supplement request the department proposed last, as the leader approved it.
pub fn proposed_supplement(events: &[Event]) -> SupplementRequest {
    match latest(events, &[Act::ProposeSupplement]).map(|e| &e.data) {
        Some(EventData::Supplement(s)) => s.clone(),
        _ => SupplementRequest::default(),
    }
}

/// The reasons the department proposed for declining, as the leader approved them.
pub fn proposed_decline(events: &[Event]) -> Vec<String> {
    latest(events, &[Act::ProposeDecline])
        .map(|e| e.data.reasons().to_vec())
        .unwrap_or_default()
}

/// The result document of the latest proposal to resolve.
pub fn proposed_result(events: &[Event]) -> Option<Uuid> {
    match latest(events, &[Act::ProposeResolve]).map(|e| &e.data) {
        Some(EventData::ResultProposed(r)) => Some(r.result_document),
        _ => None,
    }
}

/// What the dossier looked like when the latest supplement request reached the person.
pub fn snapshot_at_request(events: &[Event]) -> Option<&Snapshot> {
    match latest(
        events,
        &[Act::RequestSupplement, Act::SendSupplementRequest],
    )
    .map(|e| &e.data)
    {
        Some(EventData::Supplement(s)) => s.snapshot.as_ref(),
        _ => None,
    }
}

/// The components the latest resubmission changed, for a repeat request.
pub fn changed_by_resubmission(events: &[Event]) -> Vec<String> {
    match latest(events, &[Act::Resubmit]).map(|e| &e.data) {
        Some(EventData::Resubmitted(r)) => r.changed.clone(),
        _ => vec![],
    }
}

impl Event {
    /// The desk's second request before acceptance (guide once, R3.4).
    pub fn is_repeat_request(&self) -> bool {
        matches!(&self.data, EventData::Supplement(s) if s.repeat && self.act == Act::RequestSupplement)
    }
}

/// One step of a dossier's processing as the control sheet (form 05) shows it: the published
/// process step, the stage entered, when and by whom (from which unit), the unit responsible, its
/// due point, when it ended, and whether it ended early, on time or late.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub stage: Stage,
    /// The process step's name as published (R10.3).
    pub step: Option<String>,
    pub started_at: jiff::Timestamp,
    pub actor_id: Option<Uuid>,
    /// The unit the person who handed it over acted from.
    pub from_unit_id: Option<Uuid>,
    /// The unit responsible for the step.
    pub unit_id: Option<Uuid>,
    pub due_at: Option<jiff::Timestamp>,
    pub finished_at: Option<jiff::Timestamp>,
    pub timeliness: Option<Timeliness>,
}

/// The steps of a dossier from its events: each change of stage, and each hand-over to another
/// specialist, starts a step; the next one ends it. Events that keep the stage (an apology, a
/// partial consultation answer) start none.
pub fn steps(events: &[Event], now: jiff::Timestamp) -> Vec<StepView> {
    let starts: Vec<&Event> = events
        .iter()
        .enumerate()
        .filter(|(i, e)| *i == 0 || e.to_stage != events[i - 1].to_stage || e.act == Act::Reassign)
        .map(|(_, e)| e)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let finished_at = starts.get(i + 1).map(|n| n.at);
            StepView {
                stage: e.to_stage,
                step: e.step.clone(),
                started_at: e.at,
                actor_id: e.actor_id,
                from_unit_id: e.unit_id,
                unit_id: e.to_unit_id,
                due_at: e.due_at,
                finished_at,
                timeliness: e.due_at.map(|due| Timeliness::of(finished_at, due, now)),
            }
        })
        .collect()
}

/// The statutory slips of a dossier (Circular 01/2018/TT-VPCP's forms 01–05; the register,
/// form 06, is the agency's, not a dossier's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slip {
    /// 01: receipt and appointment.
    Receipt,
    /// 02: supplement request.
    Supplement,
    /// 03: refusal.
    Refusal,
    /// 04: apology and new date.
    Apology,
    /// 05: control sheet (staff only).
    Control,
}

impl Slip {
    pub const ALL: [Slip; 5] = [
        Slip::Receipt,
        Slip::Supplement,
        Slip::Refusal,
        Slip::Apology,
        Slip::Control,
    ];

    pub fn number(self) -> u8 {
        match self {
            Slip::Receipt => 1,
            Slip::Supplement => 2,
            Slip::Refusal => 3,
            Slip::Apology => 4,
            Slip::Control => 5,
        }
    }

    /// From the two digits in its address (`01` … `05`).
    pub fn parse(s: &str) -> Option<Slip> {
        Self::ALL.into_iter().find(|f| f.code() == s)
    }

    /// The slip's name in a sentence or a link.
    pub fn name(self) -> &'static str {
        match self {
            Slip::Receipt => "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            Slip::Supplement => "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            Slip::Refusal => "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            Slip::Apology => "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            Slip::Control => "Phiếu kiểm soát quá trình giải quyết hồ sơ",
        }
    }

    /// The slip's title as printed (Circular 01/2018).
    pub fn title(self) -> &'static str {
        match self {
            Slip::Receipt => "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            Slip::Supplement => "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            Slip::Refusal => "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            Slip::Apology => "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            Slip::Control => "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        }
    }

    /// The two digits of its address and of its printed number.
    pub fn code(self) -> String {
        format!("{:02}", self.number())
    }

    /// The acts whose latest event a slip is made from (the control sheet: the first event).
    fn acts(self) -> &'static [Act] {
        match self {
            Slip::Receipt => &[Act::Accept],
            Slip::Supplement => &[Act::RequestSupplement, Act::SendSupplementRequest],
            Slip::Refusal => &[Act::Refuse, Act::SendDecline],
            Slip::Apology => &[Act::Apologise],
            Slip::Control => &[],
        }
    }
}

/// What a slip says beyond the dossier itself: the event it is made from, the items it lists
/// (what to supplement, why refused, why late) and the new date of an apology.
#[derive(Debug, Clone, PartialEq)]
pub struct SlipContent<'a> {
    pub slip: Slip,
    pub event: &'a Event,
    pub items: Vec<String>,
    pub new_date: Option<jiff::Timestamp>,
}

/// The slip as it stands after `events`, for a reader who is staff or not (the control sheet is
/// staff's); `None` when its event has not happened.
pub fn slip(slip: Slip, events: &[Event], staff: bool) -> Option<SlipContent<'_>> {
    let event = match slip {
        Slip::Control if staff => events.first(),
        Slip::Control => None,
        s => latest(events, s.acts()),
    }?;
    let (items, new_date) = match &event.data {
        EventData::Supplement(s) => (s.items.clone(), None),
        EventData::Reasons(r) => (r.clone(), None),
        EventData::Apology(a) => (a.reasons.clone(), Some(a.new_date)),
        _ => (vec![], None),
    };
    Some(SlipContent {
        slip,
        event,
        items,
        new_date,
    })
}

/// The slips that exist for this reader.
pub fn slips(events: &[Event], staff: bool) -> Vec<Slip> {
    Slip::ALL
        .into_iter()
        .filter(|s| slip(*s, events, staff).is_some())
        .collect()
}

#[cfg(test)]
mod tests;
