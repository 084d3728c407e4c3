//! Deadlines and lateness (R8.1a, R10.3, R12): the time the internal process gives
//! each step, and whether a dossier or a step is early, on time or late, counted as the national
//! monitoring counts it (Decision 766, indicator 2.1): the person's supplement time is excluded, a
//! single outstanding supplement request ends the count, more than one supplement request after
//! acceptance is late.
use jiff::Timestamp;
use serde::Serialize;

use crate::account::Role;
use crate::calendar::Calendar;
use crate::catalogue::{Duration, ProcessStep, WORKING_DAY_MINUTES};
use crate::clock::vn_date;
use crate::lifecycle::Stage;

/// How a step or a dossier stands against its due point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Trước hạn: finished on a day before the due day.
    Early,
    /// Đúng hạn: finished on the due day, not after the due point.
    OnTime,
    /// Quá hạn.
    Late,
    /// Còn hạn: not finished, the due point not yet passed.
    InTime,
}

impl Timeliness {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Early => "early",
            Self::OnTime => "on_time",
            Self::Late => "late",
            Self::InTime => "in_time",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Early, Self::OnTime, Self::Late, Self::InTime]
            .into_iter()
            .find(|t| t.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Early => "Trước hạn",
            Self::OnTime => "Đúng hạn",
            Self::Late => "Quá hạn",
            Self::InTime => "Còn hạn",
        }
    }

    /// A step finished at `end` (or still open at `now`, when `end` is `None`) against `due`.
    pub fn of(end: Option<Timestamp>, due: Timestamp, now: Timestamp) -> Self {
        match end {
            Some(e) if e > due => Self::Late,
            Some(e) if vn_date(e) < vn_date(due) => Self::Early,
            Some(_) => Self::OnTime,
            None if now > due => Self::Late,
            None => Self::InTime,
        }
    }
}

/// How urgent an open item of a worklist is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Past its due point (red).
    Overdue,
    /// Due today (amber).
    DueToday,
    Normal,
}

impl Urgency {
    pub fn of(due: Option<Timestamp>, now: Timestamp) -> Self {
        match due {
            Some(d) if d < now => Self::Overdue,
            Some(d) if vn_date(d) == vn_date(now) => Self::DueToday,
            _ => Self::Normal,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::DueToday => "due_today",
            Self::Normal => "normal",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Overdue => "Quá hạn",
            Self::DueToday => "Đến hạn hôm nay",
            Self::Normal => "Trong hạn",
        }
    }
}

/// Office time for online dossiers to be acknowledged (Decree 45/2020/NĐ-CP; R11.1).
pub const ACKNOWLEDGE_HOURS: f64 = 8.0;

/// The time the default process gives a stage, from when the dossier enters it, for a procedure
/// whose time to result is `total`: what applies where the service's published process names no
/// step for the stage. `None`: the stage has no budget of its own (the person has it, it is
/// final, its due point is the appointment, or consultations set it).
pub fn step_budget(stage: Stage, total: &Duration) -> Option<Duration> {
    let share = |f: f64| {
        let hours = (total.working_minutes() * f / 60.0 * 2.0).round() / 2.0;
        Duration::WorkingHours {
            value: hours.max(WORKING_DAY_MINUTES / 60.0 / 2.0),
        }
    };
    match stage {
        // Acknowledge within eight working hours of arrival.
        Stage::Submitted | Stage::Supplemented => Some(Duration::WorkingHours {
            value: ACKNOWLEDGE_HOURS,
        }),
        // Hand over within half a working day of acceptance (R11.4); the same for assigning and
        // for sending what the leader approved.
        Stage::Accepted
        | Stage::AwaitingAssignment
        | Stage::SupplementApproved
        | Stage::DeclineApproved => Some(Duration::WorkingDays { value: 0.5 }),
        // The specialist has most of the published time, the leader a sixth of it.
        Stage::Examining => Some(share(0.6)),
        Stage::ProposedResolve | Stage::ProposedSupplement | Stage::ProposedDecline => {
            Some(share(1.0 / 6.0))
        }
        Stage::Draft
        | Stage::Consulting
        | Stage::Resolved
        | Stage::SupplementRequested
        | Stage::Refused
        | Stage::Declined
        | Stage::Returned
        | Stage::Withdrawn => None,
    }
}

/// The parts of a published internal process (R10.3), in the order a dossier goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Intake,
    Assign,
    Examine,
    Approve,
    Return,
}

fn phase_of(stage: Stage) -> Option<Phase> {
    match stage {
        Stage::Submitted | Stage::Supplemented | Stage::Accepted => Some(Phase::Intake),
        Stage::AwaitingAssignment => Some(Phase::Assign),
        Stage::Examining | Stage::Consulting => Some(Phase::Examine),
        Stage::ProposedResolve | Stage::ProposedSupplement | Stage::ProposedDecline => {
            Some(Phase::Approve)
        }
        Stage::SupplementApproved | Stage::DeclineApproved | Stage::Resolved => Some(Phase::Return),
        _ => None,
    }
}

/// Which phase a step of a published process belongs to, from its role and place: the desk's
/// steps before any other receive; the leader's steps before the first specialist step assign;
/// the specialists' steps examine; the leader's other steps approve; the desk's steps after the
/// others return. Steps of other roles (a cashier's) belong to none, and their time is given to
/// no other step.
fn step_phase(steps: &[ProcessStep], i: usize) -> Option<Phase> {
    let first_other = steps.iter().position(|s| s.role != Role::Reception);
    let first_specialist = steps.iter().position(|s| s.role == Role::Specialist);
    match steps[i].role {
        Role::Reception if first_other.is_none_or(|f| i < f) => Some(Phase::Intake),
        Role::Reception => Some(Phase::Return),
        Role::Leader if first_specialist.is_some_and(|f| i < f) => Some(Phase::Assign),
        Role::Leader => Some(Phase::Approve),
        Role::Specialist => Some(Phase::Examine),
        _ => None,
    }
}

/// What a dossier's process gives one stage: the published steps it belongs to (none where the
/// process names none), the unit responsible for it (its code in the agency; the unit whose staff
/// see the dossier on their worklist) and the budget from when the dossier enters the stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StepPlan {
    pub name: Option<String>,
    pub unit: Option<String>,
    pub budget: Option<Duration>,
}

/// A dossier's internal process (R10.3): the steps its service published, applied to its time
/// to result. Stages the process names no step for follow the default ([`step_budget`]).
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub steps: &'a [ProcessStep],
    pub total: &'a Duration,
}

impl Plan<'_> {
    /// The published steps a stage belongs to.
    fn steps_of(&self, stage: Stage) -> Vec<&ProcessStep> {
        let Some(phase) = phase_of(stage) else {
            return vec![];
        };
        (0..self.steps.len())
            .filter(|i| step_phase(self.steps, *i) == Some(phase))
            .map(|i| &self.steps[i])
            .collect()
    }

    /// The plan of one stage.
    pub fn step(&self, stage: Stage) -> StepPlan {
        let mine = self.steps_of(stage);
        let own_name = matches!(
            stage,
            Stage::Consulting | Stage::SupplementApproved | Stage::DeclineApproved
        );
        let name = (!mine.is_empty() && !own_name).then(|| {
            mine.iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        });
        let published = match mine.as_slice() {
            [] => None,
            [one] => Some(one.budget.clone()),
            many => Some(Duration::WorkingHours {
                value: many.iter().map(|s| s.budget.working_minutes()).sum::<f64>() / 60.0,
            }),
        };
        // Acknowledging online dossiers is the law's eight hours (Decree 45/2020), before the
        // time to result starts; sending what the leader approved is half a day (R11.4's pace).
        let budget = match stage {
            Stage::Accepted
            | Stage::AwaitingAssignment
            | Stage::Examining
            | Stage::ProposedResolve
            | Stage::ProposedSupplement
            | Stage::ProposedDecline => published.or_else(|| step_budget(stage, self.total)),
            _ => step_budget(stage, self.total),
        };
        StepPlan {
            name,
            unit: mine.first().and_then(|s| s.unit.clone()),
            budget,
        }
    }

    /// When a stage entered at `at` is due: its budget on the agency's working calendar, never
    /// after the appointment for the stages after acceptance; the appointment itself for a result
    /// waiting to be returned. `None` where the person has the dossier, it is final, or
    /// consultations set the due point.
    pub fn due(
        &self,
        cal: &Calendar,
        agency: Option<&str>,
        stage: Stage,
        at: Timestamp,
        appointment: Option<Timestamp>,
    ) -> Option<Timestamp> {
        // Nobody on staff has the dossier: no due point.
        stage.queue()?;
        if stage == Stage::Resolved {
            return appointment;
        }
        let due = cal.due(agency, at, &self.step(stage).budget?);
        Some(match appointment {
            Some(a) if bounded_by_appointment(stage) => due.min(a),
            _ => due,
        })
    }
}

/// Whether the stage's due point is bounded by the appointment (everything after acceptance).
pub fn bounded_by_appointment(stage: Stage) -> bool {
    !matches!(
        stage,
        Stage::Submitted | Stage::Supplemented | Stage::SupplementRequested | Stage::Refused
    )
}

/// Whether the office owes the person an apology with a new date (form 04): the dossier is
/// with the department and its appointment (the new one, if moved) falls by `soon`, one
/// working day from now at the agency.
pub fn apology_due(stage: Stage, appointment: Option<Timestamp>, soon: Timestamp) -> bool {
    let with_department = matches!(
        stage,
        Stage::Examining | Stage::Consulting | Stage::ProposedResolve
    );
    with_department && appointment.is_some_and(|a| a <= soon)
}

/// When and how the national count of a dossier ended (see the module), from its history of
/// (stage entered, when) in order and its appointment (already moved by supplement pauses, see
/// `Calendar::resume`): `None` while the count runs, and for dossiers never accepted (only
/// accepted dossiers count). The end is the first of resolved, returned, declined or withdrawn;
/// a single supplement request still outstanding ends it when it was issued; more than one
/// supplement request after acceptance is late.
pub fn outcome(
    history: &[(Stage, Timestamp)],
    appointment: Option<Timestamp>,
) -> Option<(Timeliness, Timestamp)> {
    let accepted = history.iter().position(|(s, _)| *s == Stage::Accepted)?;
    let after = &history[accepted..];
    let end = after
        .iter()
        .find(|(s, _)| {
            matches!(
                s,
                Stage::Resolved | Stage::Returned | Stage::Declined | Stage::Withdrawn
            )
        })
        .or_else(|| {
            after
                .last()
                .filter(|(s, _)| *s == Stage::SupplementRequested)
        })
        .map(|(_, t)| *t)?;
    if supplement_requests(after) > 1 {
        return Some((Timeliness::Late, end));
    }
    Some((Timeliness::of(Some(end), appointment?, end), end))
}

fn supplement_requests(history: &[(Stage, Timestamp)]) -> usize {
    history
        .iter()
        .filter(|(s, _)| *s == Stage::SupplementRequested)
        .count()
}

/// The dossier's count now: its [`outcome`] when the count ended, else whether it is still in
/// time. `None` until the dossier is accepted.
pub fn overall(
    history: &[(Stage, Timestamp)],
    appointment: Option<Timestamp>,
    now: Timestamp,
) -> Option<Timeliness> {
    if let Some((mark, _)) = outcome(history, appointment) {
        return Some(mark);
    }
    history.iter().position(|(s, _)| *s == Stage::Accepted)?;
    if late_by_count(history) {
        return Some(Timeliness::Late);
    }
    Some(Timeliness::of(None, appointment?, now))
}

/// Late whatever the time: asked to supplement more than once after its acceptance.
pub fn late_by_count(history: &[(Stage, Timestamp)]) -> bool {
    history
        .iter()
        .position(|(s, _)| *s == Stage::Accepted)
        .is_some_and(|a| supplement_requests(&history[a..]) > 1)
}

/// The share of finished dossiers finished early or on time, in whole percent, from
/// (finished, early or on time); `None` when none has finished (a page shows "—").
pub fn on_time_percent(finished: u64, on_time: u64) -> Option<u64> {
    (finished > 0).then(|| on_time * 100 / finished)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        format!("{s}+07:00").parse().unwrap()
    }

    /// An apology is owed while the department holds the dossier and the appointment (the new
    /// one when moved) falls by the horizon; not at reception, nor without an appointment.
    #[test]
    fn an_apology_is_due_with_the_department_near_the_appointment() {
        let soon = at("2026-03-03T17:00:00");
        let near = Some(at("2026-03-03T16:00:00"));
        for stage in [Stage::Examining, Stage::Consulting, Stage::ProposedResolve] {
            assert!(apology_due(stage, near, soon), "{stage:?}");
            assert!(
                apology_due(stage, Some(soon), soon),
                "{stage:?}: by the horizon"
            );
        }
        assert!(!apology_due(
            Stage::Examining,
            Some(at("2026-03-03T17:00:01")),
            soon
        ));
        assert!(!apology_due(Stage::Examining, None, soon));
        assert!(!apology_due(Stage::Submitted, near, soon));
        assert!(!apology_due(Stage::Resolved, near, soon));
    }

    /// Exactly at the due point is still on time (a step) and due today, not overdue (a list).
    #[test]
    fn the_due_point_itself() {
        let due = at("2026-03-02T14:00:00");
        assert_eq!(Timeliness::of(Some(due), due, due), Timeliness::OnTime);
        assert_eq!(
            Timeliness::of(Some(at("2026-03-02T14:00:01")), due, due),
            Timeliness::Late
        );
        assert_eq!(Timeliness::of(None, due, due), Timeliness::InTime);
        assert_eq!(Urgency::of(Some(due), due), Urgency::DueToday);
        assert_eq!(
            Urgency::of(Some(due), at("2026-03-02T14:00:01")),
            Urgency::Overdue
        );
        assert_eq!(Urgency::of(None, due), Urgency::Normal);
    }

    /// Stored names never change (reports and the API carry them); the labels are the Vietnamese
    /// terms the pages show.
    #[test]
    fn stored_names_and_labels() {
        let all = [
            Timeliness::Early,
            Timeliness::OnTime,
            Timeliness::Late,
            Timeliness::InTime,
        ];
        assert_eq!(
            all.map(Timeliness::as_str),
            ["early", "on_time", "late", "in_time"]
        );
        assert_eq!(
            all.map(Timeliness::label_vi),
            ["Trước hạn", "Đúng hạn", "Quá hạn", "Còn hạn"]
        );
        for t in all {
            assert_eq!(Timeliness::parse(t.as_str()), Some(t));
            assert_eq!(
                serde_json::json!(t),
                t.as_str(),
                "the serde name is the stored one"
            );
        }
        assert_eq!(Timeliness::parse("Late"), None);
        assert_eq!(Timeliness::parse("ontime"), None);
        assert_eq!(Timeliness::parse(""), None);

        let urgencies = [Urgency::Overdue, Urgency::DueToday, Urgency::Normal];
        assert_eq!(
            urgencies.map(Urgency::as_str),
            ["overdue", "due_today", "normal"]
        );
        assert_eq!(
            urgencies.map(Urgency::label_vi),
            ["Quá hạn", "Đến hạn hôm nay", "Trong hạn"]
        );
        for u in urgencies {
            assert_eq!(
                serde_json::json!(u),
                u.as_str(),
                "the serde name is the stored one"
            );
        }
    }

    #[test]
    fn steps_finish_early_on_time_or_late() {
        let due = at("2026-03-05T17:00:00");
        let now = at("2026-03-01T08:00:00");
        let of = |e: &str| Timeliness::of(Some(at(e)), due, now);
        assert_eq!(of("2026-03-04T16:00:00"), Timeliness::Early);
        assert_eq!(of("2026-03-05T08:00:00"), Timeliness::OnTime);
        assert_eq!(of("2026-03-05T17:00:00"), Timeliness::OnTime);
        assert_eq!(of("2026-03-05T17:00:01"), Timeliness::Late);
        assert_eq!(Timeliness::of(None, due, now), Timeliness::InTime);
        assert_eq!(
            Timeliness::of(None, due, at("2026-03-06T07:30:00")),
            Timeliness::Late
        );
        assert_eq!(
            Urgency::of(Some(due), at("2026-03-05T09:00:00")),
            Urgency::DueToday
        );
        assert_eq!(
            Urgency::of(Some(due), at("2026-03-06T09:00:00")),
            Urgency::Overdue
        );
        assert_eq!(Urgency::of(Some(due), now), Urgency::Normal);
        assert_eq!(Urgency::of(None, now), Urgency::Normal);
    }

    #[test]
    fn budgets_follow_the_published_time() {
        let fifteen = Duration::WorkingDays { value: 15.0 };
        assert_eq!(
            step_budget(Stage::Submitted, &fifteen),
            Some(Duration::WorkingHours { value: 8.0 })
        );
        assert_eq!(
            step_budget(Stage::Accepted, &fifteen),
            Some(Duration::WorkingDays { value: 0.5 })
        );
        // 60 % of 15 days of 7.5 h = 67.5 h; a sixth = 18.5 h (rounded to the half hour).
        assert_eq!(
            step_budget(Stage::Examining, &fifteen),
            Some(Duration::WorkingHours { value: 67.5 })
        );
        assert_eq!(
            step_budget(Stage::ProposedResolve, &fifteen),
            Some(Duration::WorkingHours { value: 19.0 })
        );
        // Never less than half a day, even for same-day procedures.
        let same = Duration::SameDay {
            cutoff: "15:00".into(),
        };
        assert_eq!(
            step_budget(Stage::ProposedResolve, &same),
            Some(Duration::WorkingHours { value: 3.75 })
        );
        assert_eq!(step_budget(Stage::Resolved, &fifteen), None);
        assert_eq!(step_budget(Stage::SupplementRequested, &fifteen), None);
    }

    #[test]
    fn the_national_count() {
        use Stage::*;
        let due = Some(at("2026-03-20T17:00:00"));
        let now = at("2026-03-10T09:00:00");
        let h = |v: &[(Stage, &str)]| -> Vec<(Stage, Timestamp)> {
            v.iter().map(|(s, t)| (*s, at(t))).collect()
        };
        // Not accepted: does not count.
        let refused = h(&[
            (Submitted, "2026-03-02T09:00:00"),
            (Refused, "2026-03-02T10:00:00"),
        ]);
        assert_eq!(overall(&refused, None, now), None);
        let base = [
            (Submitted, "2026-03-02T09:00:00"),
            (Accepted, "2026-03-02T10:00:00"),
            (AwaitingAssignment, "2026-03-02T11:00:00"),
        ];
        assert_eq!(overall(&h(&base), due, now), Some(Timeliness::InTime));
        let mut done = base.to_vec();
        done.push((Resolved, "2026-03-18T10:00:00"));
        done.push((Returned, "2026-03-23T10:00:00"));
        // The end is "Đã xử lý xong", before the later hand-over.
        assert_eq!(overall(&h(&done), due, now), Some(Timeliness::Early));
        // One outstanding supplement request, issued in time: on time, whatever the date now.
        let mut one = base.to_vec();
        one.push((SupplementRequested, "2026-03-20T09:00:00"));
        assert_eq!(
            overall(&h(&one), due, at("2026-04-30T09:00:00")),
            Some(Timeliness::OnTime)
        );
        // Two supplement requests after acceptance: late.
        let mut two = one.clone();
        two.push((Supplemented, "2026-03-21T09:00:00"));
        two.push((Accepted, "2026-03-21T10:00:00"));
        two.push((SupplementRequested, "2026-03-22T09:00:00"));
        assert_eq!(overall(&h(&two), due, now), Some(Timeliness::Late));
        // Not finished, past the appointment: late (overdue in process).
        assert_eq!(
            overall(&h(&base), due, at("2026-03-21T07:30:00")),
            Some(Timeliness::Late)
        );
    }

    fn process() -> Vec<ProcessStep> {
        serde_json::from_value(serde_json::json!([
            {"name": "Tiếp nhận, kiểm tra hồ sơ", "role": "reception", "unit": "MOTCUA", "budget": {"unit": "working_hours", "value": 0.5}},
            {"name": "Thẩm định", "role": "specialist", "unit": "TP", "budget": {"unit": "working_days", "value": 1}},
            {"name": "Dự thảo kết quả", "role": "specialist", "unit": "TP", "budget": {"unit": "working_hours", "value": 4}},
            {"name": "Thu phí", "role": "cashier", "unit": "MOTCUA", "budget": {"unit": "working_hours", "value": 0.5}},
            {"name": "Phê duyệt", "role": "leader", "unit": "LD", "budget": {"unit": "working_hours", "value": 1}},
            {"name": "Trả kết quả", "role": "reception", "unit": "MOTCUA", "budget": {"unit": "working_hours", "value": 0.5}}
        ]))
        .unwrap()
    }

    /// A leader's step before the first specialist's assigns; the leader's later one approves.
    #[test]
    fn a_leader_step_before_the_specialists_assigns() {
        let mut steps = process();
        let assign: ProcessStep = serde_json::from_value(serde_json::json!(
            {"name": "Phân công", "role": "leader", "unit": "LD", "budget": {"unit": "working_hours", "value": 2}}
        ))
        .unwrap();
        steps.insert(1, assign);
        let total = Duration::WorkingDays { value: 3.0 };
        let plan = Plan {
            steps: &steps,
            total: &total,
        };
        let a = plan.step(Stage::AwaitingAssignment);
        assert_eq!(
            (a.name.as_deref(), a.unit.as_deref(), a.budget),
            (
                Some("Phân công"),
                Some("LD"),
                Some(Duration::WorkingHours { value: 2.0 })
            )
        );
        assert_eq!(
            plan.step(Stage::ProposedResolve).name.as_deref(),
            Some("Phê duyệt")
        );
        assert_eq!(
            plan.step(Stage::Examining).name.as_deref(),
            Some("Thẩm định; Dự thảo kết quả")
        );
    }

    /// The desk's acknowledgement of a supplemented dossier is not cut short by the appointment;
    /// every stage after acceptance is.
    #[test]
    fn only_stages_after_acceptance_end_by_the_appointment() {
        let steps = process();
        let total = Duration::WorkingDays { value: 3.0 };
        let plan = Plan {
            steps: &steps,
            total: &total,
        };
        let cal = Calendar::official();
        let at0 = at("2026-03-02T09:00:00");
        let soon = at("2026-03-02T10:00:00");
        let desk = plan
            .due(&cal, None, Stage::Supplemented, at0, Some(soon))
            .unwrap();
        assert!(desk > soon, "{desk}");
        let exam = plan.due(&cal, None, Stage::Examining, at0, Some(soon));
        assert_eq!(exam, Some(soon));
        for s in [
            Stage::Submitted,
            Stage::Supplemented,
            Stage::SupplementRequested,
            Stage::Refused,
        ] {
            assert!(!bounded_by_appointment(s), "{s:?}");
        }
        assert!(
            bounded_by_appointment(Stage::Accepted) && bounded_by_appointment(Stage::Examining)
        );
    }

    /// The count starts at acceptance: supplement requests before it do not count; one after it
    /// may be on time, two are late; a count still running with two requests is late already.
    #[test]
    fn supplement_requests_after_acceptance_count() {
        use Stage::*;
        let due = Some(at("2026-03-20T17:00:00"));
        let h = |v: &[(Stage, &str)]| -> Vec<(Stage, Timestamp)> {
            v.iter().map(|(s, t)| (*s, at(t))).collect()
        };
        let before = h(&[
            (Submitted, "2026-03-02T09:00:00"),
            (SupplementRequested, "2026-03-02T10:00:00"),
            (Supplemented, "2026-03-03T09:00:00"),
            (SupplementRequested, "2026-03-03T10:00:00"),
            (Supplemented, "2026-03-04T09:00:00"),
            (Accepted, "2026-03-04T10:00:00"),
            (Resolved, "2026-03-10T10:00:00"),
        ]);
        assert_eq!(
            outcome(&before, due),
            Some((Timeliness::Early, at("2026-03-10T10:00:00")))
        );
        let one = h(&[
            (Submitted, "2026-03-02T09:00:00"),
            (Accepted, "2026-03-02T10:00:00"),
            (SupplementRequested, "2026-03-05T10:00:00"),
        ]);
        assert_eq!(
            outcome(&one, due),
            Some((Timeliness::Early, at("2026-03-05T10:00:00")))
        );
        let mut two = one.clone();
        two.push((Supplemented, at("2026-03-06T09:00:00")));
        two.push((AwaitingAssignment, at("2026-03-06T10:00:00")));
        two.push((SupplementRequested, at("2026-03-09T10:00:00")));
        two.push((Supplemented, at("2026-03-10T09:00:00")));
        let now = at("2026-03-11T09:00:00");
        assert_eq!(outcome(&two, due), None, "still running");
        assert_eq!(overall(&two, due, now), Some(Timeliness::Late));
        assert_eq!(overall(&one[..2], due, now), Some(Timeliness::InTime));
        // One request answered and the work going on: still in time.
        let answered = &two[..5];
        assert_eq!(outcome(answered, due), None);
        assert_eq!(overall(answered, due, now), Some(Timeliness::InTime));
        assert_eq!(overall(&one[..1], due, now), None, "not accepted yet");
    }

    /// The published process drives each stage's budget, unit and name; stages it names no step
    /// for follow the default.
    #[test]
    fn the_published_process_plans_the_stages() {
        let steps = process();
        let total = Duration::WorkingDays { value: 3.0 };
        let plan = Plan {
            steps: &steps,
            total: &total,
        };
        let hours = |v: f64| Some(Duration::WorkingHours { value: v });
        let accepted = plan.step(Stage::Accepted);
        assert_eq!(
            (
                accepted.name.as_deref(),
                accepted.unit.as_deref(),
                accepted.budget
            ),
            (
                Some("Tiếp nhận, kiểm tra hồ sơ"),
                Some("MOTCUA"),
                hours(0.5)
            )
        );
        // No leader step before the specialists: the default half day, any leader.
        let assign = plan.step(Stage::AwaitingAssignment);
        assert_eq!(
            (assign.name, assign.unit, assign.budget),
            (None, None, Some(Duration::WorkingDays { value: 0.5 }))
        );
        // Two specialist steps: one day and four hours, 11.5 working hours at TP.
        let exam = plan.step(Stage::Examining);
        assert_eq!(
            (exam.name.as_deref(), exam.unit.as_deref(), exam.budget),
            (Some("Thẩm định; Dự thảo kết quả"), Some("TP"), hours(11.5))
        );
        let approve = plan.step(Stage::ProposedDecline);
        assert_eq!(
            (approve.unit.as_deref(), approve.budget),
            (Some("LD"), hours(1.0))
        );
        let ret = plan.step(Stage::Resolved);
        assert_eq!(
            (ret.name.as_deref(), ret.unit.as_deref()),
            (Some("Trả kết quả"), Some("MOTCUA"))
        );
        // The acknowledgement stays the law's eight hours, at the desk's unit.
        assert_eq!(plan.step(Stage::Submitted).budget, hours(8.0));
        assert_eq!(plan.step(Stage::Submitted).unit.as_deref(), Some("MOTCUA"));
        // Without a published process: the fixed shares.
        let none = Plan {
            steps: &[],
            total: &total,
        };
        assert_eq!(
            none.step(Stage::Examining).budget,
            step_budget(Stage::Examining, &total)
        );
        assert_eq!(none.step(Stage::Examining).unit, None);
        assert_eq!(none.step(Stage::Examining).name, None);
        // A process without a specialist: the leader's step approves, the last desk step returns.
        let short: Vec<ProcessStep> = serde_json::from_value(serde_json::json!([
            {"name": "Tiếp nhận", "role": "reception", "budget": {"unit": "working_hours", "value": 1}},
            {"name": "Ký duyệt", "role": "leader", "budget": {"unit": "working_hours", "value": 2}},
            {"name": "Trả kết quả", "role": "reception", "budget": {"unit": "working_hours", "value": 1}}
        ]))
        .unwrap();
        let plan2 = Plan {
            steps: &short,
            total: &total,
        };
        assert_eq!(plan2.step(Stage::Accepted).budget, hours(1.0));
        assert_eq!(plan2.step(Stage::ProposedResolve).budget, hours(2.0));
        assert_eq!(
            plan2.step(Stage::Resolved).name.as_deref(),
            Some("Trả kết quả")
        );
        assert_eq!(plan2.step(Stage::AwaitingAssignment).name, None);

        let cal = Calendar::official();
        let monday = at("2026-03-02T09:00:00");
        // 11.5 office hours from Monday 09:00: 6 on Monday, 5.5 on Tuesday → 15:00.
        assert_eq!(
            plan.due(&cal, None, Stage::Examining, monday, None),
            Some(at("2026-03-03T15:00:00"))
        );
        let appointment = Some(at("2026-03-03T10:00:00"));
        assert_eq!(
            plan.due(&cal, None, Stage::Examining, monday, appointment),
            appointment,
            "never after the appointment"
        );
        assert_eq!(
            plan.due(&cal, None, Stage::Resolved, monday, appointment),
            appointment
        );
        assert_eq!(
            plan.due(&cal, None, Stage::SupplementRequested, monday, appointment),
            None
        );
    }

    #[test]
    fn when_the_count_ends() {
        use Stage::*;
        let due = Some(at("2026-03-20T17:00:00"));
        let h = |v: &[(Stage, &str)]| -> Vec<(Stage, Timestamp)> {
            v.iter().map(|(s, t)| (*s, at(t))).collect()
        };
        let base = [
            (Submitted, "2026-03-02T09:00:00"),
            (Accepted, "2026-03-02T10:00:00"),
            (AwaitingAssignment, "2026-03-02T11:00:00"),
        ];
        assert_eq!(outcome(&h(&base), due), None, "still running");
        let mut declined = base.to_vec();
        declined.push((Declined, "2026-03-20T16:00:00"));
        assert_eq!(
            outcome(&h(&declined), due),
            Some((Timeliness::OnTime, at("2026-03-20T16:00:00")))
        );
        let mut late = base.to_vec();
        late.push((Resolved, "2026-03-23T08:00:00"));
        late.push((Returned, "2026-03-23T09:00:00"));
        assert_eq!(outcome(&h(&late), due).map(|x| x.0), Some(Timeliness::Late));
        let refused = [
            (Submitted, "2026-03-02T09:00:00"),
            (Refused, "2026-03-02T10:00:00"),
        ];
        assert_eq!(
            outcome(&h(&refused), due),
            None,
            "never accepted: not counted"
        );
        assert_eq!(on_time_percent(0, 0), None);
        assert_eq!(on_time_percent(3, 2), Some(66));
    }
}
