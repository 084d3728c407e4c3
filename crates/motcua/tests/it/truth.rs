//! What people are told must be true (R3.4, R5.1b, R6.2, R8.1a, R8.1c, R10.3, R10.5, R12): the
//! time that applies to a dossier, the published process applied, one status everywhere, figures
//! counted from the records, dossiers that never wait on an absent person, separation of duties,
//! applicants who see only what is theirs, and an API a program can drive alone. Both engines.
use std::collections::BTreeMap;

use jiff::SignedDuration;
use motcua_domain::account::Role;
use motcua_testkit::{Client, Engine, TestApp, engine_tests, jpeg, pdf};
use reqwest::Method;
use serde_json::{Value, json};

use crate::agent;
use crate::dossiers::{CITIZEN, camthanh_staff, setup, token};
use crate::processing::{act, dossier, get_json, ok, people, submitted, to_specialist};

/// A demo officer of an agency in a role, logged in.
pub async fn demo_staff(t: &TestApp, agency: &str, role: Role) -> (Client, String) {
    let a = motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.agency_code == agency && a.role == role.as_str())
        .unwrap_or_else(|| panic!("the demo has a {role:?} at {agency}"));
    let mut c = t.client();
    let tok = c.token(&a.login, &a.password).await;
    (c, tok)
}

/// The first level-3 service of each demo agency that offers one: (agency, procedure).
fn level_three_services() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in motcua_app::demo::demo_catalogue().services {
        if s.level == 3 {
            out.entry(s.agency).or_insert(s.procedure);
        }
    }
    out
}

/// A program that knows only the OpenAPI document and the actions description takes a dossier
/// from submission to "Đã trả kết quả" at every demo agency offering level 3, with that agency's
/// demo staff.
async fn a_program_takes_every_online_agency_to_the_result(e: Engine) {
    let t = TestApp::spawn(e).await;
    t.demo().await;
    let doc = t.client().get("/api/openapi.json").await.json();
    for (method, path) in agent::OPERATIONS {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} documented"
        );
    }
    let services = level_three_services();
    assert_eq!(services.len(), 8, "{services:?}");
    let mut citizen = token(&t, CITIZEN).await;
    for (agency, procedure) in &services {
        let code = agent::submit(&mut citizen, procedure, agency).await;
        let mut staff = vec![];
        for role in [Role::Reception, Role::Leader, Role::Specialist] {
            staff.push(demo_staff(&t, agency, role).await);
        }
        let steps = agent::to_returned(&mut staff, &code).await;
        assert!(steps >= 5, "{agency} {procedure}: {steps} steps");
        let d = dossier(&mut citizen, &code).await;
        assert_eq!(
            (d["status"].as_str(), d["national_status"].as_u64()),
            (Some("returned"), Some(10)),
            "{agency} {procedure}"
        );
    }
}

/// R8.1c: Công an tỉnh publishes 5 working days for online dossiers of 1.004222 where the
/// procedure says 7. The catalogue shows 5, the appointment is counted with 5 from the valid
/// receipt, and `motcua calendar due` recomputes it from what the dossier JSON says.
async fn the_shorter_online_time_sets_the_appointment(e: Engine) {
    let t = TestApp::spawn(e).await;
    t.demo().await;
    let mut citizen = token(&t, CITIZEN).await;
    let p = get_json(&mut citizen, "/api/v1/procedures/1.004222").await;
    let svc = p["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["agency"]["code"] == "000.00.15.H53")
        .unwrap()
        .clone();
    assert_eq!(
        svc["time_to_result"],
        json!({"unit": "working_days", "value": 5.0})
    );
    let page = citizen.0.get("/dich-vu-cong/1.004222").await.body;
    let row = page.split("Công an tỉnh Quảng Ngãi").nth(1).unwrap();
    assert!(
        row.contains("05 ngày làm việc"),
        "the page shows the service's time"
    );

    let code = agent::submit(&mut citizen, "1.004222", "000.00.15.H53").await;
    let mut desk = demo_staff(&t, "000.00.15.H53", Role::Reception).await;
    t.clock.advance(SignedDuration::from_mins(45));
    let v = ok(&mut desk, &code, json!({"action": "accept"})).await;
    // Submitted Monday 02/03 09:00: five working days → Monday 09/03 09:00 (seven would give
    // Wednesday 11/03).
    assert_eq!(v["appointment_at"], "2026-03-09T09:00:00+07:00");
    let d = dossier(&mut citizen, &code).await;
    assert_eq!(d["received_at"], "2026-03-02T09:00:00+07:00");
    assert_eq!(
        d["time_to_result"],
        json!({"unit": "working_days", "value": 5.0})
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args([
            "calendar",
            "due",
            "--from",
            d["received_at"].as_str().unwrap(),
            "--working-days",
            "5",
            "--agency",
            "000.00.15.H53",
        ])
        .env("MOTCUA_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        d["appointment_at"].as_str().unwrap()
    );
}

/// R10.3: the service's published process (Tiếp nhận 0.5 day at the desk, Thẩm định 12 days at
/// Phòng Kinh tế, Phê duyệt 2 days by Lãnh đạo) sets each step's due point and the unit whose
/// staff see it, and the control sheet names its steps and units. The default shares would give
/// the specialist 9 days and the leader 19 hours.
async fn the_published_process_drives_the_steps(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    // A leader of Phòng Kinh tế only, and the demo's leader of the whole board (unit LD).
    let cam_thanh = t.app.agency_by_code("000.01.01.H53").await.unwrap();
    let (_, units) = t.app.agencies_and_units().await.unwrap();
    let unit = |code: &str| {
        units
            .iter()
            .find(|u| u.agency_id == cam_thanh.id && u.code == code)
            .unwrap()
            .id
    };
    let (mut kt_leader, _) = unit_leader(&t, "lanhdao.kt.camthanh", unit("KT")).await;
    let code = submitted(&mut p).await;
    let v = ok(&mut p.desk, &code, json!({"action": "accept"})).await;
    assert_eq!(v["appointment_at"], "2026-03-23T09:00:00+07:00");
    assert_eq!(
        v["step_due_at"], "2026-03-02T14:45:00+07:00",
        "Tiếp nhận: 0.5 day"
    );
    t.clock.advance(SignedDuration::from_mins(30));
    ok(&mut p.desk, &code, json!({"action": "forward"})).await;
    // Assignment: the process names no step, so every leader of the agency sees it.
    for leader in [&mut p.leader, &mut kt_leader] {
        let w = get_json(leader, "/api/v1/worklist?role=leader").await;
        assert_eq!(w["total"], 1);
    }
    t.clock.advance(SignedDuration::from_mins(30));
    let sid = p.specialist_id.clone();
    let v = ok(
        &mut p.leader,
        &code,
        json!({"action": "assign", "assignee": sid}),
    )
    .await;
    // Thẩm định: 12 working days from Monday 10:00 → Wednesday 18/03 10:00.
    assert_eq!(v["step_due_at"], "2026-03-18T10:00:00+07:00");
    t.clock.advance(SignedDuration::from_hours(4));
    let doc = upload_result(&mut p.specialist, &code, "ket-qua.pdf").await;
    let v = ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": doc}),
    )
    .await;
    // Phê duyệt: 2 working days from Monday 14:00 → Wednesday 04/03 14:00 (the default sixth,
    // 19 hours, would end on Thursday morning).
    assert_eq!(v["step_due_at"], "2026-03-04T14:00:00+07:00");
    // The board's leader (unit LD) sees it; the leader of Phòng Kinh tế does not.
    let w = get_json(&mut p.leader, "/api/v1/worklist?role=leader").await;
    assert_eq!(w["total"], 1);
    let w = get_json(&mut kt_leader, "/api/v1/worklist?role=leader").await;
    assert_eq!(w["total"], 0, "{w}");
    let d = dossier(&mut p.desk, &code).await;
    let steps: Vec<Option<&str>> = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str())
        .collect();
    assert_eq!(
        steps,
        [
            Some("Tiếp nhận"),
            Some("Tiếp nhận"),
            None,
            Some("Thẩm định"),
            Some("Phê duyệt")
        ]
    );
    let mut browser = t.client();
    browser.login(&p.logins[0].0, &p.logins[0].1).await;
    let sheet = browser
        .get(&format!("/ho-so/{}/phieu/05", d["id"].as_str().unwrap()))
        .await;
    assert_eq!(sheet.status, 200);
    for s in [
        "Thẩm định",
        "Phê duyệt",
        "Phòng Kinh tế",
        "Lãnh đạo UBND",
        "Bộ phận một cửa",
    ] {
        assert!(sheet.body.contains(s), "the control sheet names «{s}»");
    }
}

/// A leader of the agency restricted to one unit.
async fn unit_leader(t: &TestApp, login: &str, unit: uuid::Uuid) -> ((Client, String), uuid::Uuid) {
    use motcua_app::staff::{By, NewStaff};
    let cam_thanh = t.app.agency_by_code("000.01.01.H53").await.unwrap();
    let (u, pw) = t
        .app
        .create_staff(
            &Default::default(),
            By::Operator,
            &NewStaff {
                login: login.into(),
                full_name: "Nguyễn Văn Kính".into(),
                home_agency_id: Some(cam_thanh.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let g = motcua_domain::authz::Grant {
        role: Role::Leader,
        agency_id: cam_thanh.id,
        unit_id: Some(unit),
    };
    t.app
        .grant_role(&Default::default(), By::Operator, u.id, &g)
        .await
        .unwrap();
    let mut c = t.client();
    let tok = c.token(login, &pw.unwrap()).await;
    ((c, tok), u.id)
}

/// The specialist uploads a result document; answers its id.
async fn upload_result(who: &mut (Client, String), code: &str, name: &str) -> String {
    let (c, tok) = who;
    let r = c.upload(tok, code, "_ket-qua", name, pdf(1200)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

/// From the department's refusal to "Dừng xử lý" (national 8) for the applicant, the public
/// look-up and the staff alike: the one stage decides every surface.
async fn declined_reads_national_eight_everywhere(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    to_specialist(&t, &mut p, &code).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_decline", "reasons": ["Không đủ điều kiện"]}),
    )
    .await;
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    ok(&mut p.desk, &code, json!({"action": "send_decline"})).await;
    for who in [&mut p.citizen, &mut p.desk] {
        let d = dossier(who, &code).await;
        assert_eq!(
            (
                d["status"].as_str(),
                d["national_status"].as_u64(),
                d["status_label"].as_str()
            ),
            (Some("declined"), Some(8), Some("Dừng xử lý"))
        );
    }
    let mut anyone = t.client();
    let l = anyone
        .json(Method::GET, &format!("/api/v1/lookup/{code}"), None, None)
        .await
        .json();
    assert_eq!(
        (l["national_status"].as_u64(), l["status"].as_str()),
        (Some(8), Some("Dừng xử lý"))
    );
    let page = anyone.get(&format!("/tra-cuu?ma={code}")).await.body;
    assert!(
        page.contains("Dừng xử lý") && page.contains("(mã 8)"),
        "{page}"
    );
    let mut c = t.client();
    c.login(CITIZEN, &crate::security::demo_pw(&t, CITIZEN))
        .await;
    let list = c.get("/ho-so").await.body;
    assert!(list.contains("Dừng xử lý (mã 8)"), "{list}");
    let id = dossier(&mut p.citizen, &code).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = c.get(&format!("/ho-so/{id}")).await.body;
    assert!(page.contains("8 – Dừng xử lý"), "{page}");
    assert!(!page.contains("Đã xử lý xong"));
}

/// Drives an accepted dossier to "Đã xử lý xong".
async fn to_resolved(t: &TestApp, p: &mut crate::processing::People, code: &str) {
    t.clock.advance(SignedDuration::from_mins(10));
    ok(&mut p.desk, code, json!({"action": "forward"})).await;
    let sid = p.specialist_id.clone();
    ok(
        &mut p.leader,
        code,
        json!({"action": "assign", "assignee": sid}),
    )
    .await;
    let doc = upload_result(&mut p.specialist, code, "ket-qua.pdf").await;
    ok(
        &mut p.specialist,
        code,
        json!({"action": "propose_resolve", "result_document": doc}),
    )
    .await;
    ok(&mut p.leader, code, json!({"action": "approve"})).await;
}

/// R5.1b: the on-time share of a service and of its procedure, counted by the national rule,
/// against a hand count: of five dossiers received, one refused at intake and one still in
/// progress do not count; one resolved early, one withdrawn early and one resolved after the
/// appointment finished → 2 of 3, 66 %. A procedure nobody has finished reads "—".
async fn the_on_time_share_is_counted(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut codes = vec![];
    for _ in 0..5 {
        codes.push(submitted(&mut p).await);
    }
    ok(
        &mut p.desk,
        &codes[1],
        json!({"action": "refuse", "reasons": ["Sai thủ tục"]}),
    )
    .await;
    for c in [&codes[0], &codes[2], &codes[3], &codes[4]] {
        ok(&mut p.desk, c, json!({"action": "accept"})).await;
    }
    // Appointment 23/03 09:00 for all. Early: resolved on 02/03; withdrawn on 02/03.
    to_resolved(&t, &mut p, &codes[0]).await;
    let (c, tok) = &mut p.citizen;
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{}/withdraw", codes[3]),
            Some(tok),
            Some(json!({"reason": "Không cần nữa"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    // Late: resolved after the appointment.
    t.clock.advance(SignedDuration::from_hours(24 * 22));
    p.relogin(&t).await;
    to_resolved(&t, &mut p, &codes[4]).await;
    let api = get_json(&mut p.citizen, "/api/v1/procedures/1.009999").await;
    let want = json!({"received": 5, "finished": 3, "on_time": 2, "on_time_percent": 66, "repeat_requests": 0});
    assert_eq!(api["usage"], want);
    let svc = api["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["agency"]["code"] == "000.01.01.H53")
        .unwrap();
    assert_eq!(svc["usage"], want);
    let page = t.client().get("/dich-vu-cong/1.009999").await.body;
    assert!(
        page.contains("<dt>Tỷ lệ giải quyết đúng hạn</dt><dd>66%</dd>"),
        "{page}"
    );
    assert!(
        page.contains("Đã nộp 5, đã giải quyết 3, đúng hạn 66%"),
        "the service's own"
    );
    let none = t.client().get("/dich-vu-cong/1.001193").await.body;
    assert!(
        none.contains("<dt>Tỷ lệ giải quyết đúng hạn</dt><dd>—</dd>"),
        "nothing finished: no share"
    );
    let api = get_json(&mut p.citizen, "/api/v1/procedures/1.001193").await;
    assert_eq!(api["usage"]["on_time_percent"], Value::Null);
}

/// A dossier never waits on an absent specialist: the leader reassigns it with a reason, or
/// takes it back and assigns again; each is recorded, and only the one assigned may act.
async fn the_leader_reassigns_and_takes_back(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut other = camthanh_staff(&t, "chuyenvien2.camthanh", "Đỗ Thị Mơ", Role::Specialist).await;
    let other_id = get_json(&mut other, "/api/v1/me").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let code = submitted(&mut p).await;
    to_specialist(&t, &mut p, &code).await;
    let (st, _) = act(
        &mut p.leader,
        &code,
        json!({"action": "reassign", "assignee": other_id}),
    )
    .await;
    assert_eq!(st, 422, "a reassignment says why");
    let (st, _) = act(
        &mut p.leader,
        &code,
        json!({"action": "reassign", "assignee": p.specialist_id, "reasons": ["x"]}),
    )
    .await;
    assert_eq!(st, 422, "to someone else");
    let due = dossier(&mut p.desk, &code).await["step_due_at"].clone();
    // The leader finds who holds what among the department's dossiers.
    let w = get_json(
        &mut p.leader,
        "/api/v1/worklist?role=leader&scope=specialists",
    )
    .await;
    assert_eq!(
        (w["total"].as_u64(), w["items"][0]["assignee"].as_str()),
        (Some(1), Some("Trần Văn Nam"))
    );
    ok(
        &mut p.leader,
        &code,
        json!({"action": "reassign", "assignee": other_id, "reasons": ["Chuyên viên nghỉ ốm"]}),
    )
    .await;
    let w = get_json(
        &mut p.leader,
        "/api/v1/worklist?role=leader&scope=specialists",
    )
    .await;
    assert_eq!(w["items"][0]["assignee"], "Đỗ Thị Mơ");
    let d = dossier(&mut p.desk, &code).await;
    assert_eq!(d["step_due_at"], due, "the work is as late as it was");
    let sheet: Vec<&str> = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        sheet,
        [
            "submitted",
            "accepted",
            "awaiting_assignment",
            "examining",
            "examining"
        ],
        "the hand-over to another specialist is a row of the control sheet"
    );
    let (st, _) = act(
        &mut p.specialist,
        &code,
        json!({"action": "reassign", "assignee": other_id, "reasons": ["x"]}),
    )
    .await;
    assert_eq!(st, 409, "a specialist does not reassign");
    let w = p
        .specialist
        .0
        .json(
            Method::GET,
            "/api/v1/worklist?role=specialist&scope=specialists",
            Some(&p.specialist.1),
            None,
        )
        .await;
    assert_eq!(w.status, 422, "only leaders see what the specialists hold");
    let d = dossier(&mut p.desk, &code).await;
    assert_eq!(
        (d["assignee"].as_str(), d["stage"].as_str()),
        (Some(other_id.as_str()), Some("examining"))
    );
    let e1 = d["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (e1["kind"].as_str(), e1["label"].as_str()),
        (Some("reassign"), Some("Phân công lại"))
    );
    let (st, _) = act(
        &mut p.specialist,
        &code,
        json!({"action": "propose_decline", "reasons": ["x"]}),
    )
    .await;
    assert_eq!(st, 409, "no longer theirs");
    assert!(
        crate::processing::names(&mut other, &code)
            .await
            .contains(&"propose_resolve".to_string())
    );
    // Taken back: at the leader's again, nobody assigned.
    ok(
        &mut p.leader,
        &code,
        json!({"action": "take_back", "reasons": ["Cần phân công người khác"]}),
    )
    .await;
    let d = dossier(&mut p.desk, &code).await;
    assert_eq!(
        (d["stage"].as_str(), d["assignee"].as_str()),
        (Some("awaiting_assignment"), None)
    );
    assert!(crate::processing::names(&mut other, &code).await.is_empty());
    let sid = p.specialist_id.clone();
    ok(
        &mut p.leader,
        &code,
        json!({"action": "assign", "assignee": sid}),
    )
    .await;
    let audit = motcua_store::audit::entries_for(t.app.db.conn(), "dossier", &code, 20)
        .await
        .unwrap();
    for a in ["dossier_reassign", "dossier_take_back"] {
        assert!(audit.iter().any(|x| x.action == a), "{a} audited");
    }
    let d = dossier(&mut p.citizen, &code).await;
    assert!(!d.to_string().contains("nghỉ ốm"), "the reason is internal");
}

engine_tests!(
    declined_reads_national_eight_everywhere,
    the_on_time_share_is_counted,
    the_leader_reassigns_and_takes_back,
);

engine_tests!(
    a_program_takes_every_online_agency_to_the_result,
    the_shorter_online_time_sets_the_appointment,
    the_published_process_drives_the_steps,
);

/// Separation of duties: a leader who is also a specialist never assigns a dossier to themself
/// nor decides their own proposal; an agency administrator never widens their own powers nor
/// touches an account that oversees every agency.
async fn nobody_decides_their_own_work(e: Engine) {
    use motcua_app::staff::{By, NewStaff};
    let t = setup(e).await;
    let mut p = people(&t).await;
    let cam_thanh = t.app.agency_by_code("000.01.01.H53").await.unwrap();
    let (deputy, pw) = t
        .app
        .create_staff(
            &Default::default(),
            By::Operator,
            &NewStaff {
                login: "phochutich.camthanh".into(),
                full_name: "Hồ Văn Phó".into(),
                home_agency_id: Some(cam_thanh.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for role in [Role::Leader, Role::Specialist] {
        let g = motcua_domain::authz::Grant {
            role,
            agency_id: cam_thanh.id,
            unit_id: None,
        };
        t.app
            .grant_role(&Default::default(), By::Operator, deputy.id, &g)
            .await
            .unwrap();
    }
    let mut d = t.client();
    let tok = d.token("phochutich.camthanh", pw.as_deref().unwrap()).await;
    let mut d = (d, tok);
    let me = deputy.id.to_string();
    let code = submitted(&mut p).await;
    ok(&mut p.desk, &code, json!({"action": "accept"})).await;
    ok(&mut p.desk, &code, json!({"action": "forward"})).await;
    let a = get_json(&mut d, &format!("/api/v1/dossiers/{code}/actions")).await;
    let assign = a["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "assign")
        .unwrap()
        .clone();
    let options = &assign["fields"][0]["options"];
    assert!(
        !options.to_string().contains(&me),
        "not offered to themself: {options}"
    );
    let (st, v) = act(&mut d, &code, json!({"action": "assign", "assignee": me})).await;
    assert_eq!(st, 422);
    assert!(v.to_string().contains("Không tự phân công"), "{v}");
    ok(
        &mut p.leader,
        &code,
        json!({"action": "assign", "assignee": me}),
    )
    .await;
    let doc = upload_result(&mut d, &code, "ket-qua.pdf").await;
    ok(
        &mut d,
        &code,
        json!({"action": "propose_resolve", "result_document": doc}),
    )
    .await;
    let (st, v) = act(&mut d, &code, json!({"action": "approve"})).await;
    assert_eq!(st, 409, "their own proposal: {v}");
    assert!(v.to_string().contains("Không thể tự phê duyệt"), "{v}");
    let (st, _) = act(
        &mut d,
        &code,
        json!({"action": "return_for_revision", "reasons": ["x"]}),
    )
    .await;
    assert_eq!(st, 409);
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;

    // The agency administrator of Sở Tư pháp.
    let justice = t.app.agency_by_code("000.00.11.H53").await.unwrap();
    let mut admin = t.client();
    admin
        .login(
            "quantri.tuphap",
            &crate::security::demo_pw(&t, "quantri.tuphap"),
        )
        .await;
    let own = t.app.find_user("quantri.tuphap").await.unwrap();
    let before = t.app.active_grants(own.id).await.unwrap().len();
    let r = admin
        .post_form(
            &format!("/can-bo/nhan-su/{}/quyen", own.id),
            &[
                ("role", "leader"),
                ("agency", &justice.id.to_string()),
                ("unit", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Không tự cấp quyền"), "{}", r.body);
    assert_eq!(t.app.active_grants(own.id).await.unwrap().len(), before);
    let (inspector, _) = t
        .app
        .create_staff(
            &Default::default(),
            By::Operator,
            &NewStaff {
                login: "thanhtra.tuphap".into(),
                full_name: "Lý Thanh Tra".into(),
                home_agency_id: Some(justice.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let province = t.app.agency_by_code("000.00.00.H53").await.unwrap();
    let g = motcua_domain::authz::Grant {
        role: Role::Inspector,
        agency_id: province.id,
        unit_id: None,
    };
    t.app
        .grant_role(&Default::default(), By::Operator, inspector.id, &g)
        .await
        .unwrap();
    for disabled in ["1", "0"] {
        let r = admin
            .post_form(
                &format!("/can-bo/nhan-su/{}/trang-thai", inspector.id),
                &[("disabled", disabled)],
            )
            .await;
        assert_eq!(r.status, 403, "an inspector answers to the province");
    }
    assert!(!t.app.find_user("thanhtra.tuphap").await.unwrap().disabled);
    let mut province_admin = t.client();
    province_admin
        .login(
            "quantri.tinh",
            &crate::security::demo_pw(&t, "quantri.tinh"),
        )
        .await;
    let r = province_admin
        .post_form(
            &format!("/can-bo/nhan-su/{}/trang-thai", inspector.id),
            &[("disabled", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(t.app.find_user("thanhtra.tuphap").await.unwrap().disabled);
}

/// R10.5: the applicant never sees the agencies' internal work. A marker goes into every
/// internal field (remarks on hand-over and assignment, the proposed refusal, the return for
/// revision, the consultation and its answer, a superseded draft's file name, the approval) and
/// is searched for in every page and API answer the applicant can reach; the superseded draft
/// cannot be downloaded, the approved result can.
async fn applicants_see_only_what_is_theirs(e: Engine) {
    const MARK: &str = "KANARI";
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let id = dossier(&mut p.citizen, &code).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&mut p.desk, &code, json!({"action": "accept"})).await;
    ok(
        &mut p.desk,
        &code,
        json!({"action": "forward", "comment": MARK}),
    )
    .await;
    let sid = p.specialist_id.clone();
    ok(
        &mut p.leader,
        &code,
        json!({"action": "assign", "assignee": sid, "comment": MARK}),
    )
    .await;
    let draft = upload_result(&mut p.specialist, &code, &format!("{MARK}-du-thao.pdf")).await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "consult", "comment": MARK, "consultations": [{"agency": "000.00.11.H53", "question": MARK, "due": "2026-03-10"}]}),
    )
    .await;
    let mut justice = demo_staff(&t, "000.00.11.H53", Role::Specialist).await;
    let asked = get_json(&mut justice, "/api/v1/consultations").await;
    let cid = asked[0]["id"].as_str().unwrap().to_string();
    let r = justice
        .0
        .json(
            Method::POST,
            &format!("/api/v1/consultations/{cid}/answer"),
            Some(&justice.1),
            Some(json!({"answer": MARK})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_decline", "reasons": [MARK], "comment": MARK}),
    )
    .await;
    // While the leader decides: "Đang xử lý", nothing of the proposal, through any door.
    let d = dossier(&mut p.citizen, &code).await;
    assert_eq!(
        (d["status_label"].as_str(), d["stage"].as_str()),
        (Some("Đang xử lý"), None)
    );
    assert!(!d.to_string().contains(MARK), "{d}");
    let a = get_json(&mut p.citizen, &format!("/api/v1/dossiers/{code}/actions")).await;
    assert_eq!(
        (a["stage"].as_str(), a["stage_label"].as_str()),
        (None, Some("Đang xử lý"))
    );
    let (st, v) = act(&mut p.citizen, &code, json!({"action": "approve"})).await;
    assert_eq!(st, 409);
    assert!(
        !v.to_string().contains("từ chối") && v.to_string().contains("Đang xử lý"),
        "{v}"
    );
    ok(
        &mut p.leader,
        &code,
        json!({"action": "return_for_revision", "reasons": [MARK], "comment": MARK}),
    )
    .await;
    let result = upload_result(&mut p.specialist, &code, "giay-phep.pdf").await;
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": result, "comment": MARK}),
    )
    .await;
    ok(
        &mut p.leader,
        &code,
        json!({"action": "approve", "comment": MARK}),
    )
    .await;
    // Returned after the appointment, resolved before it: early, for the applicant too (the
    // count reads the whole history, not what the applicant sees of it).
    t.clock.advance(SignedDuration::from_hours(24 * 22));
    p.relogin(&t).await;
    ok(&mut p.desk, &code, json!({"action": "return_online"})).await;
    let staff_view = dossier(&mut p.desk, &code).await;
    assert_eq!(staff_view["timeliness"], "early");
    assert_eq!(dossier(&mut p.citizen, &code).await["timeliness"], "early");
    let staff_view = staff_view.to_string();
    assert!(staff_view.contains(MARK), "staff see the whole record");

    // Everything the applicant reaches.
    let mut seen = vec![];
    seen.push(dossier(&mut p.citizen, &code).await.to_string());
    seen.push(
        get_json(&mut p.citizen, "/api/v1/dossiers")
            .await
            .to_string(),
    );
    let mut anyone = t.client();
    let r = anyone
        .json_with(
            Method::GET,
            &format!("/api/v1/lookup/{code}"),
            None,
            &[("x-phone-last-digits", "5678")],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["history"].as_array().is_some_and(|h| h.len() > 3));
    seen.push(r.body);
    let mut c = t.client();
    c.login(CITIZEN, &crate::security::demo_pw(&t, CITIZEN))
        .await;
    for path in [
        format!("/ho-so/{id}"),
        "/ho-so".to_string(),
        "/thong-bao".to_string(),
        format!("/ho-so/{id}/phieu/01"),
    ] {
        let r = c.get(&path).await;
        assert_eq!(r.status, 200, "{path}");
        seen.push(r.body);
    }
    for s in &seen {
        assert!(
            !s.contains(MARK),
            "the applicant sees an internal field: {s}"
        );
    }
    let files = dossier(&mut p.citizen, &code).await["files"].clone();
    assert!(
        files.to_string().contains("giay-phep.pdf"),
        "the approved result: {files}"
    );
    let get = |f: &str| format!("/api/v1/dossiers/{code}/attachments/{f}");
    let (cc, tok) = &mut p.citizen;
    assert_eq!(
        cc.json(Method::GET, &get(&draft), Some(tok), None)
            .await
            .status,
        404
    );
    assert_eq!(
        cc.json(Method::GET, &get(&result), Some(tok), None)
            .await
            .status,
        200
    );
    assert_eq!(c.get(&format!("/ho-so/{id}/phieu/05")).await.status, 404);
}

/// The actions description says exactly what to send: each field's type, whether it is
/// required, and the values allowed (the specialists one may assign, the components one may
/// ask for, the result documents, the agencies one may consult).
async fn the_actions_describe_what_to_send(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    let field = |a: &Value, act: &str, name: &str| -> Value {
        let action = a["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == act)
            .unwrap_or_else(|| panic!("{act} in {a}"));
        action["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{act}.{name}"))
            .clone()
    };
    let path = format!("/api/v1/dossiers/{code}/actions");
    let a = get_json(&mut p.desk, &path).await;
    let comps = field(&a, "request_supplement", "components");
    assert_eq!(
        (comps["type"].as_str(), comps["required"].as_bool()),
        (Some("choices"), Some(false))
    );
    let values: Vec<&str> = comps["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    assert!(
        values.contains(&"ban-ve") && values.contains(&"_to-khai"),
        "{values:?}"
    );
    let reasons = field(&a, "refuse", "reasons");
    assert_eq!(
        (
            reasons["type"].as_str(),
            reasons["required"].as_bool(),
            reasons["multiple"].as_bool()
        ),
        (Some("text"), Some(true), Some(true))
    );
    let request = a["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "request_supplement")
        .unwrap();
    assert_eq!(request["one_of"], json!(["components", "reasons"]));
    ok(&mut p.desk, &code, json!({"action": "accept"})).await;
    ok(&mut p.desk, &code, json!({"action": "forward"})).await;
    let a = get_json(&mut p.leader, &path).await;
    let who = field(&a, "assign", "assignee");
    assert_eq!(
        (who["type"].as_str(), who["required"].as_bool()),
        (Some("choice"), Some(true))
    );
    let other = get_json(
        &mut crate::dossiers::token(&t, "chuyenvien2.camthanh").await,
        "/api/v1/me",
    )
    .await;
    assert_eq!(
        who["options"],
        json!([{"value": p.specialist_id, "label": "Trần Văn Nam"}, {"value": other["id"], "label": "Đỗ Thị Mơ"}]),
        "the agency's specialists, by name"
    );
    let sid = p.specialist_id.clone();
    ok(
        &mut p.leader,
        &code,
        json!({"action": "assign", "assignee": sid}),
    )
    .await;
    let a = get_json(&mut p.specialist, &path).await;
    let doc = field(&a, "propose_resolve", "result_document");
    let id = dossier(&mut p.desk, &code).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(doc["type"], "file");
    assert_eq!(doc["options"], json!([]));
    assert_eq!(
        doc["upload"],
        json!({"path": format!("/api/v1/dossiers/{id}/attachments"), "component": "_ket-qua"})
    );
    let up = upload_result(&mut p.specialist, &code, "ket-qua.pdf").await;
    let a = get_json(&mut p.specialist, &path).await;
    assert_eq!(
        field(&a, "propose_resolve", "result_document")["options"],
        json!([{"value": up, "label": "ket-qua.pdf"}])
    );
    let consult = field(&a, "consult", "consultations");
    assert_eq!(consult["type"], "list");
    let items = consult["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["agency", "question", "due"]);
    assert!(items[0]["options"].to_string().contains("000.00.11.H53"));
    assert!(
        !items[0]["options"].to_string().contains("000.01.01.H53"),
        "not itself"
    );
    let doc_api = t.client().get("/api/openapi.json").await.json();
    assert!(doc_api["components"]["schemas"]["ActionFieldOut"].is_object());
}

engine_tests!(
    nobody_decides_their_own_work,
    applicants_see_only_what_is_theirs,
    the_actions_describe_what_to_send,
);

/// Guide once (R3.4): after the person resubmits, the desk may ask again only about what the
/// resubmission changed; that request is marked and counted against the agency.
async fn the_desk_guides_once(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let path = |code: &str| format!("/api/v1/dossiers/{code}/actions");
    let options = |a: &Value| -> Vec<String> {
        let r = a["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "request_supplement")
            .unwrap();
        r["fields"][0]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].as_str().unwrap().to_string())
            .collect()
    };
    // Resubmitted unchanged: nothing may be asked again.
    let code = submitted(&mut p).await;
    let id = dossier(&mut p.citizen, &code).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        &mut p.desk,
        &code,
        json!({"action": "request_supplement", "components": ["ban-ve"], "reasons": ["Thiếu mặt cắt"]}),
    )
    .await;
    let (c, tok) = &mut p.citizen;
    assert_eq!(crate::dossiers::submit(c, tok, &id, None).await.status, 200);
    assert!(options(&get_json(&mut p.desk, &path(&code)).await).is_empty());
    for body in [
        json!({"action": "request_supplement", "components": ["ban-ve"]}),
        json!({"action": "request_supplement", "reasons": ["Còn thiếu giấy tờ khác"]}),
    ] {
        let (st, v) = act(&mut p.desk, &code, body).await;
        assert_eq!(st, 422, "{v}");
    }
    // Resubmitted with a new drawing and new answers: only those may be asked about again.
    let code = submitted(&mut p).await;
    let id = dossier(&mut p.citizen, &code).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        &mut p.desk,
        &code,
        json!({"action": "request_supplement", "components": ["ban-ve", "_to-khai"]}),
    )
    .await;
    let (c, tok) = &mut p.citizen;
    let r = c.upload(tok, &id, "ban-ve", "mat-cat.jpg", jpeg(900)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut form = crate::dossiers::answers();
    form["so_tang"] = json!(4);
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/dossiers/{id}/form"),
            Some(tok),
            Some(form),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(crate::dossiers::submit(c, tok, &id, None).await.status, 200);
    assert_eq!(
        options(&get_json(&mut p.desk, &path(&code)).await),
        ["_to-khai", "ban-ve"]
    );
    let (st, v) = act(
        &mut p.desk,
        &code,
        json!({"action": "request_supplement", "components": ["don"]}),
    )
    .await;
    assert_eq!(st, 422, "unchanged: {v}");
    assert!(v.to_string().contains("hướng dẫn một lần"), "{v}");
    ok(
        &mut p.desk,
        &code,
        json!({"action": "request_supplement", "components": ["ban-ve"], "reasons": ["Mặt cắt chưa ghi kích thước"]}),
    )
    .await;
    let api = get_json(&mut p.citizen, "/api/v1/procedures/1.009999").await;
    assert_eq!(api["usage"]["repeat_requests"], 1);
    let page = t.client().get("/dich-vu-cong/1.009999").await.body;
    assert!(page.contains("<dt>Hồ sơ phải bổ sung quá một lần trước khi tiếp nhận</dt><dd>1</dd>"));
}

/// Two consulted agencies answer at the same moment: the last answer, whichever it is, returns
/// the dossier to the specialist (the dossier is locked first). Several rounds, so that the
/// answers overlap.
async fn two_last_answers_at_once(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let mut justice = demo_staff(&t, "000.00.11.H53", Role::Specialist).await;
    let mut finance = demo_staff(&t, "000.00.13.H53", Role::Specialist).await;
    for _ in 0..4 {
        let code = submitted(&mut p).await;
        to_specialist(&t, &mut p, &code).await;
        ok(
            &mut p.specialist,
            &code,
            json!({"action": "consult", "consultations": [
                {"agency": "000.00.11.H53", "question": "Ý kiến về hộ tịch", "due": "2026-03-20"},
                {"agency": "000.00.13.H53", "question": "Ý kiến về tài chính", "due": "2026-03-20"}]}),
        )
        .await;
        let mut ids = vec![];
        for who in [&mut justice, &mut finance] {
            let list = get_json(who, "/api/v1/consultations").await;
            let c = list
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["dossier"] == code.as_str())
                .unwrap();
            ids.push(c["id"].as_str().unwrap().to_string());
        }
        let answer = |who: &(Client, String), id: &str| {
            let mut c = who.0.clone();
            let tok = who.1.clone();
            let path = format!("/api/v1/consultations/{id}/answer");
            async move {
                c.json(
                    Method::POST,
                    &path,
                    Some(&tok),
                    Some(json!({"answer": "Đồng ý"})),
                )
                .await
                .status
            }
        };
        let (a, b) = tokio::join!(answer(&justice, &ids[0]), answer(&finance, &ids[1]));
        assert_eq!((a, b), (204, 204));
        let d = dossier(&mut p.desk, &code).await;
        assert_eq!(d["stage"], "examining", "{code}");
    }
}

engine_tests!(the_desk_guides_once, two_last_answers_at_once);
