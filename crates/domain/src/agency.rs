//! The agency tree (R2): effective-dated administrative bodies and their units, with
//! predecessor/successor links so that mergers (the 2025 reform) keep history readable.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What kind of body an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// Ủy ban nhân dân tỉnh.
    Province,
    /// Sở, ban, ngành of the province.
    Department,
    /// Trung tâm Phục vụ hành chính công.
    ServiceCentre,
    /// Ủy ban nhân dân xã.
    Commune,
    /// Ủy ban nhân dân phường.
    Ward,
    /// Đặc khu (special zone, e.g. Lý Sơn).
    SpecialZone,
    /// Vertically organised central agency located in the province (police, tax, social insurance).
    CentralVertical,
    /// A district (huyện), abolished on 01/07/2025; kept for history.
    District,
    /// Public service unit under the province.
    PublicServiceUnit,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 9] = [
        Self::Province,
        Self::Department,
        Self::ServiceCentre,
        Self::Commune,
        Self::Ward,
        Self::SpecialZone,
        Self::CentralVertical,
        Self::District,
        Self::PublicServiceUnit,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::Department => "department",
            Self::ServiceCentre => "service_centre",
            Self::Commune => "commune",
            Self::Ward => "ward",
            Self::SpecialZone => "special_zone",
            Self::CentralVertical => "central_vertical",
            Self::District => "district",
            Self::PublicServiceUnit => "public_service_unit",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Province => "UBND tỉnh",
            Self::Department => "Sở, ban, ngành",
            Self::ServiceCentre => "Trung tâm Phục vụ hành chính công",
            Self::Commune => "UBND xã",
            Self::Ward => "UBND phường",
            Self::SpecialZone => "Đặc khu",
            Self::CentralVertical => "Cơ quan ngành dọc",
            Self::District => "UBND huyện (trước 01/07/2025)",
            Self::PublicServiceUnit => "Đơn vị sự nghiệp",
        }
    }
}

/// What kind of unit inside an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Bộ phận tiếp nhận và trả kết quả (bộ phận một cửa).
    ReceptionDesk,
    /// Phòng chuyên môn.
    Specialist,
    /// Ban lãnh đạo.
    Leadership,
    /// Kế toán.
    Finance,
    Other,
}

impl UnitKind {
    /// A desk keeps a duty roster: who receives dossiers on which days (R10.6).
    pub fn keeps_duty_roster(self) -> bool {
        self == UnitKind::ReceptionDesk
    }

    pub const ALL: [UnitKind; 5] = [
        Self::ReceptionDesk,
        Self::Specialist,
        Self::Leadership,
        Self::Finance,
        Self::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReceptionDesk => "reception_desk",
            Self::Specialist => "specialist",
            Self::Leadership => "leadership",
            Self::Finance => "finance",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::ReceptionDesk => "Bộ phận tiếp nhận và trả kết quả",
            Self::Specialist => "Phòng chuyên môn",
            Self::Leadership => "Lãnh đạo",
            Self::Finance => "Kế toán",
            Self::Other => "Khác",
        }
    }
}

/// How one body became another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuccessionKind {
    /// Several bodies merged into the successor (hợp nhất, sáp nhập).
    Merge,
    /// One body split; this successor took part of it.
    Split,
    /// Same body, new name or code.
    Rename,
    /// Functions transferred (e.g. district procedures moved to the commune).
    Transfer,
}

impl SuccessionKind {
    pub const ALL: [SuccessionKind; 4] = [Self::Merge, Self::Split, Self::Rename, Self::Transfer];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merge => "merge",
            Self::Split => "split",
            Self::Rename => "rename",
            Self::Transfer => "transfer",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Merge => "hợp nhất / sáp nhập",
            Self::Split => "chia tách",
            Self::Rename => "đổi tên",
            Self::Transfer => "chuyển giao chức năng",
        }
    }
}

/// An administrative body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: AgencyKind,
    pub parent_id: Option<Uuid>,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
}

impl Agency {
    /// Whether the body exists on a given day (valid_to is the last day, inclusive).
    pub fn is_active_on(&self, day: Date) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|end| day <= end)
    }
}

/// A unit inside an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
}

/// A link from a predecessor body to its successor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    pub predecessor_id: Uuid,
    pub successor_id: Uuid,
    pub kind: SuccessionKind,
    pub effective_on: Date,
    pub note: Option<String>,
}

/// Checks an agency or unit code: 2–40 characters of A–Z, 0–9, `.`, `_`, `-`.
pub fn check_code(code: &str) -> Result<(), &'static str> {
    let ok = (2..=40).contains(&code.len())
        && code.bytes().all(|b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(
            "Mã cơ quan gồm 2–40 ký tự: chữ in hoa không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang.",
        )
    }
}

/// Checks validity dates.
pub fn check_validity(from: Date, to: Option<Date>) -> Result<(), &'static str> {
    match to {
        Some(to) if to < from => Err("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."),
        _ => Ok(()),
    }
}

/// Checks that `parent` does not make a cycle: walking up from the parent never meets `id`.
pub fn check_no_cycle(
    id: Uuid,
    parent: Option<Uuid>,
    parent_of: impl Fn(Uuid) -> Option<Uuid>,
) -> Result<(), &'static str> {
    let mut cur = parent;
    let mut steps = 0;
    while let Some(p) = cur {
        if p == id || steps > 64 {
            return Err("Cơ quan cấp trên không hợp lệ: tạo thành vòng lặp trong cây cơ quan.");
        }
        cur = parent_of(p);
        steps += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// Stored names (a contract with the database, written out by hand) and the pages' labels.
    #[test]
    fn stored_names_and_labels() {
        assert_eq!(
            AgencyKind::ALL.map(AgencyKind::as_str),
            [
                "province",
                "department",
                "service_centre",
                "commune",
                "ward",
                "special_zone",
                "central_vertical",
                "district",
                "public_service_unit"
            ]
        );
        assert_eq!(
            AgencyKind::ALL.map(AgencyKind::label_vi),
            [
                "UBND tỉnh",
                "Sở, ban, ngành",
                "Trung tâm Phục vụ hành chính công",
                "UBND xã",
                "UBND phường",
                "Đặc khu",
                "Cơ quan ngành dọc",
                "UBND huyện (trước 01/07/2025)",
                "Đơn vị sự nghiệp"
            ]
        );
        assert_eq!(
            UnitKind::ALL.map(UnitKind::as_str),
            [
                "reception_desk",
                "specialist",
                "leadership",
                "finance",
                "other"
            ]
        );
        assert_eq!(
            UnitKind::ALL.map(UnitKind::label_vi),
            [
                "Bộ phận tiếp nhận và trả kết quả",
                "Phòng chuyên môn",
                "Lãnh đạo",
                "Kế toán",
                "Khác"
            ]
        );
        assert_eq!(
            SuccessionKind::ALL.map(SuccessionKind::as_str),
            ["merge", "split", "rename", "transfer"]
        );
        assert_eq!(
            SuccessionKind::ALL.map(SuccessionKind::label_vi),
            [
                "hợp nhất / sáp nhập",
                "chia tách",
                "đổi tên",
                "chuyển giao chức năng"
            ]
        );
        for k in AgencyKind::ALL {
            assert_eq!(AgencyKind::parse(k.as_str()), Some(k));
        }
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::parse(k.as_str()), Some(k));
        }
        for k in SuccessionKind::ALL {
            assert_eq!(SuccessionKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(AgencyKind::parse("Ward"), None);
        assert_eq!(UnitKind::parse(""), None);
        assert_eq!(SuccessionKind::parse("merged"), None);
    }

    #[test]
    fn validity_may_end_on_the_day_it_starts() {
        let d = date(2025, 7, 1);
        assert!(check_validity(d, None).is_ok());
        assert!(check_validity(d, Some(d)).is_ok());
        assert!(check_validity(d, Some(date(2025, 7, 2))).is_ok());
        assert!(check_validity(d, Some(date(2025, 6, 30))).is_err());
    }

    #[test]
    fn a_parent_chain_of_64_is_allowed_a_longer_one_is_not() {
        // Agencies 1..=n, each the parent of the next: a chain without a cycle.
        let id = |n: u128| Uuid::from_u128(n);
        let chain = |len: u128| move |p: Uuid| (p.as_u128() < len).then(|| id(p.as_u128() + 1));
        assert!(check_no_cycle(id(0), Some(id(1)), chain(65)).is_ok());
        assert!(check_no_cycle(id(0), Some(id(1)), chain(66)).is_err());
        assert!(check_no_cycle(id(0), None, chain(3)).is_ok());
        // A cycle through the agency itself.
        assert!(check_no_cycle(id(3), Some(id(1)), chain(5)).is_err());
    }

    #[test]
    fn active_on_is_inclusive() {
        let a = Agency {
            id: Uuid::nil(),
            code: "KONTUM".into(),
            name: "UBND tỉnh Kon Tum".into(),
            short_name: None,
            kind: AgencyKind::Province,
            parent_id: None,
            valid_from: date(1991, 8, 12),
            valid_to: Some(date(2025, 6, 30)),
        };
        assert!(a.is_active_on(date(2025, 6, 30)));
        assert!(!a.is_active_on(date(2025, 7, 1)));
        assert!(!a.is_active_on(date(1990, 1, 1)));
    }

    #[test]
    fn codes_and_cycles() {
        assert!(check_code("H55.01").is_ok());
        assert!(check_code("h55").is_err());
        assert!(check_code("X").is_err());
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        // b's parent is a; making a's parent b is a cycle.
        assert!(check_no_cycle(a, Some(b), |x| (x == b).then_some(a)).is_err());
        assert!(check_no_cycle(b, Some(a), |_| None).is_ok());
        assert!(check_validity(date(2025, 7, 1), Some(date(2025, 6, 30))).is_err());
    }
}
