//! After submission: supplements and withdrawal, the public look-up, drafts that expire, and
//! reception accepting or refusing (R11.1–R11.3).
use motcua_testkit::{Engine, engine_tests, jpeg, pdf};
use reqwest::Method;
use serde_json::json;

use super::{
    CITIZEN, answers, camthanh_desk, draft, fixture_service, ready, setup, setup_with, submit,
    token,
};

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
    let svc = fixture_service(&t).await;
    let r = desk.json(Method::POST, "/api/v1/dossiers/register", Some(&td), Some(json!({"service": svc, "intake": "postal", "form": answers(), "applicant_name": "Hồ Thị Lan", "phone": "0905111222"}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["code"], "000.01.01.H53-260302-0002");
    let r = c.json(Method::POST, "/api/v1/dossiers/register", Some(&tok), Some(json!({"service": svc, "intake": "in_person", "form": answers(), "applicant_name": "X Y", "phone": "0905111222"}))).await;
    assert_eq!(r.status, 403);
}

/// A dossier registered at the counter is read and planned before its write transaction and
/// numbered in it: two registrations the same day take the next two numbers, the officer who
/// registers hears of no new work (it is in hand), and each audit record names the desk's role
/// from the officer's session (R11.1, R3.5).
async fn registration_numbers_and_records_as_the_desk(e: Engine) {
    use sea_orm::{ConnectionTrait, Statement};
    let t = setup(e).await;
    let (mut desk, td) = camthanh_desk(&t).await;
    let svc = fixture_service(&t).await;
    let mut codes = vec![];
    for intake in ["in_person", "postal"] {
        codes.push(super::register(&mut desk, &td, &svc, intake).await);
    }
    assert_eq!(
        codes,
        ["000.01.01.H53-260302-0001", "000.01.01.H53-260302-0002"]
    );
    let conn = t.app.db().conn();
    let sql = "SELECT COUNT(*) FROM notices WHERE dossier_id IS NULL";
    let staff = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(staff, 0);
    let audit = crate::privacy::audit_entries(&t).await;
    let roles: Vec<_> = (audit.iter())
        .filter(|(_, e)| e.action == "dossier_registered")
        .map(|(_, e)| e.role.as_deref())
        .collect();
    assert_eq!(roles, [Some("reception"), Some("reception")]);
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
    let conn = t.app.db().conn();
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

/// Reception accepts (R11.3): the appointment is the procedure's online time (15 working
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
    let body = motcua_store::notices::get_notice(t.app.db().conn(), id)
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
    let body = motcua_store::notices::get_notice(t.app.db().conn(), id)
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
    supplement_and_withdraw,
    public_lookup,
    registration_numbers_and_records_as_the_desk
);
