//! The citizen's submission through the web pages, "Hồ sơ của tôi", the dossier page, the cover
//! sheet and the public look-up (R6.2, R7.1a, R13.2).
use motcua_testkit::{Engine, engine_tests, jpeg, pdf};

use crate::dossiers::{CITIZEN, OTHER, setup};
use crate::security::demo_pw;

async fn submit_through_the_pages(e: Engine) {
    let t = setup(e).await;
    let mut c = t.client();
    c.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let page = c.get("/dich-vu-cong/1.009999").await;
    let start = page
        .body
        .split("href=\"/ho-so/moi?dich_vu=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(
        c.get(&format!("/ho-so/moi?dich_vu={start}"))
            .await
            .body
            .contains("Bắt đầu")
    );
    let r = c.post_form("/ho-so/moi", &[("service", &start)]).await;
    assert_eq!(r.status, 303);
    let form_path = r.location().to_string();
    let id = form_path
        .trim_start_matches("/ho-so/")
        .trim_end_matches("/to-khai")
        .to_string();
    // A half-filled form is kept as a draft; moving on needs it valid.
    let r = c
        .post_form(
            &form_path,
            &[
                ("ho_ten", "<script>alert('x')</script> Bình"),
                ("buoc", "tiep"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Đã lưu nháp") && r.body.contains("Nhập số định danh cá nhân"));
    assert!(!r.body.contains("<script>alert"), "markup is shown as text");
    let fields = [
        ("ho_ten", "<script>alert('x')</script> Bình"),
        ("so_dinh_danh", "051095001234"),
        ("ngay_khoi_cong", "2026-04-01"),
        ("so_tang", "2"),
        ("loai_cong_trinh", "nha_o"),
        ("nop_thay", "khong"),
        ("dia_diem.province", "Quảng Ngãi"),
        ("dia_diem.commune", "Cẩm Thành"),
        ("dia_diem.detail", "<b>12</b> Lê Lợi"),
        ("ban_ve.0.ten", "Mặt bằng"),
        ("buoc", "tiep"),
    ];
    let r = c.post_form(&form_path, &fields).await;
    assert_eq!(
        (r.status, r.location()),
        (303, format!("/ho-so/{id}/giay-to").as_str()),
        "{}",
        r.body
    );
    // Several files per component, photographed page by page.
    let files_path = format!("/ho-so/{id}/giay-to");
    let r = c
        .upload_page(
            &files_path,
            "don",
            &[
                ("trang-1.jpg", jpeg(3000)),
                ("trang-2.jpg", jpeg(3100)),
                ("trang-3.pdf", pdf(2000)),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = c
        .upload_page(
            &files_path,
            "ban-ve",
            &[("ban-ve.html", b"<html>no</html>".to_vec())],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("không phải PDF"));
    assert_eq!(
        c.upload_page(
            &files_path,
            "ban-ve",
            &[("ban-ve.png", motcua_testkit::png(40, 30))]
        )
        .await
        .status,
        303
    );
    // An upload without the CSRF token, with a wrong one in the query or the header, or with
    // another session's, is refused and stores nothing; the right one in the header is taken.
    let mut other = t.client();
    other.login(OTHER, &demo_pw(&t, OTHER)).await;
    let foreign = other.csrf_from("/ho-so").await;
    let good = c.csrf_from(&files_path).await;
    assert!(!foreign.is_empty() && !good.is_empty() && foreign != good);
    let sneaky = [("sneaky.pdf", pdf(1500))];
    for (what, path, header) in [
        ("no token", files_path.clone(), None),
        (
            "wrong query token",
            format!("{files_path}?csrf=sai{good}"),
            None,
        ),
        ("wrong header token", files_path.clone(), Some("sai")),
        (
            "another session's token",
            format!("{files_path}?csrf={foreign}"),
            None,
        ),
        (
            "another session's token in the header",
            files_path.clone(),
            Some(foreign.as_str()),
        ),
    ] {
        let r = c.upload_page_as(&path, "don", &sneaky, header).await;
        assert_eq!(r.status, 403, "{what}: {}", r.body);
    }
    let page = c.get(&files_path).await;
    assert!(page.body.contains("trang-2.jpg") && page.body.contains("ban-ve.png"));
    assert!(
        !page.body.contains("sneaky.pdf"),
        "a refused upload stores nothing"
    );
    let r = c
        .upload_page_as(
            &files_path,
            "don",
            &[("trang-4.pdf", pdf(1600))],
            Some(&good),
        )
        .await;
    assert_eq!(r.status, 303, "the token in the header: {}", r.body);
    assert!(c.get(&files_path).await.body.contains("trang-4.pdf"));
    // Resume on another device, review, submit.
    let mut phone = t.client();
    phone.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let review = phone.get(&format!("/ho-so/{id}/nop")).await;
    assert!(
        !review.body.contains("<script>alert") && !review.body.contains("<b>12</b>"),
        "text fields are shown as text"
    );
    assert!(
        review.body.contains("script&#62;") || review.body.contains("script&gt;"),
        "escaped, still readable"
    );
    let key = review
        .body
        .split("name=\"khoa\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = phone
        .post_form(&format!("/ho-so/{id}/nop"), &[("khoa", &key)])
        .await;
    assert_eq!(r.status, 422, "the declaration is required");
    assert!(r.body.contains("cam đoan"));
    let r = phone
        .post_form(
            &format!("/ho-so/{id}/nop"),
            &[("khoa", &key), ("cam_doan", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    let again = phone
        .post_form(
            &format!("/ho-so/{id}/nop"),
            &[("khoa", &key), ("cam_doan", "1")],
        )
        .await;
    assert_eq!(
        again.status, 303,
        "a double click lands on the same dossier"
    );
    let receipt = c.get(r.location()).await;
    assert!(
        receipt.body.contains("Hồ sơ 000.01.01.H53-260302-0001")
            && receipt.body.contains("Đã nộp hồ sơ")
    );
    assert!(
        receipt
            .body
            .contains("mã trạng thái quốc gia 1 – Mới đăng ký")
    );
    let list = c.get("/ho-so").await;
    assert!(
        list.body.contains("000.01.01.H53-260302-0001")
            && list.body.contains("Cấp giấy phép xây dựng")
    );
    assert_eq!(
        list.body.matches("000.01.01.H53-260302-").count(),
        1,
        "one dossier"
    );
    // A file downloads safely; the cover sheet has the code and a QR code.
    let href = receipt
        .body
        .split(&format!("href=\"/ho-so/{id}/tep/"))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let d = c.get(&format!("/ho-so/{id}/tep/{href}")).await;
    assert_eq!(d.status, 200);
    assert!(
        d.header("content-disposition")
            .unwrap()
            .starts_with("attachment;")
    );
    let cover = c.get(&format!("/ho-so/{id}/phieu-gui")).await;
    assert!(cover.body.contains("000.01.01.H53-260302-0001") && cover.body.contains("<svg"));
    // The public look-up page, without personal data; the history needs the phone's last digits.
    let mut anon = t.client();
    let l = anon.get("/tra-cuu?ma=000.01.01.H53-260302-0001").await;
    assert!(
        l.body.contains("Mới đăng ký, chờ tiếp nhận")
            && !l.body.contains("Bình")
            && !l.body.contains("051095001234")
    );
    assert!(
        !l.body.contains("<h3>Diễn biến") && l.body.contains("Xem diễn biến"),
        "no history without the digits, only the form that asks for them"
    );
    let l = anon
        .post_form(
            "/tra-cuu",
            &[("ma", "000.01.01.H53-260302-0001"), ("so_cuoi", "5679")],
        )
        .await;
    assert!(
        !l.body.contains("<h3>Diễn biến") && l.body.contains("không khớp với hồ sơ"),
        "no history with wrong digits: {}",
        l.body
    );
    let l = anon
        .post_form(
            "/tra-cuu",
            &[("ma", "000.01.01.H53-260302-0001"), ("so_cuoi", "5678")],
        )
        .await;
    assert!(l.body.contains("<h3>Diễn biến"), "{}", l.body);
    assert_eq!(anon.get("/tra-cuu?ma=KHONG-CO-HO-SO").await.status, 404);
    // Withdraw from the page.
    assert_eq!(
        c.post_form(&format!("/ho-so/{id}/rut"), &[("ly_do", "Nộp nhầm")])
            .await
            .status,
        303
    );
    assert!(
        c.get(&format!("/ho-so/{id}"))
            .await
            .body
            .contains("Đã rút hồ sơ")
    );
}

async fn pages_are_the_owners_alone(e: Engine) {
    let t = setup(e).await;
    let mut a = t.client();
    a.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let (mut api, tok) = crate::dossiers::token(&t, CITIZEN).await;
    let id = crate::dossiers::ready(&mut api, &tok).await;
    let file = api
        .json(
            reqwest::Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&tok),
            None,
        )
        .await
        .json()["files"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut b = t.client();
    b.login(OTHER, &demo_pw(&t, OTHER)).await;
    for path in [
        format!("/ho-so/{id}"),
        format!("/ho-so/{id}/to-khai"),
        format!("/ho-so/{id}/giay-to"),
        format!("/ho-so/{id}/nop"),
        format!("/ho-so/{id}/tep/{file}"),
        format!("/ho-so/{id}/phieu-gui"),
    ] {
        let r = b.get(&path).await;
        assert!(
            r.status == 404 || r.status == 303 && r.location().starts_with("/ho-so/"),
            "{path}: {}",
            r.status
        );
        assert!(!r.body.contains("Phạm Văn Bình"), "{path}");
    }
    for path in [
        format!("/ho-so/{id}/to-khai"),
        format!("/ho-so/{id}/nop"),
        format!("/ho-so/{id}/rut"),
        format!("/ho-so/{id}/giay-to/{file}/xoa"),
    ] {
        assert_eq!(
            b.post_form(&path, &[("cam_doan", "1"), ("ho_ten", "x")])
                .await
                .status,
            404,
            "{path}"
        );
    }
    assert_eq!(
        b.upload_page(
            &format!("/ho-so/{id}/giay-to"),
            "don",
            &[("x.pdf", pdf(100))]
        )
        .await
        .status,
        404
    );
    let d = api
        .json(
            reqwest::Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(
        (
            d["status"].as_str(),
            d["files"].as_array().unwrap().len(),
            d["form"]["ho_ten"].as_str()
        ),
        (Some("draft"), 2, Some("Phạm Văn Bình"))
    );
    // Staff accounts do not own dossiers.
    let mut staff = t.login_as("reception").await;
    assert_eq!(staff.get("/ho-so").await.status, 403);
}

async fn counter_and_postal_registration(e: Engine) {
    let t = setup(e).await;
    let p = t
        .client()
        .json(
            reqwest::Method::GET,
            "/api/v1/procedures/1.001193",
            None,
            None,
        )
        .await
        .json();
    let svc = p["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["agency"]["code"] == "000.00.11.H53")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut desk = t.login_as("reception").await;
    let page = desk.get("/can-bo/tiep-nhan").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Đăng ký khai sinh"));
    let path = format!("/can-bo/tiep-nhan?dich_vu={svc}");
    let r = desk
        .post_form(
            &path,
            &[
                ("intake", "postal"),
                ("ho_ten_nguoi_nop", "Hồ Thị Lan"),
                ("dien_thoai", "12"),
                ("ho_ten", "Bé Na"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("10 chữ số"));
    let r = desk
        .post_form(
            &path,
            &[
                ("intake", "postal"),
                ("ho_ten_nguoi_nop", "Hồ Thị Lan"),
                ("dien_thoai", "0905111222"),
                ("ho_ten", "Bé Na"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("000.00.11.H53-260302-0001"));
    let l = t
        .client()
        .get("/tra-cuu?ma=000.00.11.H53-260302-0001")
        .await;
    assert!(l.body.contains("Mới đăng ký"));
    // Citizens and other staff cannot register for this desk: neither the page nor the
    // registration itself, and a refused registration creates nothing.
    let mut cit = t.client();
    cit.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    assert_eq!(cit.get("/can-bo/tiep-nhan").await.status, 403);
    let mut leader = t.login_as("leader").await;
    assert_eq!(leader.get("/can-bo/tiep-nhan").await.status, 403);
    let (_, _, pw) = crate::dossiers::camthanh_staff_pw(
        &t,
        "tiepnhan.camthanh",
        "Lê Thị Hoa",
        motcua_domain::account::Role::Reception,
    )
    .await;
    let mut camthanh = t.client();
    camthanh.login("tiepnhan.camthanh", &pw).await;
    let fields = [
        ("intake", "in_person"),
        ("ho_ten_nguoi_nop", "Hồ Thị Lan"),
        ("dien_thoai", "0905111222"),
        ("ho_ten", "Bé Na"),
    ];
    for (who, c) in [
        ("a citizen", &mut cit),
        ("a leader", &mut leader),
        ("another agency's desk", &mut camthanh),
    ] {
        let r = c.post_form(&path, &fields).await;
        assert!(
            r.status == 403 || r.status == 404,
            "{who} registered: {} {}",
            r.status,
            r.body
        );
    }
    let l = t
        .client()
        .get("/tra-cuu?ma=000.00.11.H53-260302-0002")
        .await;
    assert_eq!(l.status, 404, "nothing was registered");
}

engine_tests!(
    counter_and_postal_registration,
    submit_through_the_pages,
    pages_are_the_owners_alone
);
