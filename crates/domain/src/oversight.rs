//! Oversight figures (R5.1b, R9.6, R14): how the dossiers received in a period stand, counted by
//! the same rules the national monitoring uses (`deadline`, Decision 766 indicator 2.1), and the
//! desk's two time rules: online dossiers acknowledged within eight office hours (Decree 45/2020,
//! R11.1) and accepted dossiers handed to the department within half a working day (R11.4).
//!
//! The store groups the dossiers by the few facts that decide every figure ([`Cell`]); this
//! module turns those groups into the figures, so that a figure, the list behind it
//! ([`Figure`]) and the scorecard read the same facts.
use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::deadline::Timeliness;
use crate::dossier::{Intake, Status};
use crate::lifecycle::Stage;

pub mod scorecard;

/// The facts the store groups dossiers by (the columns its report index is ordered by, so that
/// a year is read in one ordered pass).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The month it was received (submitted), `YYYY-MM` in Vietnam's time.
    pub month: String,
    pub intake: Intake,
    pub stage: Stage,
    /// Its national count when the count ended (`deadline::outcome`).
    pub outcome: Option<Timeliness>,
}

/// How many dossiers share a [`Cell`], how many of them carry each mark, and the office
/// seconds those whose count ended took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub dossiers: u64,
    /// The desk accepted them (their national count started).
    pub accepted: u64,
    /// Accepted, their count still running, and past the appointment now (or late by rule).
    pub overdue: u64,
    /// The desk acted on them after the acknowledgement was due.
    pub intake_late: u64,
    /// Handed to the department after the hand-over was due.
    pub handover_late: u64,
    /// The desk asked the person to supplement them more than once (R3.4).
    pub repeat: u64,
    pub office_secs: i64,
}

/// Each figure a report shows, by which the list of the dossiers behind it is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Received,
    Finished,
    OnTime,
    Late,
    InProgress,
    Overdue,
    LateAcceptance,
    LateHandover,
    SecondSupplement,
}

impl Figure {
    pub const ALL: [Figure; 9] = [
        Self::Received,
        Self::Finished,
        Self::OnTime,
        Self::Late,
        Self::InProgress,
        Self::Overdue,
        Self::LateAcceptance,
        Self::LateHandover,
        Self::SecondSupplement,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Finished => "finished",
            Self::OnTime => "on_time",
            Self::Late => "late",
            Self::InProgress => "in_progress",
            Self::Overdue => "overdue",
            Self::LateAcceptance => "late_acceptance",
            Self::LateHandover => "late_handover",
            Self::SecondSupplement => "second_supplement",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Received => "Hồ sơ tiếp nhận",
            Self::Finished => "Đã giải quyết",
            Self::OnTime => "Giải quyết trước và đúng hạn",
            Self::Late => "Giải quyết quá hạn",
            Self::InProgress => "Đang giải quyết",
            Self::Overdue => "Quá hạn đang xử lý",
            Self::LateAcceptance => "Chậm tiếp nhận",
            Self::LateHandover => "Chậm chuyển xử lý",
            Self::SecondSupplement => "Yêu cầu bổ sung lần hai",
        }
    }
    /// How many of the dossiers sharing these facts this figure counts. In progress: accepted
    /// and the national count still running.
    pub fn count_in(self, c: &Cell, t: &Tally) -> u64 {
        let all_if = |yes: bool| if yes { t.dossiers } else { 0 };
        match self {
            Self::Received => t.dossiers,
            Self::Finished => all_if(c.outcome.is_some()),
            Self::OnTime => all_if(matches!(
                c.outcome,
                Some(Timeliness::Early | Timeliness::OnTime)
            )),
            Self::Late => all_if(c.outcome == Some(Timeliness::Late)),
            Self::InProgress if c.outcome.is_none() && !c.stage.is_final() => t.accepted,
            Self::InProgress => 0,
            Self::Overdue => t.overdue,
            Self::LateAcceptance => t.intake_late,
            Self::LateHandover => t.handover_late,
            Self::SecondSupplement => t.repeat,
        }
    }
}

/// Whether a dossier whose count still runs is overdue `now`: past its appointment, or late
/// whatever the time because the department asked for a supplement more than once
/// (`deadline::late_by_count`). The store counts [`Figure::Overdue`] by this rule.
pub fn overdue(
    accepted: bool,
    outcome: Option<Timeliness>,
    stage: Stage,
    late_by_count: bool,
    appointment: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    accepted
        && outcome.is_none()
        && !stage.is_final()
        && (late_by_count || appointment.is_some_and(|a| a < now))
}

/// The figures of one month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MonthFigures {
    pub month: String,
    pub received: u64,
    pub finished: u64,
    pub on_time: u64,
    pub late: u64,
    pub overdue: u64,
}

/// The statistics of the dossiers received in a period, as they stand now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Statistics {
    pub received: u64,
    pub finished: u64,
    pub early: u64,
    pub on_time: u64,
    pub late: u64,
    pub in_progress: u64,
    pub overdue: u64,
    pub late_acceptances: u64,
    pub late_handovers: u64,
    pub second_supplements: u64,
    /// Finished early or on time, in whole percent of those finished (`None`: none finished).
    pub on_time_percent: Option<u64>,
    /// The average office time of those finished, in working days, to a tenth.
    pub average_days: Option<f64>,
    /// By channel, in the national order.
    pub by_channel: Vec<(Intake, u64)>,
    /// By national status, in the national order; statuses with none left out.
    pub by_status: Vec<(Status, u64)>,
    pub months: Vec<MonthFigures>,
}

impl Statistics {
    /// The figures from the store's groups.
    pub fn of(groups: &[(Cell, Tally)]) -> Self {
        let mut s = Self::default();
        let mut months: BTreeMap<&str, MonthFigures> = BTreeMap::new();
        let mut finished_secs = 0i64;
        for (c, t) in groups {
            let n = t.dossiers;
            s.received += n;
            let count = |f: Figure| f.count_in(c, t);
            s.finished += count(Figure::Finished);
            s.late += count(Figure::Late);
            s.in_progress += count(Figure::InProgress);
            s.overdue += count(Figure::Overdue);
            s.late_acceptances += count(Figure::LateAcceptance);
            s.late_handovers += count(Figure::LateHandover);
            s.second_supplements += count(Figure::SecondSupplement);
            match c.outcome {
                Some(Timeliness::Early) => s.early += n,
                Some(Timeliness::OnTime) => s.on_time += n,
                _ => {}
            }
            if c.outcome.is_some() {
                finished_secs += t.office_secs;
            }
            add(&mut s.by_channel, c.intake, n);
            add(&mut s.by_status, c.stage.status(), n);
            let m = months.entry(&c.month).or_insert_with(|| MonthFigures {
                month: c.month.clone(),
                ..Default::default()
            });
            m.received += n;
            m.finished += count(Figure::Finished);
            m.on_time += count(Figure::OnTime);
            m.late += count(Figure::Late);
            m.overdue += count(Figure::Overdue);
        }
        s.by_channel.sort_by_key(|(i, _)| i.code());
        s.by_status
            .sort_by_key(|(st, _)| Status::ALL.iter().position(|x| x == st));
        s.on_time_percent = crate::deadline::on_time_percent(s.finished, s.early + s.on_time);
        s.average_days = average_days(finished_secs, s.finished);
        s.months = months.into_values().collect();
        s
    }

    /// How many dossiers a figure counts.
    pub fn count(&self, f: Figure) -> u64 {
        match f {
            Figure::Received => self.received,
            Figure::Finished => self.finished,
            Figure::OnTime => self.early + self.on_time,
            Figure::Late => self.late,
            Figure::InProgress => self.in_progress,
            Figure::Overdue => self.overdue,
            Figure::LateAcceptance => self.late_acceptances,
            Figure::LateHandover => self.late_handovers,
            Figure::SecondSupplement => self.second_supplements,
        }
    }
}

fn add<K: PartialEq>(v: &mut Vec<(K, u64)>, k: K, n: u64) {
    match v.iter_mut().find(|(x, _)| *x == k) {
        Some((_, m)) => *m += n,
        None => v.push((k, n)),
    }
}

/// The month of an instant in Vietnam's time, `YYYY-MM`: the month a dossier was received in.
pub fn month_of(t: Timestamp) -> String {
    let d = crate::clock::vn_date(t);
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Office seconds over `dossiers`, as working days (`WORKING_DAY_MINUTES`) to a tenth.
pub fn average_days(secs: i64, dossiers: u64) -> Option<f64> {
    if dossiers == 0 {
        return None;
    }
    let day = crate::catalogue::WORKING_DAY_MINUTES * 60.0;
    let days = secs as f64 / (dossiers as f64 * day);
    Some((days * 10.0).round() / 10.0)
}

/// The desk's two time marks of a dossier, from its history of (stage entered, when, when that
/// step was due) in order: whether the first act on it at the desk came after the
/// acknowledgement was due (Decree 45/2020: eight office hours), and whether its hand-over to
/// the department came after half a working day (R11.4). `false` until the act happens.
pub fn desk_marks(history: &[(Stage, Timestamp, Option<Timestamp>)]) -> (bool, bool) {
    let late_leaving = |from: Stage| {
        history
            .windows(2)
            .find(|w| w[0].0 == from && w[1].0 != from)
            .is_some_and(|w| w[0].2.is_some_and(|due| w[1].1 > due))
    };
    (
        late_leaving(Stage::Submitted),
        late_leaving(Stage::Accepted),
    )
}

/// The office time a dossier took (Decision 766 indicator 2.2), in seconds: from its acceptance
/// to `end`, less the time it waited with the person for a supplement.
pub fn office_secs(
    cal: &Calendar,
    agency: Option<&str>,
    history: &[(Stage, Timestamp)],
    end: Timestamp,
) -> i64 {
    let Some(start) = history.iter().position(|(s, _)| *s == Stage::Accepted) else {
        return 0;
    };
    let after = &history[start..];
    let mut secs = 0;
    for (i, (stage, from)) in after.iter().enumerate() {
        let to = after.get(i + 1).map_or(end, |n| n.1).min(end);
        if *stage != Stage::SupplementRequested && to > *from {
            secs += cal.office_seconds_between(agency, *from, to);
        }
    }
    secs
}

#[cfg(test)]
mod tests;
