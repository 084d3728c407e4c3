//! What the public reads (R5.1a, R5.2): search without diacritics, a procedure's page with every
//! component, and forms checked on the server.
use jiff::civil::date;
use motcua_app::App;
use motcua_app::caches::REFERENCE_LIFE;
use motcua_app::catalogue::Query;
use motcua_testkit::{Engine, engine_tests};
use reqwest::Method;
use serde_json::json;

use super::{first_code, fixture, with_fixture};

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
        json!({"id": "don", "name": "Đơn đề nghị cấp giấy phép xây dựng", "required": true, "condition": null, "signed": false})
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

/// Each server copy searches the catalogue in its own memory (R4.2): a change made through
/// this copy is found at once, one made through another copy within the index's life, when
/// that copy finds the catalogue's revision changed.
async fn search_follows_changes_made_through_any_copy(e: Engine) {
    let t = with_fixture(e).await;
    let other = App::open((*t.app.config).clone(), t.clock.clone())
        .await
        .unwrap();
    let find = |app: &App, q: &str| {
        let (app, q) = (app.clone(), q.to_string());
        async move {
            let query = Query {
                text: q,
                ..Default::default()
            };
            let found = app.search_catalogue(&query, 10).await.unwrap();
            found.into_iter().map(|p| p.code).collect::<Vec<_>>()
        }
    };
    assert!(find(&t.app, "phao hoa").await.is_empty());
    assert!(find(&other, "phao hoa").await.is_empty());
    let mut changed = fixture();
    let renamed = &mut changed.procedures[0];
    renamed.name = format!("{} (bắn pháo hoa)", renamed.name);
    renamed.requirements = "Đủ điều kiện an toàn khi bắn".into();
    let code = renamed.code.clone();
    assert!(find(&t.app, "quy hoach").await.contains(&code));
    t.app
        .import_catalogue(&Default::default(), None, &changed, date(2026, 1, 2))
        .await
        .unwrap();
    assert_eq!(
        find(&t.app, "Pháo hoa").await,
        std::slice::from_ref(&code),
        "at once"
    );
    // The newest version's text, not the older one's.
    assert!(find(&t.app, "an toan khi ban").await.contains(&code));
    assert!(!find(&t.app, "quy hoach").await.contains(&code));
    assert!(
        find(&other, "phao hoa").await.is_empty(),
        "the other copy keeps what it read within the life"
    );
    t.clock.advance(REFERENCE_LIFE);
    assert_eq!(
        find(&other, "phao hoa").await,
        [code],
        "then reads it again"
    );
}

engine_tests!(
    search_follows_changes_made_through_any_copy,
    search_ignores_diacritics,
    procedure_page_shows_every_component,
    form_is_checked_on_the_server,
);
