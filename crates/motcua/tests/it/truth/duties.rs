//! Separation of duties, applicants who see only what is theirs (R10.5), and an actions
//! description that says exactly what to send.
use jiff::SignedDuration;
use motcua_domain::account::Role;
use motcua_testkit::{Engine, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::{CITIZEN, setup};
use crate::processing::{act, dossier, get_json, ok, people, submitted};

use super::{demo_staff, upload_result};

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
        json!({"action": "consult", "comment": MARK, "consultations": [{"agency": "000.00.11.H53", "question": MARK, "due": "2026-03-10", "basis": "Luật Xây dựng số 50/2014/QH13"}]}),
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
    crate::processing::pay_at_desk(&t, &code).await;
    crate::processing::online(&mut p, &code).await;
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
    // The approved draft is issued as the agency's signed result; the draft stays internal.
    let files = dossier(&mut p.citizen, &code).await["files"].clone();
    let signed = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == format!("{code}-KQ1.pdf"))
        .unwrap_or_else(|| panic!("the approved result: {files}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!files.to_string().contains("giay-phep.pdf"), "{files}");
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
        404
    );
    assert_eq!(
        cc.json(Method::GET, &get(&signed), Some(tok), None)
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
    assert_eq!(names, ["agency", "question", "due", "files", "basis"]);
    assert!(items[0]["options"].to_string().contains("000.00.11.H53"));
    assert_eq!(items[3]["multiple"], true, "several papers may be named");
    let bases = items[4]["options"].to_string();
    assert!(
        bases.contains("Luật Xây dựng số 50/2014/QH13") && bases.contains("\"consent\""),
        "{bases}"
    );
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
