//! Processing through the API (issue 6; R8.1b, R8.2, R11.1–R11.4, R12, R12.1, R12.2): one
//! dossier from online submission to result returned, and again with a department's supplement
//! round, a refusal to resolve, and an inter-agency consultation. Each on both engines.
use jiff::SignedDuration;
use motcua_domain::account::Role;
use motcua_testkit::{Client, Engine, TestApp, engine_tests, jpeg, pdf};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::{CITIZEN, camthanh_staff, camthanh_trio, ready, setup, submit, token};
use crate::security::demo_pw;

/// Everyone on the path: citizen, desk, specialist, leader (Cẩm Thành), with tokens.
pub(crate) struct People {
    pub citizen: (Client, String),
    pub desk: (Client, String),
    pub specialist: (Client, String),
    pub leader: (Client, String),
    pub specialist_id: String,
    /// (login, password) of the staff, to log in again when the clock jumps past the tokens.
    pub logins: Vec<(String, String)>,
}

pub(crate) async fn people(t: &TestApp) -> People {
    let citizen = token(t, CITIZEN).await;
    let logins = camthanh_trio(t).await;
    let mut staff = vec![];
    for (login, pw) in &logins {
        let mut c = t.client();
        let tok = c.token(login, pw).await;
        staff.push((c, tok));
    }
    let leader = staff.pop().unwrap();
    let mut specialist = staff.pop().unwrap();
    let desk = staff.pop().unwrap();
    let tok = specialist.1.clone();
    let me = specialist
        .0
        .json(Method::GET, "/api/v1/me", Some(&tok), None)
        .await;
    let specialist_id = me.json()["id"].as_str().unwrap().to_string();
    People {
        citizen,
        desk,
        specialist,
        leader,
        specialist_id,
        logins,
    }
}

impl People {
    /// New tokens for everyone (API tokens last 12 hours).
    pub(crate) async fn relogin(&mut self, t: &TestApp) {
        self.citizen.1 = self.citizen.0.token(CITIZEN, &demo_pw(t, CITIZEN)).await;
        for (i, who) in [&mut self.desk, &mut self.specialist, &mut self.leader]
            .into_iter()
            .enumerate()
        {
            let (login, pw) = &self.logins[i];
            who.1 = who.0.token(login, pw).await;
        }
    }
}

/// A submitted dossier's code.
pub(crate) async fn submitted(p: &mut People) -> String {
    let (c, tok) = &mut p.citizen;
    let id = ready(c, tok).await;
    submit(c, tok, &id, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Performs an action; answers (status, body).
pub(crate) async fn act(who: &mut (Client, String), code: &str, body: Value) -> (u16, Value) {
    let r = who
        .0
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/actions"),
            Some(&who.1),
            Some(body),
        )
        .await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

pub(crate) async fn ok(who: &mut (Client, String), code: &str, body: Value) -> Value {
    let (st, v) = act(who, code, body.clone()).await;
    assert_eq!(st, 200, "{body} → {v}");
    v
}

/// GETs an API path as `who`; it must answer 200 with JSON.
pub(crate) async fn get_json(who: &mut (Client, String), path: &str) -> Value {
    let r = who.0.json(Method::GET, path, Some(&who.1), None).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.json()
}

pub(crate) async fn names(who: &mut (Client, String), code: &str) -> Vec<String> {
    get_json(who, &format!("/api/v1/dossiers/{code}/actions")).await["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) async fn dossier(who: &mut (Client, String), code: &str) -> Value {
    get_json(who, &format!("/api/v1/dossiers/{code}")).await
}

pub(crate) async fn worklist(who: &mut (Client, String), query: &str) -> Value {
    get_json(who, &format!("/api/v1/worklist?{query}")).await
}

pub(crate) fn notice_kinds(d: &Value) -> Vec<String> {
    d["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

/// Accept, forward and assign: the dossier reaches the specialist.
pub(crate) async fn to_specialist(t: &TestApp, p: &mut People, code: &str) {
    ok(&mut p.desk, code, json!({"action": "accept"})).await;
    t.clock.advance(SignedDuration::from_mins(30));
    ok(&mut p.desk, code, json!({"action": "forward"})).await;
    let sid = p.specialist_id.clone();
    ok(
        &mut p.leader,
        code,
        json!({"action": "assign", "assignee": sid}),
    )
    .await;
}

/// The specialist uploads a result PDF; answers its file id.
async fn upload_result(p: &mut People, code: &str) -> String {
    let d = dossier(&mut p.specialist, code).await;
    let id = d["id"].as_str().unwrap().to_string();
    let (c, tok) = &mut p.specialist;
    let r = c
        .upload(tok, &id, "_ket-qua", "ket-qua.pdf", pdf(1500))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

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
        c.upload(tok, &id, "_ket-qua", "ket-qua.pdf", pdf(1500))
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
    // The result is the person's only once returned.
    let dl = format!("/api/v1/dossiers/{id}/attachments/{file}");
    let r = {
        let (c, tok) = &mut p.citizen;
        c.json(Method::GET, &dl, Some(tok), None).await
    };
    assert_eq!(r.status, 404);
    ok(&mut p.desk, &code, json!({"action": "return_online"})).await;
    let r = {
        let (c, tok) = &mut p.citizen;
        c.json(Method::GET, &dl, Some(tok), None).await
    };
    assert_eq!(r.status, 200);

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
        t.app.db.conn(),
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
        json!({"action": "consult", "consultations": [{"agency": "000.00.11.H53", "question": "Xác nhận quyền sử dụng đất", "due": "2026-03-30"}]}),
    )
    .await;
    assert_eq!(st, 422, "after the appointment: {v}");
    let (st, v) = act(
        &mut p.specialist,
        &code,
        json!({"action": "consult", "consultations": [{"agency": "000.01.01.H53", "question": "x", "due": "2026-03-10"}]}),
    )
    .await;
    assert_eq!(st, 422, "not its own agency: {v}");
    let v = ok(
        &mut p.specialist,
        &code,
        json!({"action": "consult", "consultations": [{"agency": "000.00.11.H53", "question": "Xác nhận quyền sử dụng đất", "due": "2026-03-10"}]}),
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
    dossier(&mut tp, &code).await;
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
    let d = dossier(&mut p.specialist, &code).await;
    assert_eq!(d["stage"], "examining");
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

/// Prints the walks' seed when the test fails, so that the failure can be repeated.
struct SeedOnFailure(u64);

impl Drop for SeedOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "lifecycle walks failed: repeat with MOTCUA_TEST_LIFECYCLE_SEED={}",
                self.0
            );
        }
    }
}

/// security.md row 46: random sequences of (person, action) through the API against the
/// reference model; every legal step succeeds, every other one is refused (404 or 409) and
/// leaves the stored stage as it was, so the database always equals the model.
async fn random_steps_match_the_model(e: Engine) {
    use motcua_domain::lifecycle::reference::reference;
    use motcua_domain::lifecycle::{Act, Stage, Who};
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut cashier = camthanh_staff(&t, "ketoan.camthanh", "Võ Văn Tài", Role::Cashier).await;
    // A second specialist, for the leader's reassignments: whoever holds the dossier acts as
    // "the specialist" of the model.
    let mut other = camthanh_staff(&t, "chuyenvien2.camthanh", "Đỗ Thị Mơ", Role::Specialist).await;
    let mut other_id = other
        .0
        .json(Method::GET, "/api/v1/me", Some(&other.1), None)
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cases: usize = std::env::var("MOTCUA_TEST_LIFECYCLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if e == Engine::Sqlite { 12 } else { 4 });
    // Sở Tư pháp's specialist, the agency each walk consults.
    let mut consulted = token(&t, "chuyenvien.tuphap").await;
    // The assignee is whoever holds the dossier; "a specialist" is the other one.
    let people_list = [
        Who::Owner,
        Who::Staff(Role::Reception),
        Who::Assignee,
        Who::Staff(Role::Specialist),
        Who::Staff(Role::Leader),
        Who::Staff(Role::Cashier),
        Who::Consulted,
    ];
    let strategy = proptest::collection::vec(
        (
            any_u8(),
            proptest::sample::select(Act::ALL.to_vec()),
            proptest::sample::select(people_list.to_vec()),
        ),
        1..40,
    );
    // A new seed each run (CI runs 100 walks per engine), printed, and kept with a failure.
    let seed: u64 = std::env::var("MOTCUA_TEST_LIFECYCLE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| uuid::Uuid::new_v4().as_u64_pair().0);
    eprintln!(
        "lifecycle walks ({e:?}): {cases} from seed {seed} (MOTCUA_TEST_LIFECYCLE_SEED={seed} repeats them)"
    );
    let _seed = SeedOnFailure(seed);
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    let rng = proptest::test_runner::TestRng::from_seed(
        proptest::test_runner::RngAlgorithm::ChaCha,
        &bytes,
    );
    let mut runner = TestRunner::new_with_rng(Default::default(), rng);
    let mut visited = std::collections::BTreeSet::new();
    let mut answers = 0;
    for case in 0..cases {
        let steps = strategy.new_tree(&mut runner).unwrap().current();
        let code = submitted(&mut p).await;
        let id = dossier(&mut p.citizen, &code).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut model = Stage::Submitted;
        let mut uploaded = false;
        // Each apology gives a later working day than the last.
        let cal = motcua_domain::calendar::Calendar::official();
        let new_date = |n: i64| {
            let mut d = jiff::civil::date(2026, 6, 30)
                .checked_add(jiff::Span::new().days(7 * n))
                .unwrap();
            while !cal.is_working_day(d) {
                d = d.tomorrow().unwrap();
            }
            d.to_string()
        };
        let mut apologies = 0;
        // The consultations this walk opened that Sở Tư pháp has not answered yet.
        let mut open = 0usize;
        for (n, (sel, act, who)) in steps.into_iter().enumerate() {
            // Mostly legal steps (so walks go deep), sometimes anything. An answer needs an open
            // consultation to answer.
            let legal: Vec<(Act, Who)> = Act::ALL
                .into_iter()
                .flat_map(|a| people_list.iter().map(move |w| (a, *w)))
                .filter(|(a, w)| reference(model, *a, *w).is_some())
                .filter(|(a, _)| *a != Act::AnswerConsultation || open > 0)
                .collect();
            let onward: Vec<(Act, Who)> = legal
                .iter()
                .copied()
                .filter(|(a, w)| !reference(model, *a, *w).is_some_and(Stage::is_final))
                .collect();
            let (act, who) = if sel < 170 && !onward.is_empty() {
                onward[usize::from(sel) % onward.len()]
            } else if sel < 185 && !legal.is_empty() {
                legal[usize::from(sel) % legal.len()]
            } else if sel < 240 && !legal.is_empty() {
                // A step that exists here, by whoever: wrong people must be refused.
                (legal[usize::from(sel) % legal.len()].0, who)
            } else {
                (act, who)
            };
            if act == Act::AnswerConsultation && who == Who::Consulted && open == 0 {
                continue; // nothing to answer
            }
            if model == Stage::Examining && !uploaded {
                let r = {
                    let (c, tok) = &mut p.specialist;
                    c.upload(tok, &id, "_ket-qua", "kq.pdf", pdf(900)).await
                };
                assert_eq!(r.status, 201, "{}", r.body);
                uploaded = true;
            }
            let file = if uploaded {
                dossier(&mut p.specialist, &code).await["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["component"] == "_ket-qua")
                    .map(|f| f["id"].clone())
                    .unwrap_or(Value::Null)
            } else {
                Value::Null
            };
            // Before each step, someone it does not belong to tries it: refused, nothing moves.
            let wrong: Vec<Who> = people_list
                .iter()
                .copied()
                .filter(|w| reference(model, act, *w).is_none() && *w != Who::Owner)
                .collect();
            if !wrong.is_empty() && act != Act::Resubmit {
                let w = wrong[usize::from(sel) % wrong.len()];
                let actor = match w {
                    Who::Staff(Role::Reception) => &mut p.desk,
                    Who::Assignee => &mut p.specialist,
                    Who::Staff(Role::Specialist) => &mut other,
                    Who::Staff(Role::Leader) => &mut p.leader,
                    Who::Consulted => &mut consulted,
                    _ => &mut cashier,
                };
                let st = act_status(
                    actor,
                    &code,
                    json!({"action": act.as_str(), "comment": "x",
                    "reasons": ["x"], "assignee": p.specialist_id, "new_date": "2026-06-30",
                    "tracking_number": "EB123456789VN", "originals_compared": true}),
                )
                .await;
                assert!(
                    matches!(st, 404 | 409),
                    "case {case} step {n}: {act:?} by {w:?} at {model:?} answered {st}"
                );
            }
            let assignee = match act {
                Act::Reassign => &other_id,
                _ => &p.specialist_id,
            };
            let body = json!({"action": act.as_str(), "comment": "Ý kiến",
                "reasons": ["Lý do"], "components": ["ban-ve"], "assignee": assignee,
                "consultations": [{"agency": "000.00.11.H53", "question": "Ý kiến?", "due": "2026-03-04"}],
                "new_date": new_date(apologies), "tracking_number": "EB123456789VN",
                "originals_compared": true, "result_document": file});
            let actor = match who {
                Who::Owner => &mut p.citizen,
                Who::Staff(Role::Reception) => &mut p.desk,
                Who::Assignee => &mut p.specialist,
                Who::Staff(Role::Specialist) => &mut other,
                Who::Staff(Role::Leader) => &mut p.leader,
                Who::Consulted => &mut consulted,
                _ => &mut cashier,
            };
            let status = if act == Act::AnswerConsultation && who == Who::Consulted {
                let (c, tok) = actor;
                answer_open(c, tok, &code).await
            } else if act == Act::Resubmit && who == Who::Owner {
                let (c, tok) = actor;
                if model == Stage::SupplementRequested {
                    // The person supplements what was asked (a repeat request may name only
                    // what the resubmission changed).
                    let r = c.upload(tok, &id, "ban-ve", "bo-sung.jpg", jpeg(700)).await;
                    assert_eq!(r.status, 201, "{}", r.body);
                }
                submit(c, tok, &id, None).await.status
            } else {
                act_status(actor, &code, body).await
            };
            let want = reference(model, act, who);
            let got = dossier(&mut p.desk, &code).await["stage"]
                .as_str()
                .unwrap()
                .to_string();
            match want {
                Some(next) => {
                    assert_eq!(
                        status, 200,
                        "case {case} step {n}: {act:?} by {who:?} at {model:?}"
                    );
                    if act == Act::Apologise {
                        apologies += 1;
                    }
                    if act == Act::Consult {
                        open += 1;
                    }
                    if act == Act::AnswerConsultation {
                        // The last answer ends the wait (the system's step).
                        answers += 1;
                        open -= 1;
                        if open == 0 {
                            model = reference(next, Act::ConsultationAnswered, Who::System)
                                .unwrap_or(next);
                            visited.insert(model);
                            assert_eq!(got, model.as_str(), "case {case} step {n}: last answer");
                            continue;
                        }
                    }
                    if act == Act::Reassign {
                        std::mem::swap(&mut p.specialist, &mut other);
                        std::mem::swap(&mut p.specialist_id, &mut other_id);
                    }
                    model = next;
                }
                None if act == Act::Resubmit && who == Who::Owner => {}
                None => assert!(
                    matches!(status, 404 | 409),
                    "case {case} step {n}: {act:?} by {who:?} at {model:?} answered {status}"
                ),
            }
            assert_eq!(
                got,
                model.as_str(),
                "case {case} step {n}: {act:?} by {who:?}"
            );
            visited.insert(model);
        }
    }
    // The walks reach deep into the process, not only the desk.
    assert!(visited.len() >= 8, "{visited:?}");
    eprintln!(
        "lifecycle walks visited {} stages: {visited:?}; {answers} consultation answers",
        visited.len()
    );
}

/// Sở Tư pháp answers the first open consultation on the dossier; the answer's status (204 when
/// taken, 200 for the walk's bookkeeping).
async fn answer_open(c: &mut Client, tok: &str, code: &str) -> u16 {
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(
        r.status, 200,
        "the consulted agency reads the dossier: {}",
        r.body
    );
    let d = r.json();
    let id = d["consultations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["answered_at"].is_null())
        .map(|x| x["id"].as_str().unwrap().to_string())
        .expect("an open consultation");
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/consultations/{id}/answer"),
            Some(tok),
            Some(json!({"answer": "Ý kiến của Sở Tư pháp"})),
        )
        .await;
    match r.status {
        204 => 200,
        s => s,
    }
}

fn any_u8() -> impl proptest::strategy::Strategy<Value = u8> {
    proptest::num::u8::ANY
}

async fn act_status(who: &mut (Client, String), code: &str, body: Value) -> u16 {
    act(who, code, body).await.0
}

/// security.md row 49: ten officers accept the same dossier at once: exactly one succeeds, the
/// others are told it changed (409), and there is one acceptance event.
async fn concurrent_steps_do_not_lose_updates(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let tok = p.desk.1.clone();
    let mut tasks = vec![];
    for _ in 0..10 {
        let mut c = t.client();
        let (tok, code) = (tok.clone(), code.clone());
        tasks.push(tokio::spawn(async move {
            c.json(
                Method::POST,
                &format!("/api/v1/dossiers/{code}/actions"),
                Some(&tok),
                Some(json!({"action": "accept"})),
            )
            .await
            .status
        }));
    }
    let mut statuses = vec![];
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 409)),
        "{statuses:?}"
    );
    let d = dossier(&mut p.citizen, &code).await;
    let accepts = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "accept")
        .count();
    assert_eq!(accepts, 1);
    let acceptance_notices = notice_kinds(&d)
        .iter()
        .filter(|k| *k == "acceptance")
        .count();
    assert_eq!(acceptance_notices, 1);
}

engine_tests!(
    random_steps_match_the_model,
    concurrent_steps_do_not_lose_updates
);

/// `motcua check` finds a state change without its event and an accepted dossier without its
/// appointment, and nothing in consistent data.
async fn the_check_finds_broken_invariants(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    ok(&mut p.desk, &code, json!({"action": "accept"})).await;
    assert_eq!(t.app.check().await.unwrap(), Vec::<String>::new());
    let conn = t.app.db.conn();
    let mut d = motcua_store::dossiers::find_by_code(conn, &code)
        .await
        .unwrap()
        .unwrap();
    d.appointment_at = None;
    d.stage = motcua_domain::lifecycle::Stage::Returned;
    motcua_store::dossiers::update_dossier(conn, &d)
        .await
        .unwrap();
    let problems = t.app.check().await.unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("latest event does not enter its stage")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("without an appointment")),
        "{problems:?}"
    );
}

engine_tests!(the_check_finds_broken_invariants);
