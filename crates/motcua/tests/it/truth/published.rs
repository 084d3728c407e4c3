//! What is published applies (R8.1c, R10.3): a program drives every online agency's dossier to
//! the result from the published descriptions alone, the shorter online time sets the
//! appointment, and the published process sets each step's due point and unit.
use std::collections::BTreeMap;

use jiff::SignedDuration;
use motcua_domain::account::Role;
use motcua_testkit::{Client, Engine, TestApp, engine_tests};
use serde_json::json;

use crate::agent;
use crate::dossiers::{CITIZEN, setup, token};
use crate::processing::{dossier, get_json, ok, people, submitted};

use super::{demo_staff, upload_result};

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
        // Where the dossier owes a fee, the agency's cashier takes it (R7.1b).
        if dossier(&mut citizen, &code).await["fees"]["due"].as_i64() > Some(0) {
            staff.push(demo_staff(&t, agency, Role::Cashier).await);
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

engine_tests!(
    a_program_takes_every_online_agency_to_the_result,
    the_shorter_online_time_sets_the_appointment,
    the_published_process_drives_the_steps,
);
