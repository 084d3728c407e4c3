//! The back office as a busy officer uses it (R11.1–R11.4, R12): the declaration on the staff
//! dossier page by the schema's labels, each component with what is missing, reception's
//! checks feeding the supplement request, papers previewed as images the server renders, a
//! history in Vietnamese with no internal names, slips that exist, leaders approving in
//! batches, and the worklist's filters and counts. Both engines.
use jiff::SignedDuration;
use motcua_domain::lifecycle::{Act, Stage};
use motcua_testkit::{Client, Engine, TestApp, between, engine_tests};
use serde_json::json;

use crate::dossiers::{CITIZEN, setup};
use crate::processing::{People, dossier, ok, people, submitted, to_specialist, upload_result};
use crate::security::demo_pw;

/// A staff member of Cẩm Thành with a cookie session: 0 reception, 1 specialist, 2 leader.
async fn staff(t: &TestApp, p: &People, i: usize) -> Client {
    let mut c = t.client();
    let (login, pw) = &p.logins[i];
    c.login(login, pw).await;
    c
}

/// The dossier's id, by its code.
async fn id_of(p: &mut People, code: &str) -> String {
    dossier(&mut p.desk, code).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The page's text as people read it: tags, attributes and scripts dropped.
fn visible(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        out.push(' ');
        let Some(j) = rest[i..].find('>') else { break };
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

/// Internal names (acts, stages) that appear in the page's text as words.
fn internal_words(body: &str) -> Vec<&'static str> {
    let text = visible(body);
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    Act::ALL
        .iter()
        .map(|a| a.as_str())
        .chain(Stage::ALL.iter().map(|s| s.as_str()))
        .filter(|n| words.contains(n))
        .collect()
}

async fn declaration_components_and_reveal(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut desk = staff(&t, &p, 0).await;
    // Registered at the counter for someone filing on the owner's behalf, without the power of
    // attorney the answers now require.
    let form = desk.get("/can-bo/tiep-nhan").await.body;
    let svc = form
        .split("<option value=\"")
        .find(|o| o.contains("Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ"))
        .and_then(|o| o.split('"').next())
        .expect("the building permit at the desk")
        .to_string();
    let r = desk
        .post_form(
            &format!("/can-bo/tiep-nhan?dich_vu={svc}"),
            &[
                ("intake", "in_person"),
                ("ho_ten_nguoi_nop", "Hồ Thị Lan"),
                ("dien_thoai", "0905111222"),
                ("ho_ten", "Đặng Chim Sẻ Canary"),
                ("so_dinh_danh", CITIZEN),
                ("ngay_khoi_cong", "2026-04-01"),
                ("so_tang", "2"),
                ("loai_cong_trinh", "nha_o"),
                ("nop_thay", "co"),
                ("dia_diem.province", "Quảng Ngãi"),
                ("dia_diem.commune", "Cẩm Thành"),
                ("dia_diem.detail", "12 Lê Lợi"),
                ("ban_ve.0.ten", "Mặt bằng tầng 1"),
                ("ban_ve.1.ten", "Mặt cắt"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = between(&r.body, "000.01.01.H53-", "<").to_string();
    let code = format!("000.01.01.H53-{code}");
    let id = id_of(&mut p, &code).await;
    let page = desk.get(&format!("/can-bo/ho-so/{id}")).await;
    assert_eq!(page.status, 200);
    let decl = between(&page.body, "<h2 id=\"to-khai\">", "<h2 id=\"thanh-phan\">");
    assert!(
        decl.contains("<dt>Họ và tên chủ đầu tư</dt><dd>Đặng Chim Sẻ Canary</dd>"),
        "the canary under its schema label: {decl}"
    );
    assert!(decl.contains("<dd>01/04/2026</dd>"), "{decl}");
    assert!(
        decl.contains("<dd>Nhà ở riêng lẻ</dd>"),
        "a choice by its title"
    );
    assert!(decl.contains("<dd>Có</dd>"), "yes/no in words");
    assert!(decl.contains("12 Lê Lợi, Cẩm Thành, Quảng Ngãi"));
    assert!(
        decl.contains("<th scope=\"col\">Tên bản vẽ</th>") && decl.contains("<td>Mặt cắt</td>"),
        "a repeated group as a table: {decl}"
    );
    assert!(
        !page.body.contains(CITIZEN),
        "the identity number is masked"
    );
    assert!(decl.contains("••••••••1234"));
    // The schema's order: the owner's name before the date before the place.
    let at = |s: &str| decl.find(s).unwrap();
    assert!(at("Họ và tên chủ đầu tư") < at("Ngày dự kiến khởi công"));
    assert!(at("Ngày dự kiến khởi công") < at("Địa điểm xây dựng"));
    let comps = between(&page.body, "<h2 id=\"thanh-phan\">", "</table>");
    let proxy = between(comps, "Văn bản ủy quyền", "</tr>");
    assert!(
        proxy.contains("Bắt buộc khi «Nộp thay cho chủ đầu tư» là «Có» (đúng với tờ khai)")
            && proxy.contains("Thiếu"),
        "the missing conditional component is flagged: {proxy}"
    );
    // Asked for, the number is shown whole, and the request is in the audit log.
    let r = desk
        .post_form(&format!("/can-bo/ho-so/{id}/so-dinh-danh"), &[])
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains(CITIZEN));
    let mut inspector = t.client();
    inspector
        .login("thanhtra.tinh", &demo_pw(&t, "thanhtra.tinh"))
        .await;
    let log = inspector
        .get(&format!("/can-bo/nhat-ky?ho_so={code}"))
        .await;
    assert!(
        log.body.contains("personal_id_revealed"),
        "the request is in the audit log"
    );
    // The province's inspector reads the dossier but does not work on it: no reveal. Another
    // agency's desk does not see the dossier at all.
    let page = inspector.get(&format!("/can-bo/ho-so/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(CITIZEN));
    let r = inspector
        .post_form(&format!("/can-bo/ho-so/{id}/so-dinh-danh"), &[])
        .await;
    assert_eq!(r.status, 403);
    let mut elsewhere = t.login_as("reception").await;
    let r = elsewhere
        .post_form(&format!("/can-bo/ho-so/{id}/so-dinh-danh"), &[])
        .await;
    assert_eq!(r.status, 404);
}

async fn papers_previewed_and_checked(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let id = id_of(&mut p, &code).await;
    let mut desk = staff(&t, &p, 0).await;
    let page = desk.get(&format!("/can-bo/ho-so/{id}")).await;
    let files = dossier(&mut p.desk, &code).await["files"].clone();
    let file = |c: &str| {
        files
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["component"] == c)
            .unwrap_or_else(|| panic!("{c} in {files}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (don, ban_ve) = (file("don"), file("ban-ve"));
    for f in [&don, &ban_ve] {
        let img = format!("/can-bo/ho-so/{id}/tep/{f}/trang/1");
        assert!(page.body.contains(&img), "{img} on the page");
        let r = desk.get(&img).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("content-type"), Some("image/jpeg"));
        assert!(
            r.header("content-security-policy")
                .unwrap()
                .contains("sandbox")
        );
        // The original, by contrast, is only ever a download.
        let orig = desk.get(&format!("/ho-so/{id}/tep/{f}")).await;
        assert!(
            orig.header("content-disposition")
                .unwrap()
                .starts_with("attachment"),
            "{:?}",
            orig.headers
        );
        assert_eq!(
            desk.get(&format!("/can-bo/ho-so/{id}/tep/{f}/trang/2"))
                .await
                .status,
            404
        );
        let viewer = desk.get(&format!("/can-bo/ho-so/{id}/tep/{f}/xem")).await;
        assert_eq!(viewer.status, 200);
        assert!(viewer.body.contains("Trang 1/1"), "{}", viewer.body);
    }
    // Another agency's desk neither previews nor marks this dossier's papers.
    let mut elsewhere = t.login_as("reception").await;
    let r = elsewhere
        .get(&format!("/can-bo/ho-so/{id}/tep/{don}/trang/1"))
        .await;
    assert_eq!(r.status, 404);
    let r = elsewhere
        .post_form(
            &format!("/can-bo/ho-so/{id}/kiem-tra"),
            &[("shown", don.as_str()), ("checked", don.as_str())],
        )
        .await;
    assert_eq!(r.status, 404);
    // The citizen has no previews: they hold their own files.
    let mut cit = t.client();
    cit.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let r = cit
        .get(&format!("/can-bo/ho-so/{id}/tep/{don}/trang/1"))
        .await;
    assert!(r.status == 403 || r.status == 404, "{}", r.status);

    // Before any mark, a supplement request starts from nothing (nothing is missing).
    let req = between(&page.body, "value=\"request_supplement\"", "</form>");
    assert!(!req.contains("checked"), "{req}");
    // Reception checks the application; the drawings stay unchecked.
    let r = desk
        .post_form(
            &format!("/can-bo/ho-so/{id}/kiem-tra"),
            &[
                ("shown", don.as_str()),
                ("shown", ban_ve.as_str()),
                ("checked", don.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = desk.get(r.location()).await;
    assert!(page.body.contains("Đã lưu giấy tờ đã kiểm tra."));
    let don_row = between(&page.body, &format!("value=\"{don}\""), "</div>");
    assert!(
        don_row.starts_with(" checked") && don_row.contains("Lê Thị Hoa"),
        "{don_row}"
    );
    let req = between(&page.body, "value=\"request_supplement\"", "</form>");
    assert!(
        req.contains("value=\"ban-ve\" checked") && !req.contains("value=\"don\" checked"),
        "the request starts from the unchecked drawings: {req}"
    );
    // A paper of another dossier is refused, and nothing changes.
    let other = submitted(&mut p).await;
    let theirs = dossier(&mut p.desk, &other).await["files"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = desk
        .post_form(
            &format!("/can-bo/ho-so/{id}/kiem-tra"),
            &[("shown", don.as_str()), ("checked", theirs.as_str())],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("không phải giấy tờ của hồ sơ này"));
    let marked =
        |body: &str| between(body, &format!("value=\"{don}\""), "</div>").starts_with(" checked");
    assert!(marked(&desk.get(&format!("/can-bo/ho-so/{id}")).await.body));
    // A form that did not show a paper leaves its mark alone; one that showed it unticked
    // removes it.
    let r = desk
        .post_form(
            &format!("/can-bo/ho-so/{id}/kiem-tra"),
            &[("shown", ban_ve.as_str())],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(marked(&desk.get(&format!("/can-bo/ho-so/{id}")).await.body));
    let r = desk
        .post_form(
            &format!("/can-bo/ho-so/{id}/kiem-tra"),
            &[("shown", don.as_str())],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(!marked(
        &desk.get(&format!("/can-bo/ho-so/{id}")).await.body
    ));
    // Once accepted, the marks are kept but no longer changed.
    ok(&mut p.desk, &code, json!({"action": "accept"})).await;
    let r = desk
        .post_form(&format!("/can-bo/ho-so/{id}/kiem-tra"), &[])
        .await;
    assert_eq!(r.status, 409);
}

/// The staff and citizen pages of a dossier at one stage: both 200 and free of internal names,
/// and every slip link on the staff page answers 200; answers the staff page and its slips.
async fn check(id: &str, desk: &mut Client, cit: &mut Client, stage: &str) -> (String, usize) {
    let page = desk.get(&format!("/can-bo/ho-so/{id}")).await;
    assert_eq!(page.status, 200, "{stage}");
    let found = internal_words(&page.body);
    assert!(found.is_empty(), "{stage}: {found:?}");
    let mut n = 0;
    for link in page
        .body
        .split(&format!("href=\"/ho-so/{id}/phieu/"))
        .skip(1)
    {
        let slip = link.split('"').next().unwrap();
        let r = desk.get(&format!("/ho-so/{id}/phieu/{slip}")).await;
        assert_eq!(r.status, 200, "{stage}: slip {slip}");
        n += 1;
    }
    let mine = cit.get(&format!("/ho-so/{id}")).await;
    assert_eq!(mine.status, 200);
    let found = internal_words(&mine.body);
    assert!(found.is_empty(), "{stage}: {found:?}");
    (page.body, n)
}

/// Every slip link on the staff page answers 200, and neither the staff page nor the
/// citizen's names an internal act or stage, at every stage of the main path.
async fn history_and_slips_through_the_stages(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let id = id_of(&mut p, &code).await;
    let mut desk = staff(&t, &p, 0).await;
    let mut cit = t.client();
    cit.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    let mut seen_slips = 0;
    let (page, _) = check(&id, &mut desk, &mut cit, "submitted").await;
    assert!(page.contains("Nộp hồ sơ"), "{page}");
    assert!(
        page.contains("(Nguyễn Văn An, Công dân, tổ chức)"),
        "the owner and their role in the history: {}",
        between(&page, "<h2>Diễn biến</h2>", "</ol>")
    );
    ok(
        &mut p.desk,
        &code,
        json!({"action": "accept", "comment": "Đủ giấy tờ"}),
    )
    .await;
    let (page, n) = check(&id, &mut desk, &mut cit, "accepted").await;
    assert!(
        page.contains("Tiếp nhận hồ sơ <span class=\"muted\">(Lê Thị Hoa, Cán bộ tiếp nhận và trả kết quả)</span>: Đủ giấy tờ"),
        "who, in which role, what and the comment: {}",
        between(&page, "<h2>Diễn biến</h2>", "</ol>")
    );
    seen_slips = seen_slips.max(n);
    t.clock.advance(SignedDuration::from_mins(30));
    ok(&mut p.desk, &code, json!({"action": "forward"})).await;
    // The clock moved past the pages' idle limit: log in again.
    desk = staff(&t, &p, 0).await;
    cit = t.client();
    cit.login(CITIZEN, &demo_pw(&t, CITIZEN)).await;
    check(&id, &mut desk, &mut cit, "awaiting_assignment").await;
    let sid = p.specialist_id.clone();
    ok(
        &mut p.leader,
        &code,
        json!({"action": "assign", "assignee": sid}),
    )
    .await;
    check(&id, &mut desk, &mut cit, "examining").await;
    let file = upload_result(&mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": file}),
    )
    .await;
    check(&id, &mut desk, &mut cit, "proposed_resolve").await;
    ok(
        &mut p.leader,
        &code,
        json!({"action": "return_for_revision", "reasons": ["Sửa số tầng"]}),
    )
    .await;
    check(&id, &mut desk, &mut cit, "returned for revision").await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": file}),
    )
    .await;
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    check(&id, &mut desk, &mut cit, "resolved").await;
    crate::processing::pay_at_desk(&t, &code).await;
    ok(
        &mut p.desk,
        &code,
        json!({"action": "return_at_office", "originals_compared": true}),
    )
    .await;
    let (page, n) = check(&id, &mut desk, &mut cit, "returned").await;
    seen_slips = seen_slips.max(n);
    assert!(
        seen_slips >= 2,
        "slips listed once their events happened: {seen_slips}"
    );
    assert!(
        !page.contains("/phieu/02") && !page.contains("/phieu/03"),
        "no slip whose event did not happen"
    );
}

async fn leader_approves_in_batches(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut codes = vec![];
    for _ in 0..5 {
        let code = submitted(&mut p).await;
        to_specialist(&t, &mut p, &code).await;
        let file = upload_result(&mut p, &code).await;
        ok(
            &mut p.specialist,
            &code,
            json!({"action": "propose_resolve", "result_document": file}),
        )
        .await;
        codes.push(code);
    }
    let mut leader = staff(&t, &p, 2).await;
    let list = leader.get("/can-bo/viec?vai_tro=leader").await;
    assert_eq!(list.status, 200);
    let counts = between(&list.body, "aria-label=\"Bước xử lý\"", "</nav>");
    assert!(
        counts.contains(&format!(
            "{}: <strong>5</strong>",
            Stage::ProposedResolve.label_vi()
        )),
        "the count per stage: {counts}"
    );
    let seen: Vec<String> = list
        .body
        .split("name=\"ho_so\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(seen.len(), 5, "each proposal can be ticked");
    assert_eq!(
        list.body.matches("Xem dự thảo").count(),
        5,
        "each draft opens inline"
    );
    let draft = between(
        &list.body,
        "<summary>Xem dự thảo</summary><img loading=\"lazy\" src=\"",
        "\"",
    );
    assert_eq!(leader.get(draft).await.status, 200);
    // Meanwhile one is sent back and proposed again: the leader's page is out of date for it.
    let changed = codes[2].clone();
    ok(
        &mut p.leader,
        &changed,
        json!({"action": "return_for_revision", "reasons": ["Xem lại"]}),
    )
    .await;
    let d = dossier(&mut p.specialist, &changed).await;
    let draft_id = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["component"] == "_ket-qua")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        &mut p.specialist,
        &changed,
        json!({"action": "propose_resolve", "result_document": draft_id}),
    )
    .await;
    let mut form: Vec<(&str, &str)> = seen.iter().map(|s| ("ho_so", s.as_str())).collect();
    form.push(("comment", "Đồng ý"));
    let r = leader.post_form("/can-bo/phe-duyet", &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let result = between(&r.body, "<h2>Kết quả phê duyệt</h2>", "</div>");
    assert_eq!(result.matches("Đã phê duyệt.").count(), 4, "{result}");
    assert!(
        result.contains(&format!("<strong>{changed}</strong>: Hồ sơ đã thay đổi")),
        "the changed one refused alone: {result}"
    );
    for code in &codes {
        let d = dossier(&mut p.leader, code).await;
        let want = if *code == changed {
            "proposed_resolve"
        } else {
            "resolved"
        };
        assert_eq!(d["stage"], want, "{code}");
    }
    // Each approval is its own step in its dossier's history.
    let d = dossier(&mut p.desk, &codes[0]).await;
    assert!(d.to_string().contains("Đồng ý"), "the comment on the step");
    // Nothing ticked: a clear error, nothing done.
    let r = leader.post_form("/can-bo/phe-duyet", &[]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Chọn ít nhất một hồ sơ"));
    // The filter by stage and by service.
    let only = leader
        .get("/can-bo/viec?vai_tro=leader&buoc=proposed_resolve")
        .await;
    assert_eq!(
        only.body.matches("name=\"ho_so\"").count(),
        1,
        "only the one still proposed"
    );
    let none = leader
        .get(&format!(
            "/can-bo/viec?vai_tro=leader&thu_tuc={}",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert!(none.body.contains("Không có hồ sơ nào đang chờ."));
    // The filter form's "all services" sends an empty value: the whole list, not an error.
    let all = leader
        .get("/can-bo/viec?vai_tro=leader&thu_tuc=&buoc=")
        .await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body.matches("name=\"ho_so\"").count(), 1);
    // A specialist cannot approve, even the one proposal still waiting, as it stands now.
    let current = between(&all.body, "name=\"ho_so\" value=\"", "\"").to_string();
    let mut spec = staff(&t, &p, 1).await;
    let r = spec
        .post_form("/can-bo/phe-duyet", &[("ho_so", current.as_str())])
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(
        dossier(&mut p.leader, &changed).await["stage"],
        "proposed_resolve"
    );
    // The leader returns it from the list, with a reason, and is back on the list.
    let changed_id = current.split(':').next().unwrap().to_string();
    let r = leader
        .post_form(
            &format!("/can-bo/ho-so/{changed_id}/thao-tac"),
            &[
                ("action", "return_for_revision"),
                ("reasons", "Thiếu căn cứ pháp lý"),
                ("ve", "viec"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let back = leader.get(r.location()).await;
    assert!(
        back.body.contains("Đã thực hiện: Trả lại để xử lý lại."),
        "{}",
        back.body
    );
    assert_eq!(dossier(&mut p.leader, &changed).await["stage"], "examining");
    // The API takes the same filters, and refuses an unknown stage.
    let w = crate::processing::worklist(&mut p.leader, "role=leader&stage=proposed_resolve").await;
    assert_eq!(w["total"], 0, "{w}");
    let r = p
        .leader
        .0
        .json(
            reqwest::Method::GET,
            "/api/v1/worklist?stage=xyz",
            Some(&p.leader.1),
            None,
        )
        .await;
    assert_eq!(r.status, 422);
}

/// The draft a leader opens from the list is the one the proposal names (what approval signs),
/// not the latest uploaded; and an action with a stale `version` is refused through the API.
async fn the_draft_shown_is_the_one_proposed(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    to_specialist(&t, &mut p, &code).await;
    let first = upload_result(&mut p, &code).await;
    let _later = upload_result(&mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": first}),
    )
    .await;
    let mut leader = staff(&t, &p, 2).await;
    let list = leader.get("/can-bo/viec?vai_tro=leader").await;
    let draft = between(
        &list.body,
        "<summary>Xem dự thảo</summary><img loading=\"lazy\" src=\"",
        "\"",
    );
    assert!(draft.contains(&first), "{draft} is the proposed {first}");
    let d = dossier(&mut p.leader, &code).await;
    let now = d["version"].as_i64().unwrap();
    let (st, v) = crate::processing::act(
        &mut p.leader,
        &code,
        json!({"action": "approve", "version": now - 1}),
    )
    .await;
    assert_eq!(st, 409, "{v}");
    assert!(v.to_string().contains("đã thay đổi"), "{v}");
    ok(
        &mut p.leader,
        &code,
        json!({"action": "approve", "version": now}),
    )
    .await;
}

/// An agency asked for its opinion previews the papers named to it and nothing else, and reads
/// neither the declaration, the checks, nor who did what at the lead agency (R8.1b, R10.5).
async fn a_consulted_agency_sees_only_what_it_was_sent(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let id = id_of(&mut p, &code).await;
    to_specialist(&t, &mut p, &code).await;
    let files: Vec<String> = dossier(&mut p.specialist, &code).await["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "consult", "consultations": [{"agency": "000.00.11.H53", "question": "Xác nhận quyền sử dụng đất", "due": "2026-03-10", "basis": "Luật Xây dựng số 50/2014/QH13", "files": [files[0]]}]}),
    )
    .await;
    let mut tp = t.client();
    tp.login("chuyenvien.tuphap", &demo_pw(&t, "chuyenvien.tuphap"))
        .await;
    let page = tp.get(&format!("/can-bo/ho-so/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("id=\"to-khai\""), "no declaration");
    assert!(!page.body.contains("id=\"thanh-phan\""), "no checks");
    let history = between(&page.body, "<h2>Diễn biến</h2>", "</ol>");
    for name in ["Lê Thị Hoa", "Trần Văn Nam", "Nguyễn Thị Lan"] {
        assert!(!history.contains(name), "{name} in {history}");
    }
    let named = format!("/can-bo/ho-so/{id}/tep/{}/trang/1", files[0]);
    assert_eq!(tp.get(&named).await.status, 200);
    let other = format!("/can-bo/ho-so/{id}/tep/{}/trang/1", files[1]);
    assert_eq!(tp.get(&other).await.status, 404);
    let r = tp
        .post_form(&format!("/can-bo/ho-so/{id}/so-dinh-danh"), &[])
        .await;
    assert_eq!(r.status, 403);
}

engine_tests!(
    declaration_components_and_reveal,
    papers_previewed_and_checked,
    history_and_slips_through_the_stages,
    leader_approves_in_batches,
    the_draft_shown_is_the_one_proposed,
    a_consulted_agency_sees_only_what_it_was_sent
);
