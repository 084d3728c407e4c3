//! The person's rights and the province's duties (R10.5; security matrix rows 41–45): consent
//! given, used and withdrawn; requests answered; incidents with their clock; the audit log for
//! inspectors only; the person's data page.
use motcua_testkit::{Engine, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use super::accepted;
use crate::dossiers::{CITIZEN, OTHER, setup, token};
use crate::processing::{act, ok, people, submitted, to_specialist};

async fn call(
    who: &mut (motcua_testkit::Client, String),
    m: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let r = who.0.json(m, path, Some(&who.1), body).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn consent_allows_sharing_until_withdrawn(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    to_specialist(&t, &mut p, &code).await;
    let ask = |basis: &str| json!({"action": "consult", "consultations": [{"agency": "000.00.11.H53", "question": "Ý kiến?", "due": "2026-03-10", "basis": basis}]});
    let (st, v) = act(&mut p.specialist, &code, ask("consent")).await;
    assert_eq!(st, 422, "no consent yet: {v}");
    // The notice in force, then consent to it: an explicit act on a stated version.
    let (st, n) = call(&mut p.citizen, Method::GET, "/api/v1/privacy/notice", None).await;
    assert_eq!(st, 200);
    let version = n["version"].as_i64().unwrap();
    let (st, _) = call(
        &mut p.citizen,
        Method::POST,
        "/api/v1/me/consents",
        Some(json!({"purpose": "chia-se", "notice_version": version + 1})),
    )
    .await;
    assert_eq!(st, 422, "another version than the one in force");
    let (st, _) = call(
        &mut p.citizen,
        Method::POST,
        "/api/v1/me/consents",
        Some(json!({"purpose": "xu-ly-ho-so", "notice_version": version})),
    )
    .await;
    assert_eq!(st, 422, "processing rests on the law, not on consent");
    let (st, c) = call(
        &mut p.citizen,
        Method::POST,
        "/api/v1/me/consents",
        Some(json!({"purpose": "chia-se", "notice_version": version})),
    )
    .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["notice_sha256"], n["sha256"]);
    // Withdrawn, sharing on consent stops at once; the history stays.
    let (st, _) = call(
        &mut p.citizen,
        Method::DELETE,
        "/api/v1/me/consents/chia-se",
        None,
    )
    .await;
    assert_eq!(st, 204);
    let (st, _) = act(&mut p.specialist, &code, ask("consent")).await;
    assert_eq!(st, 422, "withdrawn");
    let (_, list) = call(&mut p.citizen, Method::GET, "/api/v1/me/consents", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0]["withdrawn_at"].is_string());
    call(
        &mut p.citizen,
        Method::POST,
        "/api/v1/me/consents",
        Some(json!({"purpose": "chia-se", "notice_version": version})),
    )
    .await;
    let v = ok(&mut p.specialist, &code, ask("consent")).await;
    assert_eq!(v["stage"], "consulting");
    let d = call(
        &mut p.citizen,
        Method::GET,
        &format!("/api/v1/dossiers/{code}"),
        None,
    )
    .await
    .1;
    assert_eq!(
        d["disclosures"][0]["basis"], "consent",
        "the person sees who it was shared with"
    );
}

async fn requests_are_answered_within_72_hours(e: Engine) {
    let t = setup(e).await;
    accepted(&t).await;
    let mut other = token(&t, OTHER).await;
    let (st, _) = call(
        &mut other,
        Method::POST,
        "/api/v1/me/requests",
        Some(json!({"kind": "correction"})),
    )
    .await;
    assert_eq!(st, 422, "a correction says what");
    let (st, r) = call(
        &mut other,
        Method::POST,
        "/api/v1/me/requests",
        Some(json!({"kind": "deletion", "detail": "Tôi không dùng tài khoản nữa."})),
    )
    .await;
    assert_eq!(st, 201, "{r}");
    let created: jiff::Timestamp = r["created_at"].as_str().unwrap().parse().unwrap();
    let due: jiff::Timestamp = r["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due - created, jiff::SignedDuration::from_hours(72));
    let mut citizen = token(&t, CITIZEN).await;
    let (st, _) = call(&mut citizen, Method::GET, "/api/v1/privacy/requests", None).await;
    assert_eq!(st, 403);
    let mut admin = token(&t, "quantri.tinh").await;
    let (st, open) = call(&mut admin, Method::GET, "/api/v1/privacy/requests", None).await;
    assert_eq!((st, open.as_array().unwrap().len()), (200, 1));
    let id = r["id"].as_str().unwrap();
    let path = format!("/api/v1/privacy/requests/{id}");
    let (st, done) = call(
        &mut admin,
        Method::POST,
        &path,
        Some(json!({"outcome": "done", "answer": "Đã xóa số điện thoại và đóng tài khoản."})),
    )
    .await;
    assert_eq!((st, done["status"].as_str()), (200, Some("done")), "{done}");
    let (st, _) = call(
        &mut admin,
        Method::POST,
        &path,
        Some(json!({"outcome": "done", "answer": "again"})),
    )
    .await;
    assert_eq!(st, 409);
    // Deleted: the account is closed and its phone gone; its token no longer works.
    let (st, _) = call(&mut other, Method::GET, "/api/v1/me", None).await;
    assert_eq!(st, 401);
    let u = motcua_store::users::find_for_login(t.app.db().conn(), OTHER)
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!((u.phone, u.disabled), (None, true));
}

async fn incidents_start_a_72_hour_clock(e: Engine) {
    let t = setup(e).await;
    accepted(&t).await;
    let now = t.app.now();
    let mut agency_admin = token(&t, "quantri.tuphap").await;
    let body = |agency: &str| json!({"agency": agency, "personal_data": true, "summary": "Lộ danh sách hồ sơ qua máy in chung", "started_at": (now - jiff::SignedDuration::from_hours(2)).to_string(), "discovered_at": now.to_string()});
    let (st, _) = call(
        &mut agency_admin,
        Method::POST,
        "/api/v1/incidents",
        Some(body("000.00.11.H53")),
    )
    .await;
    assert_eq!(st, 201, "its own agency");
    let (st, _) = call(
        &mut agency_admin,
        Method::POST,
        "/api/v1/incidents",
        Some(body("000.01.01.H53")),
    )
    .await;
    assert_eq!(st, 403, "not another agency's");
    let mut admin = token(&t, "quantri.tinh").await;
    let (st, i) = call(
        &mut admin,
        Method::POST,
        "/api/v1/incidents",
        Some(body("000.01.01.H53")),
    )
    .await;
    assert_eq!(st, 201, "{i}");
    assert_eq!(i["hours_left"], 72);
    let discovered: jiff::Timestamp = i["discovered_at"].as_str().unwrap().parse().unwrap();
    let by: jiff::Timestamp = i["notify_by"].as_str().unwrap().parse().unwrap();
    assert_eq!(by - discovered, jiff::SignedDuration::from_hours(72));
    // The person whose dossier was read and changed at Cẩm Thành meanwhile is listed, masked.
    let affected = i["affected"].as_array().unwrap();
    assert_eq!(affected.len(), 1, "{i}");
    assert_eq!(affected[0]["id_number"], "••••••••1234");
    assert!(
        i["notice"].as_str().unwrap().contains("hạn thông báo"),
        "{i}"
    );
    t.clock.advance(jiff::SignedDuration::from_hours(80));
    let id = i["id"].as_str().unwrap();
    let mut admin = token(&t, "quantri.tinh").await;
    let (_, later) = call(
        &mut admin,
        Method::GET,
        &format!("/api/v1/incidents/{id}"),
        None,
    )
    .await;
    assert_eq!(later["hours_left"], -8, "late");
    let (st, _) = call(
        &mut admin,
        Method::POST,
        &format!("/api/v1/incidents/{id}/notified"),
        None,
    )
    .await;
    assert_eq!(st, 204);
    let (st, _) = call(
        &mut admin,
        Method::POST,
        &format!("/api/v1/incidents/{id}/notified"),
        None,
    )
    .await;
    assert_eq!(st, 409);
    // Incident records are kept: the database refuses to delete them.
    use sea_orm::ConnectionTrait;
    let gone = t
        .app
        .db()
        .conn()
        .execute_unprepared("DELETE FROM incidents")
        .await;
    assert!(gone.unwrap_err().to_string().contains("incidents are kept"));
}

async fn the_log_is_for_inspectors(e: Engine) {
    let t = setup(e).await;
    let code = accepted(&t).await;
    let mut desk = crate::dossiers::camthanh_desk(&t).await;
    let (st, _) = call(
        &mut desk,
        Method::GET,
        &format!("/api/v1/dossiers/{code}"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    let mut citizen = token(&t, CITIZEN).await;
    let (st, _) = call(&mut citizen, Method::GET, "/api/v1/audit", None).await;
    assert_eq!(st, 403);
    let me = call(&mut citizen, Method::GET, "/api/v1/me", None).await.1;
    let person = me["id"].as_str().unwrap();
    let mut inspector = token(&t, "thanhtra.tinh").await;
    let (st, rows) = call(
        &mut inspector,
        Method::GET,
        &format!("/api/v1/audit?person={person}"),
        None,
    )
    .await;
    assert_eq!(st, 200);
    let rows = rows.as_array().unwrap();
    assert!(rows.iter().any(|r| r["action"] == "read"), "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r["action"] == "accept" || r["action"].as_str().unwrap().contains("accept")),
        "{rows:?}"
    );
    let (st, none) = call(
        &mut inspector,
        Method::GET,
        &format!("/api/v1/audit?person={person}&from=2030-01-01T00:00:00Z"),
        None,
    )
    .await;
    assert_eq!((st, none.as_array().unwrap().len()), (200, 0));
    let (st, _) = call(
        &mut inspector,
        Method::GET,
        "/api/v1/audit?from=hôm-qua",
        None,
    )
    .await;
    assert_eq!(st, 422);
    let seq = rows[0]["seq"].as_i64().unwrap();
    let (st, proof) = call(
        &mut inspector,
        Method::GET,
        &format!("/api/v1/audit/{seq}/proof"),
        None,
    )
    .await;
    assert_eq!(st, 200, "{proof}");
    assert!(proof["checkpoint"].as_str().unwrap().contains("\u{2014} "));
    // The page filters by identity number and dossier code.
    let mut c = t.client();
    c.login(
        "thanhtra.tinh",
        &crate::security::demo_pw(&t, "thanhtra.tinh"),
    )
    .await;
    let page = c
        .get(&format!("/can-bo/nhat-ky?nguoi={CITIZEN}&ho_so={code}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<td>read</td>"), "{}", page.body);
    let mut agency_admin = t.client();
    agency_admin
        .login(
            "quantri.tuphap",
            &crate::security::demo_pw(&t, "quantri.tuphap"),
        )
        .await;
    let theirs = agency_admin
        .get(&format!("/can-bo/nhat-ky?ho_so={code}"))
        .await;
    assert_eq!(theirs.status, 200);
    assert!(
        !theirs.body.contains("<td>read</td>"),
        "another agency's records are not theirs"
    );
}

async fn the_person_sees_and_downloads_their_data(e: Engine) {
    let t = setup(e).await;
    accepted(&t).await;
    let mut c = t.client();
    c.login(CITIZEN, &crate::security::demo_pw(&t, CITIZEN))
        .await;
    let page = c.get("/tai-khoan/du-lieu").await;
    assert_eq!(page.status, 200);
    for s in [
        "Thông báo xử lý dữ liệu",
        "Tôi đã đọc thông báo và đồng ý",
        "Cán bộ đã xem dữ liệu của bạn",
    ] {
        assert!(page.body.contains(s), "{s}");
    }
    let r = c
        .post_form(
            "/tai-khoan/dong-y",
            &[
                ("purpose", "chia-se"),
                ("notice_version", "1"),
                ("op", "give"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = c.get("/tai-khoan/du-lieu").await;
    assert!(page.body.contains("Rút lại sự đồng ý"));
    let r = c
        .post_form(
            "/tai-khoan/yeu-cau",
            &[
                ("kind", "restriction"),
                ("detail", "Chỉ dùng dữ liệu để giải quyết hồ sơ."),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let json = c.get("/tai-khoan/du-lieu.json").await;
    assert_eq!(json.status, 200);
    let v: Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(v["account"]["id_number"], CITIZEN);
    assert_eq!(v["requests"][0]["kind"], "restriction");
    assert_eq!(v["consents"][0]["purpose"], "chia-se");
}

engine_tests!(
    consent_allows_sharing_until_withdrawn,
    requests_are_answered_within_72_hours,
    incidents_start_a_72_hour_clock,
    the_log_is_for_inspectors,
    the_person_sees_and_downloads_their_data
);
