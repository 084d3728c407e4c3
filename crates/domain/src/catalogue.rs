//! The catalogue of administrative procedures (R5.1a, R5.2, R10.3, R10.4): sectors and fields,
//! procedures with every standard component, per-channel times and fees, the online services
//! agencies offer at a level, and each agency's internal process with its time budgets.

use serde::{Deserialize, Serialize};

/// A way of submitting a dossier or receiving a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Trực tiếp (at the office).
    InPerson,
    /// Trực tuyến.
    Online,
    /// Qua dịch vụ bưu chính công ích.
    Postal,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Self::InPerson, Self::Online, Self::Postal];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPerson => "in_person",
            Self::Online => "online",
            Self::Postal => "postal",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::InPerson => "Trực tiếp",
            Self::Online => "Trực tuyến",
            Self::Postal => "Qua bưu chính công ích",
        }
    }
}

/// A length of time as procedures state it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "unit", rename_all = "snake_case")]
pub enum Duration {
    /// Ngày làm việc (may be 0.5).
    WorkingDays { value: f64 },
    /// Giờ làm việc.
    WorkingHours { value: f64 },
    /// Trong ngày: the end of that working day if received before the cut-off ("15:00").
    SameDay { cutoff: String },
    /// Ngày (calendar days).
    CalendarDays { value: f64 },
}

/// Minutes of office time in a standard working day (07:30–11:30 and 13:30–17:00).
pub const WORKING_DAY_MINUTES: f64 = 450.0;

impl Duration {
    /// An upper bound in minutes of office time, for checking budgets against each other.
    /// Calendar days count conservatively as five working days in seven (holidays aside).
    pub fn working_minutes(&self) -> f64 {
        match self {
            Duration::WorkingDays { value } => value * WORKING_DAY_MINUTES,
            Duration::WorkingHours { value } => value * 60.0,
            Duration::SameDay { .. } => WORKING_DAY_MINUTES,
            Duration::CalendarDays { value } => (value * 5.0 / 7.0).floor() * WORKING_DAY_MINUTES,
        }
    }

    /// How people read it: "03 ngày làm việc", "Trong ngày (nhận sau 15:00: ngày làm việc tiếp theo)".
    pub fn label_vi(&self) -> String {
        fn num(v: f64) -> String {
            if v.fract() == 0.0 {
                format!("{:02}", v as i64)
            } else {
                format!("{v}").replace('.', ",")
            }
        }
        match self {
            Duration::WorkingDays { value } => format!("{} ngày làm việc", num(*value)),
            Duration::WorkingHours { value } => format!("{} giờ làm việc", num(*value)),
            Duration::SameDay { cutoff } => {
                format!("Trong ngày (nhận sau {cutoff} thì trả trong ngày làm việc tiếp theo)")
            }
            Duration::CalendarDays { value } => format!("{} ngày", num(*value)),
        }
    }

    pub fn check(&self) -> Result<(), String> {
        match self {
            Duration::WorkingDays { value }
            | Duration::WorkingHours { value }
            | Duration::CalendarDays { value } => {
                if !(value.is_finite()
                    && *value > 0.0
                    && *value <= 3650.0
                    && (value * 2.0).fract() == 0.0)
                {
                    return Err(
                        "Thời hạn phải là số dương, theo bước nửa đơn vị (ví dụ 0,5 hoặc 3)."
                            .into(),
                    );
                }
            }
            Duration::SameDay { cutoff } => {
                let ok = cutoff.len() == 5
                    && cutoff.as_bytes()[2] == b':'
                    && cutoff[..2].parse::<u8>().is_ok_and(|h| h < 24)
                    && cutoff[3..].parse::<u8>().is_ok_and(|m| m < 60);
                if !ok {
                    return Err("Giờ tiếp nhận trong ngày viết dạng HH:MM, ví dụ 15:00.".into());
                }
            }
        }
        Ok(())
    }
}

/// Bản chính / bản sao.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Original {
    Original,
    Copy,
    /// Bản chính hoặc bản sao.
    OriginalOrCopy,
    /// Bản sao có chứng thực hoặc bản sao kèm bản chính để đối chiếu.
    CertifiedCopy,
}

impl Original {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Original => "Bản chính",
            Self::Copy => "Bản sao",
            Self::OriginalOrCopy => "Bản chính hoặc bản sao",
            Self::CertifiedCopy => {
                "Bản sao có chứng thực (hoặc bản sao kèm bản chính để đối chiếu)"
            }
        }
    }
}

/// When a conditional component is needed: a form answer equals a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The name of a form field (top level).
    pub field: String,
    pub equals: serde_json::Value,
}

/// A paper of the dossier (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Stable within the procedure: `[a-z0-9-]`.
    pub id: String,
    pub name: String,
    #[serde(default = "one")]
    pub quantity: u32,
    pub original: Original,
    /// Required always (true), or only when `condition` holds (false with a condition), or optional.
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The id of the form template for this paper, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
}

fn one() -> u32 {
    1
}

/// The processing time for one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelTime {
    pub channel: Channel,
    pub duration: Duration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Phí or lệ phí.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// Lệ phí.
    Charge,
    /// Phí.
    Fee,
}

impl FeeKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Charge => "Lệ phí",
            Self::Fee => "Phí",
        }
    }
}

/// A fee or charge for one channel, in đồng.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelFee {
    pub channel: Channel,
    pub kind: FeeKind,
    /// Integer đồng.
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A downloadable form (mẫu đơn, tờ khai).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormFile {
    pub id: String,
    pub name: String,
    /// Printable content (HTML or plain text) of the form as published.
    pub content: String,
}

/// Who answers for what (R5.2).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Responsibilities {
    pub applicant: String,
    pub agency: String,
}

/// Cấp thực hiện.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovLevel {
    Central,
    Province,
    Commune,
}

impl GovLevel {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Central => "Cấp trung ương",
            Self::Province => "Cấp tỉnh",
            Self::Commune => "Cấp xã",
        }
    }
}

/// The content of one version of a procedure: every standard component (R5.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureBody {
    /// National code, `d.dddddd`.
    pub code: String,
    pub name: String,
    /// Code of the field (lĩnh vực).
    pub field: String,
    pub gov_level: GovLevel,
    pub steps: Vec<String>,
    pub methods: Vec<Channel>,
    pub components: Vec<Component>,
    pub times: Vec<ChannelTime>,
    pub subjects: Vec<String>,
    pub implementing_agency: String,
    pub deciding_agency: String,
    pub result: String,
    pub fees: Vec<ChannelFee>,
    #[serde(default)]
    pub exemptions: String,
    #[serde(default)]
    pub forms: Vec<FormFile>,
    #[serde(default)]
    pub requirements: String,
    pub legal_basis: Vec<String>,
    #[serde(default)]
    pub responsibilities: Responsibilities,
    /// Hướng dẫn sử dụng (usage guide).
    #[serde(default)]
    pub guide: String,
}

/// An amount in đồng as people read it: `1.250.000 đ` (UI.md).
pub fn money(m: i64) -> String {
    let s = m.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    format!("{}{out} đ", if m < 0 { "-" } else { "" })
}

/// The 2016 service levels (Decree 43/2011), as the founding regulation uses them.
pub fn level_label(level: u8) -> &'static str {
    match level {
        1 => "Mức độ 1",
        2 => "Mức độ 2",
        3 => "Mức độ 3",
        4 => "Mức độ 4",
        _ => "Không rõ mức độ",
    }
}

/// Whether a service at this 2016 level takes dossiers online (levels 3 and 4, R6.2).
pub fn takes_dossiers_online(level: u8) -> bool {
    level >= 3
}

/// The current classification (Decree 42/2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// Dịch vụ công trực tuyến toàn trình.
    Full,
    /// Dịch vụ công trực tuyến một phần.
    Partial,
    /// Information only (cung cấp thông tin), not an online service.
    Info,
}

impl Classification {
    /// The practice observed in deployed systems (domain.md §1.3): 4 → toàn trình,
    /// 3 → một phần, 1–2 → information only. Not an equivalence: it can be overridden.
    pub fn from_level(level: u8) -> Self {
        match level {
            4 => Self::Full,
            3 => Self::Partial,
            _ => Self::Info,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::Info => "info",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Full, Self::Partial, Self::Info]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Full => "Toàn trình",
            Self::Partial => "Một phần",
            Self::Info => "Cung cấp thông tin",
        }
    }
}

/// One step of an agency's internal process (R10.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessStep {
    pub name: String,
    /// The role that acts (reception, specialist, leader, …).
    pub role: crate::account::Role,
    /// Code of the responsible unit of the agency, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub budget: Duration,
}

/// The time to result that applies to a dossier of a service received by `channel` (R8.1c,
/// R10.4): the agency's shorter time for online dossiers when it set one, else the procedure's
/// published time for that channel, else its in-person time (a channel the procedure does not
/// list is processed as at the counter). The one rule: the catalogue page shows it, the
/// appointment is counted with it, and the internal process must fit it.
pub fn time_to_result(
    body: &ProcedureBody,
    online_time: Option<&Duration>,
    channel: Channel,
) -> Option<Duration> {
    if channel == Channel::Online
        && let Some(t) = online_time
    {
        return Some(t.clone());
    }
    let of = |c: Channel| body.times.iter().find(|t| t.channel == c);
    of(channel)
        .or_else(|| of(Channel::InPerson))
        .or(body.times.first())
        .map(|t| t.duration.clone())
}

/// Checks that the process fits within a time that applies to the service's dossiers. An empty
/// process is allowed: its dossiers follow the default shares (`deadline::step_budget`).
pub fn check_process(steps: &[ProcessStep], limit: &Duration) -> Result<(), String> {
    for (i, s) in steps.iter().enumerate() {
        if s.name.trim().is_empty() {
            return Err(format!("Bước {}: thiếu tên bước.", i + 1));
        }
        s.budget
            .check()
            .map_err(|m| format!("Bước {} ({}): {m}", i + 1, s.name))?;
    }
    let total: f64 = steps.iter().map(|s| s.budget.working_minutes()).sum();
    let max = limit.working_minutes();
    if total > max + 1e-9 {
        return Err(format!(
            "Tổng thời gian các bước ({}) vượt thời hạn giải quyết đã công bố ({}). Hãy rút ngắn thời gian của các bước.",
            minutes_label(total),
            limit.label_vi()
        ));
    }
    Ok(())
}

/// `2 ngày 3 giờ` style, for messages.
pub fn minutes_label(m: f64) -> String {
    let days = (m / WORKING_DAY_MINUTES).floor();
    let rest = m - days * WORKING_DAY_MINUTES;
    let hours = rest / 60.0;
    match (days as i64, hours) {
        (0, h) => format!("{} giờ làm việc", fmt_num(h)),
        (d, h) if h < 1e-9 => format!("{d} ngày làm việc"),
        (d, h) => format!("{d} ngày {} giờ làm việc", fmt_num(h)),
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

/// An id that goes into addresses and file names as it is: lower-case letters, digits and
/// hyphens, 1 to 64 of them (no dots, slashes or anything a path or a header would read).
fn safe_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == b'-')
}

/// Each id safe ([`safe_id`]) and none twice; `what` names the kind of item in the messages.
fn check_ids<'a>(
    what: &str,
    items: impl Iterator<Item = (&'a String, &'a String)>,
    e: &mut Vec<String>,
) {
    let mut seen = std::collections::HashSet::new();
    for (id, name) in items {
        if !safe_id(id) {
            e.push(format!(
                "{what} «{name}»: mã chỉ gồm chữ thường, số và dấu gạch ngang (tối đa 64 ký tự)."
            ));
        }
        if !seen.insert(id) {
            e.push(format!("{what} «{name}»: mã «{id}» bị lặp."));
        }
    }
}

/// Checks a procedure body; answers every problem, in Vietnamese.
pub fn check_procedure(b: &ProcedureBody) -> Result<(), Vec<String>> {
    let mut e = Vec::new();
    let code_ok = b.code.len() == 8
        && b.code.as_bytes()[1] == b'.'
        && b.code
            .bytes()
            .enumerate()
            .all(|(i, c)| i == 1 || c.is_ascii_digit());
    if !code_ok {
        e.push(format!(
            "Mã thủ tục «{}» phải có dạng d.dddddd, ví dụ 1.001193.",
            b.code
        ));
    }
    if b.name.trim().chars().count() < 3 {
        e.push("Thiếu tên thủ tục.".into());
    }
    if b.steps.is_empty() {
        e.push("Cần nêu trình tự thực hiện (ít nhất một bước).".into());
    }
    if b.methods.is_empty() {
        e.push("Cần nêu ít nhất một cách thức thực hiện.".into());
    }
    for m in &b.methods {
        if !b.times.iter().any(|t| t.channel == *m) {
            e.push(format!(
                "Thiếu thời hạn giải quyết cho cách thức «{}».",
                m.label_vi()
            ));
        }
    }
    for t in &b.times {
        if let Err(m) = t.duration.check() {
            e.push(format!("Thời hạn ({}): {m}", t.channel.label_vi()));
        }
    }
    for f in &b.fees {
        if f.amount < 0 {
            e.push(format!(
                "Phí, lệ phí ({}) không được âm.",
                f.channel.label_vi()
            ));
        }
    }
    check_ids("Mẫu", b.forms.iter().map(|f| (&f.id, &f.name)), &mut e);
    check_ids(
        "Thành phần",
        b.components.iter().map(|c| (&c.id, &c.name)),
        &mut e,
    );
    for c in &b.components {
        if c.quantity == 0 {
            e.push(format!("Thành phần «{}»: số lượng phải từ 1.", c.name));
        }
        if let Some(f) = &c.form
            && !b.forms.iter().any(|x| &x.id == f)
        {
            e.push(format!("Thành phần «{}»: không có mẫu «{f}».", c.name));
        }
    }
    if b.legal_basis.is_empty() {
        e.push("Cần nêu căn cứ pháp lý.".into());
    }
    if e.is_empty() { Ok(()) } else { Err(e) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Role;

    fn step(name: &str, d: Duration) -> ProcessStep {
        ProcessStep {
            name: name.into(),
            role: Role::Specialist,
            unit: None,
            budget: d,
        }
    }

    #[test]
    fn process_must_fit_the_published_time() {
        let limit = Duration::WorkingDays { value: 3.0 };
        let ok = vec![
            step("Tiếp nhận", Duration::WorkingHours { value: 4.0 }),
            step("Thẩm định", Duration::WorkingDays { value: 2.0 }),
            step("Phê duyệt", Duration::WorkingHours { value: 3.5 }),
        ];
        assert!(check_process(&ok, &limit).is_ok(), "exactly 3 days fits");
        let mut over = ok.clone();
        over.push(step("Trả kết quả", Duration::WorkingHours { value: 0.5 }));
        let msg = check_process(&over, &limit).unwrap_err();
        assert!(
            msg.contains("vượt thời hạn") && msg.contains("03 ngày làm việc"),
            "{msg}"
        );
        let same_day = Duration::SameDay {
            cutoff: "15:00".into(),
        };
        assert!(
            check_process(
                &[step("Xử lý", Duration::WorkingHours { value: 7.5 })],
                &same_day
            )
            .is_ok()
        );
        assert!(
            check_process(
                &[step("Xử lý", Duration::WorkingDays { value: 1.5 })],
                &same_day
            )
            .is_err()
        );
        // Seven calendar days hold five working days.
        assert!(
            check_process(
                &[step("Xử lý", Duration::WorkingDays { value: 5.0 })],
                &Duration::CalendarDays { value: 7.0 }
            )
            .is_ok()
        );
        assert!(
            check_process(
                &[step("Xử lý", Duration::WorkingDays { value: 5.5 })],
                &Duration::CalendarDays { value: 7.0 }
            )
            .is_err()
        );
        assert!(
            check_process(&[], &limit).is_ok(),
            "no process: the defaults apply"
        );
    }

    #[test]
    fn durations_are_checked_at_their_bounds() {
        let days = |value: f64| Duration::WorkingDays { value }.check();
        assert!(days(0.5).is_ok() && days(3650.0).is_ok() && days(2.5).is_ok());
        for bad in [0.0, -1.0, 3650.5, 0.25, f64::NAN, f64::INFINITY] {
            assert!(days(bad).is_err(), "{bad}");
        }
        let cut = |c: &str| {
            Duration::SameDay {
                cutoff: c.to_string(),
            }
            .check()
        };
        assert!(cut("00:00").is_ok() && cut("23:59").is_ok() && cut("15:00").is_ok());
        for bad in ["24:00", "23:60", "1500", "15-00", "7:00", "15:000", "ab:cd"] {
            assert!(cut(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn step_totals_read_in_days_and_hours() {
        // A working day is 7.5 hours (450 minutes).
        assert_eq!(minutes_label(60.0), "1 giờ làm việc");
        assert_eq!(minutes_label(90.0), "1,5 giờ làm việc");
        assert_eq!(minutes_label(450.0), "1 ngày làm việc");
        assert_eq!(minutes_label(900.0 + 180.0), "2 ngày 3 giờ làm việc");
        assert_eq!(minutes_label(450.0 + 30.0), "1 ngày 0,5 giờ làm việc");
        // A process that uses exactly the published time fits; a minute more does not.
        let step = |value: f64| ProcessStep {
            name: "Thẩm định".into(),
            role: crate::account::Role::Specialist,
            unit: None,
            budget: Duration::WorkingHours { value },
        };
        let limit = Duration::WorkingDays { value: 1.0 };
        assert!(check_process(&[step(4.0), step(3.5)], &limit).is_ok());
        let err = check_process(&[step(4.0), step(4.0)], &limit).unwrap_err();
        assert!(err.contains("(1 ngày 0,5 giờ làm việc)"), "{err}");
    }

    #[test]
    fn money_as_people_read_it() {
        assert_eq!(money(0), "0 đ");
        assert_eq!(money(999), "999 đ");
        assert_eq!(money(1000), "1.000 đ");
        assert_eq!(money(75_000), "75.000 đ");
        assert_eq!(money(1_250_000), "1.250.000 đ");
        assert_eq!(money(-100_000), "-100.000 đ");
    }

    #[test]
    fn a_component_is_one_paper_unless_it_says_more() {
        let c: Component = serde_json::from_value(
            serde_json::json!({"id": "don", "name": "Đơn", "original": "original", "required": true}),
        )
        .unwrap();
        assert_eq!(c.quantity, 1);
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(
            Duration::WorkingDays { value: 3.0 }.label_vi(),
            "03 ngày làm việc"
        );
        assert_eq!(
            Duration::WorkingDays { value: 0.5 }.label_vi(),
            "0,5 ngày làm việc"
        );
        assert!(
            Duration::SameDay {
                cutoff: "15:00".into()
            }
            .check()
            .is_ok()
        );
        assert!(
            Duration::SameDay {
                cutoff: "25:00".into()
            }
            .check()
            .is_err()
        );
        assert!(Duration::WorkingDays { value: 0.3 }.check().is_err());
        assert!(Duration::WorkingDays { value: -1.0 }.check().is_err());
    }

    /// Each rule of the procedure check, one change at a time from a body that passes.
    #[test]
    fn every_rule_of_a_procedure() {
        use serde_json::json;
        let good = json!({
            "code": "1.004222", "name": "Đăng ký xe", "field": "X", "gov_level": "province",
            "steps": ["a"], "methods": ["in_person"],
            "forms": [{"id": "mau", "name": "Tờ khai", "content": "x"}],
            "components": [{"id": "don", "name": "Đơn", "original": "original", "required": true, "form": "mau"}],
            "subjects": [], "implementing_agency": "", "deciding_agency": "",
            "result": "", "fees": [{"channel": "in_person", "kind": "fee", "amount": 0}], "legal_basis": ["x"],
            "times": [{"channel": "in_person", "duration": {"unit": "working_days", "value": 7}}]
        });
        let check = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut b = good.clone();
            change(&mut b);
            check_procedure(&serde_json::from_value(b).unwrap())
        };
        assert_eq!(check(&|_| {}), Ok(()));
        assert!(
            check(&|b| b["name"] = json!("Ab ")).is_err(),
            "a name of two letters"
        );
        assert!(check(&|b| b["name"] = json!("Abc")).is_ok());
        for code in ["1.00422", "1.0042222", "1-004222", "1.00422a", "a.004222"] {
            assert!(check(&|b| b["code"] = json!(code)).is_err(), "{code}");
        }
        assert!(check(&|b| b["steps"] = json!([])).is_err());
        assert!(check(&|b| b["methods"] = json!([])).is_err());
        assert!(
            check(&|b| b["methods"] = json!(["in_person", "online"])).is_err(),
            "no time online"
        );
        assert!(check(&|b| b["fees"][0]["amount"] = json!(-1)).is_err());
        assert!(check(&|b| b["fees"][0]["amount"] = json!(1)).is_ok());
        assert!(check(&|b| b["components"][0]["quantity"] = json!(0)).is_err());
        assert!(check(&|b| b["components"][0]["quantity"] = json!(2)).is_ok());
        assert!(check(&|b| b["components"][0]["form"] = json!("khac")).is_err());
        assert!(check(&|b| b["legal_basis"] = json!([])).is_err());
    }

    #[test]
    fn form_ids_are_checked_like_component_ids() {
        let with_forms = |ids: &[&str]| -> ProcedureBody {
            let forms: Vec<_> = ids
                .iter()
                .map(|id| serde_json::json!({"id": id, "name": "Tờ khai", "content": "x"}))
                .collect();
            serde_json::from_value(serde_json::json!({
                "code": "1.004222", "name": "Đăng ký xe", "field": "X", "gov_level": "province",
                "steps": ["a"], "methods": ["in_person"], "forms": forms,
                "components": [], "subjects": [], "implementing_agency": "", "deciding_agency": "",
                "result": "", "fees": [], "legal_basis": ["x"],
                "times": [{"channel": "in_person", "duration": {"unit": "working_days", "value": 7}}]
            }))
            .unwrap()
        };
        assert_eq!(
            check_procedure(&with_forms(&["mau-tk01", "mau-02"])),
            Ok(())
        );
        let long = "a".repeat(65);
        for bad in [
            "../etc",
            "mau.html",
            "Mau",
            "",
            "mau tk",
            "mau%2f",
            long.as_str(),
        ] {
            let e = check_procedure(&with_forms(&[bad])).unwrap_err();
            assert!(
                e[0].starts_with("Mẫu «Tờ khai»: mã chỉ gồm"),
                "{bad:?}: {e:?}"
            );
        }
        let e = check_procedure(&with_forms(&["mau", "mau"])).unwrap_err();
        assert_eq!(e, vec!["Mẫu «Tờ khai»: mã «mau» bị lặp.".to_string()]);
    }

    #[test]
    fn the_time_that_applies() {
        let body: ProcedureBody = serde_json::from_value(serde_json::json!({
            "code": "1.004222", "name": "Đăng ký xe", "field": "X", "gov_level": "province",
            "steps": ["a"], "methods": ["in_person", "online"],
            "components": [], "subjects": [], "implementing_agency": "", "deciding_agency": "",
            "result": "", "fees": [], "legal_basis": ["x"],
            "times": [
                {"channel": "in_person", "duration": {"unit": "working_days", "value": 7}},
                {"channel": "online", "duration": {"unit": "working_days", "value": 6}}
            ]
        }))
        .unwrap();
        let five = Duration::WorkingDays { value: 5.0 };
        let days = |v: f64| Some(Duration::WorkingDays { value: v });
        // The agency's shorter online time wins for online dossiers only.
        assert_eq!(
            time_to_result(&body, Some(&five), Channel::Online),
            days(5.0)
        );
        assert_eq!(
            time_to_result(&body, Some(&five), Channel::InPerson),
            days(7.0)
        );
        assert_eq!(time_to_result(&body, None, Channel::Online), days(6.0));
        // No postal time published: processed as at the counter.
        assert_eq!(time_to_result(&body, None, Channel::Postal), days(7.0));
    }

    /// Stored names never change (the database and the catalogue files hold them); the labels
    /// are UI.md's terms.
    #[test]
    fn stored_names_and_labels() {
        assert_eq!(
            Channel::ALL.map(Channel::as_str),
            ["in_person", "online", "postal"]
        );
        assert_eq!(
            Channel::ALL.map(Channel::label_vi),
            ["Trực tiếp", "Trực tuyến", "Qua bưu chính công ích"]
        );
        let originals = [
            Original::Original,
            Original::Copy,
            Original::OriginalOrCopy,
            Original::CertifiedCopy,
        ];
        assert_eq!(
            originals.map(Original::label_vi),
            [
                "Bản chính",
                "Bản sao",
                "Bản chính hoặc bản sao",
                "Bản sao có chứng thực (hoặc bản sao kèm bản chính để đối chiếu)"
            ]
        );
        assert_eq!(
            [FeeKind::Charge, FeeKind::Fee].map(FeeKind::label_vi),
            ["Lệ phí", "Phí"]
        );
        assert_eq!(
            [GovLevel::Central, GovLevel::Province, GovLevel::Commune].map(GovLevel::label_vi),
            ["Cấp trung ương", "Cấp tỉnh", "Cấp xã"]
        );
        let classes = [
            Classification::Full,
            Classification::Partial,
            Classification::Info,
        ];
        assert_eq!(
            classes.map(Classification::as_str),
            ["full", "partial", "info"]
        );
        assert_eq!(
            classes.map(Classification::label_vi),
            ["Toàn trình", "Một phần", "Cung cấp thông tin"]
        );
        for c in classes {
            assert_eq!(Classification::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::json!(c),
                c.as_str(),
                "the serde name is the stored one"
            );
        }
        for c in Channel::ALL {
            assert_eq!(
                serde_json::json!(c),
                c.as_str(),
                "the serde name is the stored one"
            );
        }
        assert_eq!(Classification::parse("Full"), None);
        assert_eq!(Classification::parse(""), None);
    }

    /// The 2016 levels as the founding regulation names them, which take dossiers online
    /// (3 and 4) and the classification each maps to by default (domain.md §1.3).
    #[test]
    fn service_levels() {
        let levels = [0, 1, 2, 3, 4, 5];
        assert_eq!(
            levels.map(level_label),
            [
                "Không rõ mức độ",
                "Mức độ 1",
                "Mức độ 2",
                "Mức độ 3",
                "Mức độ 4",
                "Không rõ mức độ"
            ]
        );
        assert_eq!(
            levels.map(takes_dossiers_online),
            [false, false, false, true, true, true]
        );
        use Classification::{Full, Info, Partial};
        assert_eq!(
            levels.map(Classification::from_level),
            [Info, Info, Info, Partial, Full, Info]
        );
    }

    /// Every kind of duration, as people read it and in minutes of office time.
    #[test]
    fn every_duration_reads_and_counts() {
        let all = [
            Duration::WorkingDays { value: 2.0 },
            Duration::WorkingHours { value: 4.0 },
            Duration::WorkingHours { value: 1.5 },
            Duration::SameDay {
                cutoff: "15:00".into(),
            },
            Duration::CalendarDays { value: 15.0 },
        ];
        assert_eq!(
            all.clone().map(|d| d.label_vi()),
            [
                "02 ngày làm việc",
                "04 giờ làm việc",
                "1,5 giờ làm việc",
                "Trong ngày (nhận sau 15:00 thì trả trong ngày làm việc tiếp theo)",
                "15 ngày"
            ]
        );
        // 15 calendar days: floor(15 × 5 / 7) = 10 working days.
        assert_eq!(
            all.map(|d| d.working_minutes()),
            [900.0, 240.0, 90.0, 450.0, 4500.0]
        );
    }

    #[test]
    fn levels_map_to_the_current_classification() {
        assert_eq!(Classification::from_level(4), Classification::Full);
        assert_eq!(Classification::from_level(3), Classification::Partial);
        assert_eq!(Classification::from_level(2), Classification::Info);
    }
}
