//! The test kit: the real server on `127.0.0.1:0` with a fresh database per test (SQLite file,
//! or a new PostgreSQL database when `MOTCUA_TEST_POSTGRES_URL` is set), a clock the test
//! moves, and an HTTP client with a cookie jar that fills in CSRF tokens like a browser form.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Once};

use jiff::Timestamp;
use motcua_app::{App, Config};
use motcua_domain::FixedClock;
pub use motcua_store::Engine;
use motcua_store::testing::TestDb;
pub use motcua_store::testing::postgres_enabled;
use tokio::sync::oneshot;

pub mod clamav;
pub mod procs;
pub mod smtp;

/// Runs `$name(engine)` as two tests, `$name::sqlite` and `$name::postgres`.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name($crate::Engine::Sqlite).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { if $crate::postgres_enabled() { super::$name($crate::Engine::Postgres).await } }
        }
    )*};
}

/// The instant tests start at: Monday 02/03/2026 09:00 in Vietnam.
pub fn t0() -> Timestamp {
    "2026-03-02T02:00:00Z".parse().unwrap()
}

static LOGS: Once = Once::new();

/// Sends every log line of the test process to `MOTCUA_TEST_LOG_FILE` (JSON), so that CI can
/// check a full run's logs for secrets.
pub fn init_logs() {
    LOGS.call_once(|| {
        if let Ok(path) = std::env::var("MOTCUA_TEST_LOG_FILE") {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("log file");
            let _ = tracing_subscriber::fmt()
                .json()
                .with_current_span(true)
                .with_env_filter(tracing_subscriber::EnvFilter::new(
                    "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn",
                ))
                .with_writer(Mutex::new(file))
                .try_init();
        }
    });
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub app: App,
    pub clock: Arc<FixedClock>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    worker_stop: tokio::sync::watch::Sender<bool>,
    _db: TestDb,
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, |_| {}).await
    }

    /// Starts a server after `tweak` adjusts the configuration.
    pub async fn spawn_with(engine: Engine, tweak: impl FnOnce(&mut Config)) -> TestApp {
        init_logs();
        let db = TestDb::new(engine).await;
        let data = tempfile::tempdir().expect("temp dir").keep();
        let mut config = Config {
            database_url: Some(db.url.clone()),
            data_dir: db.dir().map(|d| d.to_path_buf()).unwrap_or(data),
            secret_key: Some("11".repeat(32)),
            test_routes: true,
            privacy: motcua_app::config::PrivacyConfig {
                keys: Some(motcua_store::testing::TEST_KEYS.into()),
                ..Default::default()
            },
            ..Config::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        config.public_url = format!("http://{addr}");
        tweak(&mut config);
        let clock = Arc::new(FixedClock::new(t0()));
        let app = App::open(config, clock.clone()).await.expect("open app");
        let (wtx, wrx) = tokio::sync::watch::channel(false);
        if app.config.worker {
            let w = app.clone();
            let mut wrx = wrx.clone();
            tokio::spawn(async move {
                w.run_worker(async move {
                    let _ = wrx.changed().await;
                })
                .await
            });
        }
        let (tx, rx) = oneshot::channel::<()>();
        let served = app.clone();
        let task = tokio::spawn(async move {
            motcua_web::serve(listener, served, async move {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        TestApp {
            base: format!("http://{addr}"),
            app,
            clock,
            stop: Some(tx),
            task: Some(task),
            worker_stop: wtx,
            _db: db,
        }
    }

    /// The database URL of this test's database.
    pub fn db_url(&self) -> &str {
        &self._db.url
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Loads the demo data; answers (role, login, password) per account.
    pub async fn demo(&self) -> Vec<(String, String, String)> {
        self.app
            .load_demo()
            .await
            .expect("demo")
            .into_iter()
            .map(|a| (a.role.to_string(), a.login, a.password))
            .collect()
    }

    /// A client logged in as the demo account of `role`.
    pub async fn login_as(&self, role: &str) -> Client {
        let accounts = self.demo_accounts().await;
        let (_, login, pw) = accounts
            .iter()
            .find(|a| a.0 == role)
            .unwrap_or_else(|| panic!("no demo {role}"));
        let mut c = self.client();
        c.login(login, pw).await;
        c
    }

    async fn demo_accounts(&self) -> Vec<(String, String, String)> {
        // Demo passwords are deterministic; loading twice is harmless but slow, so load once.
        if self.app.find_user("quantri.tinh").await.is_err() {
            return self.demo().await;
        }
        motcua_app::demo::accounts_without_loading()
            .into_iter()
            .map(|a| (a.role.to_string(), a.login, a.password))
            .collect()
    }

    /// The newest queued e-mail to an address: (subject, body).
    pub async fn last_mail_to(&self, to: &str) -> Option<(String, String)> {
        self.app
            .recent_emails(500)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.0 == to)
            .map(|m| (m.1, m.2))
    }

    /// The link in the newest e-mail to an address that starts with `path`.
    pub async fn link_in_mail(&self, to: &str, path: &str) -> String {
        let (_, body) = self
            .last_mail_to(to)
            .await
            .unwrap_or_else(|| panic!("no mail to {to}"));
        let start = body
            .find(&format!("{}{}", self.base, path))
            .unwrap_or_else(|| panic!("no {path} link in: {body}"));
        body[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .trim_start_matches(&self.base)
            .to_string()
    }

    /// Stops the background worker (deliveries, sweeps), leaving the server answering.
    pub fn stop_worker(&self) {
        let _ = self.worker_stop.send(true);
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.worker_stop.send(true);
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(String::from)
            .collect()
    }
}

/// A browser-like client: keeps cookies, follows no redirects, fills in the CSRF token.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    /// Extra headers sent with every request (e.g. `Sec-Fetch-Site`).
    pub extra: Vec<(String, String)>,
    /// A transport error answers status 0 instead of failing the test (see [`Client::lenient`]).
    lenient: bool,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.into(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            extra: Vec::new(),
            lenient: false,
        }
    }

    /// A client for a server that may go away: a transport error answers status 0 with the
    /// body `not sent: …` (the connection was refused) or `lost: …` (the request may have
    /// reached the server, the answer did not come back), for the caller to judge.
    pub fn lenient(mut self) -> Client {
        self.lenient = true;
        self
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, mut rb: reqwest::RequestBuilder) -> Resp {
        if !self.cookies.is_empty() {
            rb = rb.header("cookie", self.cookie_header());
        }
        for (k, v) in &self.extra {
            rb = rb.header(k.as_str(), v.as_str());
        }
        let r = match rb.send().await {
            Ok(r) => r,
            Err(e) if self.lenient => {
                // Status 0: the request never reached the server (`not sent`) or its answer
                // never came back (`lost`).
                let what = if e.is_connect() { "not sent" } else { "lost" };
                return Resp {
                    status: 0,
                    headers: Default::default(),
                    body: format!("{what}: {e:?}"),
                };
            }
            Err(e) => panic!("request: {e:?}"),
        };
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        for sc in headers.get_all("set-cookie") {
            let sc = sc.to_str().unwrap_or("");
            let first = sc.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                if v.is_empty() || sc.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        let body = r.text().await.unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let rb = self.http.get(format!("{}{}", self.base, path));
        self.send(rb).await
    }

    /// The CSRF token a form on `page` carries.
    pub async fn csrf_from(&mut self, page: &str) -> String {
        let r = self.get(page).await;
        extract_csrf(&r.body).unwrap_or_default()
    }

    /// Posts a form as a browser would: with the CSRF token of a fresh page.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf_from("/dang-nhap").await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// Posts exactly these fields (no token added).
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let rb = self
            .http
            .post(format!("{}{}", self.base, path))
            .form(fields);
        self.send(rb).await
    }

    pub async fn login(&mut self, login: &str, password: &str) -> Resp {
        let r = self
            .post_form("/dang-nhap", &[("login", login), ("password", password)])
            .await;
        assert_eq!(r.status, 303, "log-in as {login} failed: {}", r.body);
        r
    }

    /// A JSON request with an optional bearer token.
    pub async fn json(
        &mut self,
        method: reqwest::Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Resp {
        let mut rb = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = bearer {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        self.send(rb).await
    }

    /// A bearer token for an account.
    pub async fn token(&mut self, login: &str, password: &str) -> String {
        let r = self
            .json(
                reqwest::Method::POST,
                "/api/v1/auth/token",
                None,
                Some(serde_json::json!({"login": login, "password": password})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_string()
    }
}

/// The text between the first `start` in `body` and the `end` after it (a test's way to read a
/// value out of a page); panics, naming what it looked for, when there is none.
pub fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let i = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {body}"))
        + start.len();
    let n = body[i..]
        .find(end)
        .unwrap_or_else(|| panic!("{end} after {start} in {body}"));
    &body[i..i + n]
}

/// The value of the first `name="csrf"` hidden field in a page.
pub fn extract_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[i..].split('"').next()?.to_string())
}

impl Client {
    /// Uploads a file to a dossier's component through the API.
    pub async fn upload(
        &mut self,
        token: &str,
        dossier: &str,
        component: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> Resp {
        // Names a part header cannot carry (quotes, line breaks) travel in the `name` field.
        let mut form = reqwest::multipart::Form::new().text("component", component.to_string());
        let header_safe = !name.chars().any(|c| c.is_control() || c == '"');
        if !header_safe {
            form = form.text("name", name.to_string());
        }
        let part_name = if header_safe {
            name.to_string()
        } else {
            "tep".to_string()
        };
        let form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(part_name),
        );
        let rb = self
            .http
            .post(format!(
                "{}/api/v1/dossiers/{dossier}/attachments",
                self.base
            ))
            .bearer_auth(token)
            .multipart(form);
        self.send(rb).await
    }

    /// A whole submission in one request (`POST /api/v1/submissions`): the `dossier` part and
    /// one part per paper, named by its component.
    pub async fn submit_whole(
        &mut self,
        token: &str,
        key: Option<&str>,
        dossier: Option<&serde_json::Value>,
        papers: &[(&str, &str, Vec<u8>)],
    ) -> Resp {
        let mut form = reqwest::multipart::Form::new();
        if let Some(d) = dossier {
            form = form.text("dossier", d.to_string());
        }
        for (component, name, bytes) in papers {
            form = form.part(
                component.to_string(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
            );
        }
        let mut rb = self
            .http
            .post(format!("{}/api/v1/submissions", self.base))
            .bearer_auth(token)
            .multipart(form);
        if let Some(k) = key {
            rb = rb.header("idempotency-key", k);
        }
        self.send(rb).await
    }

    /// A multipart POST without a token (a public upload).
    pub async fn multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Resp {
        let rb = self
            .http
            .post(format!("{}{}", self.base, path))
            .multipart(form);
        self.send(rb).await
    }

    /// A GET with a token, answering the body's bytes (a download); it must answer 200.
    pub async fn bytes(&mut self, token: &str, path: &str) -> Vec<u8> {
        let r = self
            .http
            .get(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200, "{path}");
        r.bytes().await.expect("body").to_vec()
    }

    /// A request with a body sent as JSON exactly as given (malformed or oversized ones too).
    pub async fn json_raw(
        &mut self,
        method: reqwest::Method,
        path: &str,
        bearer: &str,
        body: String,
    ) -> Resp {
        let rb = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(bearer)
            .header("content-type", "application/json")
            .body(body);
        self.send(rb).await
    }

    /// A JSON request with extra headers.
    pub async fn json_with(
        &mut self,
        method: reqwest::Method,
        path: &str,
        bearer: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> Resp {
        let mut rb = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = bearer {
            rb = rb.bearer_auth(t);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        self.send(rb).await
    }
}

pub use motcua_scan::samples::{
    heic, jpeg, jpeg_with, pdf, pdf_tagged, pdf_with, png, png_declaring, webp,
};

/// A real one-page PDF, as a specialist's result draft must be (the agency signs it), with
/// `padding` bytes more.
pub fn result_pdf(tag: &str, padding: usize) -> Vec<u8> {
    motcua_signature::demo::sample_pdf(tag, padding)
}

impl Client {
    /// Uploads files through a page form (multipart; the CSRF token goes in the query string as
    /// the page's form does).
    pub async fn upload_page(
        &mut self,
        path: &str,
        component: &str,
        files: &[(&str, Vec<u8>)],
    ) -> Resp {
        let mut token = self.csrf_from(path).await;
        if token.is_empty() {
            token = self.csrf_from("/dang-nhap").await;
        }
        let path = format!("{path}?csrf={token}");
        self.upload_page_as(&path, component, files, None).await
    }

    /// Uploads to a page exactly as given: the CSRF token, if any, is in `path`'s query or in
    /// the `X-CSRF-Token` header.
    pub async fn upload_page_as(
        &mut self,
        path: &str,
        component: &str,
        files: &[(&str, Vec<u8>)],
        header_token: Option<&str>,
    ) -> Resp {
        let mut form = reqwest::multipart::Form::new().text("component", component.to_string());
        for (name, bytes) in files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
            );
        }
        let mut rb = self
            .http
            .post(format!("{}{}", self.base, path))
            .multipart(form);
        if let Some(t) = header_token {
            rb = rb.header("x-csrf-token", t);
        }
        self.send(rb).await
    }
}
