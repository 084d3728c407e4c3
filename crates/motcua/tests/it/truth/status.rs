//! One status everywhere and figures counted from the records (R5.1b, R3.4): a refusal reads
//! national 8 on every surface, the on-time share is a hand count, and a dossier never waits on
//! an absent specialist.
use jiff::SignedDuration;
use motcua_domain::account::Role;
use motcua_testkit::{Engine, TestApp, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::{CITIZEN, camthanh_staff, setup};
use crate::processing::{act, dossier, get_json, ok, people, submitted, to_specialist};

use super::upload_result;

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
pub(super) async fn to_resolved(t: &TestApp, p: &mut crate::processing::People, code: &str) {
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
    // The office time from acceptance: 10 minutes twice, and from Monday 02/03 09:00 to Tuesday
    // 24/03 09:20 (6 h + 15 days × 7.5 h + 1 h 50 = 120 h 20): 434,400 s over three, 5.4 days.
    let want = json!({"received": 5, "finished": 3, "on_time": 2, "on_time_percent": 66, "repeat_requests": 0, "average_days": 5.4});
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
    assert!(
        page.contains("<dt>Thời gian giải quyết trung bình</dt><dd>5,4 ngày làm việc</dd>"),
        "{page}"
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
    let id = d["id"].as_str().unwrap().to_string();
    let audit = motcua_store::audit::entries_for(t.app.db().conn(), "dossier", &id, 20)
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
