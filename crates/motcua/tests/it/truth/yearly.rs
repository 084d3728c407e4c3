//! Yearly reports are the figures (R14.1, R14.2): an agency's report drafted from a hand count,
//! edited on the version read, its roadmap checked, approved and sent by its leader only and then
//! fixed; the province's consolidation lists each agency as it stands; the files say the same
//! (the XLSX read back as a spreadsheet program would, the PDF's text extracted); reminders come
//! before the due day, once each, to those who have not sent.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use motcua_domain::notice::NoticeKind;
use motcua_testkit::{Client, Engine, TestApp, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::{camthanh_staff_pw, setup, token};
use crate::processing::{ok, people, submitted};

use super::status::to_resolved;

const CAMTHANH: &str = "000.01.01.H53";

async fn call(
    who: &mut (Client, String),
    m: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let r = who.0.json(m, path, Some(&who.1), body).await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

fn figure(r: &Value, label: &str) -> Value {
    r["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == label)
        .unwrap_or_else(|| panic!("figure {label}: {r}"))["value"]
        .clone()
}

async fn reports_are_drafted_from_the_figures_and_sent_once(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    // Two online dossiers: one resolved the day it came (early), one accepted and in progress.
    let a = submitted(&mut p).await;
    let b = submitted(&mut p).await;
    for c in [&a, &b] {
        ok(&mut p.desk, c, json!({"action": "accept"})).await;
    }
    to_resolved(&t, &mut p, &a).await;

    let mut admin = staff(&t, "quantri.camthanh").await;
    let (st, r) = call(
        &mut admin,
        Method::POST,
        "/api/v1/reports/yearly",
        Some(json!({"kind": "agency_yearly", "year": 2026})),
    )
    .await;
    assert_eq!(st, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            &r["agency"],
            &r["from"],
            &r["to"],
            &r["due_on"],
            &r["state"]
        ),
        (
            &json!(CAMTHANH),
            &json!("2026-01-01"),
            &json!("2026-11-30"),
            &json!("2026-11-30"),
            &json!("draft")
        )
    );
    for (label, want) in [
        ("Hồ sơ tiếp nhận", 2.0),
        ("Trong đó nộp trực tuyến", 2.0),
        ("Đã giải quyết", 1.0),
        ("Giải quyết đúng hạn (kể cả trước hạn)", 1.0),
        ("Giải quyết quá hạn", 0.0),
        ("Đang giải quyết", 1.0),
        ("Đang giải quyết đã quá hạn", 0.0),
        ("Tỷ lệ giải quyết đúng hạn (%)", 100.0),
        ("Đánh giá mức độ hài lòng", 0.0),
    ] {
        assert_eq!(figure(&r, label), json!(want), "{label}");
    }
    let results = r["sections"]["results"].as_str().unwrap();
    assert!(
        results.contains("tiếp nhận 2 hồ sơ, trong đó 2 hồ sơ trực tuyến; đã giải quyết 1 hồ sơ (1 đúng hạn, 0 quá hạn); đang giải quyết 1 hồ sơ"),
        "{results}"
    );
    // One yearly report per agency and year.
    let (st, _) = call(
        &mut admin,
        Method::POST,
        "/api/v1/reports/yearly",
        Some(json!({"kind": "agency_yearly", "year": 2026})),
    )
    .await;
    assert_eq!(st, 409);
    // Not the province's kind, and not another agency's.
    let (st, _) = call(
        &mut admin,
        Method::POST,
        "/api/v1/reports/yearly",
        Some(json!({"kind": "province_yearly", "year": 2026})),
    )
    .await;
    assert_eq!(st, 403);
    let mut other = token(&t, "lanhdao.tuphap").await;
    let path = format!("/api/v1/reports/yearly/{id}");
    assert_eq!(call(&mut other, Method::GET, &path, None).await.0, 404);
    let mut inspector = token(&t, "thanhtra.tinh").await;
    let (st, seen) = call(&mut inspector, Method::GET, &path, None).await;
    assert_eq!((st, &seen["may_edit"]), (200, &json!(false)));

    // Edited on the version read; an older version is refused and changes nothing.
    let text = json!({"version": 1, "title": "Báo cáo năm 2026 của UBND phường Cẩm Thành",
        "sections": {"results": "Kết quả CANARY-REPORT.", "proposals": "Đề nghị tập huấn."}});
    let (st, r) = call(
        &mut admin,
        Method::POST,
        &format!("{path}/text"),
        Some(text.clone()),
    )
    .await;
    assert_eq!((st, &r["version"]), (200, &json!(2)), "{r}");
    let (st, _) = call(
        &mut admin,
        Method::POST,
        &format!("{path}/text"),
        Some(text),
    )
    .await;
    assert_eq!(st, 409, "an edit on version 1 after version 2");
    let (st, _) = call(
        &mut inspector,
        Method::POST,
        &format!("{path}/refresh"),
        Some(json!({"version": 2})),
    )
    .await;
    assert_eq!(st, 403, "inspectors read, they do not write");

    // The roadmap: a service below full, to full within next year.
    let choices = r["roadmap_choices"].as_array().unwrap().clone();
    let partial = choices.iter().find(|c| c["now"] == "partial").unwrap();
    let info = choices.iter().find(|c| c["now"] == "info").unwrap();
    let line = |service: &Value, target: &str, by: &str, version: i64| json!({"version": version, "service": service, "target": target, "by": by});
    let road = format!("{path}/roadmap");
    for (body, why) in [
        (
            line(&partial["service"], "partial", "2027-06-30", 2),
            "not above its level now",
        ),
        (
            line(&partial["service"], "full", "2026-12-15", 2),
            "not within next year",
        ),
        (
            line(&json!(uuid::Uuid::nil()), "full", "2027-06-30", 2),
            "not the agency's",
        ),
        (
            line(&partial["service"], "info", "2027-06-30", 2),
            "not an online level",
        ),
    ] {
        let (st, v) = call(&mut admin, Method::POST, &road, Some(body)).await;
        assert_eq!(st, 422, "{why}: {v}");
    }
    let (st, r) = call(
        &mut admin,
        Method::POST,
        &road,
        Some(line(&partial["service"], "full", "2027-06-30", 2)),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let (st, r) = call(
        &mut admin,
        Method::POST,
        &road,
        Some(line(&info["service"], "partial", "2027-03-31", 3)),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let lines: Vec<(&str, &str)> = r["roadmap"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["target"].as_str().unwrap(), l["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [("partial", "2027-03-31"), ("full", "2027-06-30")],
        "by date"
    );
    let (st, r) = call(
        &mut admin,
        Method::DELETE,
        &format!("{road}/0?version=4"),
        None,
    )
    .await;
    assert_eq!(
        (st, r["roadmap"].as_array().unwrap().len()),
        (200, 1),
        "{r}"
    );

    // Only the leader approves and sends; after, it no longer changes.
    let submit = format!("{path}/submit");
    let (st, _) = call(
        &mut admin,
        Method::POST,
        &submit,
        Some(json!({"version": 5})),
    )
    .await;
    assert_eq!(st, 403);
    let (st, r) = call(
        &mut p.leader,
        Method::POST,
        &submit,
        Some(json!({"version": 5})),
    )
    .await;
    assert_eq!((st, &r["state"]), (200, &json!("submitted")), "{r}");
    let (st, _) = call(
        &mut p.leader,
        Method::POST,
        &submit,
        Some(json!({"version": 6})),
    )
    .await;
    assert_eq!(st, 409);
    let (st, _) = call(
        &mut admin,
        Method::POST,
        &format!("{path}/refresh"),
        Some(json!({"version": 6})),
    )
    .await;
    assert_eq!(st, 409, "a sent report is fixed");

    // The files say the same.
    let xlsx = file(&mut admin, &format!("{path}?format=xlsx")).await;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    let figures = book.worksheet_range("So lieu").unwrap();
    let received = figures
        .rows()
        .find(|r| r[0] == Data::String("Hồ sơ tiếp nhận".into()))
        .unwrap();
    assert_eq!(received[1], Data::Float(2.0), "a number, not text");
    let road = book.worksheet_range("Lo trinh").unwrap();
    let row: Vec<String> = road
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    // The line left after the first (by date) was removed.
    assert_eq!(
        row[3..],
        ["Một phần", "Toàn trình", "30/06/2027"],
        "{row:?}"
    );
    let text = book.worksheet_range("Noi dung").unwrap();
    assert!(
        text.rows()
            .any(|r| r[1] == Data::String("Kết quả CANARY-REPORT.".into()))
    );
    let pdf = file(&mut admin, &format!("{path}?format=pdf")).await;
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let all = doc.extract_text(&pages).unwrap();
    for want in [
        "Báo cáo năm 2026 của UBND phường Cẩm Thành",
        "Kết quả CANARY-REPORT.",
        "Đã gửi",
    ] {
        assert!(all.contains(want), "{want} in the PDF: {all}");
    }
    let csv = String::from_utf8(file(&mut admin, &format!("{path}?format=csv")).await).unwrap();
    assert!(csv.contains("\r\nHồ sơ tiếp nhận,2\r\n"), "{csv}");

    // The province's consolidation lists each agency as it stands.
    let mut province = token(&t, "quantri.tinh").await;
    let (st, r) = call(
        &mut province,
        Method::POST,
        "/api/v1/reports/yearly",
        Some(json!({"kind": "province_yearly", "year": 2026})),
    )
    .await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(
        (&r["to"], &r["due_on"]),
        (&json!("2026-12-31"), &json!("2026-12-31"))
    );
    let lines = r["agencies"].as_array().unwrap();
    let cam = lines.iter().find(|l| l["code"] == CAMTHANH).unwrap();
    assert_eq!(
        cam,
        &json!({"code": CAMTHANH, "name": cam["name"], "standing": "Đã gửi đúng hạn",
            "received": 2, "finished": 1, "on_time": 1, "roadmap": 1})
    );
    let justice = lines.iter().find(|l| l["code"] == "000.00.11.H53").unwrap();
    assert_eq!(justice["standing"], "Chưa lập báo cáo");
    assert_eq!(
        figure(&r, "Hồ sơ tiếp nhận"),
        json!(2.0),
        "the province counts every agency"
    );
    // A report on demand over any period.
    let (st, r) = call(
        &mut province,
        Method::POST,
        "/api/v1/reports/yearly",
        Some(json!({"kind": "ad_hoc", "year": 2026, "from": "2026-03-01", "to": "2026-03-31", "title": "Báo cáo quý I"})),
    )
    .await;
    assert_eq!(
        (st, &r["title"], &r["due_on"]),
        (201, &json!("Báo cáo quý I"), &Value::Null),
        "{r}"
    );
    let (st, list) = call(
        &mut inspector,
        Method::GET,
        "/api/v1/reports/yearly?year=2026",
        None,
    )
    .await;
    assert_eq!((st, list.as_array().unwrap().len()), (200, 3), "{list}");
    let (_, mine) = call(
        &mut p.leader,
        Method::GET,
        "/api/v1/reports/yearly?year=2026",
        None,
    )
    .await;
    assert_eq!(
        mine.as_array().unwrap().len(),
        1,
        "an agency sees its own: {mine}"
    );

    // The pages: another agency's leader finds nothing; a form without its token is refused.
    let page = format!("/can-bo/bao-cao-nam/{id}");
    let mut stranger = t.client();
    stranger
        .login(
            "lanhdao.tuphap",
            &crate::security::demo_pw(&t, "lanhdao.tuphap"),
        )
        .await;
    for path in [
        page.clone(),
        format!("{page}/in"),
        format!("{page}/tep/bao-cao.pdf"),
    ] {
        assert_eq!(stranger.get(&path).await.status, 404, "{path}");
    }
    let mut leader = t.client();
    leader
        .login(
            "lanhdao.camthanh",
            &crate::security::demo_pw(&t, "lanhdao.camthanh"),
        )
        .await;
    let printed = leader.get(&format!("{page}/in")).await;
    assert!(printed.body.contains("Kết quả CANARY-REPORT.") && !printed.body.contains("<textarea"));
    let csv = leader.get(&format!("{page}/tep/bao-cao.csv")).await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let r = leader
        .post_form_raw(&page, &[("do", "refresh"), ("version", "6")])
        .await;
    assert_eq!(r.status, 403, "no CSRF token");

    // Reminders: fourteen and three days before 30/11, once each, to whoever has not sent.
    let reminded = |login: &'static str| {
        let t = &t;
        async move {
            let u = t.app.find_user(login).await.unwrap();
            let n = t.app.inbox(u.id).await.unwrap().0;
            n.iter().filter(|n| n.kind == NoticeKind::ReportDue).count()
        }
    };
    t.clock.set(motcua_domain::calendar::from_local(
        jiff::civil::date(2026, 11, 16).at(8, 0, 0, 0),
    ));
    let first = t.app.remind().await.unwrap();
    let again = t.app.remind().await.unwrap();
    assert!(
        first.reports >= 1 && again.reports == 0,
        "{first:?} {again:?}"
    );
    assert_eq!(
        reminded("lanhdao.tuphap").await,
        1,
        "Sở Tư pháp has not sent"
    );
    assert_eq!(reminded("quantri.tuphap").await, 1);
    assert_eq!(reminded("lanhdao.camthanh").await, 0, "Cẩm Thành has sent");
    assert_eq!(
        reminded("quantri.tinh").await,
        0,
        "the province's is due 31/12"
    );
    t.clock.set(motcua_domain::calendar::from_local(
        jiff::civil::date(2026, 11, 28).at(8, 0, 0, 0),
    ));
    t.app.remind().await.unwrap();
    t.app.remind().await.unwrap();
    assert_eq!(reminded("lanhdao.tuphap").await, 2);
}

/// Cẩm Thành's administrator (the demo has none), logged in through the API.
async fn staff(t: &TestApp, login: &str) -> (Client, String) {
    let role = motcua_domain::account::Role::AgencyAdmin;
    let (c, tok, _) = camthanh_staff_pw(t, login, "Quản trị Cẩm Thành", role).await;
    (c, tok)
}

async fn file(who: &mut (Client, String), path: &str) -> Vec<u8> {
    let (c, tok) = who;
    c.bytes(tok, path).await
}

engine_tests!(reports_are_drafted_from_the_figures_and_sent_once);
