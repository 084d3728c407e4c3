//! Feedback and complaints (phản ánh, kiến nghị) from people about a service or an officer, and
//! agencies' proposals to the provincial department (R9.4; Decree 20/2008/NĐ-CP as amended,
//! Decision 766 indicators 5.2 and 5.3): each routed to one agency, answered within fifteen
//! working days (or refused with a reason within two), and rated by its author.
use jiff::Timestamp;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::catalogue::Duration;

/// What is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Phản ánh: a person reports a problem (a rule, an act, a delay).
    Reflection,
    /// Kiến nghị: a person asks for a change.
    Recommendation,
    /// Đề xuất: an agency proposes to the provincial department (R9.4).
    Proposal,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Self::Reflection, Self::Recommendation, Self::Proposal];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reflection => "reflection",
            Self::Recommendation => "recommendation",
            Self::Proposal => "proposal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Reflection => "Phản ánh",
            Self::Recommendation => "Kiến nghị",
            Self::Proposal => "Đề xuất của cơ quan",
        }
    }
    /// Whether people send it (a proposal is an agency's).
    pub fn from_people(self) -> bool {
        self != Self::Proposal
    }
}

/// What it is about (Decision 766 indicator 5.1 counts them apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum About {
    /// The rules or the service (quy định hành chính).
    Service,
    /// An officer's conduct (hành vi của cán bộ).
    Officer,
    Other,
}

impl About {
    pub const ALL: [About; 3] = [Self::Service, Self::Officer, Self::Other];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Officer => "officer",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Service => "Quy định, thủ tục, dịch vụ",
            Self::Officer => "Hành vi, thái độ của cán bộ",
            Self::Other => "Nội dung khác",
        }
    }
}

/// Where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for the agency's answer.
    Open,
    /// Answered.
    Answered,
    /// Not taken up, with the reason (outside the agency's remit, anonymous abuse …).
    Refused,
}

impl State {
    pub const ALL: [State; 3] = [Self::Open, Self::Answered, Self::Refused];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Refused => "refused",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Open => "Đang xử lý",
            Self::Answered => "Đã trả lời",
            Self::Refused => "Không tiếp nhận",
        }
    }
}

/// The working days an answer may take (Decision 766 indicator 5.2: resolved within 15).
pub const ANSWER_DAYS: f64 = 15.0;
/// The working days a refusal may take (indicator 5.2: refused within 2).
pub const REFUSE_DAYS: f64 = 2.0;

/// When the answer is due, from when it was received.
pub fn answer_due(cal: &Calendar, agency: Option<&str>, received: Timestamp) -> Timestamp {
    cal.due(
        agency,
        received,
        &Duration::WorkingDays { value: ANSWER_DAYS },
    )
}

/// Whether the agency closed it in time: an answer by its due point, a refusal within two
/// working days of receipt.
pub fn closed_in_time(
    cal: &Calendar,
    agency: Option<&str>,
    received: Timestamp,
    state: State,
    closed: Timestamp,
) -> bool {
    match state {
        State::Answered => closed <= answer_due(cal, agency, received),
        State::Refused => {
            closed
                <= cal.due(
                    agency,
                    received,
                    &Duration::WorkingDays { value: REFUSE_DAYS },
                )
        }
        State::Open => false,
    }
}

/// Whether it counts as late now: open past its due point, or closed late.
pub fn late(
    cal: &Calendar,
    agency: Option<&str>,
    received: Timestamp,
    state: State,
    closed: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    match (state, closed) {
        (State::Open, _) | (_, None) => now > answer_due(cal, agency, received),
        (s, Some(c)) => !closed_in_time(cal, agency, received, s, c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        format!("{s}+07:00").parse().unwrap()
    }

    /// Received Monday 5 October 2026 09:00: fifteen working days end Monday 26 October 09:00
    /// (no holiday between); two end Wednesday 7 October 09:00.
    #[test]
    fn answered_in_fifteen_working_days_refused_in_two() {
        let cal = Calendar::official();
        let r = at("2026-10-05T09:00:00");
        let due = answer_due(&cal, None, r);
        assert_eq!(due, at("2026-10-26T09:00:00"), "{due}");
        let closed = |s, t: &str| closed_in_time(&cal, None, r, s, at(t));
        assert!(closed(State::Answered, "2026-10-26T09:00:00"));
        assert!(!closed(State::Answered, "2026-10-26T09:00:01"));
        assert!(closed(State::Refused, "2026-10-07T09:00:00"));
        assert!(!closed(State::Refused, "2026-10-08T09:00:00"));
        assert!(!late(
            &cal,
            None,
            r,
            State::Open,
            None,
            at("2026-10-26T08:00:00")
        ));
        assert!(late(
            &cal,
            None,
            r,
            State::Open,
            None,
            at("2026-10-27T08:00:00")
        ));
        assert!(late(
            &cal,
            None,
            r,
            State::Answered,
            Some(at("2026-10-27T08:00:00")),
            at("2026-10-30T08:00:00")
        ));
    }

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for a in About::ALL {
            assert_eq!(About::parse(a.as_str()), Some(a));
        }
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert!(!Kind::Proposal.from_people());
        assert!(Kind::Reflection.from_people());
    }
}
