//! What staff hear of new work (R10.6, R11.4, R12): which notice a step sends to the staff who
//! act next, when a due point is near enough to warn of, and which desk days have nobody on
//! duty. The app finds the people; these rules decide what they are told and when.
use jiff::Timestamp;
use jiff::civil::Date;

use crate::calendar::{Calendar, to_local};
use crate::lifecycle::{Act, Stage};
use crate::notice::NoticeKind;

/// The notice a step sends to the staff whose worklist now holds the dossier (`None`: nobody
/// new has work). A step that keeps the stage tells nobody, except a new assignment; nor one
/// that keeps the dossier with the role that acted (the desk accepting what it received), unless
/// another agency's answer brought it back; a consultation is told to the consulted agencies,
/// not here.
pub fn step_notice(from: Option<Stage>, to: Stage, act: Act) -> Option<NoticeKind> {
    to.queue()?;
    match (act, to) {
        (Act::Assign | Act::Reassign, _) => Some(NoticeKind::Assigned),
        // The officer who registers a dossier at the counter has it in hand.
        (Act::Consult | Act::RegisterInPerson | Act::RegisterPostal, _) => None,
        _ if from == Some(to) => None,
        (Act::ConsultationAnswered, _) => Some(NoticeKind::NewWork),
        _ if from.and_then(Stage::queue) == to.queue() => None,
        (_, Stage::ProposedResolve | Stage::ProposedSupplement | Stage::ProposedDecline) => {
            Some(NoticeKind::ApprovalAwaited)
        }
        _ => Some(NoticeKind::NewWork),
    }
}

/// Whether a step's due point falls within the next working day of office time from `now`
/// (and has not passed): the moment to warn whoever holds the dossier.
pub fn due_soon(cal: &Calendar, agency: Option<&str>, now: Timestamp, due: Timestamp) -> bool {
    due > now
        && cal.office_seconds_between(agency, now, due)
            <= cal.day_length(agency, to_local(now).date())
}

/// A turn on a desk's duty roster: from a day, until a day (open-ended when `None`).
pub type Turn = (Date, Option<Date>);

/// Whether someone is on duty on `day`.
pub fn staffed(turns: &[Turn], day: Date) -> bool {
    turns
        .iter()
        .any(|(from, until)| *from <= day && until.is_none_or(|u| day <= u))
}

/// The next `count` working days from `from` (inclusive) on which nobody is on duty.
pub fn unstaffed_days(cal: &Calendar, turns: &[Turn], from: Date, count: usize) -> Vec<Date> {
    let mut out = vec![];
    let mut day = from;
    let mut seen = 0;
    // A calendar without working days ends the search after a year.
    for _ in 0..366 {
        if seen == count {
            break;
        }
        if cal.is_working_day(day) {
            seen += 1;
            if !staffed(turns, day) {
                out.push(day);
            }
        }
        day = day.tomorrow().expect("date in range");
    }
    out
}

/// The first working day on or after `d`.
pub fn working_day_from(cal: &Calendar, mut d: Date) -> Date {
    for _ in 0..366 {
        if cal.is_working_day(d) {
            return d;
        }
        d = d.tomorrow().expect("date in range");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::from_local;
    use jiff::civil::date;

    #[test]
    fn each_step_tells_the_next_holder_what_arrived() {
        use Act::*;
        use Stage::*;
        let n = |from, to, act| step_notice(from, to, act);
        assert_eq!(n(Some(Draft), Submitted, Submit), Some(NoticeKind::NewWork));
        assert_eq!(
            n(Some(Submitted), Accepted, Accept),
            None,
            "the desk keeps what it accepted"
        );
        assert_eq!(
            n(Some(Consulting), Examining, ConsultationAnswered),
            Some(NoticeKind::NewWork),
            "back from another agency"
        );
        assert_eq!(
            n(Some(ProposedResolve), Resolved, Approve),
            Some(NoticeKind::NewWork),
            "the desk returns the result"
        );
        assert_eq!(
            n(Some(SupplementRequested), Supplemented, Resubmit),
            Some(NoticeKind::NewWork)
        );
        assert_eq!(
            n(Some(Accepted), AwaitingAssignment, Forward),
            Some(NoticeKind::NewWork),
            "forwarded to the department"
        );
        assert_eq!(
            n(Some(AwaitingAssignment), Examining, Assign),
            Some(NoticeKind::Assigned)
        );
        assert_eq!(
            n(Some(Examining), Examining, Reassign),
            Some(NoticeKind::Assigned),
            "a new holder hears even though the stage stays"
        );
        for to in [ProposedResolve, ProposedSupplement, ProposedDecline] {
            assert_eq!(
                n(Some(Examining), to, ProposeResolve),
                Some(NoticeKind::ApprovalAwaited)
            );
        }
        assert_eq!(n(Some(Examining), Consulting, Consult), None);
        assert_eq!(n(None, Submitted, RegisterInPerson), None);
        assert_eq!(n(Some(Examining), Examining, Apologise), None, "same stage");
        assert_eq!(n(Some(Resolved), Returned, ReturnAtOffice), None, "final");
        assert_eq!(
            n(Some(Examining), SupplementRequested, RequestSupplement),
            None,
            "with the person"
        );
    }

    fn at(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
        from_local(date(y, m, d).at(h, min, 0, 0))
    }

    /// Office hours 7:30–11:30 and 13:30–17:00 (8 h): Friday 9:00 warns of Monday 9:00 (one
    /// working day away) but not of Monday 9:01; a passed due point is not "soon".
    #[test]
    fn due_soon_counts_office_time() {
        let cal = Calendar::official();
        let fri = at(2026, 3, 6, 9, 0);
        assert!(due_soon(&cal, None, fri, at(2026, 3, 9, 9, 0)));
        assert!(!due_soon(&cal, None, fri, at(2026, 3, 9, 9, 1)));
        assert!(due_soon(&cal, None, fri, at(2026, 3, 6, 16, 0)));
        assert!(!due_soon(&cal, None, fri, at(2026, 3, 6, 8, 0)), "passed");
        assert!(!due_soon(&cal, None, fri, fri), "due now is not ahead");
    }

    #[test]
    fn unstaffed_days_skip_weekends_and_holidays() {
        let cal = Calendar::official();
        // Monday 27/04/2026 is off for the Hùng Kings (Sunday 26/04); 30/04 and 01/05 are
        // holidays: the four working days from 27/04 are 28/04, 29/04, 04/05 and 05/05.
        assert!(!cal.is_working_day(date(2026, 4, 27)));
        let turns = [(date(2026, 4, 27), Some(date(2026, 4, 28)))];
        assert!(staffed(&turns, date(2026, 4, 28)));
        assert!(!staffed(&turns, date(2026, 4, 29)));
        assert_eq!(
            unstaffed_days(&cal, &turns, date(2026, 4, 27), 4),
            [date(2026, 4, 29), date(2026, 5, 4), date(2026, 5, 5)]
        );
        let open = [(date(2026, 4, 1), None)];
        assert!(unstaffed_days(&cal, &open, date(2026, 4, 27), 10).is_empty());
        assert_eq!(working_day_from(&cal, date(2026, 4, 30)), date(2026, 5, 4));
    }
}
