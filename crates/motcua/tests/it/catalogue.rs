//! The catalogue and the "Dịch vụ công trực tuyến" section (issue 3; R5.1a, R5.1b, R5.2, R6.1,
//! R9.2, R10.3, R10.4).
use motcua_app::catalogue::CatalogueSnapshot;
use motcua_testkit::{Engine, TestApp, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use crate::security::demo_pw;

/// A small catalogue of our own (independent of the demo data), shared with the benchmarks.
pub fn fixture() -> CatalogueSnapshot {
    serde_json::from_str(include_str!("fixture_catalogue.json")).expect("fixture catalogue")
}

async fn with_fixture(e: Engine) -> TestApp {
    let t = TestApp::spawn(e).await;
    t.app
        .import_agencies(
            &Default::default(),
            None,
            &motcua_app::demo::demo_snapshot(),
        )
        .await
        .unwrap();
    t.app
        .import_catalogue(
            &Default::default(),
            None,
            &fixture(),
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    t
}

fn first_code(r: &motcua_testkit::Resp) -> String {
    let b = &r.body;
    let i = b.find("<ol class=\"results\">").expect("results list");
    let j = b[i..].find("/dich-vu-cong/").unwrap() + i + "/dich-vu-cong/".len();
    b[j..].split('"').next().unwrap().to_string()
}

async fn search_ignores_diacritics(e: Engine) {
    let t = with_fixture(e).await;
    let mut c = t.client();
    for q in [
        "giay phep xay dung",
        "giấy phép xây dựng",
        "GIẤY PHÉP XÂY DỰNG",
        "giay phep xay",
        "1.009999",
    ] {
        let r = c
            .get(&format!(
                "/dich-vu-cong?q={}",
                serde_urlencoded::to_string([("", q)])
                    .unwrap()
                    .trim_start_matches('=')
            ))
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(first_code(&r), "1.009999", "«{q}»");
    }
    // đ is d; the shortest name that matches every word ranks first.
    for q in [
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "đăng ky khai sinh",
    ] {
        let api = c
            .json(
                Method::GET,
                &format!("/api/v1/procedures?q={}", q.replace(' ', "+")),
                None,
                None,
            )
            .await
            .json();
        let codes: Vec<&str> = api
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["1.001193", "1.004884"], "«{q}»");
    }
    let none = c
        .json(
            Method::GET,
            "/api/v1/procedures?q=khong+co+thu+tuc+nay",
            None,
            None,
        )
        .await
        .json();
    assert!(none.as_array().unwrap().is_empty());
    // Filters narrow: by sector, agency, level.
    let by_level = c
        .json(Method::GET, "/api/v1/procedures?level=4", None, None)
        .await
        .json();
    assert_eq!(by_level.as_array().unwrap().len(), 1);
    let by_agency = c
        .json(
            Method::GET,
            "/api/v1/procedures?agency=000.00.11.H53",
            None,
            None,
        )
        .await
        .json();
    assert_eq!(by_agency.as_array().unwrap().len(), 2);
    let by_sector = c
        .json(
            Method::GET,
            "/api/v1/procedures?sector=XD&q=khai+sinh",
            None,
            None,
        )
        .await
        .json();
    assert!(by_sector.as_array().unwrap().is_empty());
    let item = &c
        .json(Method::GET, "/api/v1/procedures?q=xay+dung", None, None)
        .await
        .json()[0];
    for k in ["code", "name", "sector", "field", "agencies", "levels"] {
        assert!(!item[k].is_null(), "{k} in {item}");
    }
    assert_eq!(item["sector"], "Xây dựng");
    assert_eq!(item["agencies"][0]["code"], "000.01.01.H53");
    assert_eq!(item["levels"], json!([4]));
    // Markup and search syntax in the query are just text.
    let r = c.get("/dich-vu-cong?q=%3Cscript%3E%22*%20OR%20NEAR(").await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("<script>"));
}

async fn procedure_page_shows_every_component(e: Engine) {
    let t = with_fixture(e).await;
    let mut c = t.client();
    let r = c.get("/dich-vu-cong/1.009999").await;
    assert_eq!(r.status, 200);
    for s in [
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "Bước 2: Thẩm định",
        "Đơn đề nghị cấp giấy phép xây dựng",
        "Bản vẽ thiết kế",
        "Văn bản ủy quyền",
        "Bản sao có chứng thực",
        "15 ngày làm việc",
        "75.000 đ",
        "50.000 đ",
        "Hộ gia đình, cá nhân",
        "Giấy phép xây dựng",
        "Phù hợp quy hoạch",
        "Luật Xây dựng số 50/2014/QH13",
        "Kê khai trung thực",
        "Giải quyết đúng hạn",
        "Mức độ 4",
        "Toàn trình",
        "Quy trình nội bộ",
        "Thẩm định",
        "12 ngày làm việc",
        "Lượt xem",
        "Tỷ lệ giải quyết đúng hạn",
        "Nộp trực tuyến tại Cổng dịch vụ công",
    ] {
        assert!(r.body.contains(s), "«{s}» missing");
    }
    assert!(
        c.get("/dich-vu-cong/1.009999")
            .await
            .body
            .contains("<dt>Lượt xem</dt><dd>2</dd>"),
        "views counted from real visits"
    );
    assert!(
        r.body.contains("<dt>Hồ sơ đã nộp</dt><dd>0</dd>"),
        "no dossiers yet: zero, never invented"
    );
    // The form downloads as an attachment that cannot run in the site's origin.
    let d = c.get("/dich-vu-cong/1.009999/mau/mau-don").await;
    assert_eq!(d.status, 200);
    assert!(
        d.header("content-disposition")
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(
        d.header("content-security-policy")
            .unwrap()
            .contains("sandbox")
    );
    assert!(d.body.contains("ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG"));
    assert_eq!(
        c.get("/dich-vu-cong/1.009999/mau/khong-co").await.status,
        404
    );
    assert_eq!(c.get("/dich-vu-cong/9.999999").await.status, 404);
    // The agency's own section lists its services (R6.1).
    let a = c.get("/co-quan/000.00.11.H53/dich-vu-cong").await;
    assert!(a.body.contains("Đăng ký khai sinh") && !a.body.contains("giấy phép xây dựng"));
    let api = c
        .json(
            Method::GET,
            "/api/v1/agencies/000.00.11.H53/services",
            None,
            None,
        )
        .await
        .json();
    assert_eq!(api.as_array().unwrap().len(), 2);
    // The whole procedure through the API.
    let p = c
        .json(Method::GET, "/api/v1/procedures/1.009999", None, None)
        .await
        .json();
    assert_eq!(p["body"]["times"][0]["duration"]["unit"], "working_days");
    assert_eq!(p["body"]["fees"][1]["amount"], 50000);
    assert_eq!(p["body"]["forms"][0]["id"], "mau-don");
    let svc = &p["services"][0];
    assert!(svc["id"].as_str().unwrap().len() == 36);
    assert_eq!(svc["agency"]["code"], "000.01.01.H53");
    assert_eq!(svc["level"], 4);
    assert_eq!(
        svc["form_schema"]["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        svc["components"][0],
        json!({"id": "don", "name": "Đơn đề nghị cấp giấy phép xây dựng", "required": true, "condition": null})
    );
    assert_eq!(svc["components"][2]["condition"]["field"], "nop_thay");
    let sectors = c
        .json(Method::GET, "/api/v1/sectors", None, None)
        .await
        .json();
    let tp = sectors
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "TP")
        .unwrap();
    assert_eq!(tp["fields"][0]["procedures"], 2);
}

async fn form_is_checked_on_the_server(e: Engine) {
    let t = with_fixture(e).await;
    let mut c = t.client();
    let p = c
        .json(Method::GET, "/api/v1/procedures/1.009999", None, None)
        .await
        .json();
    let sid = p["services"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/dich-vu-cong/1.009999/bieu-mau/{sid}");
    let page = c.get(&path).await;
    assert_eq!(page.status, 200);
    for s in [
        "Họ và tên chủ đầu tư",
        "type=\"date\"",
        "Nhà ở riêng lẻ",
        "name=\"nop_thay\" value=\"co\"",
        "name=\"dia_diem.commune\"",
        "name=\"ban_ve.0.ten\"",
        "inputmode=\"numeric\"",
    ] {
        assert!(page.body.contains(s), "{s}");
    }
    let r = c
        .post_form(
            &path,
            &[
                ("ho_ten", ""),
                ("so_dinh_danh", "12345"),
                ("ngay_khoi_cong", "31/02/2026"),
                ("so_tang", "9"),
                ("loai_cong_trinh", "lau_dai"),
                ("dia_diem.province", "Quảng Ngãi"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for m in [
        "Nhập họ và tên chủ đầu tư.",
        "12 chữ số",
        "ngày/tháng/năm",
        "lớn nhất là 7",
        "chọn một trong các mục",
        "Chọn nộp thay cho chủ đầu tư.",
        "nhập xã, phường, đặc khu",
        "cần ít nhất 1 mục",
    ] {
        assert!(r.body.contains(m), "«{m}» missing");
    }
    assert!(
        r.body.contains("value=\"Quảng Ngãi\""),
        "what was typed is kept"
    );
    let ok = c
        .post_form(
            &path,
            &[
                ("ho_ten", "Phạm Văn Bình"),
                ("so_dinh_danh", "051095001234"),
                ("ngay_khoi_cong", "2026-04-01"),
                ("so_tang", "3"),
                ("loai_cong_trinh", "nha_o"),
                ("nop_thay", "khong"),
                ("dia_diem.province", "Quảng Ngãi"),
                ("dia_diem.commune", "Phường Cẩm Thành"),
                ("dia_diem.detail", "12 Lê Lợi"),
                ("ban_ve.0.ten", "Mặt bằng tầng 1"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("Biểu mẫu hợp lệ"));
}

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

async fn import_is_checked_and_idempotent(e: Engine) {
    let t = with_fixture(e).await;
    let again = t
        .app
        .import_catalogue(
            &Default::default(),
            None,
            &fixture(),
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            again.procedures_created,
            again.versions_published,
            again.services_created,
            again.services_updated
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(again.procedures_unchanged, 3);
    let exported = t.app.export_catalogue().await.unwrap();
    let r = t
        .app
        .import_catalogue(
            &Default::default(),
            None,
            &exported,
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.versions_published, r.services_updated),
        (0, 0),
        "export → import changes nothing"
    );
    // One bad service rejects the whole file; nothing changes.
    let mut bad = fixture();
    bad.procedures[0].name = "Đổi tên".into();
    bad.services[0].process[1].budget =
        motcua_domain::catalogue::Duration::WorkingDays { value: 20.0 };
    let err = t
        .app
        .import_catalogue(
            &Default::default(),
            None,
            &bad,
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("vượt thời hạn"), "{err:?}");
    assert_eq!(
        t.app
            .procedure_page("1.009999", false)
            .await
            .unwrap()
            .version
            .body
            .name,
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ"
    );
    let mut bad = fixture();
    bad.services[0].procedure = "1.000000".into();
    assert!(
        t.app
            .import_catalogue(
                &Default::default(),
                None,
                &bad,
                jiff::civil::date(2026, 1, 1)
            )
            .await
            .is_err()
    );
    let _ = demo_pw;
}

/// The demo catalogue: searchable whole, and every service's form renders with its title and
/// every question.
async fn demo_catalogue(e: Engine) {
    let t = TestApp::spawn(e).await;
    t.demo().await;
    let sectors = t.app.sectors().await.unwrap();
    assert!(sectors.len() >= 6);
    let exported = t.app.export_catalogue().await.unwrap();
    assert!(
        exported.procedures.len() >= 30,
        "{}",
        exported.procedures.len()
    );
    // An empty search lists every procedure once, each with the agencies that offer it.
    let all = t
        .app
        .search_catalogue(&Default::default(), 1000)
        .await
        .unwrap();
    let mut listed: Vec<&str> = all.iter().map(|p| p.code.as_str()).collect();
    listed.sort();
    let mut want: Vec<&str> = exported
        .procedures
        .iter()
        .map(|p| p.code.as_str())
        .collect();
    want.sort();
    assert_eq!(listed, want);
    for s in &exported.services {
        let p = all.iter().find(|p| p.code == s.procedure).unwrap();
        assert!(
            p.agencies.iter().any(|(code, _)| code == &s.agency) && p.levels.contains(&s.level),
            "{} at {} with level {} in the search result",
            s.procedure,
            s.agency,
            s.level
        );
    }
    for l in [2u8, 3, 4] {
        assert!(
            exported.services.iter().any(|s| s.level == l),
            "level {l} offered"
        );
    }
    let mut c = t.client();
    let r = c
        .json(
            Method::GET,
            "/api/v1/procedures?q=dang+ky+khai+sinh",
            None,
            None,
        )
        .await
        .json();
    assert_eq!(r[0]["code"], "1.001193");
    // Every demo service's form renders: its title, every question, the check button.
    for s in &exported.services {
        let p = c
            .json(
                Method::GET,
                &format!("/api/v1/procedures/{}", s.procedure),
                None,
                None,
            )
            .await
            .json();
        let svc = p["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["agency"]["code"] == s.agency.as_str())
            .unwrap();
        let page = c
            .get(&format!(
                "/dich-vu-cong/{}/bieu-mau/{}",
                s.procedure,
                svc["id"].as_str().unwrap()
            ))
            .await;
        let at = format!("{} at {}", s.procedure, s.agency);
        assert_eq!(page.status, 200, "{at}");
        let title = s.form_schema["title"].as_str().unwrap();
        assert!(
            page.body.contains(&format!("<h1>{title}</h1>")),
            "{at}: {title}"
        );
        let questions = s.form_schema["properties"].as_object().unwrap();
        assert!(!questions.is_empty(), "{at} asks something");
        for (name, q) in questions {
            let label = q["title"].as_str().unwrap();
            assert!(
                page.body.contains(&format!("name=\"{name}"))
                    || page.body.contains(&format!("id=\"f-{name}")),
                "{at}: the field {name} is on the page"
            );
            assert!(page.body.contains(label), "{at}: the question {label}");
        }
        assert!(page.body.contains("Kiểm tra biểu mẫu"), "{at}");
    }
}

engine_tests!(
    search_ignores_diacritics,
    procedure_page_shows_every_component,
    form_is_checked_on_the_server,
    new_version_leaves_pinned_dossiers_alone,
    services_and_processes,
    import_is_checked_and_idempotent,
    demo_catalogue
);
