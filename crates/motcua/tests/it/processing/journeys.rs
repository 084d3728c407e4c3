//! One dossier's journeys: from online submission to the result returned, a department's
//! supplement round, a refusal, a consultation, an apology before the appointment, and the
//! worklist's pages.
use jiff::SignedDuration;
use motcua_testkit::{Engine, engine_tests};
use reqwest::Method;
use serde_json::json;

use crate::dossiers::{setup, submit, token};

use super::{
    act, choose_result, dossier, names, notice_kinds, ok, online, pay_at_desk, people, submitted,
    to_specialist, upload_result, worklist,
};

async fn online_to_returned(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;

    // The desk's worklist: due for acknowledgement within 8 working hours (17:00 the next day is
    // 8 h after Monday 09:00: 2.5 + 3.5 on Monday, then 2 h on Tuesday → 09:30).
    let w = worklist(&mut p.desk, "role=reception").await;
    assert_eq!(w["total"], 1, "{w}");
    assert_eq!(w["items"][0]["code"], code.as_str());
    assert_eq!(w["items"][0]["step_due_at"], "2026-03-03T09:30:00+07:00");
    let mine = names(&mut p.desk, &code).await;
    assert_eq!(mine, ["accept", "request_supplement", "refuse"], "{mine:?}");
    assert!(
        names(&mut p.citizen, &code)
            .await
            .contains(&"withdraw".to_string())
    );
    assert!(names(&mut p.leader, &code).await.is_empty());

    let v = ok(&mut p.desk, &code, json!({"action": "accept"})).await;
    assert_eq!(v["appointment_at"], "2026-03-23T09:00:00+07:00");
    // A scanned application asks for its original at the office (R7.1a); the drawings are
    // copies and the power of attorney is not needed by these answers.
    let d = dossier(&mut p.desk, &code).await;
    assert_eq!(d["originals_to_compare"], json!(["don"]));
    // Hand-over within half a working day: 09:00 + 3 h 45 min of office time = 14:45.
    assert_eq!(v["step_due_at"], "2026-03-02T14:45:00+07:00");
    t.clock.advance(SignedDuration::from_hours(6)); // 15:00: the hand-over is late
    let w = worklist(&mut p.desk, "role=reception").await;
    assert_eq!(
        (w["total"].as_u64(), w["overdue"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(w["items"][0]["urgency"], "overdue");
    // Not the leader's to assign yet; not the desk's to approve.
    let (st, v) = act(&mut p.leader, &code, json!({"action": "assign"})).await;
    assert_eq!(st, 409, "{v}");
    assert!(v.to_string().contains("Đã tiếp nhận"), "{v}");
    ok(&mut p.desk, &code, json!({"action": "forward"})).await;
    assert_eq!(worklist(&mut p.desk, "role=reception").await["total"], 0);
    let w = worklist(&mut p.leader, "role=leader").await;
    assert_eq!(w["items"][0]["stage"], "awaiting_assignment", "{w}");

    // Assignment: only a specialist of the agency.
    let (st, v) = act(
        &mut p.leader,
        &code,
        json!({"action": "assign", "assignee": uuid::Uuid::nil()}),
    )
    .await;
    assert_eq!(st, 422, "{v}");
    let sid = p.specialist_id.clone();
    ok(
        &mut p.leader,
        &code,
        json!({"action": "assign", "assignee": sid}),
    )
    .await;
    let w = worklist(&mut p.specialist, "").await;
    assert_eq!(
        (w["role"].as_str(), w["total"].as_u64()),
        (Some("specialist"), Some(1))
    );
    let mine = names(&mut p.specialist, &code).await;
    for a in [
        "propose_resolve",
        "propose_supplement",
        "propose_decline",
        "consult",
        "apologise",
    ] {
        assert!(mine.contains(&a.to_string()), "{a} in {mine:?}");
    }

    // Proposing needs the result document, uploaded by the assigned specialist only.
    let (st, _) = act(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve"}),
    )
    .await;
    assert_eq!(st, 422);
    let d = dossier(&mut p.citizen, &code).await;
    let id = d["id"].as_str().unwrap().to_string();
    let r = {
        let (c, tok) = &mut p.desk;
        c.upload(
            tok,
            &id,
            "_ket-qua",
            "ket-qua.pdf",
            motcua_testkit::result_pdf("ket qua", 1500),
        )
        .await
    };
    assert_eq!(r.status, 404, "the desk cannot upload the result");
    let file = upload_result(&mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": file, "comment": "Đủ điều kiện cấp phép"}),
    )
    .await;
    // The leader returns it once, with reasons, then approves.
    let (st, _) = act(
        &mut p.leader,
        &code,
        json!({"action": "return_for_revision"}),
    )
    .await;
    assert_eq!(st, 422);
    ok(
        &mut p.leader,
        &code,
        json!({"action": "return_for_revision", "reasons": ["Sửa số tầng trong giấy phép"]}),
    )
    .await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": file}),
    )
    .await;
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(
        (d["stage"].as_str(), d["national_status"].as_u64()),
        (Some("resolved"), Some(9))
    );
    assert!(notice_kinds(&d).contains(&"result_ready".to_string()));
    // The result is the agency's signed copy of the draft (R8.2b), the person's only once
    // returned; the draft stays the department's.
    let staff_files = dossier(&mut p.desk, &code).await["files"].clone();
    let signed = staff_files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == format!("{code}-KQ1.pdf"))
        .expect("the signed result")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dl = format!("/api/v1/dossiers/{id}/attachments/{signed}");
    let draft = format!("/api/v1/dossiers/{id}/attachments/{file}");
    let r = {
        let (c, tok) = &mut p.citizen;
        c.json(Method::GET, &dl, Some(tok), None).await
    };
    assert_eq!(r.status, 404);
    // The unpaid fee holds the result (R7.1b): the step is not offered and is refused.
    assert!(
        !names(&mut p.desk, &code)
            .await
            .contains(&"return_online".to_string())
    );
    let (st, v) = act(&mut p.desk, &code, json!({"action": "return_online"})).await;
    assert_eq!(st, 409, "{v}");
    assert!(v.to_string().contains("50.000 đ"), "{v}");
    pay_at_desk(&t, &code).await;
    // The person took the default at submission, the office (R8.2): the return follows it, and
    // the online return is neither offered nor allowed until they ask for it.
    let d = dossier(&mut p.desk, &code).await;
    assert_eq!(d["result_delivery"]["channel"], "office", "{d}");
    assert_eq!(d["result_ways"], json!(["office", "online", "post"]));
    let steps = names(&mut p.desk, &code).await;
    assert!(steps.contains(&"return_at_office".to_string()), "{steps:?}");
    assert!(!steps.contains(&"return_online".to_string()), "{steps:?}");
    let (st, v) = act(&mut p.desk, &code, json!({"action": "return_online"})).await;
    assert_eq!(st, 409, "{v}");
    assert!(v.to_string().contains("nhận tại bộ phận một cửa"), "{v}");
    online(&mut p, &code).await;
    let steps = names(&mut p.desk, &code).await;
    assert!(steps.contains(&"return_online".to_string()), "{steps:?}");
    assert!(
        !steps.contains(&"return_at_office".to_string()),
        "{steps:?}"
    );
    ok(&mut p.desk, &code, json!({"action": "return_online"})).await;
    // Once returned, the way no longer changes.
    let (st, v) = choose_result(&mut p.citizen, &code, json!({"channel": "office"})).await;
    assert_eq!(st, 409, "{v}");
    // The signed result is in the person's wallet, issued by the agency, for their next dossier.
    let w = crate::processing::get_json(&mut p.citizen, "/api/v1/wallet").await;
    let issued: Vec<_> = w["papers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["issued_result"] == true)
        .collect();
    assert_eq!(issued.len(), 1, "{w}");
    assert_eq!(issued[0]["file"]["name"], format!("{code}-KQ1.pdf"));
    assert_eq!(issued[0]["signed"], true, "{w}");
    reused_as_the_original(&t, &mut p, &code, issued[0]["file"]["id"].as_str().unwrap()).await;
    let r = {
        let (c, tok) = &mut p.citizen;
        c.json(Method::GET, &dl, Some(tok), None).await
    };
    assert_eq!(r.status, 200);
    let r = {
        let (c, tok) = &mut p.citizen;
        c.json(Method::GET, &draft, Some(tok), None).await
    };
    assert_eq!(r.status, 404, "the draft is never the person's");

    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(
        (
            d["status"].as_str(),
            d["national_status"].as_u64(),
            d["status_label"].as_str()
        ),
        (Some("returned"), Some(10), Some("Đã trả kết quả"))
    );
    assert_eq!(d["timeliness"], "early");
    assert!(
        d["steps"].as_array().unwrap().is_empty(),
        "the control sheet is the staff's"
    );
    let d = dossier(&mut p.desk, &code).await;
    let steps = d["steps"].as_array().unwrap();
    let stages: Vec<&str> = steps.iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(
        stages,
        [
            "submitted",
            "accepted",
            "awaiting_assignment",
            "examining",
            "proposed_resolve",
            "examining",
            "proposed_resolve",
            "resolved",
            "returned"
        ]
    );
    assert_eq!(
        steps[1]["timeliness"], "late",
        "the late hand-over: {}",
        steps[1]
    );
    assert_eq!(
        steps[0]["timeliness"], "early",
        "acknowledged the day it arrived"
    );

    // Nothing more: 409 with the reason, and nothing changed.
    let events = d["events"].as_array().unwrap().len();
    let (st, v) = act(&mut p.desk, &code, json!({"action": "accept"})).await;
    assert_eq!(st, 409);
    assert!(v.to_string().contains("Đã trả kết quả"), "{v}");
    let (st, _) = act(&mut p.desk, &code, json!({"action": "fly"})).await;
    assert_eq!(st, 422);
    let d = dossier(&mut p.desk, &code).await;
    assert_eq!(d["events"].as_array().unwrap().len(), events);
    assert_eq!(d["stage"], "returned");

    // The worklists' counts moved with the dossier at every step.
    assert_eq!(t.app.check().await.unwrap(), Vec::<String>::new());
}

/// The signed result of `code`, taken from the wallet as the application of a new dossier,
/// is its original (Decree 45/2020): marked with its number, and its paper is not among the
/// originals to compare, nor in the acceptance notice (the return step asks by the same rule).
async fn reused_as_the_original(
    t: &motcua_testkit::TestApp,
    p: &mut super::People,
    code: &str,
    result: &str,
) {
    let (c, tok) = &mut p.citizen;
    let id = crate::dossiers::draft(c, tok).await;
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/attachments/from-wallet"),
            Some(tok),
            Some(json!({"component": "don", "paper": result})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let jpeg = motcua_testkit::jpeg(3000);
    let r = c.upload(tok, &id, "ban-ve", "ban-ve-1.jpg", jpeg).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = submit(c, tok, &id, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let d = dossier(&mut p.desk, &second).await;
    let don: Vec<_> = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["component"] == "don")
        .collect();
    assert_eq!(don.len(), 1, "{d}");
    assert_eq!(don[0]["issued_result"], format!("{code}-KQ1"), "{d}");
    assert_eq!(d["originals_to_compare"], json!([]), "{d}");
    ok(&mut p.desk, &second, json!({"action": "accept"})).await;
    let d = dossier(&mut p.citizen, &second).await;
    let accepted = d["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "acceptance")
        .expect("the acceptance notice")["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let n = motcua_store::notices::get_notice(t.app.db().conn(), accepted)
        .await
        .unwrap();
    assert!(n.body.contains("Ngày hẹn trả kết quả"), "{}", n.body);
    assert!(!n.body.contains("bản chính"), "{}", n.body);
}

/// The department asks for a supplement (R12.2): the leader approves, reception sends it, the
/// clock stops while the person supplements and resumes with the time that was left; then the
/// result goes by registered post.
async fn department_supplement_round(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    to_specialist(&t, &mut p, &code).await;
    let (st, _) = act(
        &mut p.specialist,
        &code,
        json!({"action": "propose_supplement"}),
    )
    .await;
    assert_eq!(st, 422, "what is missing must be listed");
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_supplement", "components": ["ban-ve"], "reasons": ["Bản vẽ mặt cắt còn thiếu kích thước"]}),
    )
    .await;
    // Not sent before the leader approves.
    let (st, _) = act(
        &mut p.desk,
        &code,
        json!({"action": "send_supplement_request"}),
    )
    .await;
    assert_eq!(st, 409);
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    let d = dossier(&mut p.citizen, &code).await;
    assert!(!notice_kinds(&d).contains(&"supplement_request".to_string()));
    ok(
        &mut p.desk,
        &code,
        json!({"action": "send_supplement_request"}),
    )
    .await;
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(
        (d["stage"].as_str(), d["national_status"].as_u64()),
        (Some("supplement_requested"), Some(5))
    );
    assert!(notice_kinds(&d).contains(&"supplement_request".to_string()));
    let old = d["appointment_at"].as_str().unwrap().to_string();
    assert_eq!(old, "2026-03-23T09:00:00+07:00");

    // Three calendar days later (Thursday 09:30), the person adds the drawing and resubmits.
    t.clock.advance(SignedDuration::from_hours(72));
    p.relogin(&t).await;
    let id = d["id"].as_str().unwrap().to_string();
    {
        let (c, tok) = &mut p.citizen;
        let r = c
            .upload(
                tok,
                &id,
                "ban-ve",
                "mat-cat.jpg",
                motcua_testkit::jpeg(2000),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(submit(c, tok, &id, None).await.status, 200);
    }
    let w = worklist(&mut p.desk, "role=reception").await;
    assert_eq!(w["items"][0]["stage"], "supplemented", "{w}");
    let v = ok(&mut p.desk, &code, json!({"action": "accept"})).await;
    // The supplement request went out Monday 09:30 with the appointment Monday 23/03 09:00;
    // resumed Thursday 05/03 09:30 with the same office time left: three working days later.
    assert_eq!(v["appointment_at"], "2026-03-26T09:00:00+07:00");
    ok(&mut p.desk, &code, json!({"action": "forward"})).await;
    let sid = p.specialist_id.clone();
    ok(
        &mut p.leader,
        &code,
        json!({"action": "assign", "assignee": sid}),
    )
    .await;
    let file = upload_result(&mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": file}),
    )
    .await;
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    pay_at_desk(&t, &code).await;
    // The person asks for the result by registered post (R8.2b): the address must be whole.
    let (st, v) = choose_result(
        &mut p.citizen,
        &code,
        json!({"channel": "post", "post": {"recipient": "Nguyễn Văn An", "phone": "0912345678", "address": "Huế"}}),
    )
    .await;
    assert_eq!(st, 422, "{v}");
    assert!(v.to_string().contains("post_address"), "{v}");
    let (st, _) = act(
        &mut p.desk,
        &code,
        json!({"action": "return_by_post", "tracking_number": "EB123456789VN"}),
    )
    .await;
    assert_eq!(st, 409, "still the office: the refused change kept nothing");
    let (st, v) = choose_result(
        &mut p.citizen,
        &code,
        json!({"channel": "post", "post": {"recipient": "Nguyễn Văn An", "phone": "0912 345 678", "address": "12 Lê Lợi, phường Nghĩa Lộ, Quảng Ngãi"}}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["post"]["phone"], "0912345678");
    // Reception sees the way and the address.
    let d = dossier(&mut p.desk, &code).await;
    assert_eq!(
        d["result_delivery"]["post"]["address"],
        "12 Lê Lợi, phường Nghĩa Lộ, Quảng Ngãi"
    );
    assert_eq!(
        names(&mut p.desk, &code)
            .await
            .iter()
            .filter(|n| n.starts_with("return_"))
            .collect::<Vec<_>>(),
        ["return_by_post"]
    );
    let (st, _) = act(
        &mut p.desk,
        &code,
        json!({"action": "return_by_post", "tracking_number": "x"}),
    )
    .await;
    assert_eq!(st, 422);
    ok(
        &mut p.desk,
        &code,
        json!({"action": "return_by_post", "tracking_number": "EB123456789VN"}),
    )
    .await;
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(d["national_status"], 10);
    assert_eq!(
        d["timeliness"], "early",
        "one supplement request, finished in time"
    );
    let last = d["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "return_by_post");
}

/// The department refuses to resolve (R12.2): approved by the leader, sent by reception, the
/// dossier stops with national status 8 and the person gets the reasons.
async fn department_refusal(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    to_specialist(&t, &mut p, &code).await;
    let reason = "Công trình nằm trong hành lang bảo vệ đê điều";
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_decline", "reasons": [reason]}),
    )
    .await;
    let (st, _) = act(&mut p.specialist, &code, json!({"action": "approve"})).await;
    assert_eq!(st, 409, "a specialist cannot approve");
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    ok(&mut p.desk, &code, json!({"action": "send_decline"})).await;
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(
        (d["stage"].as_str(), d["national_status"].as_u64()),
        (Some("declined"), Some(8))
    );
    let n = d["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "refusal")
        .expect("refusal notice")
        .clone();
    let body = motcua_store::notices::get_notice(
        t.app.db().conn(),
        uuid::Uuid::parse_str(n["id"].as_str().unwrap()).unwrap(),
    )
    .await
    .unwrap()
    .body;
    assert!(body.contains(reason), "{body}");
    assert!(names(&mut p.citizen, &code).await.is_empty(), "final");
}

/// Inter-agency consultation (R8.1b, R3.3): the lead agency asks Sở Tư pháp with a deadline inside
/// its own; the answer comes back into the dossier and returns it to the specialist.
async fn consultation_with_another_agency(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    to_specialist(&t, &mut p, &code).await;
    let (st, v) = act(
        &mut p.specialist,
        &code,
        json!({"action": "consult", "consultations": [{"agency": "000.00.11.H53", "question": "Xác nhận quyền sử dụng đất", "due": "2026-03-30", "basis": "Luật Xây dựng số 50/2014/QH13"}]}),
    )
    .await;
    assert_eq!(st, 422, "after the appointment: {v}");
    let (st, v) = act(
        &mut p.specialist,
        &code,
        json!({"action": "consult", "consultations": [{"agency": "000.01.01.H53", "question": "x", "due": "2026-03-10", "basis": "Luật Xây dựng số 50/2014/QH13"}]}),
    )
    .await;
    assert_eq!(st, 422, "not its own agency: {v}");
    // Sharing the dossier rests on the procedure's law or the person's consent (R10.5).
    for basis in ["", "Luật không có trong thủ tục", "consent"] {
        let (st, v) = act(
            &mut p.specialist,
            &code,
            json!({"action": "consult", "consultations": [{"agency": "000.00.11.H53", "question": "x", "due": "2026-03-10", "basis": basis}]}),
        )
        .await;
        assert_eq!(st, 422, "{basis:?}: {v}");
    }
    let before = dossier(&mut p.specialist, &code).await;
    let files: Vec<String> = before["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert!(files.len() >= 2, "{before}");
    let v = ok(
        &mut p.specialist,
        &code,
        json!({"action": "consult", "consultations": [{"agency": "000.00.11.H53", "question": "Xác nhận quyền sử dụng đất", "due": "2026-03-10", "basis": "Luật Xây dựng số 50/2014/QH13", "files": [files[0]]}]}),
    )
    .await;
    assert_eq!(v["stage"], "consulting");
    assert_eq!(v["step_due_at"], "2026-03-10T17:00:00+07:00");

    // Sở Tư pháp's specialist sees the request and the dossier, and answers.
    let mut tp = token(&t, "chuyenvien.tuphap").await;
    let r =
        tp.0.json(Method::GET, "/api/v1/consultations", Some(&tp.1), None)
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.json();
    assert_eq!(list[0]["dossier"], code.as_str(), "{list}");
    let cid = list[0]["id"].as_str().unwrap().to_string();
    // The consulted agency reads the document named, not the declaration or the other papers.
    let seen = dossier(&mut tp, &code).await;
    let seen_files: Vec<&str> = seen["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(seen_files, [files[0].as_str()], "{seen}");
    assert_eq!(seen["form"], json!({}));
    let file_path = |f: &str| format!("/api/v1/dossiers/{code}/attachments/{f}");
    let r =
        tp.0.json(Method::GET, &file_path(&files[0]), Some(&tp.1), None)
            .await;
    assert_eq!(r.status, 200);
    let r =
        tp.0.json(Method::GET, &file_path(&files[1]), Some(&tp.1), None)
            .await;
    assert_eq!(r.status, 404, "a paper not named");
    // Not another agency's to answer.
    let r = p
        .desk
        .0
        .json(
            Method::POST,
            &format!("/api/v1/consultations/{cid}/answer"),
            Some(&p.desk.1),
            Some(json!({"answer": "x"})),
        )
        .await;
    assert_eq!(r.status, 404);
    let r =
        tp.0.json(
            Method::POST,
            &format!("/api/v1/consultations/{cid}/answer"),
            Some(&tp.1),
            Some(json!({"answer": "Thửa đất đã được cấp giấy chứng nhận, không tranh chấp."})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    // Its answer in, the consulted agency no longer reads the dossier.
    let r =
        tp.0.json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&tp.1),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    let r =
        tp.0.json(Method::GET, &file_path(&files[0]), Some(&tp.1), None)
            .await;
    assert_eq!(r.status, 404);
    let d = dossier(&mut p.specialist, &code).await;
    assert_eq!(d["stage"], "examining");
    assert_eq!(d["disclosures"][0]["agency"], "000.00.11.H53", "{d}");
    assert_eq!(
        d["disclosures"][0]["basis"],
        "Luật Xây dựng số 50/2014/QH13"
    );
    assert!(
        d["consultations"][0]["answer"]
            .as_str()
            .unwrap()
            .contains("không tranh chấp")
    );
    let r =
        tp.0.json(
            Method::POST,
            &format!("/api/v1/consultations/{cid}/answer"),
            Some(&tp.1),
            Some(json!({"answer": "again"})),
        )
        .await;
    assert_eq!(r.status, 409, "answered once");
    // The lead agency stays accountable: it resolves and returns at the office, comparing the
    // originals.
    let file = upload_result(&mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": file}),
    )
    .await;
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    pay_at_desk(&t, &code).await;
    let (st, _) = act(&mut p.desk, &code, json!({"action": "return_at_office"})).await;
    assert_eq!(st, 422, "originals compared first (R7.1a)");
    ok(
        &mut p.desk,
        &code,
        json!({"action": "return_at_office", "originals_compared": true}),
    )
    .await;
}

/// Before the appointment passes, the specialist is prompted and apologises with a new date
/// (form 04), which reaches the person; the dossier, finished after the appointment, is late.
async fn apology_before_the_appointment(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    to_specialist(&t, &mut p, &code).await;
    let w = worklist(&mut p.specialist, "role=specialist").await;
    assert_eq!(w["items"][0]["apology_due"], false);
    // Friday 20/03 10:00: the appointment (Monday 23/03 09:00) is within a working day.
    t.clock.set("2026-03-20T03:00:00Z".parse().unwrap());
    p.relogin(&t).await;
    let w = worklist(&mut p.specialist, "role=specialist").await;
    assert_eq!(w["items"][0]["apology_due"], true, "{w}");
    let (st, _) = act(
        &mut p.specialist,
        &code,
        json!({"action": "apologise", "reasons": ["Chờ kết quả đo đạc"], "new_date": "2026-03-21"}),
    )
    .await;
    assert_eq!(st, 422, "a Saturday is not a working day");
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "apologise", "reasons": ["Chờ kết quả đo đạc"], "new_date": "2026-03-27"}),
    )
    .await;
    let d = dossier(&mut p.citizen, &code).await;
    assert!(notice_kinds(&d).contains(&"apology".to_string()));
    // The person is told the new date; the count still measures against the appointment.
    assert_eq!(
        (
            d["appointment_at"].as_str(),
            d["new_appointment_at"].as_str()
        ),
        (
            Some("2026-03-23T09:00:00+07:00"),
            Some("2026-03-27T17:00:00+07:00")
        )
    );
    let w = worklist(&mut p.specialist, "role=specialist").await;
    assert_eq!(
        w["items"][0]["apology_due"], false,
        "apologised: the new date is far"
    );
    assert_eq!(
        w["items"][0]["step_due_at"],
        dossier(&mut p.desk, &code).await["steps"][3]["due_at"],
        "the apology keeps the step's due point"
    );
    t.clock.set("2026-03-25T03:00:00Z".parse().unwrap());
    p.relogin(&t).await;
    let file = upload_result(&mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": file}),
    )
    .await;
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(d["timeliness"], "late");
}

/// The worklist pages by keyset: every dossier once, in due order, whatever the page size.
async fn worklist_pages(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut codes = vec![];
    for _ in 0..5 {
        codes.push(submitted(&mut p).await);
        t.clock.advance(SignedDuration::from_mins(10));
    }
    let mut seen = vec![];
    let mut after = String::new();
    loop {
        let w = worklist(
            &mut p.desk,
            &format!("role=reception&limit=2&after={after}"),
        )
        .await;
        assert_eq!(w["total"], 5);
        for i in w["items"].as_array().unwrap() {
            seen.push(i["code"].as_str().unwrap().to_string());
        }
        match w["next"].as_str() {
            Some(n) => after = n.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, codes);
    // Due 09:30, 09:40, 09:50, 10:00 and 10:10 the next day; at 09:55 three are overdue, and
    // every page says so, whether its first rows show it or the count is taken (R10.6).
    t.clock.set("2026-03-03T02:55:00Z".parse().unwrap());
    p.relogin(&t).await;
    for limit in [1, 2, 3, 4, 5, 10] {
        let mut after = String::new();
        loop {
            let q = format!("role=reception&limit={limit}&after={after}");
            let w = worklist(&mut p.desk, &q).await;
            assert_eq!(
                (w["total"].as_u64(), w["overdue"].as_u64()),
                (Some(5), Some(3)),
                "{q}"
            );
            match w["next"].as_str() {
                Some(n) => after = n.to_string(),
                None => break,
            }
        }
    }
    let r = p
        .desk
        .0
        .json(
            Method::GET,
            "/api/v1/worklist?role=leader",
            Some(&p.desk.1),
            None,
        )
        .await;
    assert_eq!(r.status, 403, "not the desk's role");
    let r = p
        .citizen
        .0
        .json(Method::GET, "/api/v1/worklist", Some(&p.citizen.1), None)
        .await;
    assert_eq!(r.status, 403);
    let r = p
        .desk
        .0
        .json(
            Method::GET,
            "/api/v1/worklist?after=nonsense",
            Some(&p.desk.1),
            None,
        )
        .await;
    assert_eq!(r.status, 422);
}

engine_tests!(
    online_to_returned,
    department_supplement_round,
    department_refusal,
    consultation_with_another_agency,
    apology_before_the_appointment,
    worklist_pages,
);
