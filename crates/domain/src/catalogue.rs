//! The catalogue of administrative procedures (R5.1a, R5.2, R10.3, R10.4): sectors and fields,
//! procedures with every standard component, per-channel times and fees, the online services
//! agencies offer at a level, and each agency's internal process with its time budgets.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
    /// Sent digitally signed at level 4 (R7.2a): without a valid signature, the person sends
    /// the paper by post.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signed: bool,
    /// A PDF may carry files inside it (an electronic bundle the procedure asks for); for any
    /// other component such a PDF is refused (R4.4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub embedded_files: bool,
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

impl ProcedureBody {
    /// Whether a PDF of `component` may carry files inside it (R4.4): only where the
    /// procedure says so; never for a component it does not have (a result, for one).
    pub fn allows_embedded_files(&self, component: &str) -> bool {
        self.components
            .iter()
            .any(|c| c.id == component && c.embedded_files)
    }
}

/// An amount in đồng as people read it: `1.250.000 đ` (R3.2).
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

/// Whether a service at this 2016 level offers its forms for download (level 2 and up, R5.2).
pub fn offers_forms(level: u8) -> bool {
    level >= 2
}

/// Whether a service at this level takes digitally signed papers (level 4, R7.2a).
pub fn signed_online(level: u8) -> bool {
    level >= 4
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
    /// The practice observed in deployed systems (R5.1a): 4 → toàn trình,
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

use crate::text::decimal as fmt_num;

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

// The catalogue as the system keeps it: sectors and fields, procedures, their versions (a
// published one never changes, R10.4) and the services agencies offer (R5.1a).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sector {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub id: Uuid,
    pub sector_id: Uuid,
    pub code: String,
    pub name: String,
    pub position: i32,
}

/// A procedure's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub id: Uuid,
    pub code: String,
    pub owner_agency_id: Option<Uuid>,
    pub views: i64,
}

/// Draft or published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionStatus {
    Draft,
    Published,
}

/// One version of a procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub id: Uuid,
    pub procedure_id: Uuid,
    pub version: i32,
    pub status: VersionStatus,
    pub effective_from: Option<jiff::civil::Date>,
    pub field_id: Uuid,
    pub body: ProcedureBody,
    pub created_at: jiff::Timestamp,
    pub published_at: Option<jiff::Timestamp>,
}

/// An online service offered by an agency for a procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: Uuid,
    pub procedure_id: Uuid,
    pub agency_id: Uuid,
    pub level: u8,
    pub classification: Classification,
    pub online_time: Option<Duration>,
    pub form_schema: serde_json::Value,
    pub process: Vec<ProcessStep>,
    pub active: bool,
    /// When its fee falls due (R3.2).
    pub fee_due: crate::fees::FeeDue,
}

#[cfg(test)]
mod tests;
