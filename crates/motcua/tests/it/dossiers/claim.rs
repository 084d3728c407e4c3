//! A person without an account (R11.2): a dossier registered at the counter with their phone
//! gets its notices by SMS, with the public look-up as their link, and they claim it into the
//! account they make later only with its code and that phone, and the one-time code sent to
//! that phone (R6.2).
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

/// The SMS texts the provider receives.
type Texts = Arc<Mutex<Vec<Value>>>;

/// A dossier registered at Cẩm Thành's counter with the phone 0905111222, with an SMS provider
/// that records what it is sent; answers the desk's client and the dossier's code.
async fn counter_dossier(e: Engine) -> (motcua_testkit::TestApp, Texts, (Client, String), String) {
    let (url, got) = sms_sink().await;
    let t = setup_with(e, move |c| {
        c.sms_url = Some(url);
        c.sms_key = Some("khoa-thu".into());
    })
    .await;
    let (mut desk, td) = camthanh_desk(&t).await;
    let svc = super::fixture_service(&t).await;
    let code = super::register(&mut desk, &td, &svc, "in_person").await;
    (t, got, (desk, td), code)
}

async fn post(c: &mut Client, tok: &str, path: &str, body: Value) -> (u16, Value) {
    let r = c.json(Method::POST, path, Some(tok), Some(body)).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn claim(c: &mut Client, tok: &str, code: &str, phone: &str) -> (u16, Value) {
    let body = json!({"code": code, "phone": phone});
    post(c, tok, "/api/v1/dossiers/claim", body).await
}

async fn confirm(c: &mut Client, tok: &str, ticket: &str, otp: &str) -> (u16, Value) {
    let body = json!({"ticket": ticket, "otp": otp});
    post(c, tok, "/api/v1/dossiers/claim/confirm", body).await
}

/// The SMS texts received so far that contain `part`, waiting up to five seconds for `n`.
async fn texts_with(got: &Texts, part: &str, n: usize) -> Vec<Value> {
    let mut found = vec![];
    for _ in 0..100 {
        found = got
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s["text"].as_str().unwrap_or("").contains(part))
            .cloned()
            .collect();
        if found.len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    found
}

/// The one-time code in the latest claim SMS.
async fn latest_otp(got: &Texts, n: usize) -> String {
    let sms = texts_with(got, "Ma xac nhan", n).await;
    assert_eq!(sms.len(), n, "{sms:?}");
    let text = sms[n - 1]["text"].as_str().unwrap();
    let otp: String = text
        .split(": ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    assert_eq!(otp.len(), 6, "{text}");
    otp
}

async fn counter_dossier_notified_by_sms_and_claimed(e: Engine) {
    let (t, got, (mut desk, td), code) = counter_dossier(e).await;
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
    let accepted = texts_with(&got, "Da tiep nhan", 1).await;
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0]["to"], "0905111222");
    let text = accepted[0]["text"].as_str().unwrap();
    assert!(
        text.contains(&code) && text.contains(&format!("/tra-cuu?ma={code}")),
        "{text}"
    );

    // A code goes out only with the right dossier code and phone; any mismatch answers alike.
    let (mut c, tok) = token(&t, CITIZEN).await;
    for (cd, phone) in [
        (code.as_str(), "0905111223"),
        ("000.01.01.H53-260302-0099", "0905111222"),
        ("khong-phai-ma", "0905111222"),
    ] {
        let (st, v) = claim(&mut c, &tok, cd, phone).await;
        assert_eq!(st, 404, "{v}");
    }
    assert!(texts_with(&got, "Ma xac nhan", 1).await.is_empty());
    let (st, v) = claim(&mut c, &tok, &code, "090 5111 222").await;
    assert_eq!(st, 202, "{v}");
    assert_eq!(v["sent_to"], "•••••••222", "{v}");
    let ticket = v["ticket"].as_str().unwrap().to_string();
    let otp = latest_otp(&got, 1).await;
    assert_eq!(
        texts_with(&got, "Ma xac nhan", 1).await[0]["to"],
        "0905111222"
    );
    // Knowing the code and the phone is not enough: a wrong one-time code claims nothing, and
    // another account cannot use this one's ticket even with the right code.
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let (st, v) = confirm(&mut c, &tok, &ticket, wrong).await;
    assert_eq!(st, 404, "{v}");
    let (mut other, otok) = token(&t, OTHER).await;
    let (st, v) = confirm(&mut other, &otok, &ticket, &otp).await;
    assert_eq!(st, 404, "{v}");
    // The code is not among the dossier's notices that staff read.
    let staff_view = desk
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&td),
            None,
        )
        .await;
    assert!(staff_view.body.contains("\"kind\":\"acceptance\""));
    assert!(
        !staff_view.body.contains("claim_code"),
        "the code shows to staff"
    );
    let (st, v) = confirm(&mut c, &tok, &ticket, &otp).await;
    assert_eq!(st, 200, "{v}");
    // Spent: the same code does not serve twice.
    let (st, _) = confirm(&mut c, &tok, &ticket, &otp).await;
    assert_eq!(st, 404);
    // The phone on record hears of the claim.
    let told = texts_with(&got, "gan vao mot tai khoan", 1).await;
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
    let count = |a: &str| audit.iter().filter(|(_, e)| e.action == a).count();
    assert_eq!(
        (count("dossier_claim_code_sent"), count("dossier_claimed")),
        (1, 1)
    );
}

/// Five wrong tries spend a code: the right one then claims nothing, and the person asks for
/// a new one; three codes an hour per dossier (each is an SMS).
async fn codes_are_spent_by_guessing(e: Engine) {
    let (t, got, _, code) = counter_dossier(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let (st, v) = claim(&mut c, &tok, &code, "0905111222").await;
    assert_eq!(st, 202, "{v}");
    let ticket = v["ticket"].as_str().unwrap().to_string();
    let otp = latest_otp(&got, 1).await;
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let (st, _) = confirm(&mut c, &tok, &ticket, wrong).await;
        assert_eq!(st, 404);
    }
    let (st, _) = confirm(&mut c, &tok, &ticket, &otp).await;
    assert_eq!(st, 404, "a code tried five times is spent");
    let (st, v) = claim(&mut c, &tok, &code, "0905111222").await;
    assert_eq!(st, 202, "{v}");
    let fresh = v["ticket"].as_str().unwrap().to_string();
    let otp = latest_otp(&got, 2).await;
    // Three codes an hour per dossier, whoever asks: each is an SMS.
    let (mut other, otok) = token(&t, OTHER).await;
    let (st, v) = claim(&mut other, &otok, &code, "0905111222").await;
    assert_eq!(st, 202, "{v}");
    let (st, _) = claim(&mut other, &otok, &code, "0905111222").await;
    assert_eq!(st, 429, "a fourth SMS within the hour");
    assert_eq!(texts_with(&got, "Ma xac nhan", 4).await.len(), 3);
    // A fresh code claims.
    let (st, v) = confirm(&mut c, &tok, &fresh, &otp).await;
    assert_eq!(st, 200, "{v}");
}

/// The same through the pages: the code and phone, then the one-time code from the SMS.
async fn claimed_through_the_pages(e: Engine) {
    let (t, got, _, code) = counter_dossier(e).await;
    let mut c = t.client();
    c.login(CITIZEN, &crate::security::demo_pw(&t, CITIZEN))
        .await;
    let page = c.get("/ho-so/nhan-ho-so").await;
    assert!(page.body.contains("Gửi mã xác nhận"), "{}", page.body);
    let r = c
        .post_form(
            "/ho-so/nhan-ho-so",
            &[("ma", &code), ("dien_thoai", "0905111223")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("không khớp"), "{}", r.body);
    let r = c
        .post_form(
            "/ho-so/nhan-ho-so",
            &[("ma", &code), ("dien_thoai", "0905111222")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("•••••••222"), "{}", r.body);
    let ticket = motcua_testkit::between(&r.body, "name=\"phieu\" value=\"", "\"").to_string();
    let otp = latest_otp(&got, 1).await;
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let path = "/ho-so/nhan-ho-so/xac-nhan";
    let fields = |otp| [("phieu", ticket.as_str()), ("ma_xac_nhan", otp)];
    let r = c.post_form(path, &fields(wrong)).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Mã xác nhận không đúng"), "{}", r.body);
    let r = c.post_form(path, &fields(&otp)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mine = c.get(r.location()).await;
    assert!(mine.body.contains(&code), "{}", mine.body);
}

/// A code serves its claim only, and only for ten minutes: the public e-mail confirmation
/// page neither takes it nor tells whether it is right.
async fn codes_expire_and_serve_only_their_claim(e: Engine) {
    let (t, got, _, code) = counter_dossier(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let mut tickets = vec![];
    for n in 1..=2 {
        let (st, v) = claim(&mut c, &tok, &code, "0905111222").await;
        assert_eq!(st, 202, "{v}");
        let ticket = v["ticket"].as_str().unwrap().to_string();
        tickets.push((ticket, latest_otp(&got, n).await));
    }
    let (first, otp) = tickets[0].clone();
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let mut page = t.client();
    for guess in [otp.as_str(), wrong] {
        let token = format!("{first}:{guess}");
        let r = page
            .post_form("/xac-nhan-email", &[("token", &token)])
            .await;
        assert_eq!(r.status, 422, "{guess}");
        assert!(
            r.body.contains("Liên kết xác nhận không đúng"),
            "{}",
            r.body
        );
    }
    // The e-mail page did not take it: within its ten minutes it claims the dossier.
    t.clock.advance(jiff::SignedDuration::from_mins(9));
    let (st, v) = confirm(&mut c, &tok, &first, &otp).await;
    assert_eq!(st, 200, "{v}");
    // The other code has expired by minute eleven: not found, where a live one would meet the
    // dossier already claimed (409).
    t.clock.advance(jiff::SignedDuration::from_mins(2));
    let (second, otp) = tickets[1].clone();
    let (st, v) = confirm(&mut c, &tok, &second, &otp).await;
    assert_eq!(st, 404, "{v}");
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
    codes_are_spent_by_guessing,
    claimed_through_the_pages,
    codes_expire_and_serve_only_their_claim,
    claims_are_limited
);
