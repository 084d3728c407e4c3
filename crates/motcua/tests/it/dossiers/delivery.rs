//! How the person receives the result (R8.2), through the API: chosen at submission among the
//! service's ways, the address sealed at rest (R10.5), changed until the result is returned by
//! the owner or by reception at the person's request, never by anyone else; the counter's
//! default. The return step following the choice is in `processing::journeys`.
use motcua_testkit::{Client, Engine, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use super::{CITIZEN, OTHER, camthanh_desk, ready, setup_with, token};

const ADDRESS: &str = "12 Lê Lợi, phường Cẩm Thành, Quảng Ngãi";

fn by_post() -> Value {
    json!({"channel": "post", "post": {"recipient": "Nguyễn Văn An", "phone": "0912 345 678", "address": ADDRESS}})
}

async fn put(c: &mut Client, tok: &str, id: &str, body: Value) -> (u16, Value) {
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/dossiers/{id}/result-delivery"),
            Some(tok),
            Some(body),
        )
        .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn get(c: &mut Client, tok: &str, id: &str) -> Value {
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// The fields a refusal names.
fn fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn chosen_at_submission_and_changed(e: Engine) {
    let t = setup_with(e, |c| c.dossiers.result_postage = 25_000).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    // A way the form does not know, and the post without an address: malformed, nothing
    // submitted.
    for body in [json!({"channel": "fax"}), json!({"channel": "post"})] {
        let r = c
            .json(
                Method::POST,
                &format!("/api/v1/dossiers/{id}/submit"),
                Some(&tok),
                Some(json!({"declaration_accepted": true, "result_delivery": body})),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(get(&mut c, &tok, &id).await["status"], "draft");
    }
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/submit"),
            Some(&tok),
            Some(json!({"declaration_accepted": true, "result_delivery": by_post()})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = get(&mut c, &tok, &id).await;
    assert_eq!(d["result_ways"], json!(["office", "online", "post"]));
    assert_eq!(d["may_choose_result"], true);
    let r = &d["result_delivery"];
    assert_eq!(
        (r["channel"].as_str(), r["postage"].as_i64()),
        (Some("post"), Some(25_000))
    );
    assert_eq!(r["post"]["phone"], "0912345678");
    assert_eq!(
        r["label"],
        format!("Nhận qua bưu chính công ích (bưu gửi bảo đảm): Nguyễn Văn An, {ADDRESS}")
    );

    // The address is personal data: sealed in the table, absent from the audit record.
    use sea_orm::{ConnectionTrait, Statement};
    let conn = t.app.db().conn();
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT result_delivery FROM dossiers WHERE result_delivery IS NOT NULL",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    assert!(row.starts_with("enc1:") && !row.contains("Lê Lợi"), "{row}");

    // Changed by its owner; refused for another person (not theirs to see) and for bad input,
    // which keeps the earlier choice.
    let (st, v) = put(&mut c, &tok, &id, json!({"channel": "online"})).await;
    assert_eq!(
        (st, v["channel"].as_str(), v["postage"].as_i64()),
        (200, Some("online"), None),
        "{v}"
    );
    let (mut other, otok) = token(&t, OTHER).await;
    let (st, _) = put(&mut other, &otok, &id, json!({"channel": "office"})).await;
    assert_eq!(st, 404);
    let (st, v) = put(
        &mut c,
        &tok,
        &id,
        json!({"channel": "post", "post": {"recipient": "An", "phone": "12", "address": ADDRESS}}),
    )
    .await;
    assert_eq!(
        (st, fields(&v)),
        (422, vec!["post_phone".to_string()]),
        "{v}"
    );
    assert_eq!(
        get(&mut c, &tok, &id).await["result_delivery"]["channel"],
        "online"
    );

    // Reception of the agency changes it at the person's request; the record names the way only.
    let (mut desk, td) = camthanh_desk(&t).await;
    let (st, v) = put(&mut desk, &td, &id, json!({"channel": "office"})).await;
    assert_eq!((st, v["channel"].as_str()), (200, Some("office")), "{v}");
    let audit = crate::privacy::audit_entries(&t).await;
    let chosen: Vec<_> = audit
        .iter()
        .filter(|(_, e)| e.action == "result_delivery_chosen")
        .map(|(_, e)| (e.detail.to_string(), e.role.clone()))
        .collect();
    assert_eq!(chosen.len(), 2, "{chosen:?}");
    assert!(
        chosen.iter().all(|(d, _)| !d.contains("Lê Lợi")),
        "{chosen:?}"
    );
    // Newest first: reception's change, then the owner's.
    assert_eq!(chosen[0].0, r#"{"channel":"office"}"#);
    assert_eq!(chosen[0].1.as_deref(), Some("reception"));
    let d = get(&mut c, &tok, &id).await;
    assert_eq!(d["result_delivery"]["channel"], "office");
    // The person hears of reception's change (not of their own), naming the way, not the
    // address.
    let changed: Vec<&Value> = d["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "result_way_changed")
        .collect();
    assert_eq!(changed.len(), 1, "{}", d["notices"]);
    let n = motcua_store::notices::get_notice(
        t.app.db().conn(),
        changed[0]["id"].as_str().unwrap().parse().unwrap(),
    )
    .await
    .unwrap();
    assert!(
        n.body.contains("thành: nhận tại bộ phận một cửa."),
        "{}",
        n.body
    );
    assert!(!n.body.contains("Lê Lợi"), "{}", n.body);
}

/// At the counter the person takes the result there unless they ask otherwise; a dossier from
/// the post waits for reception to record the way its letter asks for.
async fn the_counter_default(e: Engine) {
    let t = setup_with(e, |_| {}).await;
    let (mut desk, td) = camthanh_desk(&t).await;
    let svc = super::fixture_service(&t).await;
    let mut ways = vec![];
    for intake in ["in_person", "postal"] {
        let code = super::register(&mut desk, &td, &svc, intake).await;
        let d = get(&mut desk, &td, &code).await;
        ways.push(d["result_delivery"]["channel"].as_str().map(String::from));
        if intake == "postal" {
            let (st, v) = put(&mut desk, &td, &code, by_post()).await;
            assert_eq!((st, v["channel"].as_str()), (200, Some("post")), "{v}");
        }
    }
    assert_eq!(ways, [Some("office".to_string()), None]);
}

engine_tests!(chosen_at_submission_and_changed, the_counter_default);
