//! The desk guides once (R3.4), and two last consultation answers at once decide once.
use motcua_domain::account::Role;
use motcua_testkit::{Client, Engine, engine_tests, jpeg};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::setup;
use crate::processing::{act, dossier, get_json, ok, people, submitted, to_specialist};

use super::demo_staff;

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
                {"agency": "000.00.11.H53", "question": "Ý kiến về hộ tịch", "due": "2026-03-20", "basis": "Luật Xây dựng số 50/2014/QH13"},
                {"agency": "000.00.13.H53", "question": "Ý kiến về tài chính", "due": "2026-03-20", "basis": "Luật Xây dựng số 50/2014/QH13"}]}),
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
