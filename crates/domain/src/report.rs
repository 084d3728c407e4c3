//! Yearly and ad hoc reports (R14): each agency's report on implementing the regulation, with
//! its roadmap of online services for next year, due before 30 November (R14.2); the provincial
//! department's consolidated report, due before 31 December, and its reports on demand (R14.1).
//! A report is drafted from the figures, edited, then approved and submitted by a leader; once
//! submitted it no longer changes.
use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};

use crate::catalogue::Classification;

/// What a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// An agency's yearly report, with its roadmap (R14.2).
    AgencyYearly,
    /// The provincial department's consolidated yearly report (R14.1).
    ProvinceYearly,
    /// A report on demand, over any period (R14.1).
    AdHoc,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [Self::AgencyYearly, Self::ProvinceYearly, Self::AdHoc];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AgencyYearly => "agency_yearly",
            Self::ProvinceYearly => "province_yearly",
            Self::AdHoc => "ad_hoc",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::AgencyYearly => "Báo cáo năm của cơ quan",
            Self::ProvinceYearly => "Báo cáo tổng hợp năm",
            Self::AdHoc => "Báo cáo đột xuất",
        }
    }
    /// The day a yearly report of `year` must be submitted by; ad hoc reports have none.
    pub fn due_on(self, year: i16) -> Option<Date> {
        match self {
            Self::AgencyYearly => Some(date(year, 11, 30)),
            Self::ProvinceYearly => Some(date(year, 12, 31)),
            Self::AdHoc => None,
        }
    }
    /// The period a yearly report covers: the year up to its due day (what is known when it is
    /// written); an ad hoc report's period is chosen.
    pub fn yearly_period(self, year: i16) -> Option<(Date, Date)> {
        self.due_on(year).map(|due| (date(year, 1, 1), due))
    }
    /// Whether the report speaks for the whole province (the provincial department writes it).
    pub fn is_province(self) -> bool {
        matches!(self, Self::ProvinceYearly)
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    /// Approved by a leader and sent; it no longer changes.
    Submitted,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Submitted]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Draft => "Dự thảo",
            Self::Submitted => "Đã gửi",
        }
    }
}

/// How a yearly report stands against its due day, as the consolidated report lists it.
pub fn standing(state: Option<ReportState>, submitted_on: Option<Date>, due: Date) -> &'static str {
    match (state, submitted_on) {
        (Some(ReportState::Submitted), Some(d)) if d <= due => "Đã gửi đúng hạn",
        (Some(ReportState::Submitted), _) => "Đã gửi quá hạn",
        (Some(ReportState::Draft), _) => "Đang soạn, chưa gửi",
        (None, _) => "Chưa lập báo cáo",
    }
}

/// Days before a due day on which an unsent report is reminded of, once each.
pub const REMIND_DAYS: [i64; 2] = [14, 3];

/// The reminder due on `today` for a report due on `due` (the nearest lead whose day has come),
/// `None` before the first or after the due day.
pub fn reminder(due: Date, today: Date) -> Option<i64> {
    if today > due {
        return None;
    }
    let left = (due - today).get_days() as i64;
    REMIND_DAYS.into_iter().filter(|l| left <= *l).min()
}

/// The sections of a report's text, in order: (key, title).
pub const SECTIONS: [(&str, &str); 4] = [
    ("results", "Kết quả thực hiện"),
    ("problems", "Tồn tại, hạn chế và nguyên nhân"),
    ("incidents", "Sự cố và việc khắc phục"),
    ("proposals", "Kiến nghị, đề xuất"),
];

/// Longest text of one section, in characters.
pub const SECTION_MAX: usize = 20_000;
/// Most rows in a roadmap.
pub const ROADMAP_MAX: usize = 500;

/// One line of a roadmap: a service that goes online next year, at which level, by when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadmapRow {
    pub service_id: uuid::Uuid,
    /// The procedure's national code and name, as when the line was added.
    pub code: String,
    pub name: String,
    pub now: Classification,
    pub target: Classification,
    pub by: Date,
}

/// Checks a roadmap line: a higher online level than the service has now, within next year.
pub fn check_roadmap_row(
    now: Classification,
    target: Classification,
    by: Date,
    year: i16,
) -> Result<(), &'static str> {
    let rank = |c: Classification| match c {
        Classification::Info => 0,
        Classification::Partial => 1,
        Classification::Full => 2,
    };
    if target == Classification::Info || rank(target) <= rank(now) {
        return Err("Mức dự kiến phải cao hơn mức hiện nay (một phần hoặc toàn trình).");
    }
    if by.year() != year + 1 {
        return Err("Thời điểm dự kiến phải trong năm sau năm báo cáo.");
    }
    Ok(())
}

/// One agency's line in the consolidated report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyLine {
    pub code: String,
    pub name: String,
    pub standing: String,
    pub received: u64,
    pub finished: u64,
    pub on_time: u64,
    pub roadmap: u64,
}

/// The figures a report was drafted from, kept with it (a submitted report keeps what it said).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub received: u64,
    pub online: u64,
    pub finished: u64,
    /// Finished early or on time.
    pub on_time: u64,
    pub late: u64,
    pub in_progress: u64,
    pub overdue: u64,
    pub on_time_percent: Option<u64>,
    /// The Decision 766 score over the period, out of the points measured.
    pub score: Option<(f64, f64)>,
    pub ratings: u64,
    pub feedback: u64,
    pub incidents: u64,
    /// The consolidated report: each agency's line.
    #[serde(default)]
    pub agencies: Vec<AgencyLine>,
}

impl Figures {
    /// The figures as a report lists them, in order: (label, value; `None`: nothing to count).
    pub fn lines(&self) -> Vec<(&'static str, Option<f64>)> {
        let n = |v: u64| Some(v as f64);
        vec![
            ("Hồ sơ tiếp nhận", n(self.received)),
            ("Trong đó nộp trực tuyến", n(self.online)),
            ("Đã giải quyết", n(self.finished)),
            ("Giải quyết đúng hạn (kể cả trước hạn)", n(self.on_time)),
            ("Giải quyết quá hạn", n(self.late)),
            ("Đang giải quyết", n(self.in_progress)),
            ("Đang giải quyết đã quá hạn", n(self.overdue)),
            (
                "Tỷ lệ giải quyết đúng hạn (%)",
                self.on_time_percent.map(|p| p as f64),
            ),
            ("Điểm Bộ chỉ số 766", self.score.map(|s| s.0)),
            (
                "Điểm tối đa của các chỉ số đo được",
                self.score.map(|s| s.1),
            ),
            ("Đánh giá mức độ hài lòng", n(self.ratings)),
            ("Phản ánh, kiến nghị", n(self.feedback)),
            ("Sự cố", n(self.incidents)),
        ]
    }
}

/// A report's content: its sections' text, its roadmap, its figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    pub sections: Vec<(String, String)>,
    pub roadmap: Vec<RoadmapRow>,
    pub figures: Figures,
}

impl Body {
    /// The text of a section (empty when it has none).
    pub fn section(&self, key: &str) -> &str {
        self.sections
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, t)| t.as_str())
    }
}

/// A report as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: uuid::Uuid,
    pub kind: ReportKind,
    /// The agency that writes it (the provincial department for the province's reports).
    pub agency_id: uuid::Uuid,
    pub year: i16,
    pub from: Date,
    pub to: Date,
    pub title: String,
    pub state: ReportState,
    pub body: Body,
    pub created_by: uuid::Uuid,
    pub created_at: jiff::Timestamp,
    pub updated_by: uuid::Uuid,
    pub updated_at: jiff::Timestamp,
    pub submitted_by: Option<uuid::Uuid>,
    pub submitted_at: Option<jiff::Timestamp>,
    /// Bumped by every change: an edit made on an older copy is refused.
    pub version: i32,
}

impl Report {
    /// The slot a report fills: one yearly report per agency, kind and year.
    pub fn slot(&self) -> String {
        match self.kind {
            ReportKind::AdHoc => format!("ad_hoc:{}", self.id),
            k => format!("{}:{}:{}", k.as_str(), self.agency_id, self.year),
        }
    }
}

/// What a person does with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    Read,
    /// Draft and edit.
    Write,
    /// Approve and send: the agency's leader (R14.2); for the province's reports, its
    /// administrators or a leader of the provincial department (R14.1).
    Submit,
}

/// Whether `actor` may do `right` with the reports an agency writes (`province`: the
/// provincial department, which writes the province's reports). Inspectors and province
/// administrators read every report; an agency's administrators and leaders write its own.
pub fn may(actor: &crate::Actor, right: Right, agency: uuid::Uuid, province: bool) -> bool {
    use crate::Role::*;
    let here = |r: crate::Role| {
        actor
            .grants
            .iter()
            .any(|g| g.role == r && g.agency_id == agency)
    };
    let over = actor.has_role(ProvinceAdmin);
    match right {
        Right::Read => over || actor.has_role(Inspector) || here(AgencyAdmin) || here(Leader),
        Right::Write if province => over || here(Leader),
        Right::Write => here(AgencyAdmin) || here(Leader),
        Right::Submit if province => over || here(Leader),
        Right::Submit => here(Leader),
    }
}

fn dmy(d: Date) -> String {
    crate::text::date_vi(d)
}

/// The first draft of a report's text, from its figures: the results in numbers, the late and
/// overdue dossiers as the problems to explain, and what the consolidated report gathered.
pub fn draft(who: &str, from: Date, to: Date, f: &Figures) -> Vec<(String, String)> {
    let mut results = format!(
        "Từ ngày {} đến ngày {}, {who} tiếp nhận {} hồ sơ, trong đó {} hồ sơ trực tuyến; đã giải quyết {} hồ sơ ({} đúng hạn, {} quá hạn); đang giải quyết {} hồ sơ, trong đó {} hồ sơ đã quá hạn.",
        dmy(from),
        dmy(to),
        f.received,
        f.online,
        f.finished,
        f.on_time,
        f.late,
        f.in_progress,
        f.overdue,
    );
    if let Some(p) = f.on_time_percent {
        results.push_str(&format!(" Tỷ lệ giải quyết đúng hạn: {p}%."));
    }
    if let Some((s, m)) = f.score {
        results.push_str(&format!(
            " Điểm theo Bộ chỉ số (Quyết định 766/QĐ-TTg): {} trên {} điểm đo được.",
            crate::text::decimal(s),
            crate::text::decimal(m)
        ));
    }
    results.push_str(&format!(
        " Đã nhận {} đánh giá mức độ hài lòng và {} phản ánh, kiến nghị.",
        f.ratings, f.feedback
    ));
    if !f.agencies.is_empty() {
        let sent = f
            .agencies
            .iter()
            .filter(|a| a.standing.starts_with("Đã gửi"))
            .count();
        results.push_str(&format!(
            " {sent}/{} cơ quan đã gửi báo cáo năm.",
            f.agencies.len()
        ));
    }
    let problems = match f.late + f.overdue {
        0 => "Không có hồ sơ quá hạn.".to_string(),
        n => format!("Có {n} hồ sơ giải quyết hoặc đang giải quyết quá hạn; nguyên nhân: …"),
    };
    let incidents = match f.incidents {
        0 => "Không có sự cố trong kỳ.".to_string(),
        n => format!("Trong kỳ có {n} sự cố; việc khắc phục: …"),
    };
    vec![
        ("results".into(), results),
        ("problems".into(), problems),
        ("incidents".into(), incidents),
        ("proposals".into(), String::new()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_days_periods_and_reminders() {
        assert_eq!(
            ReportKind::AgencyYearly.due_on(2026),
            Some(date(2026, 11, 30))
        );
        assert_eq!(
            ReportKind::ProvinceYearly.due_on(2026),
            Some(date(2026, 12, 31))
        );
        assert_eq!(ReportKind::AdHoc.due_on(2026), None);
        assert_eq!(
            ReportKind::AgencyYearly.yearly_period(2026),
            Some((date(2026, 1, 1), date(2026, 11, 30)))
        );
        let due = date(2026, 11, 30);
        assert_eq!(reminder(due, date(2026, 11, 15)), None);
        assert_eq!(reminder(due, date(2026, 11, 16)), Some(14));
        assert_eq!(reminder(due, date(2026, 11, 26)), Some(14));
        assert_eq!(reminder(due, date(2026, 11, 27)), Some(3));
        assert_eq!(reminder(due, due), Some(3));
        assert_eq!(reminder(due, date(2026, 12, 1)), None);
        for k in ReportKind::ALL {
            assert_eq!(ReportKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(
            ReportState::parse("submitted"),
            Some(ReportState::Submitted)
        );
    }

    #[test]
    fn who_reads_writes_and_submits() {
        use crate::{AccountKind, Actor, Grant, Role};
        let (a, b, p) = (
            uuid::Uuid::from_u128(1),
            uuid::Uuid::from_u128(2),
            uuid::Uuid::from_u128(9),
        );
        let with = |role, agency| Actor {
            user_id: uuid::Uuid::from_u128(100),
            kind: AccountKind::Staff,
            grants: vec![Grant {
                role,
                agency_id: agency,
                unit_id: None,
            }],
        };
        let admin = with(Role::AgencyAdmin, a);
        let leader = with(Role::Leader, a);
        let specialist = with(Role::Specialist, a);
        let inspector = with(Role::Inspector, p);
        let province = with(Role::ProvinceAdmin, p);
        use Right::*;
        assert!(may(&admin, Write, a, false) && !may(&admin, Submit, a, false));
        assert!(may(&leader, Write, a, false) && may(&leader, Submit, a, false));
        assert!(!may(&leader, Read, b, false), "another agency's report");
        assert!(!may(&specialist, Read, a, false));
        assert!(may(&inspector, Read, a, false) && !may(&inspector, Write, a, false));
        assert!(may(&province, Read, a, false) && !may(&province, Write, a, false));
        assert!(may(&province, Write, p, true) && may(&province, Submit, p, true));
        assert!(!may(&leader, Write, p, true) && !may(&inspector, Submit, p, true));
    }

    #[test]
    fn standing_against_the_due_day() {
        let due = date(2026, 11, 30);
        let s = |st, on| standing(st, on, due);
        assert_eq!(
            s(Some(ReportState::Submitted), Some(due)),
            "Đã gửi đúng hạn"
        );
        assert_eq!(
            s(Some(ReportState::Submitted), Some(date(2026, 12, 1))),
            "Đã gửi quá hạn"
        );
        assert_eq!(s(Some(ReportState::Draft), None), "Đang soạn, chưa gửi");
        assert_eq!(s(None, None), "Chưa lập báo cáo");
    }

    #[test]
    fn roadmap_lines_go_up_within_next_year() {
        use Classification::*;
        let by = date(2027, 6, 30);
        assert!(check_roadmap_row(Partial, Full, by, 2026).is_ok());
        assert!(check_roadmap_row(Info, Partial, by, 2026).is_ok());
        assert!(check_roadmap_row(Full, Full, by, 2026).is_err());
        assert!(check_roadmap_row(Partial, Info, by, 2026).is_err());
        assert!(check_roadmap_row(Info, Partial, date(2026, 12, 1), 2026).is_err());
        assert!(check_roadmap_row(Info, Partial, date(2028, 1, 1), 2026).is_err());
    }

    #[test]
    fn the_draft_says_the_figures() {
        let f = Figures {
            received: 120,
            online: 80,
            finished: 100,
            on_time: 95,
            late: 5,
            in_progress: 20,
            overdue: 2,
            on_time_percent: Some(95),
            score: Some((71.5, 88.0)),
            ratings: 40,
            feedback: 3,
            incidents: 1,
            agencies: vec![],
        };
        let d = draft("Sở Tư pháp", date(2026, 1, 1), date(2026, 11, 30), &f);
        assert_eq!(d.len(), SECTIONS.len());
        assert_eq!(
            d[0].1,
            "Từ ngày 01/01/2026 đến ngày 30/11/2026, Sở Tư pháp tiếp nhận 120 hồ sơ, trong đó 80 hồ sơ trực tuyến; đã giải quyết 100 hồ sơ (95 đúng hạn, 5 quá hạn); đang giải quyết 20 hồ sơ, trong đó 2 hồ sơ đã quá hạn. Tỷ lệ giải quyết đúng hạn: 95%. Điểm theo Bộ chỉ số (Quyết định 766/QĐ-TTg): 71,5 trên 88 điểm đo được. Đã nhận 40 đánh giá mức độ hài lòng và 3 phản ánh, kiến nghị."
        );
        assert!(d[1].1.starts_with("Có 7 hồ sơ"));
        assert!(d[2].1.starts_with("Trong kỳ có 1 sự cố"));
    }
}
