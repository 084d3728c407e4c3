//! The Decision 766/QĐ-TTg scorecard (R9.6): six groups, 100 points, each indicator a share of
//! dossiers or procedures scored against its target (below the target, points pro rata), as the
//! national portal's "Mô tả công thức tính chỉ số 766" describes them.
//!
//! Where the source leaves an indicator's points open (group 3), the group's 12 points are split
//! evenly over its three scored indicators. An indicator with nothing to count in the period
//! (no dossier, no procedure) keeps its points: nothing was done late or left offline. An
//! indicator whose facts motcua does not hold (the national procedure database, the national
//! portal's sync and data store, the population database) is shown as not measured, without a
//! score: the total is then out of the points measured, and says so.
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::clock::vn_date;

/// Indicator 1.1: a procedure version is published on time when it was published at least five
/// working days before it takes effect (a province's rule; a ministry's is twenty).
pub fn published_on_time(cal: &Calendar, published: Timestamp, effective: Date) -> bool {
    let mut d = effective;
    let mut left = 5;
    while left > 0 {
        d = d.yesterday().expect("date in range");
        if cal.is_working_day(d) {
            left -= 1;
        }
    }
    vn_date(published) <= d
}

/// A share: how many of how many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ratio {
    pub num: u64,
    pub den: u64,
}

impl Ratio {
    pub fn new(num: u64, den: u64) -> Self {
        Self { num, den }
    }
    /// The share in percent; `None` when there is nothing to count.
    pub fn percent(self) -> Option<f64> {
        (self.den > 0).then(|| self.num as f64 * 100.0 / self.den as f64)
    }
}

/// The counts the scorecard is computed from; `None`: motcua does not hold the facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    /// 1.1 procedure versions published in the period, and those published at least five
    /// working days before they took effect.
    pub published_on_time: Ratio,
    /// 1.3 public procedures, and those published with every component (Decree 63/2010 Art. 8).
    pub complete_procedures: Ratio,
    /// 2.1 accepted dossiers, and those finished early or on time or still in time.
    pub on_time: Ratio,
    /// 2.2 finished dossiers and their average office time, in working days.
    pub average_days: Option<f64>,
    /// 3.1 the unit's services, and those offered online (partly or fully).
    pub online_services: Ratio,
    /// 3.3 dossiers received, and those received online.
    pub online_dossiers: Ratio,
    /// Dossiers of full-process online services, and those received online.
    pub full_process: Ratio,
    /// 3.5a services with fees, and those whose fees can be paid online.
    pub payable_online: Ratio,
    /// 3.5b services with fees, and those with at least one online payment in the period.
    pub paid_online_services: Ratio,
    /// 3.6 dossiers with fees to pay, and those paid online.
    pub paid_online: Ratio,
    /// 4.1 dossiers resolved with a result, and those with an electronic (signed) result.
    pub e_results: Ratio,
    /// 4.2 dossiers received, and those with their papers and their result as files.
    pub digitised: Ratio,
    /// 5.2 feedback due in the period, and that answered in time (`None`: not held).
    pub feedback_on_time: Option<Ratio>,
    /// 5.3 feedback answered, and that the person was not dissatisfied with.
    pub feedback_satisfied: Option<Ratio>,
    /// 5.4 accepted dossiers, those late (finished late or overdue now), and dossiers received
    /// with those a person rated dissatisfied or complained about.
    pub late: Ratio,
    pub disliked: Ratio,
}

/// One indicator as the scorecard shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub code: &'static str,
    pub name: &'static str,
    /// The share in percent (or, for 2.2, days); `None`: not measured, or nothing to count.
    pub value: Option<f64>,
    pub ratio: Option<Ratio>,
    /// The points earned; `None` when not measured.
    pub score: Option<f64>,
    pub max: f64,
    /// The target share in percent below which points fall pro rata.
    pub target: f64,
    pub measured: bool,
}

/// A group of indicators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: &'static str,
    pub name: &'static str,
    pub max: f64,
    pub score: f64,
    /// The points of its measured indicators.
    pub measured_max: f64,
    pub indicators: Vec<Indicator>,
}

/// The whole scorecard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub total: f64,
    pub max: f64,
    pub measured_max: f64,
    pub groups: Vec<Group>,
}

/// The points of a share against its target: all of them at or above the target, pro rata
/// below; all of them when there is nothing to count.
pub fn points(r: Ratio, max: f64, target: f64) -> f64 {
    match r.percent() {
        None => max,
        Some(p) => round2(max * (p / target).min(1.0)),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn rate(code: &'static str, name: &'static str, r: Ratio, max: f64, target: f64) -> Indicator {
    Indicator {
        code,
        name,
        value: r.percent().map(round2),
        ratio: Some(r),
        score: Some(points(r, max, target)),
        max,
        target,
        measured: true,
    }
}

fn held(code: &'static str, name: &'static str, r: Option<Ratio>, max: f64) -> Indicator {
    match r {
        Some(r) => rate(code, name, r, max, 100.0),
        None => not_held(code, name, max),
    }
}

fn not_held(code: &'static str, name: &'static str, max: f64) -> Indicator {
    Indicator {
        code,
        name,
        value: None,
        ratio: None,
        score: None,
        max,
        target: 100.0,
        measured: false,
    }
}

/// An indicator shown for reference, without points (2.2).
fn reference(code: &'static str, name: &'static str, value: Option<f64>) -> Indicator {
    Indicator {
        code,
        name,
        value,
        ratio: None,
        score: Some(0.0),
        max: 0.0,
        target: 100.0,
        measured: true,
    }
}

/// 5.4: 100 % less the late rate and the dissatisfied rate, against 90 %.
fn satisfaction(i: &Inputs) -> Indicator {
    let name = "Mức độ hài lòng về tiếp nhận, giải quyết TTHC";
    let late = i.late.percent().unwrap_or(0.0);
    let disliked = i.disliked.percent().unwrap_or(0.0);
    let none = i.late.den == 0 && i.disliked.den == 0;
    let value = (100.0 - late - disliked).max(0.0);
    Indicator {
        code: "5.4",
        name,
        value: (!none).then(|| round2(value)),
        ratio: None,
        score: Some(if none {
            6.0
        } else {
            round2(6.0 * (value / 90.0).min(1.0))
        }),
        max: 6.0,
        target: 90.0,
        measured: true,
    }
}

fn group(key: &'static str, name: &'static str, max: f64, indicators: Vec<Indicator>) -> Group {
    let score = round2(indicators.iter().filter_map(|i| i.score).sum());
    let measured_max = indicators
        .iter()
        .filter(|i| i.measured)
        .map(|i| i.max)
        .sum();
    Group {
        key,
        name,
        max,
        score,
        measured_max,
        indicators,
    }
}

/// The scorecard of the counts.
pub fn score(i: &Inputs) -> Scorecard {
    let groups = vec![
        group(
            "CKMB",
            "Công khai, minh bạch",
            18.0,
            vec![
                rate(
                    "1.1",
                    "TTHC được công bố đúng hạn",
                    i.published_on_time,
                    6.0,
                    100.0,
                ),
                not_held(
                    "1.2",
                    "TTHC được công khai đúng hạn trên CSDL quốc gia",
                    4.0,
                ),
                rate(
                    "1.3",
                    "TTHC công bố đầy đủ các bộ phận",
                    i.complete_procedures,
                    2.0,
                    100.0,
                ),
                not_held(
                    "1.4",
                    "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia",
                    6.0,
                ),
            ],
        ),
        group(
            "TDGQ",
            "Tiến độ giải quyết",
            20.0,
            vec![
                rate(
                    "2.1",
                    "Hồ sơ giải quyết trước và đúng hạn",
                    i.on_time,
                    20.0,
                    100.0,
                ),
                reference(
                    "2.2",
                    "Thời gian giải quyết trung bình (ngày làm việc)",
                    i.average_days,
                ),
            ],
        ),
        group(
            "CLGQ",
            "Cung cấp dịch vụ công trực tuyến",
            12.0,
            vec![
                rate(
                    "3.1",
                    "TTHC cung cấp dịch vụ công trực tuyến",
                    i.online_services,
                    4.0,
                    80.0,
                ),
                rate(
                    "3.3",
                    "Hồ sơ tiếp nhận trực tuyến",
                    i.online_dossiers,
                    4.0,
                    50.0,
                ),
                rate(
                    "3.4",
                    "Hồ sơ trực tuyến toàn trình",
                    i.full_process,
                    4.0,
                    100.0,
                ),
            ],
        ),
        group(
            "TTTT",
            "Thanh toán trực tuyến",
            10.0,
            vec![
                rate(
                    "3.5a",
                    "TTHC có phí được tích hợp thanh toán trực tuyến",
                    i.payable_online,
                    2.0,
                    80.0,
                ),
                rate(
                    "3.5b",
                    "TTHC có phát sinh thanh toán trực tuyến",
                    i.paid_online_services,
                    2.0,
                    80.0,
                ),
                rate(
                    "3.6",
                    "Hồ sơ thanh toán trực tuyến",
                    i.paid_online,
                    6.0,
                    100.0,
                ),
            ],
        ),
        group(
            "MDSH",
            "Số hóa hồ sơ",
            22.0,
            vec![
                rate("4.1", "Hồ sơ có kết quả điện tử", i.e_results, 6.0, 100.0),
                rate(
                    "4.2",
                    "Hồ sơ được số hóa thành phần và kết quả",
                    i.digitised,
                    4.0,
                    80.0,
                ),
                not_held("4.2b", "Cấp bản sao điện tử từ sổ gốc", 2.0),
                not_held("4.3", "Hồ sơ tái sử dụng dữ liệu số hóa", 2.0),
                not_held("4.4", "Hồ sơ dùng Kho dữ liệu cá nhân trên Cổng DVCQG", 4.0),
                not_held("4.5a", "TTHC kết nối Cơ sở dữ liệu quốc gia về dân cư", 2.0),
                not_held("4.5b", "Hồ sơ khai thác dữ liệu dân cư", 2.0),
            ],
        ),
        group(
            "MDHL",
            "Mức độ hài lòng",
            18.0,
            vec![
                held(
                    "5.2",
                    "Phản ánh, kiến nghị được xử lý đúng hạn",
                    i.feedback_on_time,
                    6.0,
                ),
                held(
                    "5.3",
                    "Hài lòng về xử lý phản ánh, kiến nghị",
                    i.feedback_satisfied,
                    6.0,
                ),
                satisfaction(i),
            ],
        ),
    ];
    Scorecard {
        total: round2(groups.iter().map(|g| g.score).sum()),
        max: groups.iter().map(|g| g.max).sum(),
        measured_max: groups.iter().map(|g| g.measured_max).sum(),
        groups,
    }
}
