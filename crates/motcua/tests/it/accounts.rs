//! Registration, confirmation, log-in, sessions, reset (R6.2, R4.6, R10.5).
use jiff::SignedDuration;
use motcua_testkit::{Client, Engine, TestApp, engine_tests};

use crate::{ID, PW};

pub async fn register(
    _t: &TestApp,
    c: &mut motcua_testkit::Client,
    id: &str,
    email: &str,
) -> motcua_testkit::Resp {
    let r = c
        .post_form(
            "/dang-ky",
            &[
                ("kind", "citizen"),
                ("full_name", "Trần Thị Thu Hà"),
                ("id_number", id),
                ("email", email),
                ("phone", "0905123456"),
                ("password", PW),
                ("password_again", PW),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r
}

/// Registers and confirms a citizen; answers a logged-in client.
pub async fn citizen(t: &TestApp, id: &str, email: &str) -> motcua_testkit::Client {
    let mut c = t.client();
    register(t, &mut c, id, email).await;
    let link = t.link_in_mail(email, "/xac-nhan-email").await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    let r = c.post_form("/xac-nhan-email", &[("token", &token)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    c.login(id, PW).await;
    c
}

async fn register_confirm_login_logout(e: Engine) {
    let t = TestApp::spawn(e).await;
    let mut c = t.client();
    let r = register(&t, &mut c, ID, "ha@vidu.vn").await;
    assert!(r.body.contains("Kiểm tra hộp thư"));
    // Not confirmed yet: the log-in says so (the password was right).
    let r = c
        .post_form("/dang-nhap", &[("login", ID), ("password", PW)])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("chưa xác nhận"), "{}", r.body);
    let link = t.link_in_mail("ha@vidu.vn", "/xac-nhan-email").await;
    // Opening the link (GET) changes nothing; the button (POST) confirms.
    let r = c.get(&link).await;
    assert_eq!(r.status, 200);
    let r = c
        .post_form("/dang-nhap", &[("login", ID), ("password", PW)])
        .await;
    assert_eq!(r.status, 422, "a GET must not confirm");
    let token = link.split("token=").nth(1).unwrap();
    let r = c.post_form("/xac-nhan-email", &[("token", token)]).await;
    assert_eq!((r.status, r.location()), (303, "/dang-nhap?tb=xac-nhan"));
    let r = c.post_form("/xac-nhan-email", &[("token", token)]).await;
    assert_eq!(r.status, 422, "single use");
    // Log in (by identity number or by e-mail), see the account page, log out.
    let r = c.login(ID, PW).await;
    assert_eq!(r.location(), "/tai-khoan");
    let r = c.get("/tai-khoan").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Trần Thị Thu Hà"));
    assert!(
        !r.body.contains(ID),
        "the identity number is masked on the page"
    );
    assert!(r.body.contains("7766"));
    let sid = c.cookies.get("__Host-sid").cloned().unwrap();
    let r = c.post_form("/dang-xuat", &[]).await;
    assert_eq!(r.status, 303);
    assert!(r.header("clear-site-data").is_some());
    // The old session id no longer authenticates (ended on the server, not just the cookie).
    let mut old = t.client();
    old.cookies.insert("__Host-sid".into(), sid);
    let r = old.get("/tai-khoan").await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/dang-nhap"));
    let mut c2 = t.client();
    c2.login("HA@vidu.vn", PW).await;
}

async fn registration_validation(e: Engine) {
    let t = TestApp::spawn(e).await;
    let mut c = t.client();
    let cases: &[(&str, &str, &str, &str)] = &[
        ("password123", "051099887701", "a1@vidu.vn", "quá phổ biến"),
        ("12345678", "051099887702", "a2@vidu.vn", "quá phổ biến"),
        ("ngắn", "051099887703", "a3@vidu.vn", "ít nhất 8 ký tự"),
        (PW, "12345", "a4@vidu.vn", "12 chữ số"),
        (PW, "051099887705", "khong-phai-email", "thư điện tử"),
    ];
    for (pw, id, email, expect) in cases {
        let r = c
            .post_form(
                "/dang-ky",
                &[
                    ("kind", "citizen"),
                    ("full_name", "Lê Văn Tám"),
                    ("id_number", id),
                    ("email", email),
                    ("phone", "0905123456"),
                    ("password", pw),
                    ("password_again", pw),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{pw} {id} {email}");
        assert!(r.body.contains(expect), "expected «{expect}» in {}", r.body);
        assert!(r.body.contains("error-summary"));
        assert!(
            t.last_mail_to(email).await.is_none(),
            "nothing created, nothing sent"
        );
    }
    // Long passwords and any characters are accepted, verified exactly as typed.
    let long = format!("{} 😀 khoá", "cây xanh ".repeat(20));
    let r = c
        .post_form(
            "/dang-ky",
            &[
                ("kind", "citizen"),
                ("full_name", "Lê Văn Tám"),
                ("id_number", "051099887706"),
                ("email", "a6@vidu.vn"),
                ("phone", "0905123456"),
                ("password", &long),
                ("password_again", &long),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = t
        .link_in_mail("a6@vidu.vn", "/xac-nhan-email")
        .await
        .split("token=")
        .nth(1)
        .unwrap()
        .to_string();
    c.post_form("/xac-nhan-email", &[("token", &token)]).await;
    let truncated: String = long.chars().take(long.chars().count() - 1).collect();
    assert_eq!(
        c.post_form(
            "/dang-nhap",
            &[("login", "051099887706"), ("password", &truncated)]
        )
        .await
        .status,
        422,
        "no truncation"
    );
    c.login("051099887706", &long).await;
    // Markup in a name is shown as text.
    let mut d = t.client();
    d.post_form(
        "/dang-ky",
        &[
            ("kind", "organisation"),
            ("full_name", "<script>alert(1)</script> Cty"),
            ("id_number", "0100109106"),
            ("email", "cty@vidu.vn"),
            ("phone", "0905123456"),
            ("password", PW),
            ("password_again", PW),
        ],
    )
    .await;
    let token = t
        .link_in_mail("cty@vidu.vn", "/xac-nhan-email")
        .await
        .split("token=")
        .nth(1)
        .unwrap()
        .to_string();
    d.post_form("/xac-nhan-email", &[("token", &token)]).await;
    d.login("0100109106", PW).await;
    let r = d.get("/tai-khoan").await;
    assert!(
        r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt; Cty")
            || r.body.contains("&#60;script&#62;"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("<script>alert(1)"));
}

async fn no_enumeration(e: Engine) {
    let t = TestApp::spawn(e).await;
    citizen(&t, ID, "ha@vidu.vn").await;
    let mut c = t.client();
    let known = c
        .post_form(
            "/dang-nhap",
            &[("login", ID), ("password", "CANARYWRONG sai mật khẩu rồi")],
        )
        .await;
    let unknown = c
        .post_form(
            "/dang-nhap",
            &[
                ("login", "051000000000"),
                ("password", "CANARYWRONG sai mật khẩu rồi"),
            ],
        )
        .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.body.replace(ID, "X"),
        unknown.body.replace("051000000000", "X"),
        "identical answers"
    );
    let a = c
        .post_form("/quen-mat-khau", &[("email", "ha@vidu.vn")])
        .await;
    let b = c
        .post_form("/quen-mat-khau", &[("email", "khongco@vidu.vn")])
        .await;
    assert_eq!((a.status, &a.body), (b.status, &b.body));
    // Registering an existing address answers the same, and tells the owner instead.
    let mut d = t.client();
    let r = register(&t, &mut d, "051099887799", "ha@vidu.vn").await;
    assert!(r.body.contains("Kiểm tra hộp thư"));
    let (subject, _) = t.last_mail_to("ha@vidu.vn").await.unwrap();
    assert!(
        subject.contains("đăng ký tài khoản bằng thông tin của bạn"),
        "{subject}"
    );
}

/// A client that the server sees at `ip` (through the trusted proxy on loopback).
fn client_at(t: &TestApp, ip: &str) -> Client {
    let mut c = t.client();
    c.extra.push(("x-forwarded-for".into(), ip.into()));
    c
}

async fn throttling(e: Engine) {
    let t = TestApp::spawn_with(e, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.throttle.account_failures = 12;
    })
    .await;
    citizen(&t, ID, "ha@vidu.vn").await;
    let wrong = |c: &mut Client, i: usize| {
        let mut c = c.clone();
        async move {
            c.post_form(
                "/dang-nhap",
                &[("login", ID), ("password", &format!("sai {i} lần nữa"))],
            )
            .await
        }
    };
    let mut attacker = client_at(&t, "203.0.113.7");
    for i in 0..5 {
        assert_eq!(wrong(&mut attacker, i).await.status, 422, "attempt {i}");
    }
    // From that address, each further attempt waits twice as long as the last, even with the
    // right password.
    let mut waits = vec![];
    for i in 0..3 {
        let r = wrong(&mut attacker, 9).await;
        assert_eq!(r.status, 429, "round {i}");
        let wait: i64 = r.header("retry-after").unwrap().parse().unwrap();
        waits.push(wait);
        t.clock.advance(SignedDuration::from_secs(wait));
        assert_eq!(wrong(&mut attacker, i).await.status, 422);
    }
    assert_eq!(waits, [1, 2, 4]);
    let r = attacker
        .post_form("/dang-nhap", &[("login", ID), ("password", PW)])
        .await;
    assert_eq!(r.status, 429, "the right password waits its turn too");
    // The owner, from the desk's own address, is not locked out by the attacker.
    client_at(&t, "198.51.100.2").login(ID, PW).await;
    // From many addresses the account has a ceiling per hour: 8 failures so far, 4 more allowed.
    for i in 0..4 {
        let mut c = client_at(&t, &format!("192.0.2.{i}"));
        assert_eq!(wrong(&mut c, i).await.status, 422);
    }
    let mut fresh = client_at(&t, "192.0.2.200");
    let r = fresh
        .post_form("/dang-nhap", &[("login", ID), ("password", PW)])
        .await;
    assert_eq!(r.status, 429, "the account's hourly ceiling holds");
    t.clock.advance(SignedDuration::from_mins(61));
    fresh.login(ID, PW).await;
}

async fn throttling_per_address(e: Engine) {
    let t = TestApp::spawn_with(e, |c| c.throttle.ip_failures = 5).await;
    citizen(&t, ID, "ha@vidu.vn").await;
    let mut c = t.client();
    for i in 0..5 {
        c.post_form(
            "/dang-nhap",
            &[
                ("login", &format!("05109988{i:04}")),
                ("password", "không đúng đâu"),
            ],
        )
        .await;
    }
    let r = c
        .post_form("/dang-nhap", &[("login", ID), ("password", PW)])
        .await;
    assert_eq!(r.status, 429, "too many failures from this address");
    // A forged X-Forwarded-For from an untrusted peer does not open a new bucket.
    c.extra
        .push(("x-forwarded-for".into(), "203.0.113.7".into()));
    let r = c
        .post_form("/dang-nhap", &[("login", ID), ("password", PW)])
        .await;
    assert_eq!(r.status, 429);
}

async fn session_fixation(e: Engine) {
    let t = TestApp::spawn(e).await;
    citizen(&t, ID, "ha@vidu.vn").await;
    let mut victim = t.client();
    // An attacker plants a session id before the victim logs in.
    victim.cookies.insert(
        "__Host-sid".into(),
        "attacker-chosen-session-id-aaaaaaaaaaaaaaaaa".into(),
    );
    victim.get("/dang-nhap").await;
    victim.login(ID, PW).await;
    let sid1 = victim.cookies.get("__Host-sid").cloned().unwrap();
    assert_ne!(sid1, "attacker-chosen-session-id-aaaaaaaaaaaaaaaaa");
    let mut attacker = t.client();
    attacker.cookies.insert(
        "__Host-sid".into(),
        "attacker-chosen-session-id-aaaaaaaaaaaaaaaaa".into(),
    );
    assert_eq!(attacker.get("/tai-khoan").await.status, 303);
    // Logging in again gives a new id and ends the previous one.
    victim.login(ID, PW).await;
    let sid2 = victim.cookies.get("__Host-sid").cloned().unwrap();
    assert_ne!(sid1, sid2);
    let mut stale = t.client();
    stale.cookies.insert("__Host-sid".into(), sid1);
    assert_eq!(stale.get("/tai-khoan").await.status, 303);
    assert_eq!(victim.get("/tai-khoan").await.status, 200);
}

async fn idle_and_absolute_expiry(e: Engine) {
    let t = TestApp::spawn(e).await;
    let mut c = citizen(&t, ID, "ha@vidu.vn").await;
    t.clock.advance(SignedDuration::from_mins(29));
    assert_eq!(
        c.get("/tai-khoan").await.status,
        200,
        "within the idle time-out"
    );
    t.clock.advance(SignedDuration::from_mins(31));
    let r = c.get("/tai-khoan").await;
    assert_eq!(r.status, 303, "idle for more than 30 minutes");
    // Absolute: active every 20 minutes, still ends after 12 hours.
    c.login(ID, PW).await;
    for _ in 0..35 {
        t.clock.advance(SignedDuration::from_mins(20));
        assert_eq!(c.get("/tai-khoan").await.status, 200);
    }
    t.clock.advance(SignedDuration::from_mins(20));
    assert_eq!(
        c.get("/tai-khoan").await.status,
        303,
        "absolute time-out of 12 hours"
    );
    // Staff: 15 minutes idle.
    let mut s = t.login_as("reception").await;
    t.clock.advance(SignedDuration::from_mins(16));
    assert_eq!(s.get("/can-bo").await.status, 303);
}

async fn reset_password(e: Engine) {
    let t = TestApp::spawn(e).await;
    let mut first = citizen(&t, ID, "ha@vidu.vn").await;
    let mut c = t.client();
    c.post_form("/quen-mat-khau", &[("email", "ha@vidu.vn")])
        .await;
    let link = t.link_in_mail("ha@vidu.vn", "/dat-lai-mat-khau").await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    assert!(c.get(&link).await.body.contains("Đặt mật khẩu mới"));
    let r = c
        .post_form(
            "/dat-lai-mat-khau",
            &[
                ("token", &token),
                ("password", "password1"),
                ("password_again", "password1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "policy applies");
    let new = "CANARYNEW một mật khẩu mới hoàn toàn";
    let r = c
        .post_form(
            "/dat-lai-mat-khau",
            &[
                ("token", &token),
                ("password", new),
                ("password_again", new),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (303, "/dang-nhap?tb=dat-lai"),
        "{}",
        r.body
    );
    assert_eq!(
        first.get("/tai-khoan").await.status,
        303,
        "sessions end after a reset"
    );
    let r = c
        .post_form(
            "/dat-lai-mat-khau",
            &[
                ("token", &token),
                ("password", "lại một mật khẩu khác"),
                ("password_again", "lại một mật khẩu khác"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "single use");
    c.login(ID, new).await;
    // An expired link does nothing.
    c.post_form("/quen-mat-khau", &[("email", "ha@vidu.vn")])
        .await;
    let token = t
        .link_in_mail("ha@vidu.vn", "/dat-lai-mat-khau")
        .await
        .split("token=")
        .nth(1)
        .unwrap()
        .to_string();
    t.clock.advance(SignedDuration::from_mins(31));
    let r = c
        .post_form(
            "/dat-lai-mat-khau",
            &[
                ("token", &token),
                ("password", "mật khẩu sau hạn"),
                ("password_again", "mật khẩu sau hạn"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
}

async fn account_changes(e: Engine) {
    let t = TestApp::spawn(e).await;
    let mut c = citizen(&t, ID, "ha@vidu.vn").await;
    let mut other_device = t.client();
    other_device.login(ID, PW).await;
    // Contact change needs the current password; a new address waits for confirmation.
    let r = c
        .post_form(
            "/tai-khoan/lien-he",
            &[
                ("email", "moi@vidu.vn"),
                ("phone", "0987000111"),
                ("current_password", "sai"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = c
        .post_form(
            "/tai-khoan/lien-he",
            &[
                ("email", "moi@vidu.vn"),
                ("phone", "0987000111"),
                ("current_password", PW),
            ],
        )
        .await;
    assert_eq!(r.location(), "/tai-khoan?tb=email-moi");
    let page = c.get("/tai-khoan").await.body;
    assert!(
        page.contains("0987000111")
            && page.contains("ha@vidu.vn")
            && !page.contains("moi@vidu.vn\"")
    );
    let token = t
        .link_in_mail("moi@vidu.vn", "/xac-nhan-email")
        .await
        .split("token=")
        .nth(1)
        .unwrap()
        .to_string();
    assert!(
        t.last_mail_to("ha@vidu.vn")
            .await
            .unwrap()
            .0
            .contains("đổi địa chỉ"),
        "the old address is told"
    );
    c.post_form("/xac-nhan-email", &[("token", &token)]).await;
    assert!(c.get("/tai-khoan").await.body.contains("moi@vidu.vn"));
    // Log out the other devices.
    c.post_form("/tai-khoan/dang-xuat-noi-khac", &[]).await;
    assert_eq!(other_device.get("/tai-khoan").await.status, 303);
    assert_eq!(c.get("/tai-khoan").await.status, 200);
    // Changing the password rotates this session and ends the others.
    other_device.login(ID, PW).await;
    let before = c.cookies.get("__Host-sid").cloned();
    let r = c
        .post_form(
            "/tai-khoan/mat-khau",
            &[
                ("current_password", PW),
                ("password", "mật khẩu thứ hai dài"),
                ("password_again", "mật khẩu thứ hai dài"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_ne!(c.cookies.get("__Host-sid").cloned(), before);
    assert_eq!(c.get("/tai-khoan").await.status, 200);
    assert_eq!(other_device.get("/tai-khoan").await.status, 303);
}

async fn password_storage(e: Engine) {
    let t = TestApp::spawn(e).await;
    citizen(&t, ID, "ha@vidu.vn").await;
    let user = t.app.find_user(ID).await.unwrap();
    let phc = motcua_store::users::password_hash(t.app.db().conn(), user.id)
        .await
        .unwrap();
    assert!(
        phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "Argon2id with the ASVS parameters: {phc}"
    );
    assert!(!phc.contains(PW));
    if let Some(path) = t.db_url().strip_prefix("sqlite://") {
        // Nothing reversible anywhere in the database file or its write-ahead log.
        for f in [path.to_string(), format!("{path}-wal")] {
            let bytes = std::fs::read(&f).unwrap_or_default();
            assert!(!bytes.is_empty() || f.ends_with("-wal"), "{f} read");
            let hay = String::from_utf8_lossy(&bytes);
            assert!(!hay.contains("CANARYPW"), "{f} holds the password");
        }
    } else {
        // Every row of every table, as text, searched for the password.
        let dump = dump_postgres(t.app.db().conn()).await;
        assert!(
            dump.contains(&phc),
            "the dump holds the hash (it is complete)"
        );
        assert!(
            !dump.contains("CANARYPW"),
            "the database holds the password"
        );
    }
}

/// Every row of every table of the test database's public schema, as text.
async fn dump_postgres(conn: &sea_orm::DatabaseConnection) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let q = |sql: String| Statement::from_string(conn.get_database_backend(), sql);
    let tables = conn
        .query_all_raw(q(
            "SELECT table_name::text AS t FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                .into(),
        ))
        .await
        .unwrap();
    let mut out = String::new();
    for row in tables {
        let table: String = row.try_get("", "t").unwrap();
        let rows = conn
            .query_all_raw(q(format!("SELECT x::text AS r FROM \"{table}\" x")))
            .await
            .unwrap();
        for r in rows {
            out.push_str(&r.try_get::<String>("", "r").unwrap());
            out.push('\n');
        }
    }
    out
}

engine_tests!(
    password_storage,
    register_confirm_login_logout,
    registration_validation,
    no_enumeration,
    throttling,
    throttling_per_address,
    session_fixation,
    idle_and_absolute_expiry,
    reset_password,
    account_changes
);
