//! Processing through the pages (R11.1–R11.4, R12, R8.2a): citizen, reception officer, specialist
//! and leader take a dossier from online submission to the result returned at the office, with a
//! supplement round on the way; the statutory slips, the tracking register and the working calendar
//! page. Both engines.
use jiff::SignedDuration;
use motcua_testkit::{Client, Engine, TestApp, engine_tests, jpeg, pdf, result_pdf};

use crate::dossiers::{CITIZEN, camthanh_trio, setup};
use crate::security::demo_pw;

/// Submits 1.009999 through the citizen's pages; answers the dossier id.
async fn submit_by_pages(t: &TestApp, c: &mut Client) -> String {
    let page = c.get("/dich-vu-cong/1.009999").await;
    let service = page
        .body
        .split("href=\"/ho-so/moi?dich_vu=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = c.post_form("/ho-so/moi", &[("service", &service)]).await;
    assert_eq!(r.status, 303);
    let id = r
        .location()
        .trim_start_matches("/ho-so/")
        .trim_end_matches("/to-khai")
        .to_string();
    let fields = [
        ("ho_ten", "Phạm Văn Bình"),
        ("so_dinh_danh", CITIZEN),
        ("ngay_khoi_cong", "2026-04-01"),
        ("so_tang", "2"),
        ("loai_cong_trinh", "nha_o"),
        ("nop_thay", "khong"),
        ("dia_diem.province", "Quảng Ngãi"),
        ("dia_diem.commune", "Cẩm Thành"),
        ("dia_diem.detail", "12 Lê Lợi"),
        ("ban_ve.0.ten", "Mặt bằng"),
        ("buoc", "tiep"),
    ];
    let r = c.post_form(&format!("/ho-so/{id}/to-khai"), &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let files = format!("/ho-so/{id}/giay-to");
    assert_eq!(
        c.upload_page(&files, "don", &[("don.pdf", pdf(2000))])
            .await
            .status,
        303
    );
    assert_eq!(
        c.upload_page(&files, "ban-ve", &[("ban-ve.jpg", jpeg(3000))])
            .await
            .status,
        303
    );
    resubmit(c, &id).await;
    let _ = t;
    id
}

/// The review page's submit, with the declaration.
async fn resubmit(c: &mut Client, id: &str) {
    let review = c.get(&format!("/ho-so/{id}/nop")).await;
    let key = review
        .body
        .split("name=\"khoa\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = c
        .post_form(
            &format!("/ho-so/{id}/nop"),
            &[("khoa", &key), ("cam_doan", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

/// A step through the staff dossier page's form.
async fn step(c: &mut Client, id: &str, fields: &[(&str, &str)]) -> motcua_testkit::Resp {
    c.post_form(&format!("/can-bo/ho-so/{id}/thao-tac"), fields)
        .await
}

/// Logs a staff member in with a cookie session (again, after the clock moved on).
async fn staff(t: &TestApp, who: &(String, String)) -> Client {
    let mut c = t.client();
    c.login(&who.0, &who.1).await;
    c
}

async fn through_the_pages(e: Engine) {
    let t = setup(e).await;
    let people = camthanh_trio(&t).await;
    let mut cit = t.client();
    cit.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let id = submit_by_pages(&t, &mut cit).await;

    // Reception: the worklist, the dossier, a supplement request listing what is missing.
    let mut desk = staff(&t, &people[0]).await;
    let home = desk.get("/can-bo").await;
    assert!(home.body.contains("/can-bo/viec"), "the worklist link");
    let list = desk.get("/can-bo/viec").await;
    assert_eq!(list.status, 200);
    assert!(
        list.body.contains(&format!("/can-bo/ho-so/{id}")),
        "{}",
        list.body
    );
    let page = desk.get(&format!("/can-bo/ho-so/{id}")).await;
    assert!(page.body.contains("Tiếp nhận hồ sơ") && page.body.contains("Từ chối tiếp nhận"));
    let r = step(&mut desk, &id, &[("action", "request_supplement")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Liệt kê đầy đủ"), "{}", r.body);
    let r = step(
        &mut desk,
        &id,
        &[
            ("action", "request_supplement"),
            ("components", "ban-ve"),
            ("reasons", "Bản vẽ thiếu mặt cắt\nGhi rõ chiều cao tầng"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let slip = desk.get(&format!("/ho-so/{id}/phieu/02")).await;
    assert!(
        slip.body.contains("PHIẾU YÊU CẦU BỔ SUNG") && slip.body.contains("Ghi rõ chiều cao tầng")
    );
    assert!(slip.body.contains("<svg"), "a QR code to the look-up");

    // The citizen sees the request, supplements and resubmits.
    let mine = cit.get(&format!("/ho-so/{id}")).await;
    assert!(
        mine.body.contains("Cơ quan yêu cầu bổ sung"),
        "{}",
        mine.body
    );
    assert_eq!(
        cit.upload_page(
            &format!("/ho-so/{id}/giay-to"),
            "ban-ve",
            &[("mat-cat.jpg", jpeg(2500))]
        )
        .await
        .status,
        303
    );
    resubmit(&mut cit, &id).await;

    // Accepted; the receipt and appointment slip (form 01).
    let r = step(&mut desk, &id, &[("action", "accept")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let slip = desk.get(&format!("/ho-so/{id}/phieu/01")).await;
    assert!(
        slip.body
            .contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    );
    assert!(
        slip.body.contains("23/03/2026"),
        "the appointment: {}",
        slip.body
    );
    assert_eq!(
        cit.get(&format!("/ho-so/{id}/phieu/01")).await.status,
        200,
        "the citizen's too"
    );
    assert_eq!(
        cit.get(&format!("/ho-so/{id}/phieu/05")).await.status,
        404,
        "staff only"
    );
    // Twice: the page says why not.
    let r = step(&mut desk, &id, &[("action", "accept")]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("Không thực hiện được"));

    // Six hours later the hand-over is late: red on the desk's worklist.
    t.clock.advance(SignedDuration::from_hours(6));
    let mut desk = staff(&t, &people[0]).await;
    let list = desk.get("/can-bo/viec").await;
    assert!(list.body.contains("class=\"overdue\""), "{}", list.body);
    assert!(list.body.contains("1 quá hạn"));
    assert_eq!(
        step(&mut desk, &id, &[("action", "forward")]).await.status,
        303
    );

    // The leader assigns the specialist chosen on the page.
    let mut leader = staff(&t, &people[2]).await;
    assert!(leader.get("/can-bo/viec").await.body.contains(&id));
    let page = leader.get(&format!("/can-bo/ho-so/{id}")).await;
    let specialist = page
        .body
        .split("<select id=\"assign-assignee\" name=\"assignee\"><option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(page.body.contains("Trần Văn Nam"));
    let r = step(
        &mut leader,
        &id,
        &[("action", "assign"), ("assignee", &specialist)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);

    // The specialist uploads the result (a 3 MB scan: more than a form post may carry) and
    // proposes it; the leader approves.
    let mut sp = staff(&t, &people[1]).await;
    let r = sp
        .upload_page(
            &format!("/can-bo/ho-so/{id}/ket-qua"),
            "",
            &[("giay-phep.pdf", result_pdf("giay phep", 3_000_000))],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = sp.get(&format!("/can-bo/ho-so/{id}")).await;
    let doc = page
        .body
        .split("<select id=\"propose_resolve-result_document\" name=\"result_document\"><option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = step(
        &mut sp,
        &id,
        &[("action", "propose_resolve"), ("result_document", &doc)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut leader = staff(&t, &people[2]).await;
    assert_eq!(
        step(&mut leader, &id, &[("action", "approve")])
            .await
            .status,
        303
    );

    // Returned at the office once the originals are compared.
    let mut desk = staff(&t, &people[0]).await;
    crate::processing::pay_at_desk(&t, &id).await;
    let r = step(&mut desk, &id, &[("action", "return_at_office")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Đối chiếu bản chính"));
    let r = step(
        &mut desk,
        &id,
        &[("action", "return_at_office"), ("originals_compared", "1")],
    )
    .await;
    assert_eq!(r.status, 303);
    let mut cit = t.client();
    cit.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let mine = cit.get(&format!("/ho-so/{id}")).await;
    assert!(
        mine.body.contains("Đã trả kết quả") && mine.body.contains("10 – "),
        "{}",
        mine.body
    );
    // The control sheet records every hand-over with its mark; the register lists the dossier.
    let sheet = desk.get(&format!("/ho-so/{id}/phieu/05")).await;
    assert!(sheet.body.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH") && sheet.body.contains("Quá hạn"));
    assert!(sheet.body.contains("Lê Thị Hoa") && sheet.body.contains("Trần Văn Nam"));
    let book = desk
        .get("/can-bo/so-theo-doi?tu=2026-03-01&den=2026-03-31")
        .await;
    assert!(
        book.body.contains("SỔ THEO DÕI HỒ SƠ") && book.body.contains("000.01.01.H53-260302-0001")
    );
    assert_eq!(cit.get("/can-bo/viec").await.status, 403);
}

/// A refusal at the desk and a consultation with Sở Tư pháp, through the pages.
async fn refusal_and_consultation_pages(e: Engine) {
    let t = setup(e).await;
    let people = camthanh_trio(&t).await;
    let mut cit = t.client();
    cit.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let refused = submit_by_pages(&t, &mut cit).await;
    let consulted = submit_by_pages(&t, &mut cit).await;
    let mut desk = staff(&t, &people[0]).await;
    let r = step(&mut desk, &refused, &[("action", "refuse")]).await;
    assert_eq!(r.status, 422, "reasons first");
    let r = step(
        &mut desk,
        &refused,
        &[
            ("action", "refuse"),
            ("reasons", "Không thuộc thẩm quyền của phường"),
        ],
    )
    .await;
    assert_eq!(r.status, 303);
    let slip = cit.get(&format!("/ho-so/{refused}/phieu/03")).await;
    assert!(slip.body.contains("PHIẾU TỪ CHỐI") && slip.body.contains("Không thuộc thẩm quyền"));
    assert!(
        cit.get(&format!("/ho-so/{refused}"))
            .await
            .body
            .contains("Không được tiếp nhận")
    );

    assert_eq!(
        step(&mut desk, &consulted, &[("action", "accept")])
            .await
            .status,
        303
    );
    assert_eq!(
        step(&mut desk, &consulted, &[("action", "forward")])
            .await
            .status,
        303
    );
    let mut leader = staff(&t, &people[2]).await;
    let page = leader.get(&format!("/can-bo/ho-so/{consulted}")).await;
    let specialist = page
        .body
        .split("<select id=\"assign-assignee\" name=\"assignee\"><option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = step(
        &mut leader,
        &consulted,
        &[("action", "assign"), ("assignee", &specialist)],
    )
    .await;
    assert_eq!(r.status, 303);
    let mut sp = staff(&t, &people[1]).await;
    let page = sp.get(&format!("/can-bo/ho-so/{consulted}")).await;
    assert!(
        page.body.contains("Sở Tư pháp"),
        "consulted agencies to choose from"
    );
    let r = step(
        &mut sp,
        &consulted,
        &[
            ("action", "consult"),
            ("consultations.agency", "000.00.11.H53"),
            ("consultations.question", "Đề nghị xác nhận hồ sơ đất"),
            ("consultations.due", "2026-03-06"),
            ("consultations.basis", "Luật Xây dựng số 50/2014/QH13"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut tp = t.client();
    tp.login("chuyenvien.tuphap", &demo_pw(&t, "chuyenvien.tuphap"))
        .await;
    let list = tp.get("/can-bo/viec").await;
    assert!(list.body.contains("Đề nghị cho ý kiến"), "{}", list.body);
    let link = list
        .body
        .split("href=\"/can-bo/y-kien/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let form = tp.get(&format!("/can-bo/y-kien/{link}")).await;
    assert!(form.body.contains("Đề nghị xác nhận hồ sơ đất"));
    let r = tp
        .post_form(&format!("/can-bo/y-kien/{link}"), &[("y_kien", "")])
        .await;
    assert_eq!(r.status, 422);
    let r = tp
        .post_form(
            &format!("/can-bo/y-kien/{link}"),
            &[("y_kien", "Thửa đất không có tranh chấp.")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = sp.get(&format!("/can-bo/ho-so/{consulted}")).await;
    assert!(
        page.body.contains("Thửa đất không có tranh chấp.") && page.body.contains("Đang thẩm định")
    );
}

/// The provincial administrator edits the working calendar: a bad edit is refused with the
/// reason and changes nothing; a good one takes effect for deadlines at once. Nobody else may.
async fn calendar_page(e: Engine) {
    let t = setup(e).await;
    let mut admin = t.client();
    admin
        .login("quantri.tinh", &demo_pw(&t, "quantri.tinh"))
        .await;
    let page = admin.get("/can-bo/lich-lam-viec").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tết") && page.body.contains("dữ liệu cài sẵn"));
    let r = admin
        .post_form("/can-bo/lich-lam-viec", &[("data", "{\"statutory\": 1}")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Lịch không hợp lệ"));
    // A day off for a provincial event on Friday 06/03/2026.
    let mut data = t.app.calendar().data().clone();
    let day = jiff::civil::date(2026, 3, 6);
    assert!(t.app.calendar().is_working_day(day));
    let mut json = serde_json::to_value(&data).unwrap();
    let decisions = json["decisions"].as_array_mut().unwrap();
    let y2026 = decisions.iter_mut().find(|d| d["year"] == 2026).unwrap();
    y2026["days_off"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"from": "2026-03-06", "to": "2026-03-06", "name": "Nghỉ bù sự kiện của tỉnh"}));
    data = serde_json::from_value(json).unwrap();
    let text = serde_json::to_string(&data).unwrap();
    let r = admin
        .post_form("/can-bo/lich-lam-viec", &[("data", &text)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(!t.app.calendar().is_working_day(day));
    let page = admin.get("/can-bo/lich-lam-viec?da_luu=1").await;
    assert!(page.body.contains("Đã lưu lịch") && page.body.contains("Nghỉ bù sự kiện của tỉnh"));
    let mut other = t.client();
    other
        .login("quantri.tuphap", &demo_pw(&t, "quantri.tuphap"))
        .await;
    assert_eq!(other.get("/can-bo/lich-lam-viec").await.status, 403);
    let r = other
        .post_form("/can-bo/lich-lam-viec", &[("data", &text)])
        .await;
    assert_eq!(r.status, 403);
}

engine_tests!(
    through_the_pages,
    refusal_and_consultation_pages,
    calendar_page
);
