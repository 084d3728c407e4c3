//! The JSON API: tokens, /me, OpenAPI (R6.1, R10.2: the interface portals and integrations use).
use motcua_testkit::{Engine, TestApp, engine_tests};
use reqwest::Method;
use serde_json::json;

use crate::security::demo_pw;

async fn token_flow(e: Engine) {
    let t = TestApp::spawn(e).await;
    t.demo().await;
    let mut c = t.client();
    let pw = demo_pw(&t, "tiepnhan.tuphap");
    let r = c
        .json(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"login": "tiepnhan.tuphap", "password": pw})),
        )
        .await;
    assert_eq!(r.status, 200);
    let body = r.json();
    let token = body["token"].as_str().unwrap().to_string();
    assert!(
        body["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-02T14:00:00"),
        "{body}"
    );
    let me = c
        .json(Method::GET, "/api/v1/me", Some(&token), None)
        .await
        .json();
    assert_eq!(me["kind"], "staff");
    assert_eq!(me["login"], "tiepnhan.tuphap");
    assert_eq!(me["roles"][0]["role"], "reception");
    assert_eq!(me["roles"][0]["agency_code"], "000.00.11.H53");
    assert_eq!(me["roles"][0]["unit_code"], "MOTCUA");
    // A session cookie is not accepted by the API (no CSRF path into it).
    let mut browser = t.login_as("reception").await;
    assert_eq!(
        browser
            .json(Method::GET, "/api/v1/me", None, None)
            .await
            .status,
        401
    );
    assert_eq!(
        c.json(Method::DELETE, "/api/v1/auth/token", Some(&token), None)
            .await
            .status,
        204
    );
    assert_eq!(
        c.json(Method::GET, "/api/v1/me", Some(&token), None)
            .await
            .status,
        401,
        "revoked"
    );
    // Wrong password and unknown account answer alike; unknown fields are refused.
    let a = c
        .json(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"login": "tiepnhan.tuphap", "password": "sai"})),
        )
        .await;
    let b = c
        .json(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"login": "khong.co.ai", "password": "sai"})),
        )
        .await;
    assert_eq!((a.status, a.body.clone()), (b.status, b.body.clone()));
    assert_eq!(a.status, 401);
    // With the right password, an extra field is still refused (and gets no token).
    let r = c
        .json(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"login": "tiepnhan.tuphap", "password": pw, "role": "province_admin"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("role"),
        "the error names the field: {}",
        r.body
    );
    assert!(r.json().get("token").is_none());
    // Tokens expire.
    let token = c.token("tiepnhan.tuphap", &pw).await;
    t.clock.advance(jiff::SignedDuration::from_hours(13));
    assert_eq!(
        c.json(Method::GET, "/api/v1/me", Some(&token), None)
            .await
            .status,
        401
    );
}

/// The document does not depend on the engine: the test runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_every_api_route() {
    let t = TestApp::spawn(Engine::Sqlite).await;
    let doc = t.client().get("/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let inventory = motcua_web::routes(false).finish().1;
    for spec in inventory
        .specs
        .iter()
        .filter(|s| s.path.starts_with("/api/v1/"))
    {
        let m = spec.method.as_str().to_lowercase();
        assert!(
            doc["paths"][spec.path][&m].is_object(),
            "{} {} missing from the OpenAPI document",
            spec.method,
            spec.path
        );
    }
}

engine_tests!(token_flow);
