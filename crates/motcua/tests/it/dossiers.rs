//! Dossier submission, attachments and tracking through the API (issue 4; R6.1, R6.2, R7.1a,
//! R7.2a, R13.2; security.md rows 12, 14–16, 19–21, 24–28, 47, 54).
use motcua_domain::account::Role;
use motcua_domain::authz::Grant;
use motcua_testkit::{Engine, TestApp, engine_tests, jpeg, pdf};
use reqwest::Method;
use serde_json::{Value, json};

use crate::security::demo_pw;

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

async fn submission_through_the_api(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    // The draft resumes from another session (another token, another device).
    let (mut other_device, tok2) = token(&t, CITIZEN).await;
    let d = other_device
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&tok2),
            None,
        )
        .await
        .json();
    assert_eq!(d["status"], "draft");
    assert_eq!(d["form"]["ho_ten"], "Phạm Văn Bình");
    let mut changed = answers();
    changed["nop_thay"] = json!(true);
    assert_eq!(
        other_device
            .json(
                Method::PUT,
                &format!("/api/v1/dossiers/{id}/form"),
                Some(&tok2),
                Some(changed)
            )
            .await
            .status,
        200
    );
    // Several files per component.
    let a = c.upload(&tok, &id, "don", "trang-1.pdf", pdf(5000)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["kind"], "pdf");
    assert_eq!(
        c.upload(&tok, &id, "don", "trang-2.jpg", jpeg(4000))
            .await
            .status,
        201
    );
    // Submitting needs the declaration, and every needed component.
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/submit"),
            Some(&tok),
            Some(json!({"declaration_accepted": false})),
        )
        .await;
    assert_eq!(r.status, 422);
    // A draft that lacks what it needs conflicts with submission: 409, each problem listed.
    let r = submit(&mut c, &tok, &id, Some("k-1")).await;
    assert_eq!(r.status, 409);
    assert!(
        r.body.contains("Bản vẽ thiết kế") && r.body.contains("Văn bản ủy quyền"),
        "the answers made the power of attorney needed: {}",
        r.body
    );
    c.upload(
        &tok,
        &id,
        "ban-ve",
        "ban-ve.webp",
        b"RIFF\x10\0\0\0WEBPVP8 xxxxxxxx".to_vec(),
    )
    .await;
    c.upload(
        &tok,
        &id,
        "uy-quyen",
        "uy-quyen.heic",
        b"\0\0\0\x18ftypheic\0\0\0\0mif1xxxx".to_vec(),
    )
    .await;
    let r = submit(&mut c, &tok, &id, Some("k-2")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    assert_eq!(code, "000.01.01.H53-260302-0001");
    // What is stored: status, national code, pinned version, declaration, files with hashes.
    let d = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(d["status"], "submitted");
    assert_eq!(d["national_status"], 1);
    assert_eq!(d["intake"], "online");
    assert_eq!(d["procedure_version"], 1);
    assert!(d["declaration"].as_str().unwrap().contains("cam đoan"));
    assert!(d["declared_at"].as_str().unwrap().starts_with("2026-03-02"));
    let files = d["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    for f in files {
        let bytes = t
            .app
            .blobs
            .read_verified(f["sha256"].as_str().unwrap())
            .await
            .expect("stored file matches its hash");
        assert_eq!(bytes.len() as i64, f["size"].as_i64().unwrap());
    }
    assert_eq!(d["events"][0]["kind"], "submit");
    // Listed among the person's dossiers; no longer editable.
    let list = c
        .json(Method::GET, "/api/v1/dossiers", Some(&tok), None)
        .await
        .json();
    assert_eq!(list[0]["code"], code.as_str());
    assert_eq!(
        c.json(
            Method::PUT,
            &format!("/api/v1/dossiers/{id}/form"),
            Some(&tok),
            Some(answers())
        )
        .await
        .status,
        409
    );
    assert_eq!(
        c.upload(&tok, &id, "don", "late.pdf", pdf(100))
            .await
            .status,
        409
    );
    // The procedure page counts it (R5.1b).
    assert!(
        t.client()
            .get("/dich-vu-cong/1.009999")
            .await
            .body
            .contains("<dt>Hồ sơ đã nộp</dt><dd>1</dd>")
    );
}

async fn nobody_else_reaches_a_dossier(e: Engine) {
    let t = setup(e).await;
    let (mut a, ta) = token(&t, CITIZEN).await;
    let id = ready(&mut a, &ta).await;
    let file = a
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&ta),
            None,
        )
        .await
        .json()["files"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let draft_id = draft(&mut a, &ta).await;
    let code = submit(&mut a, &ta, &id, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut b, tb) = token(&t, OTHER).await;
    let (mut staff, ts) = token(&t, "tiepnhan.tuphap").await; // another agency's desk
    for (who, c, tok) in [
        ("citizen B", &mut b, &tb),
        ("staff of another agency", &mut staff, &ts),
    ] {
        for key in [id.as_str(), code.as_str(), draft_id.as_str()] {
            let r = c
                .json(
                    Method::GET,
                    &format!("/api/v1/dossiers/{key}"),
                    Some(tok),
                    None,
                )
                .await;
            assert_eq!(r.status, 404, "{who} GET {key}");
            assert!(!r.body.contains("Phạm Văn Bình"));
            assert_eq!(
                c.json(
                    Method::GET,
                    &format!("/api/v1/dossiers/{key}/attachments/{file}"),
                    Some(tok),
                    None
                )
                .await
                .status,
                404,
                "{who} download"
            );
            assert_eq!(
                c.json(
                    Method::PUT,
                    &format!("/api/v1/dossiers/{key}/form"),
                    Some(tok),
                    Some(json!({"ho_ten": "x"}))
                )
                .await
                .status,
                404,
                "{who} edit"
            );
            assert_eq!(
                c.upload(tok, key, "don", "x.pdf", pdf(100)).await.status,
                404,
                "{who} upload"
            );
            assert_eq!(
                c.json(
                    Method::DELETE,
                    &format!("/api/v1/dossiers/{key}/attachments/{file}"),
                    Some(tok),
                    None
                )
                .await
                .status,
                404,
                "{who} delete file"
            );
            assert_eq!(
                c.json(
                    Method::POST,
                    &format!("/api/v1/dossiers/{key}/submit"),
                    Some(tok),
                    Some(json!({"declaration_accepted": true}))
                )
                .await
                .status,
                404,
                "{who} submit"
            );
            assert_eq!(
                c.json(
                    Method::POST,
                    &format!("/api/v1/dossiers/{key}/withdraw"),
                    Some(tok),
                    Some(json!({}))
                )
                .await
                .status,
                404,
                "{who} withdraw"
            );
            assert_eq!(
                c.json(
                    Method::POST,
                    &format!("/api/v1/dossiers/{key}/supplement-request"),
                    Some(tok),
                    Some(json!({"components": ["don"], "note": "x"}))
                )
                .await
                .status,
                404,
                "{who} supplement"
            );
        }
        let list = c
            .json(Method::GET, "/api/v1/dossiers", Some(tok), None)
            .await
            .json();
        assert!(list.as_array().unwrap().is_empty(), "{who} sees none");
    }
    // Nothing changed.
    let d = a
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&ta),
            None,
        )
        .await
        .json();
    assert_eq!(
        (d["status"].as_str(), d["files"].as_array().unwrap().len()),
        (Some("submitted"), 2)
    );
    assert_eq!(d["form"]["ho_ten"], "Phạm Văn Bình");
    // Staff of the dossier's own agency do see it.
    let (mut desk, td) = camthanh_desk(&t).await;
    assert_eq!(
        desk.json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&td),
            None
        )
        .await
        .status,
        200
    );
    // Unauthenticated: 401.
    assert_eq!(
        t.client()
            .json(Method::GET, &format!("/api/v1/dossiers/{code}"), None, None)
            .await
            .status,
        401
    );
}

async fn uploads_are_checked(e: Engine) {
    let t = setup_with(e, |c| {
        c.dossiers.max_file_mb = 1;
        c.dossiers.max_dossier_mb = 2;
    })
    .await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    let before = t.app.blobs.list().await.unwrap().len();
    // Too large: refused (413), nothing left behind.
    let r = c
        .upload(&tok, &id, "don", "lon.pdf", pdf(1024 * 1024 + 10))
        .await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body.contains("quá lớn"));
    // Wrong content, or a name that lies about it: refused (422), nothing left behind.
    for (name, body) in [
        (
            "trang.pdf",
            b"<html><script>alert(1)</script></html>".to_vec(),
        ),
        ("anh.png", pdf(500)),
        (
            "a.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        ),
        (
            "virus.exe",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0rest".to_vec(),
        ),
    ] {
        let r = c.upload(&tok, &id, "don", name, body).await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
    }
    assert_eq!(
        c.upload(&tok, &id, "khong-co", "a.pdf", pdf(100))
            .await
            .status,
        409,
        "a component the dossier's procedure does not have"
    );
    assert_eq!(
        t.app.blobs.list().await.unwrap().len(),
        before,
        "no blob from refused uploads"
    );
    assert_eq!(t.app.blobs.temp_files(), 0, "no temporary file left");
    // The per-dossier limit: 2 MB in all.
    assert_eq!(
        c.upload(&tok, &id, "don", "a.pdf", pdf(900 * 1024))
            .await
            .status,
        201
    );
    assert_eq!(
        c.upload(&tok, &id, "don", "b.pdf", pdf(900 * 1024))
            .await
            .status,
        201
    );
    assert_eq!(
        c.upload(&tok, &id, "don", "c.pdf", pdf(900 * 1024))
            .await
            .status,
        413,
        "over the dossier's 2 MB"
    );
    // A hostile file name is stored and served safely.
    let evil = "../../x\"\r\nSet-Cookie: a=b.pdf";
    let r = c.upload(&tok, &id, "ban-ve", evil, pdf(300)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let f = r.json();
    assert_eq!(f["name"], "x_Set-Cookie_ a=b.pdf");
    let d = c
        .json(
            Method::GET,
            &format!(
                "/api/v1/dossiers/{id}/attachments/{}",
                f["id"].as_str().unwrap()
            ),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(d.status, 200);
    assert!(d.header("set-cookie").is_none(), "no header injection");
    let cd = d.header("content-disposition").unwrap();
    assert!(
        cd.starts_with("attachment; filename=\"x_set-cookie__a_b.pdf\"; filename*=UTF-8''"),
        "{cd}"
    );
    assert_eq!(d.header("content-type"), Some("application/pdf"));
    assert_eq!(d.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(d.header("cache-control"), Some("no-store"));
    assert!(
        d.header("content-security-policy")
            .unwrap()
            .starts_with("sandbox")
    );
    // Stored under its hash, never under a name the person chose.
    let stored = t.app.blobs.list().await.unwrap();
    assert!(
        stored
            .iter()
            .all(|n| n.len() == 64 && n.chars().all(|c| c.is_ascii_hexdigit()))
    );
    // Nothing uploaded is reachable from a static path.
    assert_eq!(
        t.client()
            .get(&format!("/static/{}", f["sha256"].as_str().unwrap()))
            .await
            .status,
        404
    );
    assert_eq!(t.client().get("/blobs/objects").await.status, 404);
}

async fn one_key_one_dossier(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let mut c = c.clone();
        let tok = tok.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            submit(&mut c, &tok, &id, Some("nhan-dup-1")).await
        }));
    }
    let mut codes = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        codes.insert(r.json()["code"].as_str().unwrap().to_string());
    }
    assert_eq!(codes.len(), 1, "one dossier: {codes:?}");
    // The same key for another request is refused.
    let other = ready(&mut c, &tok).await;
    let r = submit(&mut c, &tok, &other, Some("nhan-dup-1")).await;
    assert_eq!(r.status, 409);
    // A double click without a key answers the same code too.
    let again = submit(&mut c, &tok, &id, None).await;
    assert_eq!(
        again.json()["code"].as_str().unwrap(),
        codes.iter().next().unwrap()
    );
}

async fn codes_are_unique_and_gap_free(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let (mut c2, tok2) = token(&t, OTHER).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        if i % 2 == 0 {
            ids.push((ready(&mut c, &tok).await, true))
        } else {
            ids.push((ready(&mut c2, &tok2).await, false))
        }
    }
    let mut tasks = Vec::new();
    for (id, first) in ids {
        let (mut cl, tk) = if first {
            (c.clone(), tok.clone())
        } else {
            (c2.clone(), tok2.clone())
        };
        tasks.push(tokio::spawn(async move {
            submit(&mut cl, &tk, &id, None).await
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        codes.push(r.json()["code"].as_str().unwrap().to_string());
    }
    codes.sort();
    let expected: Vec<String> = (1..=12)
        .map(|n| format!("000.01.01.H53-260302-{n:04}"))
        .collect();
    assert_eq!(codes, expected, "unique and gap-free");
    // A new day starts again at 0001.
    t.clock.advance(jiff::SignedDuration::from_hours(24));
    let (mut c3, tok3) = token(&t, CITIZEN).await;
    let id = ready(&mut c3, &tok3).await;
    assert_eq!(
        submit(&mut c3, &tok3, &id, None).await.json()["code"],
        "000.01.01.H53-260303-0001"
    );
}

async fn supplement_and_withdraw(e: Engine) {
    let t = setup(e).await;
    let (mut desk, td) = camthanh_desk(&t).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    let code = submit(&mut c, &tok, &id, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let r = desk
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/supplement-request"),
            Some(&td),
            Some(json!({"components": ["ban-ve"], "note": "Bản vẽ mờ, chụp lại rõ hơn."})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let d = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(
        (d["status"].as_str(), d["national_status"].as_u64()),
        (Some("supplement_requested"), Some(5))
    );
    assert_eq!(d["supplement_requested"]["components"], json!(["ban-ve"]));
    // Exactly the requested items: another component is refused.
    assert_eq!(
        c.upload(&tok, &id, "don", "don-moi.pdf", pdf(100))
            .await
            .status,
        422
    );
    assert_eq!(
        c.upload(&tok, &id, "ban-ve", "ban-ve-ro.jpg", jpeg(500))
            .await
            .status,
        201
    );
    let r = submit(&mut c, &tok, &id, Some("bo-sung-1")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["code"],
        code.as_str(),
        "the same code after supplementing"
    );
    let d = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(
        (
            d["status"].as_str(),
            d["stage"].as_str(),
            d["national_status"].as_u64()
        ),
        (Some("submitted"), Some("supplemented"), Some(1))
    );
    // Withdrawal, once.
    assert_eq!(
        c.json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/withdraw"),
            Some(&tok),
            Some(json!({"reason": "Nộp nhầm"}))
        )
        .await
        .status,
        204
    );
    let d = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(
        (d["status"].as_str(), d["national_status"].as_u64()),
        (Some("withdrawn"), Some(7))
    );
    assert_eq!(
        c.json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/withdraw"),
            Some(&tok),
            Some(json!({}))
        )
        .await
        .status,
        409
    );
    // Registration at the counter and from the post, by the desk only.
    let svc = t
        .client()
        .json(Method::GET, "/api/v1/procedures/1.009999", None, None)
        .await
        .json()["services"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = desk.json(Method::POST, "/api/v1/dossiers/register", Some(&td), Some(json!({"service": svc, "intake": "postal", "form": answers(), "applicant_name": "Hồ Thị Lan", "phone": "0905111222"}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["code"], "000.01.01.H53-260302-0002");
    let r = c.json(Method::POST, "/api/v1/dossiers/register", Some(&tok), Some(json!({"service": svc, "intake": "in_person", "form": answers(), "applicant_name": "X Y", "phone": "0905111222"}))).await;
    assert_eq!(r.status, 403);
}

async fn public_lookup(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    let code = submit(&mut c, &tok, &id, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let mut anon = t.client();
    let r = anon
        .json(Method::GET, &format!("/api/v1/lookup/{code}"), None, None)
        .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["national_status"], 1);
    assert_eq!(v["agency"], "Ủy ban nhân dân phường Cẩm Thành");
    assert!(v["history"].is_null());
    for personal in ["Phạm Văn Bình", "051095001234", "0912345678", "nguyenvanan"] {
        assert!(!r.body.contains(personal), "no personal data: {personal}");
    }
    // The detailed view needs the last four digits of the phone; guesses are limited.
    let r = anon
        .json_with(
            Method::GET,
            &format!("/api/v1/lookup/{code}"),
            None,
            &[("x-phone-last-digits", "5678")],
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["history"][0][1], "Mới đăng ký, chờ tiếp nhận");
    for _ in 0..5 {
        assert_eq!(
            anon.json_with(
                Method::GET,
                &format!("/api/v1/lookup/{code}"),
                None,
                &[("x-phone-last-digits", "0000")],
                None
            )
            .await
            .status,
            422
        );
    }
    assert_eq!(
        anon.json_with(
            Method::GET,
            &format!("/api/v1/lookup/{code}"),
            None,
            &[("x-phone-last-digits", "5678")],
            None
        )
        .await
        .status,
        429,
        "too many wrong guesses for this code"
    );
    assert_eq!(
        anon.json(
            Method::GET,
            "/api/v1/lookup/000.01.01.H53-260302-9999",
            None,
            None
        )
        .await
        .status,
        404
    );
    // Enumeration is rate-limited per address.
    let mut last = 0;
    for n in 0..70 {
        last = anon
            .json(
                Method::GET,
                &format!("/api/v1/lookup/000.01.01.H53-260302-{n:04}"),
                None,
                None,
            )
            .await
            .status;
    }
    assert_eq!(last, 429);
}

/// A draft untouched for `draft_days` goes, with its files; saving its answers again keeps it
/// for `draft_days` from then.
async fn drafts_expire(e: Engine) {
    let t = setup_with(e, |c| c.dossiers.draft_days = 30).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let old = ready(&mut c, &tok).await;
    let touched = draft(&mut c, &tok).await;
    let conn = t.app.db.conn();
    let old_files = motcua_store::dossiers::files(conn, old.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(old_files.len(), 2);
    // Day 20: the second draft's answers are saved again; a third draft is started.
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 20));
    let (mut c, tok) = token(&t, CITIZEN).await;
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/dossiers/{touched}/form"),
            Some(&tok),
            Some(answers()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let recent = draft(&mut c, &tok).await;
    // Day 31: only the first draft, untouched for 31 days, goes, and its files with it.
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 11));
    assert_eq!(t.app.maintenance().await.unwrap().drafts, 1);
    let (mut c, tok) = token(&t, CITIZEN).await;
    let mut found = vec![];
    for id in [&old, &touched, &recent] {
        let path = format!("/api/v1/dossiers/{id}");
        found.push(c.json(Method::GET, &path, Some(&tok), None).await.status);
    }
    assert_eq!(found, [404, 200, 200]);
    let left = motcua_store::dossiers::files(conn, old.parse().unwrap())
        .await
        .unwrap();
    assert!(left.is_empty(), "the expired draft's files are deleted");
    let referenced = motcua_store::dossiers::referenced_blobs(conn)
        .await
        .unwrap();
    for f in &old_files {
        assert!(
            !referenced.contains(&f.sha256),
            "nothing refers to the expired draft's content any more"
        );
    }
    // Day 51: 30 days after the save and after the third draft's start, both go.
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 20));
    assert_eq!(t.app.maintenance().await.unwrap().drafts, 2);
}

/// Reception accepts (R11.3, issue 6): the appointment is the procedure's online time (15 working
/// days) from the valid receipt, Monday 02/03/2026 09:00, on the working calendar; the person gets
/// the acceptance notice with the date, the originals to bring and the online fee; a second
/// acceptance, the citizen and another agency's desk are refused and change nothing.
async fn reception_accepts_or_refuses(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    let code = submit(&mut c, &tok, &id, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let accept = format!("/api/v1/dossiers/{code}/accept");
    let r = c
        .json(Method::POST, &accept, Some(&tok), Some(json!({})))
        .await;
    assert_eq!(r.status, 409, "the citizen cannot accept: {}", r.body);
    assert!(r.body.contains("không thuộc vai trò"), "{}", r.body);
    let (mut desk, td) = camthanh_desk(&t).await;
    let (mut other, to) = token(&t, "tiepnhan.tuphap").await;
    let r = other.json(Method::POST, &accept, Some(&to), None).await;
    assert_eq!(r.status, 404, "another agency's desk: {}", r.body);
    let r = desk
        .json(
            Method::POST,
            &accept,
            Some(&td),
            Some(json!({"comment": "Đủ giấy tờ"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["appointment_at"], "2026-03-23T09:00:00+07:00");
    let r = desk.json(Method::POST, &accept, Some(&td), None).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("Tiếp nhận hồ sơ"), "{}", r.body);
    let d = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(
        (d["status"].as_str(), d["national_status"].as_u64()),
        (Some("accepted"), Some(2))
    );
    assert_eq!(d["appointment_at"], "2026-03-23T09:00:00+07:00");
    let n = d["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "acceptance")
        .expect("acceptance notice");
    assert!(n["subject"].as_str().unwrap().contains("23/03/2026 09:00"));
    let id = uuid::Uuid::parse_str(n["id"].as_str().unwrap()).unwrap();
    let body = motcua_store::notices::get_notice(t.app.db.conn(), id)
        .await
        .unwrap()
        .body;
    assert!(
        body.contains("Ngày hẹn trả kết quả: 23/03/2026 09:00"),
        "{body}"
    );
    assert!(
        body.contains("50.000 đ") && body.contains("bản chính"),
        "{body}"
    );
    assert!(
        body.contains("- Đơn đề nghị cấp giấy phép xây dựng"),
        "the original to bring: {body}"
    );

    // Refusal at intake (R11.2): reasons are required, then listed in the notice; nothing can be
    // accepted afterwards.
    let id2 = ready(&mut c, &tok).await;
    let code2 = submit(&mut c, &tok, &id2, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let refuse = format!("/api/v1/dossiers/{code2}/refuse");
    let r = desk
        .json(
            Method::POST,
            &refuse,
            Some(&td),
            Some(json!({"reasons": ["  "]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let reason = "Thửa đất không thuộc địa bàn phường Cẩm Thành";
    let r = desk
        .json(
            Method::POST,
            &refuse,
            Some(&td),
            Some(json!({"reasons": [reason]})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let d = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code2}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(
        (d["status"].as_str(), d["national_status"].as_u64()),
        (Some("refused"), Some(3))
    );
    let n = d["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "refusal")
        .expect("refusal notice");
    let id = uuid::Uuid::parse_str(n["id"].as_str().unwrap()).unwrap();
    let body = motcua_store::notices::get_notice(t.app.db.conn(), id)
        .await
        .unwrap()
        .body;
    assert!(body.contains(reason), "{body}");
    let r = desk
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code2}/accept"),
            Some(&td),
            None,
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
}

engine_tests!(
    reception_accepts_or_refuses,
    drafts_expire,
    submission_through_the_api,
    nobody_else_reaches_a_dossier,
    uploads_are_checked,
    one_key_one_dossier,
    codes_are_unique_and_gap_free,
    supplement_and_withdraw,
    public_lookup
);

/// A person or business with more dossiers than the engines' parameter limits (SQLite: 32,766)
/// can still upload: the storage quota is summed in one query, not over a list of ids.
async fn uploads_for_an_owner_of_many_dossiers(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    let owner = t
        .app
        .resolve_api_token(&tok)
        .await
        .unwrap()
        .unwrap()
        .user
        .id;
    let d =
        motcua_store::dossiers::get_dossier(t.app.db.conn(), uuid::Uuid::parse_str(&id).unwrap())
            .await
            .unwrap();
    let agency = t.app.agency_by_code("000.01.01.H53").await.unwrap();
    let load = motcua_bench::Load {
        agency: &agency,
        service_id: d.service_id,
        version_id: d.procedure_version_id,
        n: 33_000,
        waiting: 0,
        all_submitted: false,
        specialist: owner,
        owner: Some(owner),
        day_offset: 500,
    };
    motcua_bench::load_dossiers(&t.app, &load, t.app.now()).await;
    let r = c.upload(&tok, &id, "don", "don.pdf", pdf(2000)).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

engine_tests!(uploads_for_an_owner_of_many_dossiers);
