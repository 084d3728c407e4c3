//! Accounts and roles (R6.2, R10.6, R9.6).

use serde::{Deserialize, Serialize};

/// Who an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A person (công dân), identified by số định danh cá nhân.
    Citizen,
    /// An organisation or business (tổ chức), identified by mã số thuế.
    Organisation,
    /// A civil servant, created by an administrator; what they may do comes from grants.
    Staff,
}

impl AccountKind {
    pub const ALL: [AccountKind; 3] = [Self::Citizen, Self::Organisation, Self::Staff];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Organisation => "organisation",
            Self::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Citizen => "Công dân",
            Self::Organisation => "Tổ chức, doanh nghiệp",
            Self::Staff => "Cán bộ, công chức",
        }
    }
    /// Public accounts (citizens and organisations) register themselves.
    pub fn is_public(self) -> bool {
        !matches!(self, Self::Staff)
    }
}

/// A staff role, granted for an agency (and, where it matters, a unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cán bộ tiếp nhận (reception and result-return desk).
    Reception,
    /// Chuyên viên (specialist department).
    Specialist,
    /// Lãnh đạo (approves).
    Leader,
    /// Kế toán, thu phí.
    Cashier,
    /// Quản trị cơ quan: the agency's staff, grants and services.
    AgencyAdmin,
    /// Quản trị cấp tỉnh: every agency, the agency tree, catalogue sectors.
    ProvinceAdmin,
    /// Thanh tra, giám sát: read-only across agencies (R9.6).
    Inspector,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Self::Reception,
        Self::Specialist,
        Self::Leader,
        Self::Cashier,
        Self::AgencyAdmin,
        Self::ProvinceAdmin,
        Self::Inspector,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reception => "reception",
            Self::Specialist => "specialist",
            Self::Leader => "leader",
            Self::Cashier => "cashier",
            Self::AgencyAdmin => "agency_admin",
            Self::ProvinceAdmin => "province_admin",
            Self::Inspector => "inspector",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Reception => "Cán bộ tiếp nhận và trả kết quả",
            Self::Specialist => "Chuyên viên xử lý",
            Self::Leader => "Lãnh đạo phê duyệt",
            Self::Cashier => "Kế toán, thu phí",
            Self::AgencyAdmin => "Quản trị cơ quan",
            Self::ProvinceAdmin => "Quản trị cấp tỉnh",
            Self::Inspector => "Thanh tra, giám sát",
        }
    }
    /// Roles whose scope is the whole province, whatever agency the grant names.
    pub fn is_province_wide(self) -> bool {
        matches!(self, Self::ProvinceAdmin | Self::Inspector)
    }
    /// Roles that may be tied to one unit of the agency (desk or department).
    pub fn takes_unit(self) -> bool {
        matches!(
            self,
            Self::Reception | Self::Specialist | Self::Leader | Self::Cashier
        )
    }
}

/// An account as the rest of the system sees it (the password hash stays in the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: uuid::Uuid,
    pub kind: AccountKind,
    /// Log-in name: số định danh (citizens), mã số thuế (organisations), a user name (staff).
    pub login: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub full_name: String,
    /// Số định danh cá nhân or mã số thuế; never logged, masked in lists.
    pub id_number: Option<String>,
    /// For staff: the agency whose administrators manage the account.
    pub home_agency_id: Option<uuid::Uuid>,
    pub disabled: bool,
    pub created_at: jiff::Timestamp,
}

/// Checks a staff log-in name: 3–40 characters of a–z, 0–9, `.`, `_`, `-`.
pub fn check_staff_login(s: &str) -> Result<String, &'static str> {
    let s = s.trim().to_lowercase();
    if (3..=40).contains(&s.len())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
    {
        Ok(s)
    } else {
        Err(
            "Tên đăng nhập gồm 3–40 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới, gạch ngang.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are stored in the database and sent by the API, so they are written out here
    /// by hand: changing one would strand old rows. The labels are the pages' Vietnamese terms.
    #[test]
    fn stored_names_labels_and_kinds() {
        assert_eq!(
            AccountKind::ALL.map(AccountKind::as_str),
            ["citizen", "organisation", "staff"]
        );
        assert_eq!(
            AccountKind::ALL.map(AccountKind::label_vi),
            ["Công dân", "Tổ chức, doanh nghiệp", "Cán bộ, công chức"]
        );
        assert_eq!(
            AccountKind::ALL.map(AccountKind::is_public),
            [true, true, false]
        );
        for k in AccountKind::ALL {
            assert_eq!(AccountKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(AccountKind::parse("Citizen"), None);
        assert_eq!(
            Role::ALL.map(Role::as_str),
            [
                "reception",
                "specialist",
                "leader",
                "cashier",
                "agency_admin",
                "province_admin",
                "inspector"
            ]
        );
        assert_eq!(
            Role::ALL.map(Role::label_vi),
            [
                "Cán bộ tiếp nhận và trả kết quả",
                "Chuyên viên xử lý",
                "Lãnh đạo phê duyệt",
                "Kế toán, thu phí",
                "Quản trị cơ quan",
                "Quản trị cấp tỉnh",
                "Thanh tra, giám sát"
            ]
        );
        assert_eq!(
            Role::ALL.map(Role::is_province_wide),
            [false, false, false, false, false, true, true]
        );
        assert_eq!(
            Role::ALL.map(Role::takes_unit),
            [true, true, true, true, false, false, false]
        );
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse(""), None);
    }

    #[test]
    fn staff_log_in_names() {
        assert_eq!(
            check_staff_login(" Le.Van_Hung-2 "),
            Ok("le.van_hung-2".into())
        );
        for bad in ["ab", &"a".repeat(41), "lê.văn", "a b c", "a/b"] {
            assert!(check_staff_login(bad).is_err(), "{bad}");
        }
        assert!(check_staff_login("abc").is_ok() && check_staff_login(&"a".repeat(40)).is_ok());
    }
}
