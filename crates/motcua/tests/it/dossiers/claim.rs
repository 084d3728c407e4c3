//! A person without an account (R11.2): a dossier registered at the counter with their phone
//! gets its notices by SMS, with the public look-up as their link, and they claim it into the
//! account they make later only with its code and that phone.
use std::sync::{Arc, Mutex};

use motcua_testkit::{Client, Engine, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use super::{CITIZEN, OTHER, camthanh_desk, setup_with, token};

/// An SMS provider on loopback that records what it receives (the HTTP adapter's peer).
async fn sms_sink() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Default::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let g = g.clone();
            async move {
                g.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    (url, got)
}

async fn claim(c: &mut Client, tok: &str, code: &str, phone: &str) -> (u16, Value) {
    let r = c
        .json(
            Method::POST,
            "/api/v1/dossiers/claim",
            Some(tok),
            Some(json!({"code": code, "phone": phone})),
        )
        .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn counter_dossier_notified_by_sms_and_claimed(e: Engine) {
    let (url, got) = sms_sink().await;
    let t = setup_with(e, move |c| {
        c.sms_url = Some(url);
        c.sms_key = Some("khoa-thu".into());
    })
    .await;
    let (mut desk, td) = camthanh_desk(&t).await;
    let svc = super::fixture_service(&t).await;
    let code = super::register(&mut desk, &td, &svc, "in_person").await;
    let r = desk
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/actions"),
            Some(&td),
            Some(json!({"action": "accept"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The acceptance notice reaches the phone given at the counter, with the public look-up.
    let mut texts = vec![];
    for _ in 0..100 {
        texts = got.lock().unwrap().clone();
        if texts
            .iter()
            .any(|s| s["text"].as_str().unwrap_or("").contains("Da tiep nhan"))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let accepted: Vec<_> = texts
        .iter()
        .filter(|s| s["text"].as_str().unwrap_or("").contains("Da tiep nhan"))
        .collect();
    assert_eq!(accepted.len(), 1, "{texts:?}");
    assert_eq!(accepted[0]["to"], "0905111222");
    let text = accepted[0]["text"].as_str().unwrap();
    assert!(
        text.contains(&code) && text.contains(&format!("/tra-cuu?ma={code}")),
        "{text}"
    );

    // Claimed only with the right code and phone; any mismatch answers alike (404).
    let (mut c, tok) = token(&t, CITIZEN).await;
    for (cd, phone) in [
        (code.as_str(), "0905111223"),
        ("000.01.01.H53-260302-0099", "0905111222"),
        ("khong-phai-ma", "0905111222"),
    ] {
        let (st, v) = claim(&mut c, &tok, cd, phone).await;
        assert_eq!(st, 404, "{v}");
    }
    let (st, v) = claim(&mut c, &tok, &code, "090 5111 222").await;
    assert_eq!(st, 200, "{v}");
    // The phone on record hears of the claim (someone else who knew both would be noticed).
    let mut told = vec![];
    for _ in 0..100 {
        told = got
            .lock()
            .unwrap()
            .iter()
            .filter(|s| {
                s["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains("gan vao mot tai khoan")
            })
            .cloned()
            .collect();
        if !told.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["to"], "0905111222");
    let id = v["id"].as_str().unwrap().to_string();
    let mine = c
        .json(Method::GET, "/api/v1/dossiers", Some(&tok), None)
        .await
        .json();
    assert!(mine.to_string().contains(&id), "{mine}");
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Once owned, nobody else claims it, not even with the right proof.
    let (mut other, otok) = token(&t, OTHER).await;
    let (st, _) = claim(&mut other, &otok, &code, "0905111222").await;
    assert_eq!(st, 404);
    // A malformed phone is the request's own fault.
    let (st, v) = claim(&mut other, &otok, &code, "12").await;
    assert_eq!(
        (st, v["errors"][0]["field"].as_str()),
        (422, Some("phone")),
        "{v}"
    );
    // Staff own no dossiers.
    let (st, _) = claim(&mut desk, &td, &code, "0905111222").await;
    assert_eq!(st, 403);
    let audit = crate::privacy::audit_entries(&t).await;
    assert_eq!(
        audit
            .iter()
            .filter(|(_, e)| e.action == "dossier_claimed")
            .count(),
        1
    );
}

/// Guessing is slow: ten tries an hour per account, then 429.
async fn claims_are_limited(e: Engine) {
    let t = setup_with(e, |_| {}).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    for _ in 0..10 {
        let (st, _) = claim(&mut c, &tok, "000.01.01.H53-260302-0001", "0905111222").await;
        assert_eq!(st, 404);
    }
    let (st, _) = claim(&mut c, &tok, "000.01.01.H53-260302-0001", "0905111222").await;
    assert_eq!(st, 429);
}

engine_tests!(
    counter_dossier_notified_by_sms_and_claimed,
    claims_are_limited
);
