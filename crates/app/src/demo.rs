//! Demonstration data: a slice of the new Quảng Ngãi province (after the 2025 merger, with the
//! bodies it replaced), the staff to process every online service at every agency offering one,
//! and citizen accounts. Safe to run twice:
//! what exists is kept, and demo passwords are set back to the printed ones.
//!
//! The agency codes follow the QCVN 102:2016 shape (`000.00.00.H53`) but are demo codes: the
//! province's official unit code after the merger was not found.
use motcua_domain::account::{AccountKind, Role, User};
use motcua_domain::authz::Grant;
use motcua_store::users;
use uuid::Uuid;

use crate::agencies::Snapshot;
use crate::staff::{By, NewStaff};
use crate::{App, AppError, Ctx, Result};

/// One demo account, as printed: `role<TAB>login<TAB>password<TAB>agency code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub role: &'static str,
    pub login: String,
    pub password: String,
    pub agency_code: String,
}

/// The demo catalogue: real procedures (with their national codes and names) with
/// forms and internal processes, offered by the demo agencies at levels 2, 3 and 4.
pub fn demo_catalogue() -> crate::catalogue::CatalogueSnapshot {
    serde_json::from_str(include_str!("demo_catalogue.json")).expect("demo catalogue is valid JSON")
}

pub fn demo_snapshot() -> Snapshot {
    serde_json::from_str(include_str!("demo_agencies.json"))
        .expect("demo agency tree is valid JSON")
}

const PROVINCE: &str = "000.00.00.H53";

/// The demo agencies that offer services at level 3 or 4, each with the short name in its staff
/// logins and the names of its reception officer, specialist, leader and cashier.
const OFFICES: &[(&str, &str, [&str; 4])] = &[
    (
        "000.00.11.H53",
        "tuphap",
        [
            "Trần Thị Bích",
            "Lê Văn Cường",
            "Phạm Minh Đức",
            "Võ Thị Hoa",
        ],
    ),
    (
        "000.00.13.H53",
        "taichinh",
        [
            "Nguyễn Thị Thu",
            "Đỗ Văn Hải",
            "Lương Quốc Bảo",
            "Phan Thị Mai",
        ],
    ),
    (
        "000.00.15.H53",
        "congan",
        [
            "Hồ Thị Ngọc",
            "Trịnh Văn Tâm",
            "Đinh Công Thành",
            "Mai Thị Hằng",
        ],
    ),
    (
        "000.01.01.H53",
        "camthanh",
        ["Lê Thị Hoa", "Trần Văn Nam", "Nguyễn Thị Lan", "Võ Văn Tài"],
    ),
    (
        "000.01.02.H53",
        "nghialo",
        [
            "Phạm Thị Yến",
            "Huỳnh Văn Lộc",
            "Bùi Thị Thanh",
            "Tạ Văn Phúc",
        ],
    ),
    (
        "000.01.03.H53",
        "kontum",
        ["A Thị Lợi", "Y Văn Hùng", "Nguyễn Văn Sơn", "Đặng Thị Vân"],
    ),
    (
        "000.01.04.H53",
        "lyson",
        [
            "Lê Thị Sương",
            "Phạm Văn Biển",
            "Trương Văn Đảo",
            "Võ Thị Cát",
        ],
    ),
    (
        "000.01.05.H53",
        "tunghia",
        [
            "Đoàn Thị Nga",
            "Lê Văn Trung",
            "Trần Quang Vinh",
            "Hà Thị Liên",
        ],
    ),
];

struct StaffSpec {
    role: Role,
    login: String,
    name: &'static str,
    agency: &'static str,
    unit: Option<&'static str>,
}

/// The demo staff, agency by agency: every agency offering a level-3 or level-4 service has a
/// reception officer on its desk, a specialist, a leader and, where its services charge fees, a
/// cashier (and Sở Tư pháp its administrator); then the province's administrator and inspector.
fn staff_specs() -> Vec<StaffSpec> {
    let catalogue = demo_catalogue();
    let fees = |agency: &str| {
        catalogue.services.iter().any(|s| {
            s.agency == agency
                && catalogue
                    .procedures
                    .iter()
                    .any(|p| p.code == s.procedure && p.fees.iter().any(|f| f.amount > 0))
        })
    };
    let mut out = vec![];
    for (code, slug, names) in OFFICES {
        out.extend(office_staff(code, slug, names, fees(code)));
    }
    for (role, login, name, agency) in [
        (
            Role::ProvinceAdmin,
            "quantri.tinh",
            "Đặng Thị Lan",
            PROVINCE,
        ),
        (Role::Inspector, "thanhtra.tinh", "Bùi Quốc Minh", PROVINCE),
    ] {
        out.push(StaffSpec {
            role,
            login: login.into(),
            name,
            agency,
            unit: None,
        });
    }
    out
}

/// The staff of one office: a reception officer, a specialist, a leader and (if its services
/// charge fees) a cashier, plus the extra people some offices need to show every workflow.
fn office_staff(
    code: &'static str,
    slug: &str,
    names: &[&'static str; 4],
    charges_fees: bool,
) -> Vec<StaffSpec> {
    let roles = [
        (Role::Reception, "tiepnhan", Some("MOTCUA")),
        // Sở Tư pháp's specialist belongs to its civil-judicial office; the others may be
        // assigned in any of their agency's units.
        (
            Role::Specialist,
            "chuyenvien",
            (slug == "tuphap").then_some("HCTP"),
        ),
        (Role::Leader, "lanhdao", Some("LD")),
        (
            Role::Cashier,
            "ketoan",
            Some(if slug == "tuphap" { "KT" } else { "MOTCUA" }),
        ),
    ];
    let mut out = vec![];
    for (i, (role, prefix, unit)) in roles.into_iter().enumerate() {
        if role == Role::Cashier && !charges_fees {
            continue;
        }
        out.push(StaffSpec {
            role,
            login: format!("{prefix}.{slug}"),
            name: names[i],
            agency: code,
            unit,
        });
    }
    if slug == "camthanh" {
        // A second specialist, so that a leader can reassign a dossier (R3.4).
        out.push(StaffSpec {
            role: Role::Specialist,
            login: "chuyenvien2.camthanh".into(),
            name: "Đỗ Thị Mơ",
            agency: code,
            unit: None,
        });
    }
    if slug == "tuphap" {
        out.push(StaffSpec {
            role: Role::AgencyAdmin,
            login: "quantri.tuphap".into(),
            name: "Huỳnh Văn Khánh",
            agency: code,
            unit: None,
        });
    }
    out
}

struct PublicSpec {
    role: &'static str,
    kind: AccountKind,
    id_number: &'static str,
    name: &'static str,
    email: &'static str,
    phone: &'static str,
}

const PUBLIC: &[PublicSpec] = &[
    PublicSpec {
        role: "citizen",
        kind: AccountKind::Citizen,
        id_number: "051095001234",
        name: "Nguyễn Văn An",
        email: "nguyenvanan@example.com",
        phone: "0912345678",
    },
    PublicSpec {
        role: "citizen",
        kind: AccountKind::Citizen,
        id_number: "062188004321",
        name: "Y Blúp Niê",
        email: "yblupnie@example.com",
        phone: "0987654321",
    },
    PublicSpec {
        role: "organisation",
        kind: AccountKind::Organisation,
        id_number: "0100109106",
        name: "Công ty TNHH Thương mại Sa Huỳnh",
        email: "lienhe.sahuynh@example.com",
        phone: "0255382000",
    },
];

fn demo_password(login: &str) -> String {
    // Readable demo passphrases; long enough for staff (15+) and not on the common list.
    let tail: String = login.chars().rev().take(4).collect();
    format!("demo {tail} núi Ấn sông Trà 2026")
}

impl App {
    /// Loads the demo data and answers the demo accounts.
    pub async fn load_demo(&self) -> Result<Vec<DemoAccount>> {
        let ctx = Ctx::default();
        let snapshot = demo_snapshot();
        self.import_agencies(&ctx, None, &snapshot).await?;
        // A demonstration CA, trusted, and a signing key per agency for its results (R8.2b).
        let agencies: Vec<(String, String)> = snapshot
            .agencies
            .iter()
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect();
        let config = self.config.clone();
        crate::signatures::blocking(move || {
            crate::signatures::results::demo_pki(&config, &agencies)
        })
        .await??;
        self.trust.reload();
        // The demo catalogue takes effect from the day the demo province was formed.
        self.import_catalogue(&ctx, None, &demo_catalogue(), jiff::civil::date(2025, 7, 1))
            .await?;
        let mut out = Vec::new();
        for s in staff_specs() {
            out.push(self.load_demo_staff(&ctx, s).await?);
        }
        for p in PUBLIC {
            out.push(self.load_demo_public(&ctx, p).await?);
        }
        Ok(out)
    }

    /// Creates a demo staff account (or sets its password back to the printed one), grants its
    /// role and puts a reception officer on duty at its desk: each step is skipped when done.
    async fn load_demo_staff(&self, ctx: &Ctx, s: StaffSpec) -> Result<DemoAccount> {
        let agency = self.agency_by_code(s.agency).await?;
        let password = demo_password(&s.login);
        let user = match self.find_user(&s.login).await {
            Ok(u) => {
                self.operator_set_password(ctx, u.id, &password).await?;
                u
            }
            Err(AppError::NotFound) => {
                let n = NewStaff {
                    login: s.login.clone(),
                    full_name: s.name.into(),
                    email: format!("{}@quangngai.example", s.login),
                    phone: String::new(),
                    home_agency_id: Some(agency.id),
                    password: password.clone(),
                };
                self.create_staff(ctx, By::Operator, &n).await?.0
            }
            Err(e) => return Err(e),
        };
        let unit_id = match s.unit {
            Some(code) => motcua_store::agencies::list_units(self.db.conn(), Some(agency.id))
                .await?
                .into_iter()
                .find(|u| u.code == code)
                .map(|u| u.id),
            None => None,
        };
        let g = Grant {
            role: s.role,
            agency_id: agency.id,
            unit_id,
        };
        match self.grant_role(ctx, By::Operator, user.id, &g).await {
            Ok(_) | Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
        if s.role == Role::Reception
            && let Some(desk) = unit_id
            && self
                .duty_roster_unchecked(desk)
                .await?
                .iter()
                .all(|d| d.user_id != user.id)
        {
            let from = jiff::civil::date(2025, 7, 1);
            self.add_duty(ctx, By::Operator, desk, user.id, from, None)
                .await?;
        }
        Ok(DemoAccount {
            role: s.role.as_str(),
            login: s.login,
            password,
            agency_code: s.agency.into(),
        })
    }

    /// Creates a demo citizen or organisation account, its e-mail address already confirmed
    /// (or sets its password back to the printed one).
    async fn load_demo_public(&self, ctx: &Ctx, p: &PublicSpec) -> Result<DemoAccount> {
        let password = demo_password(p.id_number);
        match self.find_user(p.id_number).await {
            Ok(u) => self.operator_set_password(ctx, u.id, &password).await?,
            Err(AppError::NotFound) => {
                let hash = self.hash_password(&password).await?;
                let now = self.now();
                let user = User {
                    id: Uuid::now_v7(),
                    kind: p.kind,
                    login: p.id_number.into(),
                    email: Some(p.email.into()),
                    email_verified: true,
                    phone: Some(p.phone.into()),
                    full_name: p.name.into(),
                    id_number: Some(p.id_number.into()),
                    home_agency_id: None,
                    disabled: false,
                    created_at: now,
                };
                let tx = self.db.write().await?;
                users::insert_user(&tx, &user, &hash, now).await?;
                tx.commit().await?;
            }
            Err(e) => return Err(e),
        }
        Ok(DemoAccount {
            role: p.role,
            login: p.id_number.into(),
            password,
            agency_code: String::new(),
        })
    }

    async fn duty_roster_unchecked(&self, unit: Uuid) -> Result<Vec<users::Duty>> {
        Ok(users::list_duty(self.db.conn(), unit).await?)
    }
}

/// The demo accounts as `load_demo` prints them, without touching the database.
pub fn accounts_without_loading() -> Vec<DemoAccount> {
    staff_specs()
        .into_iter()
        .map(|s| DemoAccount {
            role: s.role.as_str(),
            password: demo_password(&s.login),
            login: s.login,
            agency_code: s.agency.into(),
        })
        .chain(PUBLIC.iter().map(|p| DemoAccount {
            role: p.role,
            login: p.id_number.into(),
            password: demo_password(p.id_number),
            agency_code: String::new(),
        }))
        .collect()
}
