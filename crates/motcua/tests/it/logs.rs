//! No password, token, full identity number or e-mail address in the logs (R10.5).
//! The test runs on a single-threaded runtime so that every log line of the server's tasks goes
//! to the subscriber it installs.
use std::io::Write;
use std::sync::{Arc, Mutex};

use motcua_testkit::{Engine, TestApp};
use reqwest::Method;

use crate::accounts::citizen;
use crate::{ID, PW};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn full_flow_logs_no_secrets(e: Engine) {
    let buf = Buf::default();
    let w = buf.clone();
    let sub = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_env_filter(
            "debug,sqlx=warn,sea_orm=warn,sea_orm_migration=warn,hyper=warn,reqwest=warn",
        )
        .with_writer(move || w.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(sub);

    let t = TestApp::spawn(e).await;
    let mut c = citizen(&t, ID, "ha.canary@vidu.vn").await;
    let sid = c.cookies.get("__Host-sid").cloned().unwrap();
    let mut bad = t.client();
    bad.post_form(
        "/dang-nhap",
        &[("login", ID), ("password", "CANARYWRONG sai rồi")],
    )
    .await;
    bad.post_form(
        "/dang-nhap",
        &[
            ("login", "051011112222"),
            ("password", "CANARYWRONG sai rồi"),
        ],
    )
    .await;
    let mut api = t.client();
    let token = api.token(ID, PW).await;
    api.json(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    api.json(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(serde_json::json!({"login": ID, "password": "CANARYWRONG"})),
    )
    .await;
    c.post_form("/quen-mat-khau", &[("email", "ha.canary@vidu.vn")])
        .await;
    let reset = t
        .link_in_mail("ha.canary@vidu.vn", "/dat-lai-mat-khau")
        .await;
    let reset_token = reset.split("token=").nth(1).unwrap().to_string();
    c.get(&reset).await;
    c.post_form(
        "/dat-lai-mat-khau",
        &[
            ("token", &reset_token),
            ("password", "CANARYNEW mật khẩu mới"),
            ("password_again", "CANARYNEW mật khẩu mới"),
        ],
    )
    .await;
    c.login(ID, "CANARYNEW mật khẩu mới").await;
    c.get("/__test/panic").await;
    t.stop().await;

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("authn_login_fail")
            && logs.contains("authn_login_success")
            && logs.contains("password_reset"),
        "security events are logged"
    );
    for line in logs.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("every log line is JSON ({e}): {line}"));
    }
    for secret in [
        PW,
        "CANARYPW",
        "CANARYWRONG",
        "CANARYNEW",
        ID,
        "051011112222",
        "ha.canary",
        &sid,
        &token,
        &reset_token,
    ] {
        assert!(!logs.contains(secret), "«{secret}» appears in the logs");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_secrets_in_logs_sqlite() {
    full_flow_logs_no_secrets(Engine::Sqlite).await
}

#[tokio::test(flavor = "current_thread")]
async fn no_secrets_in_logs_postgres() {
    if motcua_testkit::postgres_enabled() {
        full_flow_logs_no_secrets(Engine::Postgres).await
    }
}
