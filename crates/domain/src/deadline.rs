//! Deadlines and lateness (issue 6, R12, `domain.md` §2.3–2.4): the time the internal process gives
//! each step, and whether a dossier or a step is early, on time or late, counted as the national
//! monitoring counts it (Decision 766, indicator 2.1): the person's supplement time is excluded, a
//! single outstanding supplement request ends the count, more than one supplement request after
//! acceptance is late.
use jiff::Timestamp;
use serde::Serialize;

use crate::catalogue::{Duration, WORKING_DAY_MINUTES};
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

/// Office time for online dossiers to be acknowledged (Decree 45/2020, `domain.md` §2.4).
pub const ACKNOWLEDGE_HOURS: f64 = 8.0;

/// The time the internal process gives a stage, from when the dossier enters it, for a procedure
/// whose published time is `total`. `None`: the stage has no budget of its own (the person has
/// it, it is final, its due point is the appointment, or consultations set it).
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
        Stage::Consulting
        | Stage::Resolved
        | Stage::SupplementRequested
        | Stage::Refused
        | Stage::Declined
        | Stage::Returned
        | Stage::Withdrawn => None,
    }
}

/// Whether the stage's due point is bounded by the appointment (everything after acceptance).
pub fn bounded_by_appointment(stage: Stage) -> bool {
    !matches!(
        stage,
        Stage::Submitted | Stage::Supplemented | Stage::SupplementRequested | Stage::Refused
    )
}

/// The dossier's count as the national monitoring makes it, from its history of (stage entered,
/// when) in order and its appointment (already moved by supplement pauses, see
/// `Calendar::resume`). `None` until the dossier is accepted: only accepted dossiers count.
pub fn overall(
    history: &[(Stage, Timestamp)],
    appointment: Option<Timestamp>,
    now: Timestamp,
) -> Option<Timeliness> {
    let accepted = history.iter().position(|(s, _)| *s == Stage::Accepted)?;
    let after = &history[accepted..];
    let requests = after
        .iter()
        .filter(|(s, _)| *s == Stage::SupplementRequested)
        .count();
    if requests > 1 {
        return Some(Timeliness::Late);
    }
    let due = appointment?;
    let end = after
        .iter()
        .find(|(s, _)| {
            matches!(
                s,
                Stage::Resolved | Stage::Returned | Stage::Declined | Stage::Withdrawn
            )
        })
        .map(|(_, t)| *t)
        .or_else(|| {
            // A single supplement request still outstanding ends the count when it was issued.
            after
                .last()
                .filter(|(s, _)| *s == Stage::SupplementRequested)
                .map(|(_, t)| *t)
        });
    Some(Timeliness::of(end, due, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        format!("{s}+07:00").parse().unwrap()
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
}
