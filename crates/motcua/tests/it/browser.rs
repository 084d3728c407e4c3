//! Browser end-to-end (R5.1a, R6.2, R7.1a, R7.2b, R11.2, R11.3, R12, R8.2b, R14): `e2e/flow.mjs`
//! (the citizen's and the staff's path), `e2e/reports.mjs` (a yearly report) and `e2e/vneid.mjs`
//! (log-in through a real OpenID Connect provider, `e2e/oidc-provider.mjs`) drive Debian's
//! Chromium (Playwright) against the real server on loopback with a fresh database. They need
//! Node.js, `npm ci` in `e2e/` and `/usr/bin/chromium`; `.ci/run` installs them and sets
//! `MOTCUA_TEST_E2E=1`, which makes their absence a failure. Without it, the tests say they were
//! skipped. Screenshots (and the files downloaded) go to a folder per script (`flow`, `reports`)
//! in `$MOTCUA_TEST_E2E_SHOTS`, else `$CARGO_TARGET_DIR/e2e-screenshots`, else
//! `target/e2e-screenshots`.
use std::process::Command;

use motcua_testkit::Engine;

use crate::dossiers::{camthanh_trio, setup_with};

/// Whether the browser, Node.js and the scripts' packages are here (a failure when CI asked for
/// them); answers Chromium's path.
fn browser_ready() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let root = e2e_root();
    let ready = root.join("node_modules/playwright-core").exists()
        && root.join("node_modules/axe-core").exists()
        && root.join("node_modules/oidc-provider").exists()
        && std::path::Path::new(&chromium).exists()
        && Command::new("node").arg("--version").output().is_ok();
    let required = std::env::var("MOTCUA_TEST_E2E").is_ok_and(|v| v == "1");
    if !ready {
        assert!(
            !required,
            "MOTCUA_TEST_E2E=1 but Node.js, e2e/node_modules or {chromium} is missing"
        );
        eprintln!("browser test skipped: run `npm ci` in e2e/ and install chromium (CI does)");
        return None;
    }
    Some(chromium)
}

fn e2e_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// A server on `localhost`, where Secure cookies work over plain HTTP.
async fn browser_server() -> motcua_testkit::TestApp {
    setup_with(Engine::Sqlite, |c| {
        c.public_url = c.public_url.replace("127.0.0.1", "localhost");
    })
    .await
}

/// Where screenshots go.
fn shots_dir() -> String {
    std::env::var("MOTCUA_TEST_E2E_SHOTS")
        .or_else(|_| std::env::var("CARGO_TARGET_DIR").map(|d| format!("{d}/e2e-screenshots")))
        .unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/e2e-screenshots")
                .to_string_lossy()
                .into_owned()
        })
}

/// Runs one script against the server, with its environment; fails with what it printed.
async fn run_script(
    t: &motcua_testkit::TestApp,
    chromium: String,
    script: &'static str,
    env: Vec<(&'static str, String)>,
) {
    let base = t.base.replace("127.0.0.1", "localhost");
    // Each script its own folder, emptied first.
    let shots = format!("{}/{}", shots_dir(), script.trim_end_matches(".mjs"));
    let _ = std::fs::remove_dir_all(&shots);
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .current_dir(e2e_root())
            .env("BASE", base)
            .env("SHOTS", &shots)
            .env("CHROMIUM", chromium)
            .envs(env)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser flow {script} failed:\n{stdout}\n{stderr}"
    );
    eprintln!("{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_and_staff_in_a_real_browser() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let t = browser_server().await;
    // The path is a level-3 service: the fixture's building permit, offered at level 3
    // here (re-importing the catalogue updates the service in place), carried out through the
    // public postal service too, so that its result may go by post (R8.2).
    let mut catalogue = crate::catalogue::fixture();
    for p in catalogue
        .procedures
        .iter_mut()
        .filter(|p| p.code == "1.009999")
    {
        use motcua_domain::catalogue::Channel;
        p.methods.push(Channel::Postal);
        let by_hand = p.times[0].clone();
        p.times.push(motcua_domain::catalogue::ChannelTime {
            channel: Channel::Postal,
            ..by_hand
        });
    }
    for s in catalogue
        .services
        .iter_mut()
        .filter(|s| s.procedure == "1.009999")
    {
        s.level = 3;
    }
    t.app
        .import_catalogue(
            &Default::default(),
            None,
            &catalogue,
            jiff::civil::date(2026, 1, 1),
        )
        .await
        .unwrap();
    let staff: serde_json::Map<String, serde_json::Value> = camthanh_trio(&t)
        .await
        .into_iter()
        .map(|(login, pw)| (login, pw.into()))
        .collect();
    // A level-4 dossier whose fee is due with it (the demo's certified copies at Cẩm Thành),
    // submitted through the API by the demo citizen, who pays it in the browser.
    let citizen = crate::dossiers::CITIZEN;
    let citizen_pw = crate::security::demo_pw(&t, citizen);
    let mut who = crate::dossiers::token(&t, citizen).await;
    let code = crate::agent::submit(&mut who, "2.000815", "000.01.01.H53").await;
    let payer = serde_json::json!({
        "login": citizen,
        "pw": citizen_pw,
        "dossier": crate::processing::dossier(&mut who, &code).await["id"],
    });
    let env = vec![
        ("STAFF_PW", serde_json::Value::Object(staff).to_string()),
        ("PAYER", payer.to_string()),
    ];
    run_script(&t, chromium, "flow.mjs", env).await;
}

/// The yearly report from draft to submission, and the province's consolidation (R14), in a
/// browser: `e2e/reports.mjs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yearly_report_in_a_real_browser() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let t = browser_server().await;
    // One online dossier at Cẩm Thành, for the figures.
    let mut who = crate::dossiers::token(&t, crate::dossiers::CITIZEN).await;
    crate::agent::submit(&mut who, "2.000815", "000.01.01.H53").await;
    // Cẩm Thành's administrator (the demo has none).
    let role = motcua_domain::account::Role::AgencyAdmin;
    let login = "quantri.camthanh";
    let (_, _, pw) =
        crate::dossiers::camthanh_staff_pw(&t, login, "Quản trị Cẩm Thành", role).await;
    let demo = |login: &str| crate::security::demo_pw(&t, login);
    let people = serde_json::json!({
        "admin": [login, pw],
        "leader": ["lanhdao.camthanh", demo("lanhdao.camthanh")],
        "province": ["quantri.tinh", demo("quantri.tinh")],
    });
    run_script(
        &t,
        chromium,
        "reports.mjs",
        vec![("PEOPLE", people.to_string())],
    )
    .await;
}

/// A real OpenID Connect provider (`e2e/oidc-provider.mjs`, the npm package `oidc-provider`) on
/// a free loopback port, sending browsers back to `callback`; stopped when dropped.
struct IdentityProvider {
    child: std::process::Child,
    issuer: String,
}

impl IdentityProvider {
    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    async fn start(port: u16, callback: &str, code_ttl: u32) -> IdentityProvider {
        let mut child = Command::new("node")
            .args(["oidc-provider.mjs", &port.to_string(), callback])
            .current_dir(e2e_root())
            .env("CODE_TTL", code_ttl.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("node runs the identity provider");
        let issuer = format!("http://127.0.0.1:{port}");
        let discovery = format!("{issuer}/.well-known/openid-configuration");
        for _ in 0..100 {
            if reqwest::get(&discovery)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return IdentityProvider { child, issuer };
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the identity provider did not start on {issuer}");
    }
}

impl Drop for IdentityProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn national_identity_log_in_in_a_real_browser() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let port = IdentityProvider::free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let t = setup_with(Engine::Sqlite, |c| {
        c.public_url = c.public_url.replace("127.0.0.1", "localhost");
        c.oidc.issuer = Some(issuer.clone());
        c.oidc.client_id = Some("motcua".into());
        c.oidc.client_secret = Some("bi-mat-cua-motcua".into());
    })
    .await;
    let callback = format!(
        "{}{}",
        t.app.config.public_url,
        motcua_app::accounts::oidc::CALLBACK
    );
    // The provider stamps its tokens with the real time: the server's clock reads it too.
    t.clock.set(jiff::Timestamp::now());
    const CODE_TTL: u32 = 3;
    let idp = IdentityProvider::start(port, &callback, CODE_TTL).await;
    assert_eq!(idp.issuer, issuer);
    // The citizen has a dossier to see once signed in.
    let mut who = crate::dossiers::token(&t, crate::dossiers::CITIZEN).await;
    let code = crate::agent::submit(&mut who, "2.000815", "000.01.01.H53").await;
    run_script(
        &t,
        chromium,
        "vneid.mjs",
        vec![
            ("CITIZEN", crate::dossiers::CITIZEN.to_string()),
            ("DOSSIER", code),
            ("CODE_TTL", CODE_TTL.to_string()),
        ],
    )
    .await;
}
