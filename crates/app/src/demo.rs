//! Demonstration data: a slice of the new Quảng Ngãi province (after the 2025 merger, with the
//! bodies it replaced), one staff account per role and citizen accounts. Safe to run twice:
//! what exists is kept, and demo passwords are set back to the printed ones.
//!
//! The agency codes follow the QCVN 102:2016 shape (`000.00.00.H53`) but are demo codes: the
//! province's official unit code after the merger was not found (domain.md §2.5).
use motcua_domain::account::{AccountKind, Role, User};
use motcua_domain::authz::Grant;
use motcua_store::users;
use uuid::Uuid;

use crate::agencies::Snapshot;
use crate::crypto::hash_password;
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

/// The demo catalogue: real procedures (national codes and names from domain.md §11) with
/// forms and internal processes, offered by the demo agencies at levels 2, 3 and 4.
pub fn demo_catalogue() -> crate::catalogue::CatalogueSnapshot {
    serde_json::from_str(include_str!("demo_catalogue.json")).expect("demo catalogue is valid JSON")
}

pub fn demo_snapshot() -> Snapshot {
    serde_json::from_str(include_str!("demo_agencies.json"))
        .expect("demo agency tree is valid JSON")
}

const JUSTICE: &str = "000.00.11.H53";
const PROVINCE: &str = "000.00.00.H53";

struct StaffSpec {
    role: Role,
    login: &'static str,
    name: &'static str,
    agency: &'static str,
    unit: Option<&'static str>,
}

const STAFF: &[StaffSpec] = &[
    StaffSpec {
        role: Role::Reception,
        login: "tiepnhan.tuphap",
        name: "Trần Thị Bích",
        agency: JUSTICE,
        unit: Some("MOTCUA"),
    },
    StaffSpec {
        role: Role::Specialist,
        login: "chuyenvien.tuphap",
        name: "Lê Văn Cường",
        agency: JUSTICE,
        unit: Some("HCTP"),
    },
    StaffSpec {
        role: Role::Leader,
        login: "lanhdao.tuphap",
        name: "Phạm Minh Đức",
        agency: JUSTICE,
        unit: Some("LD"),
    },
    StaffSpec {
        role: Role::Cashier,
        login: "ketoan.tuphap",
        name: "Võ Thị Hoa",
        agency: JUSTICE,
        unit: Some("KT"),
    },
    StaffSpec {
        role: Role::AgencyAdmin,
        login: "quantri.tuphap",
        name: "Huỳnh Văn Khánh",
        agency: JUSTICE,
        unit: None,
    },
    StaffSpec {
        role: Role::ProvinceAdmin,
        login: "quantri.tinh",
        name: "Đặng Thị Lan",
        agency: PROVINCE,
        unit: None,
    },
    StaffSpec {
        role: Role::Inspector,
        login: "thanhtra.tinh",
        name: "Bùi Quốc Minh",
        agency: PROVINCE,
        unit: None,
    },
];

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
        self.import_agencies(&ctx, None, &demo_snapshot()).await?;
        // The demo catalogue takes effect from the day the demo province was formed.
        self.import_catalogue(&ctx, None, &demo_catalogue(), jiff::civil::date(2025, 7, 1))
            .await?;
        let mut out = Vec::new();
        for s in STAFF {
            let agency = self.agency_by_code(s.agency).await?;
            let password = demo_password(s.login);
            let user = match self.find_user(s.login).await {
                Ok(u) => {
                    self.operator_set_password(&ctx, u.id, &password).await?;
                    u
                }
                Err(AppError::NotFound) => {
                    let n = NewStaff {
                        login: s.login.into(),
                        full_name: s.name.into(),
                        email: format!("{}@quangngai.example", s.login),
                        phone: String::new(),
                        home_agency_id: Some(agency.id),
                        password: password.clone(),
                    };
                    self.create_staff(&ctx, By::Operator, &n).await?.0
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
            match self.grant_role(&ctx, By::Operator, user.id, &g).await {
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
                self.add_duty(&ctx, By::Operator, desk, user.id, from, None)
                    .await?;
            }
            out.push(DemoAccount {
                role: s.role.as_str(),
                login: s.login.into(),
                password,
                agency_code: s.agency.into(),
            });
        }
        for p in PUBLIC {
            let password = demo_password(p.id_number);
            match self.find_user(p.id_number).await {
                Ok(u) => self.operator_set_password(&ctx, u.id, &password).await?,
                Err(AppError::NotFound) => {
                    let pw = password.clone();
                    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
                        .await
                        .map_err(|e| AppError::Unexpected(e.to_string()))?;
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
            out.push(DemoAccount {
                role: p.role,
                login: p.id_number.into(),
                password,
                agency_code: String::new(),
            });
        }
        Ok(out)
    }

    async fn duty_roster_unchecked(&self, unit: Uuid) -> Result<Vec<users::DutyRow>> {
        Ok(users::list_duty(self.db.conn(), unit).await?)
    }
}

/// The demo accounts as `load_demo` prints them, without touching the database.
pub fn accounts_without_loading() -> Vec<DemoAccount> {
    STAFF
        .iter()
        .map(|s| DemoAccount {
            role: s.role.as_str(),
            login: s.login.into(),
            password: demo_password(s.login),
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
