//! Processing through the API (R8.1b, R8.2, R11.1–R11.4, R12, R12.1, R12.2): one
//! dossier from online submission to result returned, and again with a department's supplement
//! round, a refusal to resolve, and an inter-agency consultation. Each on both engines.
use jiff::SignedDuration;
use motcua_testkit::{Client, TestApp, result_pdf};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::{CITIZEN, camthanh_trio, ready, submit, token};
use crate::security::demo_pw;

mod journeys;
mod model;

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

/// Cẩm Thành's cashier takes what is left of a dossier's fee in cash (R7.1b), logging in
/// afresh (the clock may have passed an older token); answers the recorded payment.
pub(crate) async fn pay_at_desk(t: &TestApp, code: &str) -> Value {
    let (mut c, tok, _) = crate::dossiers::camthanh_staff_pw(
        t,
        "ketoan.camthanh",
        "Võ Văn Tài",
        motcua_domain::Role::Cashier,
    )
    .await;
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/receipts"),
            Some(&tok),
            Some(json!({"method": "cash"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
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

/// Chooses how the result is received (R8.2); answers (status, body).
pub(crate) async fn choose_result(
    who: &mut (Client, String),
    code: &str,
    body: Value,
) -> (u16, Value) {
    let r = who
        .0
        .json(
            Method::PUT,
            &format!("/api/v1/dossiers/{code}/result-delivery"),
            Some(&who.1),
            Some(body),
        )
        .await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

/// The person asks for the result online (the service is full-process).
pub(crate) async fn online(p: &mut People, code: &str) {
    let (st, v) = choose_result(&mut p.citizen, code, json!({"channel": "online"})).await;
    assert_eq!(st, 200, "{v}");
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
pub(crate) async fn upload_result(p: &mut People, code: &str) -> String {
    let d = dossier(&mut p.specialist, code).await;
    let id = d["id"].as_str().unwrap().to_string();
    let (c, tok) = &mut p.specialist;
    let r = c
        .upload(
            tok,
            &id,
            "_ket-qua",
            "ket-qua.pdf",
            result_pdf("ket qua", 1500),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}
