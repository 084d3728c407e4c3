//! Dossier submission, attachments and tracking through the API (R4.3, R4.4, R6.1, R6.2, R7.1a,
//! R7.2a, R13.2).
use motcua_domain::account::Role;
use motcua_domain::authz::Grant;
use motcua_testkit::{Engine, TestApp, jpeg, pdf};
use reqwest::Method;
use serde_json::{Value, json};

use crate::security::demo_pw;

mod claim;
mod delivery;
mod progress;
mod scanning;
mod submission;
mod wallet;
mod whole;

pub const CITIZEN: &str = "051095001234";
pub const OTHER: &str = "062188004321";

pub fn answers() -> Value {
    json!({"ho_ten": "Phạm Văn Bình", "so_dinh_danh": "051095001234", "ngay_khoi_cong": "2026-04-01", "so_tang": 3, "loai_cong_trinh": "nha_o", "nop_thay": false,
           "dia_diem": {"province": "Quảng Ngãi", "commune": "Phường Cẩm Thành", "detail": "12 Lê Lợi"}, "ban_ve": [{"ten": "Mặt bằng tầng 1"}]})
}

/// Demo data plus our fixture catalogue (1.009999 at Cẩm Thành, level 4).
pub async fn setup(e: Engine) -> TestApp {
    setup_with(e, |_| {}).await
}

pub async fn setup_with(e: Engine, tweak: impl FnOnce(&mut motcua_app::Config)) -> TestApp {
    let t = TestApp::spawn_with(e, tweak).await;
    t.demo().await;
    t.app
        .import_catalogue(
            &Default::default(),
            None,
            &crate::catalogue::fixture(),
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    t
}

pub async fn token(t: &TestApp, login: &str) -> (motcua_testkit::Client, String) {
    let mut c = t.client();
    let tok = c.token(login, &demo_pw(t, login)).await;
    (c, tok)
}

/// A reception officer of Cẩm Thành (where 1.009999 is offered), logged in: client and token.
pub async fn camthanh_desk(t: &TestApp) -> (motcua_testkit::Client, String) {
    camthanh_staff(t, "tiepnhan.camthanh", "Lê Thị Hoa", Role::Reception).await
}

/// A staff member of Cẩm Thành with one role, logged in: client and token.
pub async fn camthanh_staff(
    t: &TestApp,
    login: &str,
    name: &str,
    role: Role,
) -> (motcua_testkit::Client, String) {
    let (c, tok, _) = camthanh_staff_pw(t, login, name, role).await;
    (c, tok)
}

/// The Cẩm Thành processing trio (reception, specialist, leader), created: (login, password)
/// in that order.
pub async fn camthanh_trio(t: &TestApp) -> Vec<(String, String)> {
    let mut out = vec![];
    for (login, name, role) in [
        ("tiepnhan.camthanh", "Lê Thị Hoa", Role::Reception),
        ("chuyenvien.camthanh", "Trần Văn Nam", Role::Specialist),
        ("lanhdao.camthanh", "Nguyễn Thị Lan", Role::Leader),
    ] {
        let (_, _, pw) = camthanh_staff_pw(t, login, name, role).await;
        out.push((login.to_string(), pw));
    }
    out
}

/// As [`camthanh_staff`], with the password too (to log in again after the clock moves on).
pub async fn camthanh_staff_pw(
    t: &TestApp,
    login: &str,
    name: &str,
    role: Role,
) -> (motcua_testkit::Client, String, String) {
    use motcua_app::staff::By;
    // The demo has the processing staff of every agency offering online services.
    if let Some(a) = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.login == login)
    {
        assert_eq!(
            (a.role, a.agency_code.as_str()),
            (role.as_str(), "000.01.01.H53")
        );
        let mut c = t.client();
        let tok = c.token(login, &a.password).await;
        return (c, tok, a.password);
    }
    let cam_thanh = t.app.agency_by_code("000.01.01.H53").await.unwrap();
    let new = motcua_app::staff::NewStaff {
        login: login.into(),
        full_name: name.into(),
        home_agency_id: Some(cam_thanh.id),
        ..Default::default()
    };
    let (u, pw) = t
        .app
        .create_staff(&Default::default(), By::Operator, &new)
        .await
        .unwrap();
    let grant = Grant {
        role,
        agency_id: cam_thanh.id,
        unit_id: None,
    };
    t.app
        .grant_role(&Default::default(), By::Operator, u.id, &grant)
        .await
        .unwrap();
    let pw = pw.unwrap();
    let mut c = t.client();
    let tok = c.token(login, &pw).await;
    (c, tok, pw)
}

/// The id of the fixture's service (1.009999 at Cẩm Thành).
pub async fn fixture_service(t: &TestApp) -> String {
    t.client()
        .json(Method::GET, "/api/v1/procedures/1.009999", None, None)
        .await
        .json()["services"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Reception registers a dossier of `svc` received `intake` (in_person, postal) for Hồ Thị Lan,
/// phone 0905 111 222; answers its code.
pub async fn register(
    desk: &mut motcua_testkit::Client,
    tok: &str,
    svc: &str,
    intake: &str,
) -> String {
    let body = json!({"service": svc, "intake": intake, "form": answers(),
        "applicant_name": "Hồ Thị Lan", "phone": "0905 111 222"});
    let r = desk
        .json(
            Method::POST,
            "/api/v1/dossiers/register",
            Some(tok),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

/// Creates a draft of 1.009999 with good answers; answers its id.
pub async fn draft(c: &mut motcua_testkit::Client, tok: &str) -> String {
    let r = c
        .json(
            Method::POST,
            "/api/v1/dossiers",
            Some(tok),
            Some(json!({"procedure": "1.009999", "agency": "000.01.01.H53", "form": answers()})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

/// A draft with every required file, ready to submit.
pub async fn ready(c: &mut motcua_testkit::Client, tok: &str) -> String {
    let id = draft(c, tok).await;
    assert_eq!(
        c.upload(tok, &id, "don", "don.pdf", pdf(2000)).await.status,
        201
    );
    assert_eq!(
        c.upload(tok, &id, "ban-ve", "ban-ve-1.jpg", jpeg(3000))
            .await
            .status,
        201
    );
    id
}

pub async fn submit(
    c: &mut motcua_testkit::Client,
    tok: &str,
    id: &str,
    key: Option<&str>,
) -> motcua_testkit::Resp {
    let headers: Vec<(&str, &str)> = key
        .map(|k| vec![("idempotency-key", k)])
        .unwrap_or_default();
    c.json_with(
        Method::POST,
        &format!("/api/v1/dossiers/{id}/submit"),
        Some(tok),
        &headers,
        Some(json!({"declaration_accepted": true})),
    )
    .await
}
