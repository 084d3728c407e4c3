//! The back office (R10.3, R10.4): a new version leaves the dossiers pinned to the old one alone,
//! and agencies' services and their internal processes.
use motcua_testkit::{Engine, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use crate::security::demo_pw;

use super::with_fixture;

fn edited(base: &Value, name: &str, days: f64) -> String {
    let mut b = base.clone();
    b["name"] = json!(name);
    b["times"][1]["duration"]["value"] = json!(days);
    b["times"][0]["duration"]["value"] = json!(days);
    serde_json::to_string(&b).unwrap()
}

async fn new_version_leaves_pinned_dossiers_alone(e: Engine) {
    let t = with_fixture(e).await;
    t.demo().await;
    let mut admin = t.login_as("province_admin").await;
    let v1 = t
        .app
        .procedure_page("1.009999", false)
        .await
        .unwrap()
        .version;
    let base = serde_json::to_value(&v1.body).unwrap();
    // A dossier submitted on version 1 (15 working days), Monday 02/03 09:00.
    let (mut cit, tok) = crate::dossiers::token(&t, crate::dossiers::CITIZEN).await;
    let id = crate::dossiers::ready(&mut cit, &tok).await;
    let r = crate::dossiers::submit(&mut cit, &tok, &id, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    // Editing makes a draft; the public page is unchanged until publication.
    let r = admin
        .post_form(
            "/can-bo/thu-tuc/1.009999",
            &[(
                "body",
                &edited(&base, "Cấp giấy phép xây dựng (sửa đổi 2026)", 20.0),
            )],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        !t.client()
            .get("/dich-vu-cong/1.009999")
            .await
            .body
            .contains("sửa đổi 2026")
    );
    let preview = admin.get("/can-bo/thu-tuc/1.009999/xem-truoc").await;
    assert!(
        preview.body.contains("sửa đổi 2026") && preview.body.contains("Xem trước phiên bản 2")
    );
    // A time that the agencies' internal processes no longer fit is refused at publication.
    let r = admin
        .post_form(
            "/can-bo/thu-tuc/1.009999",
            &[(
                "body",
                &edited(&base, "Cấp giấy phép xây dựng (sửa đổi 2026)", 10.0),
            )],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = admin
        .post_form(
            "/can-bo/thu-tuc/1.009999/xuat-ban",
            &[("effective_from", "2026-03-02")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.location());
    assert!(r.body.contains("vượt thời hạn"), "{}", r.body);
    admin
        .post_form(
            "/can-bo/thu-tuc/1.009999",
            &[(
                "body",
                &edited(&base, "Cấp giấy phép xây dựng (sửa đổi 2026)", 20.0),
            )],
        )
        .await;
    // Published from a later date: in force only from then.
    let r = admin
        .post_form(
            "/can-bo/thu-tuc/1.009999/xuat-ban",
            &[("effective_from", "2026-03-10")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        !t.client()
            .get("/dich-vu-cong/1.009999")
            .await
            .body
            .contains("sửa đổi 2026")
    );
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 8));
    let now = t.client().get("/dich-vu-cong/1.009999").await;
    assert!(now.body.contains("sửa đổi 2026") && now.body.contains("Phiên bản</dt><dd>2"));
    // A dossier pinned to version 1 still reads version 1, unchanged.
    let pinned = t.app.procedure_version(v1.id).await.unwrap();
    assert_eq!(pinned.body, v1.body);
    assert_eq!(pinned.version, 1);
    // The dossier submitted on version 1 keeps it everywhere: the API, the applicant's page,
    // the staff page, the public look-up, the receipt slip, and the appointment (15 working
    // days from Monday 02/03 09:00 is 23/03 09:00; version 2's 20 would be 30/03).
    let old_name = v1.body.name.clone();
    let (mut cit, tok) = crate::dossiers::token(&t, crate::dossiers::CITIZEN).await;
    let (mut desk, td) = crate::dossiers::camthanh_desk(&t).await;
    let r = desk
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/actions"),
            Some(&td),
            Some(json!({"action": "accept"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["appointment_at"], "2026-03-23T09:00:00+07:00");
    let d = cit
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(
        (
            &d["procedure"],
            &d["procedure_version"],
            &d["appointment_at"]
        ),
        (
            &json!(old_name),
            &json!(1),
            &json!("2026-03-23T09:00:00+07:00")
        )
    );
    let mut page = t.client();
    page.login(
        crate::dossiers::CITIZEN,
        &demo_pw(&t, crate::dossiers::CITIZEN),
    )
    .await;
    for (what, body) in [
        (
            "applicant's page",
            page.get(&format!("/ho-so/{id}")).await.body,
        ),
        (
            "receipt slip",
            page.get(&format!("/ho-so/{id}/phieu/01")).await.body,
        ),
        (
            "look-up",
            t.client().get(&format!("/tra-cuu?ma={code}")).await.body,
        ),
    ] {
        assert!(
            body.contains(&old_name) && !body.contains("sửa đổi 2026"),
            "{what} shows version 1: {body}"
        );
    }
    assert!(
        page.get(&format!("/ho-so/{id}"))
            .await
            .body
            .contains("phiên bản 1")
    );
    let mut desk_page = t.client();
    desk_page
        .login("tiepnhan.camthanh", &demo_pw(&t, "tiepnhan.camthanh"))
        .await;
    let body = desk_page.get(&format!("/can-bo/ho-so/{id}")).await.body;
    assert!(
        body.contains(&old_name) && !body.contains("sửa đổi 2026"),
        "staff page shows version 1: {body}"
    );
    // A dossier started now is on version 2.
    let new = crate::dossiers::draft(&mut cit, &tok).await;
    let d = cit
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{new}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(d["procedure_version"], 2);
    // Publishing into the past is refused (a new log-in: eight days passed).
    let mut admin = t.login_as("province_admin").await;
    admin
        .post_form(
            "/can-bo/thu-tuc/1.009999",
            &[("body", &edited(&base, "Lần ba", 15.0))],
        )
        .await;
    let r = admin
        .post_form(
            "/can-bo/thu-tuc/1.009999/xuat-ban",
            &[("effective_from", "2026-01-01")],
        )
        .await;
    assert_eq!(r.status, 422);
}

fn process_json(days: &[f64]) -> String {
    serde_json::to_string(&days.iter().enumerate().map(|(i, d)| json!({"name": format!("Bước {}", i + 1), "role": "specialist", "budget": {"unit": "working_days", "value": d}})).collect::<Vec<_>>()).unwrap()
}

async fn services_and_processes(e: Engine) {
    let t = with_fixture(e).await;
    t.demo().await;
    let mut admin = t.login_as("agency_admin").await; // Sở Tư pháp
    // The demo's 1.001193 has a component needed when the dossier is filed for someone else.
    let schema = json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "title": "Tờ khai", "properties": {"ho_ten": {"type": "string", "title": "Họ và tên"}, "nop_thay": {"type": "boolean", "title": "Nộp thay"}}, "required": ["ho_ten"]}).to_string();
    let path = "/can-bo/thu-tuc/1.001193/dich-vu/000.00.11.H53";
    assert_eq!(admin.get(path).await.status, 200);
    // A process longer than the published online time (1 working day) is refused, clearly.
    let r = admin
        .post_form(
            path,
            &[
                ("level", "4"),
                ("classification", ""),
                ("online_time", ""),
                ("form_schema", &schema),
                ("process", &process_json(&[0.5, 1.0])),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Tổng thời gian các bước (1 ngày 3,8 giờ làm việc) vượt thời hạn giải quyết đã công bố (01 ngày làm việc)"), "{}", r.body);
    // A shorter time for online dossiers (R8.1c), and the process must fit it.
    let r = admin
        .post_form(
            path,
            &[
                ("level", "4"),
                ("classification", ""),
                ("online_time", "{\"unit\": \"working_hours\", \"value\": 4}"),
                ("form_schema", &schema),
                ("process", &process_json(&[0.5, 0.5])),
            ],
        )
        .await;
    assert_eq!(
        r.status, 422,
        "7.5 h of process do not fit the agency's 4 h for online dossiers"
    );
    assert!(
        r.body
            .contains("vượt thời hạn giải quyết đã công bố (04 giờ làm việc)"),
        "{}",
        r.body
    );
    let r = admin
        .post_form(
            path,
            &[
                ("level", "4"),
                ("classification", ""),
                ("online_time", "{\"unit\": \"working_days\", \"value\": 2}"),
                ("form_schema", &schema),
                ("process", &process_json(&[0.5])),
            ],
        )
        .await;
    assert_eq!(
        r.status, 422,
        "an online time longer than the published one is refused"
    );
    assert!(r.body.contains("không được dài hơn"));
    // A schema outside the supported subset is refused when saved, not at submission.
    let bad = json!({"type": "object", "title": "X", "properties": {"x": {"type": "string", "title": "X", "pattern": ".*"}}}).to_string();
    let r = admin
        .post_form(
            path,
            &[
                ("level", "4"),
                ("classification", ""),
                ("online_time", ""),
                ("form_schema", &bad),
                ("process", &process_json(&[0.5])),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("không được hỗ trợ"));
    let r = admin
        .post_form(
            path,
            &[
                ("level", "4"),
                ("classification", ""),
                ("online_time", ""),
                ("form_schema", &schema),
                ("process", &process_json(&[0.5, 0.5])),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = t
        .client()
        .json(Method::GET, "/api/v1/procedures/1.001193", None, None)
        .await
        .json();
    let tp_service = p["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["agency"]["code"] == "000.00.11.H53")
        .unwrap()
        .clone();
    assert_eq!(tp_service["level"], 4);
    assert_eq!(tp_service["classification"], "full");
    // Another agency's service, and province procedures, are out of reach.
    assert_eq!(
        admin
            .get("/can-bo/thu-tuc/1.009999/dich-vu/000.01.01.H53")
            .await
            .status,
        404
    );
    let r = admin
        .post_form(
            "/can-bo/thu-tuc/1.009999/dich-vu/000.01.01.H53",
            &[
                ("level", "2"),
                ("form_schema", &schema),
                ("process", &process_json(&[1.0])),
            ],
        )
        .await;
    assert!(r.status == 403 || r.status == 404, "{}", r.status);
    assert_eq!(admin.get("/can-bo/thu-tuc/1.009999").await.status, 404);
    let r = admin
        .post_form("/can-bo/thu-tuc/1.009999", &[("body", "{}")])
        .await;
    assert!(r.status == 404 || r.status == 422);
    assert_eq!(
        t.app
            .procedure_page("1.009999", false)
            .await
            .unwrap()
            .version
            .version,
        1
    );
    let mut reception = t.login_as("reception").await;
    let r = reception
        .post_form(
            path,
            &[("level", "2"), ("form_schema", "{}"), ("process", "[]")],
        )
        .await;
    assert!(
        r.status == 403 || r.status == 404,
        "a reception officer saves nothing: {}",
        r.status
    );
    let page = t.app.procedure_page("1.001193", false).await.unwrap();
    assert_eq!(
        page.services
            .iter()
            .find(|x| x.agency.code == "000.00.11.H53")
            .unwrap()
            .service
            .level,
        4,
        "unchanged"
    );
    // An agency administrator creates and publishes a procedure of their own agency.
    let tp = t.app.agency_by_code("000.00.11.H53").await.unwrap();
    let mut body = serde_json::to_value(
        &t.app
            .procedure_page("1.004884", false)
            .await
            .unwrap()
            .version
            .body,
    )
    .unwrap();
    body["code"] = json!("2.999001");
    body["name"] = json!("Cấp bản sao Trích lục hộ tịch");
    let r = admin
        .post_form(
            "/can-bo/thu-tuc/moi",
            &[("body", &body.to_string()), ("owner", &tp.id.to_string())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin
        .post_form(
            "/can-bo/thu-tuc/2.999001/xuat-ban",
            &[("effective_from", "2026-03-02")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(t.client().get("/dich-vu-cong/2.999001").await.status, 200);
    // Sectors and fields are for province administrators.
    assert_eq!(admin.get("/can-bo/nganh").await.status, 403);
    let mut prov = t.login_as("province_admin").await;
    assert_eq!(
        prov.post_form(
            "/can-bo/nganh",
            &[("code", "GD"), ("name", "Giáo dục"), ("sector", "")]
        )
        .await
        .status,
        303
    );
    assert!(prov.get("/can-bo/nganh").await.body.contains("Giáo dục"));
}

engine_tests!(
    new_version_leaves_pinned_dossiers_alone,
    services_and_processes
);
