//! CSRF, security headers, the route inventory, cookies, agency isolation
//! (R4.3, R4.4, R4.6, R10.5).
use motcua_testkit::{Engine, TestApp, engine_tests, extract_csrf};

use crate::ID;
use crate::accounts::citizen;

async fn csrf(e: Engine) {
    let t = TestApp::spawn(e).await;
    let mut c = citizen(&t, ID, "ha@vidu.vn").await;
    let token = c.csrf_from("/tai-khoan").await;
    let path = "/tai-khoan/dang-xuat-noi-khac";
    // A cross-site form post, even with a valid token, is refused.
    c.extra = vec![("sec-fetch-site".into(), "cross-site".into())];
    assert_eq!(c.post_form_raw(path, &[("csrf", &token)]).await.status, 403);
    // A foreign Origin (older browsers without Fetch Metadata) is refused.
    c.extra = vec![("origin".into(), "https://evil.example".into())];
    assert_eq!(c.post_form_raw(path, &[("csrf", &token)]).await.status, 403);
    c.extra.clear();
    // No token, or a token of another session, is refused.
    assert_eq!(c.post_form_raw(path, &[]).await.status, 403);
    let mut other = citizen(&t, "051099887700", "b@vidu.vn").await;
    let foreign = other.csrf_from("/tai-khoan").await;
    assert_eq!(
        c.post_form_raw(path, &[("csrf", &foreign)]).await.status,
        403
    );
    // Same-origin with the right token works.
    c.extra = vec![("sec-fetch-site".into(), "same-origin".into())];
    assert_eq!(c.post_form_raw(path, &[("csrf", &token)]).await.status, 303);
    // Log-in forms are protected too (login CSRF).
    let mut anon = t.client();
    anon.extra = vec![("sec-fetch-site".into(), "cross-site".into())];
    assert_eq!(
        anon.post_form_raw("/dang-nhap", &[("login", ID), ("password", crate::PW)])
            .await
            .status,
        403
    );
    anon.extra.clear();
    assert_eq!(
        anon.post_form_raw("/dang-nhap", &[("login", ID), ("password", crate::PW)])
            .await
            .status,
        403,
        "no token"
    );
}

fn assert_security_headers(r: &motcua_testkit::Resp, what: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("CSP missing on {what}"));
    for d in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(d), "{what}: CSP lacks {d}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: no inline script");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert!(r.header("referrer-policy").is_some(), "{what}");
    assert!(
        r.header("server").is_none() && r.header("x-powered-by").is_none(),
        "{what}"
    );
    assert!(r.header("x-request-id").is_some(), "{what}");
}

async fn headers_everywhere(e: Engine) {
    let t = TestApp::spawn(e).await;
    let mut c = t.client();
    for (path, status) in [
        ("/", 200),
        ("/dang-nhap", 200),
        ("/api/v1/agencies", 200),
        ("/api/openapi.json", 200),
        ("/static/app.css", 200),
        ("/khong-co-trang-nay", 404),
        ("/api/v1/khong-co", 404),
        ("/__test/panic", 500),
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, status, "{path}");
        assert_security_headers(&r, path);
    }
    let r = c.get("/khong-co-trang-nay").await;
    assert!(
        r.body.contains("Không tìm thấy trang") && r.body.contains("Về trang chủ"),
        "a 404 tells what to do"
    );
    let r = c.get("/__test/panic").await;
    assert!(
        r.body.contains("Hệ thống đang gặp sự cố") && !r.body.contains("forced failure"),
        "no internals in a 500"
    );
    let r = c.get("/api/v1/khong-co").await;
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    // Authenticated answers are never stored by caches.
    let mut s = t.login_as("reception").await;
    let r = s.get("/can-bo").await;
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_security_headers(&r, "/can-bo");
    let token = c.token("quantri.tinh", &demo_pw(&t, "quantri.tinh")).await;
    let r = c
        .json(reqwest::Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_security_headers(&r, "/api/v1/me");
    // No HSTS on plain HTTP; HSTS with subdomains when served over HTTPS.
    assert!(r.header("strict-transport-security").is_none());
    let https =
        TestApp::spawn_with(e, |c| c.public_url = "https://dichvucong.example".into()).await;
    let r = https.client().get("/").await;
    assert_eq!(
        r.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
}

pub fn demo_pw(_t: &TestApp, login: &str) -> String {
    motcua_app::demo::accounts_without_loading()
        .into_iter()
        .find(|a| a.login == login)
        .unwrap()
        .password
}

async fn cookies_are_safe(e: Engine) {
    let t = TestApp::spawn(e).await;
    citizen(&t, ID, "ha@vidu.vn").await;
    let mut c = t.client();
    let r = c.get("/dang-nhap").await;
    let pre = r
        .set_cookies()
        .into_iter()
        .find(|s| s.starts_with("__Host-csrf="))
        .expect("pre-session cookie");
    assert!(
        pre.contains("HttpOnly")
            && pre.contains("Secure")
            && pre.contains("SameSite=Lax")
            && pre.contains("Path=/")
            && !pre.contains("Domain")
    );
    let r = c
        .post_form("/dang-nhap", &[("login", ID), ("password", crate::PW)])
        .await;
    let sid = r
        .set_cookies()
        .into_iter()
        .find(|s| s.starts_with("__Host-sid="))
        .expect("session cookie");
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(sid.contains(attr), "{attr} in {sid}");
    }
    assert!(!sid.contains("Domain"));
    let value = sid
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("__Host-sid=");
    assert_eq!(value.len(), 43, "256 random bits, base64url");
    // The id is stored only hashed: looked up as it is, nothing; by its hash, this person's
    // session.
    let conn = t.app.db().conn();
    let raw = motcua_store::auth::get_session(conn, value).await.unwrap();
    assert!(raw.is_none(), "the raw session id is a key in the database");
    let hashed = motcua_app::crypto::sha256_hex(value);
    let row = motcua_store::auth::get_session(conn, &hashed)
        .await
        .unwrap()
        .expect("the session is stored under the id's hash");
    let me = t.app.find_user(ID).await.unwrap();
    assert_eq!(row.user_id, me.id);
}

async fn every_route_declares_access(e: Engine) {
    let t = TestApp::spawn(e).await;
    t.demo().await;
    let inventory = motcua_web::routes(true).finish().1;
    let mut anon = t.client();
    let mut citizen_c = citizen(&t, ID, "ha@vidu.vn").await;
    let mut reception = t.login_as("reception").await;
    for spec in &inventory.specs {
        let path = spec
            .path
            .replace("{code}", "000.00.11.H53")
            .replace("{id}", "01a22730-0000-7000-8000-000000000000")
            .replace("{unit}", "01a22730-0000-7000-8000-000000000001")
            .replace("{service}", "01a22730-0000-7000-8000-000000000002")
            .replace("{form}", "mau")
            .replace("{agency}", "000.00.11.H53");
        let api = path.starts_with("/api/");
        let method = spec.method.as_str();
        let r = if method == "GET" {
            anon.get(&path).await
        } else if api {
            anon.json(
                spec.method.clone(),
                &path,
                None,
                Some(serde_json::json!({})),
            )
            .await
        } else {
            anon.post_form(&path, &[]).await
        };
        use motcua_web::Access::*;
        match spec.access {
            Public | DevOnly | TestOnly => assert!(
                r.status != 401
                    && r.status != 403
                    && !(r.status == 303 && r.location().starts_with("/dang-nhap?")),
                "{method} {path}: public, got {}",
                r.status
            ),
            Signed | PublicAccount | Staff(_) | Portal if api => {
                assert_eq!(r.status, 401, "{method} {path}")
            }
            Signed | PublicAccount | Staff(_) | Portal => assert!(
                r.status == 303 && r.location().starts_with("/dang-nhap"),
                "{method} {path}: anonymous must log in, got {}",
                r.status
            ),
        }
        if let Staff(_) = spec.access {
            // Citizens never reach the back office.
            let r = if method == "GET" {
                citizen_c.get(&path).await
            } else {
                citizen_c.post_form(&path, &[]).await
            };
            assert_eq!(r.status, 403, "{method} {path}: citizen");
        }
        if spec.path.starts_with("/can-bo/nhan-su") && method == "GET" && !spec.path.contains('{') {
            // A reception officer is staff but administers nobody.
            let r = reception.get(&path).await;
            assert_eq!(r.status, 403, "{method} {path}: reception officer");
        }
    }
    assert!(inventory.specs.len() >= 35);
}

/// A route added to the router without going through the inventory fails closed. The router
/// does not depend on the engine: the test runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeclared_route_is_refused() {
    let t = TestApp::spawn(Engine::Sqlite).await;
    let extra: axum::Router<motcua_web::AppState> =
        axum::Router::new().route("/bi-mat", axum::routing::get(|| async { "secret" }));
    let router = motcua_web::router_from(
        t.app.clone(),
        motcua_web::routes(false),
        Some(extra),
        Default::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    let mut c = motcua_testkit::Client::new(&format!("http://{addr}"));
    let r = c.get("/bi-mat").await;
    assert_eq!(r.status, 403);
    assert!(!r.body.contains("secret"));
    assert_eq!(c.get("/").await.status, 200, "declared routes still work");
}

async fn agency_isolation(e: Engine) {
    let t = TestApp::spawn(e).await;
    t.demo().await;
    // The province administrator creates a staff member in another agency (Sở Xây dựng).
    let mut prov = t.login_as("province_admin").await;
    let xd = t.app.agency_by_code("000.00.12.H53").await.unwrap();
    let r = prov
        .post_form(
            "/can-bo/nhan-su/moi",
            &[
                ("login", "canbo.xaydung"),
                ("full_name", "Canary Xây Dựng"),
                ("agency", &xd.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let y_staff = t.app.find_user("canbo.xaydung").await.unwrap();
    let (_, units) = t.app.agencies_and_units().await.unwrap();
    let y_desk = units
        .iter()
        .find(|u| u.agency_id == xd.id && u.code == "MOTCUA")
        .unwrap();
    let r = prov
        .post_form(
            &format!("/can-bo/nhan-su/{}/quyen", y_staff.id),
            &[
                ("role", "reception"),
                ("agency", &xd.id.to_string()),
                ("unit", &y_desk.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let y_grant = t.app.active_grants(y_staff.id).await.unwrap()[0].id;
    // The Tư pháp administrator sees nothing of it.
    let mut x_admin = t.login_as("agency_admin").await;
    let r = x_admin.get("/can-bo/nhan-su").await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("Canary Xây Dựng"));
    assert!(r.body.contains("Trần Thị Bích"), "own staff listed");
    for path in [
        format!("/can-bo/nhan-su/{}", y_staff.id),
        format!("/can-bo/lich-truc/{}", y_desk.id),
    ] {
        let r = x_admin.get(&path).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("Canary"), "{path}");
    }
    let tp = t.app.agency_by_code("000.00.11.H53").await.unwrap();
    for (path, fields) in [
        (
            format!("/can-bo/nhan-su/{}/quyen", y_staff.id),
            vec![
                ("role", "reception"),
                ("agency", tp.id.to_string().leak() as &str),
            ],
        ),
        (
            format!("/can-bo/nhan-su/{}/trang-thai", y_staff.id),
            vec![("disabled", "1")],
        ),
        (format!("/can-bo/quyen/{y_grant}/thu-hoi"), vec![]),
        (
            format!("/can-bo/lich-truc/{}", y_desk.id),
            vec![
                ("user", y_staff.id.to_string().leak() as &str),
                ("starts_on", "2026-03-02"),
            ],
        ),
    ] {
        let r = x_admin.post_form(&path, &fields).await;
        assert!(r.status == 404 || r.status == 403, "{path}: {}", r.status);
    }
    let r = x_admin
        .post_form(
            "/can-bo/nhan-su/moi",
            &[
                ("login", "xam.nhap"),
                ("full_name", "Xâm Nhập"),
                ("agency", &xd.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let after = t.app.find_user("canbo.xaydung").await.unwrap();
    assert!(!after.disabled);
    assert_eq!(
        t.app.active_grants(y_staff.id).await.unwrap().len(),
        1,
        "nothing changed in agency Y"
    );
    assert!(t.app.find_user("xam.nhap").await.is_err());
    // And the agency administrator cannot grant province-wide roles, even in their own agency.
    let bich = t.app.find_user("tiepnhan.tuphap").await.unwrap();
    let r = x_admin
        .post_form(
            &format!("/can-bo/nhan-su/{}/quyen", bich.id),
            &[("role", "province_admin"), ("agency", &tp.id.to_string())],
        )
        .await;
    assert_eq!(r.status, 403);
    let _ = extract_csrf("");
}

engine_tests!(
    csrf,
    headers_everywhere,
    cookies_are_safe,
    every_route_declares_access,
    agency_isolation
);
