//! The staff's second factor (R4.6; security.md row 7): enrolment at log-in where it is
//! required, no session before the code, codes accepted once and only while fresh, recovery
//! codes, API tokens, and an administrator's audited reset.
use jiff::SignedDuration;
use motcua_domain::{Clock, totp};
use motcua_testkit::{Client, Engine, Resp, TestApp, between, engine_tests};

const OFFICER: &str = "tiepnhan.tuphap";
const ADMIN: &str = "quantri.tuphap";

async fn required(e: Engine) -> (TestApp, Vec<(String, String, String)>) {
    let t = TestApp::spawn_with(e, |c| c.session.staff_second_factor = Some(true)).await;
    let accounts = t.demo().await;
    (t, accounts)
}

fn pw<'a>(accounts: &'a [(String, String, String)], login: &str) -> &'a str {
    &accounts.iter().find(|a| a.1 == login).unwrap().2
}

/// Decodes the base32 secret the enrolment page shows.
fn unbase32(s: &str) -> Vec<u8> {
    let (mut out, mut acc, mut bits) = (vec![], 0u32, 0);
    for ch in s.bytes() {
        let v = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .iter()
            .position(|x| *x == ch)
            .unwrap() as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn code_now(t: &TestApp, secret: &[u8]) -> String {
    totp::code_at(secret, totp::step_of(t.clock.now()))
}

/// Password, then the enrolment page: answers the secret.
async fn password_to_enrolment(c: &mut Client, login: &str, pw: &str) -> Vec<u8> {
    let r = c
        .post_form("/dang-nhap", &[("login", login), ("password", pw)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        r.location().starts_with("/dang-nhap/xac-thuc-hai-lop"),
        "{}",
        r.location()
    );
    let page = c.get(r.location()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<svg"), "a QR code");
    unbase32(between(&page.body, "<code class=\"secret\">", "<"))
}

async fn send_code(c: &mut Client, path: &str, code: &str) -> Resp {
    c.post_form(path, &[("code", code), ("next", "/can-bo")])
        .await
}

/// Enrols a staff member at log-in; answers their secret and recovery codes.
async fn enrol(t: &TestApp, c: &mut Client, login: &str, pw: &str) -> (Vec<u8>, Vec<String>) {
    let secret = password_to_enrolment(c, login, pw).await;
    let r = send_code(c, "/dang-nhap/xac-thuc-hai-lop", &code_now(t, &secret)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let codes: Vec<String> = r
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{}", r.body);
    (secret, codes)
}

/// A new browser past the officer's password, on the code page (not enrolment).
async fn asked_for_a_code(t: &TestApp, pw: &str) -> Client {
    let mut d = t.client();
    let r = d
        .post_form("/dang-nhap", &[("login", OFFICER), ("password", pw)])
        .await;
    assert!(
        r.location().starts_with("/dang-nhap/ma-xac-thuc"),
        "{}",
        r.location()
    );
    d
}

async fn logged_in(c: &mut Client) -> bool {
    c.get("/can-bo").await.status == 200
}

async fn no_session_before_the_code(e: Engine) {
    let (t, accounts) = required(e).await;
    let mut c = t.client();
    password_to_enrolment(&mut c, OFFICER, pw(&accounts, OFFICER)).await;
    // The password alone opens nothing: the back office, the account page and the API all
    // treat the caller as anonymous.
    assert!(!logged_in(&mut c).await);
    assert_ne!(c.get("/tai-khoan").await.status, 200);
    assert!(
        c.cookies.keys().all(|k| !k.contains("sid")),
        "no session cookie: {:?}",
        c.cookies
    );
    // A wrong code is refused and keeps the page; nothing is signed in.
    let r = send_code(&mut c, "/dang-nhap/xac-thuc-hai-lop", "000000").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Mã xác thực không đúng"), "{}", r.body);
    assert!(!logged_in(&mut c).await);
    // The pending log-in expires after five minutes.
    t.clock.advance(SignedDuration::from_mins(6));
    let r = c.get("/dang-nhap/xac-thuc-hai-lop").await;
    assert!(r.body.contains("Phiên đăng nhập đã hết hạn"), "{}", r.body);
    let r = send_code(&mut c, "/dang-nhap/xac-thuc-hai-lop", "000000").await;
    assert!(r.body.contains("Phiên đăng nhập đã hết hạn"), "{}", r.body);
    assert!(!logged_in(&mut c).await);
}

async fn enrol_then_codes_once(e: Engine) {
    let (t, accounts) = required(e).await;
    let pw = pw(&accounts, OFFICER);
    let mut c = t.client();
    let (secret, recovery) = enrol(&t, &mut c, OFFICER, pw).await;
    assert!(
        logged_in(&mut c).await,
        "the session follows the first code"
    );
    let first = code_now(&t, &secret);

    // The next log-in asks for a code, not enrolment.
    let mut d = asked_for_a_code(&t, pw).await;
    // The code used to enrol, in the same 30 seconds: refused (reused).
    let r = send_code(&mut d, "/dang-nhap/ma-xac-thuc", &first).await;
    assert_eq!(r.status, 422, "a reused code is refused");
    assert!(!logged_in(&mut d).await);
    // Two steps later, a code of two steps ago: refused (expired).
    t.clock.advance(SignedDuration::from_secs(60));
    let stale = totp::code_at(&secret, totp::step_of(t.clock.now()) - 2);
    let r = send_code(&mut d, "/dang-nhap/ma-xac-thuc", &stale).await;
    assert_eq!(r.status, 422, "an expired code is refused");
    // The current code: signed in, with a new session id.
    let r = send_code(&mut d, "/dang-nhap/ma-xac-thuc", &code_now(&t, &secret)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/can-bo");
    assert!(logged_in(&mut d).await);

    // A recovery code works once, in place of the code.
    for (round, expect) in [(0, 303), (1, 422)] {
        let mut r_c = t.client();
        r_c.post_form("/dang-nhap", &[("login", OFFICER), ("password", pw)])
            .await;
        let r = send_code(
            &mut r_c,
            "/dang-nhap/ma-xac-thuc",
            &recovery[0].to_uppercase(),
        )
        .await;
        assert_eq!(r.status, expect, "recovery code, use {round}: {}", r.body);
    }
    let mut r_c = t.client();
    r_c.post_form("/dang-nhap", &[("login", OFFICER), ("password", pw)])
        .await;
    let r = r_c.get("/tai-khoan/xac-thuc-hai-lop").await;
    assert_ne!(r.status, 200, "the account page needs the whole log-in");
}

async fn ask_token(c: &mut Client, pw: &str, code: Option<String>) -> Resp {
    let mut body = serde_json::json!({"login": OFFICER, "password": pw});
    if let Some(code) = code {
        body["code"] = code.into();
    }
    c.json(
        reqwest::Method::POST,
        "/api/v1/auth/token",
        None,
        Some(body),
    )
    .await
}

async fn api_tokens_need_the_code(e: Engine) {
    let (t, accounts) = required(e).await;
    let pw = pw(&accounts, OFFICER);
    let mut c = t.client();
    // Not enrolled where it is required: no token, whatever is sent.
    let r = ask_token(&mut c, pw, None).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("code"), "{}", r.body);
    let (secret, _) = enrol(&t, &mut c, OFFICER, pw).await;
    t.clock.advance(SignedDuration::from_secs(30));
    let r = ask_token(&mut c, pw, None).await;
    assert_eq!(r.status, 401, "no code: {}", r.body);
    let code = code_now(&t, &secret);
    let r = ask_token(&mut c, pw, Some(code.clone())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = ask_token(&mut c, pw, Some(code)).await;
    assert_eq!(r.status, 401, "the same code twice: {}", r.body);
}

async fn administrator_resets_a_lost_factor(e: Engine) {
    let (t, accounts) = required(e).await;
    let mut officer = t.client();
    enrol(&t, &mut officer, OFFICER, pw(&accounts, OFFICER)).await;
    let mut admin = t.client();
    t.clock.advance(SignedDuration::from_secs(30));
    enrol(&t, &mut admin, ADMIN, pw(&accounts, ADMIN)).await;
    let id = t.app.find_user(OFFICER).await.unwrap().id;
    let page = admin.get(&format!("/can-bo/nhan-su/{id}")).await;
    assert!(
        page.body.contains("Đặt lại xác thực hai lớp"),
        "{}",
        page.body
    );
    let r = admin
        .post_form(&format!("/can-bo/nhan-su/{id}/xac-thuc-hai-lop"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The officer's session ended; their next log-in enrols again.
    assert!(!logged_in(&mut officer).await);
    let mut again = t.client();
    password_to_enrolment(&mut again, OFFICER, pw(&accounts, OFFICER)).await;
    // Audited, naming the administrator.
    let admin_id = t.app.find_user(ADMIN).await.unwrap().id;
    let all = crate::privacy::audit_entries(&t).await;
    let reset = all
        .iter()
        .find(|(_, e)| e.action == "second_factor_reset")
        .expect("the reset is audited");
    assert_eq!(reset.1.actor_id, Some(admin_id));
    assert_eq!(reset.1.object_id.as_deref(), Some(id.to_string().as_str()));
    // A leader of the same agency is no administrator: refused, nothing removed.
    let mut leader = t.client();
    t.clock.advance(SignedDuration::from_secs(30));
    enrol(
        &t,
        &mut leader,
        "lanhdao.tuphap",
        pw(&accounts, "lanhdao.tuphap"),
    )
    .await;
    let admin_id_path = format!("/can-bo/nhan-su/{admin_id}/xac-thuc-hai-lop");
    let r = leader.post_form(&admin_id_path, &[]).await;
    assert!([403, 404].contains(&r.status), "{} {}", r.status, r.body);
    let page = admin.get(&format!("/can-bo/nhan-su/{admin_id}")).await;
    assert!(
        page.body.contains("Đang dùng"),
        "the administrator's own factor stays"
    );
}

async fn optional_in_development(e: Engine) {
    let t = TestApp::spawn(e).await;
    let accounts = t.demo().await;
    let pw = pw(&accounts, OFFICER);
    // Offered, not required: the password signs in.
    let mut c = t.client();
    c.login(OFFICER, pw).await;
    assert!(logged_in(&mut c).await);
    // Enrolling from the account page asks for the password again.
    let r = c
        .post_form(
            "/tai-khoan/xac-thuc-hai-lop/bat-dau",
            &[("current_password", "sai")],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = c
        .post_form(
            "/tai-khoan/xac-thuc-hai-lop/bat-dau",
            &[("current_password", pw)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = c.get("/tai-khoan/xac-thuc-hai-lop").await;
    let secret = unbase32(between(&page.body, "<code class=\"secret\">", "<"));
    let r = c
        .post_form(
            "/tai-khoan/xac-thuc-hai-lop/xac-nhan",
            &[("code", &code_now(&t, &secret))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Mã dự phòng"));
    // From now on this account gives a code too.
    asked_for_a_code(&t, pw).await;
}

engine_tests!(
    no_session_before_the_code,
    enrol_then_codes_once,
    api_tokens_need_the_code,
    administrator_resets_a_lost_factor,
    optional_in_development
);
