//! Browser end-to-end (R5.1a, R6.2, R7.1a, R7.2b, R11.2, R11.3, R12, R8.2b): `e2e/flow.mjs` drives
//! Debian's Chromium (Playwright) against the real server on loopback with a fresh database. It
//! needs Node.js, `npm ci` in `e2e/` and `/usr/bin/chromium`; `.ci/run` installs them and sets
//! `MOTCUA_TEST_E2E=1`, which makes their absence a failure. Without it, the test says it was
//! skipped. Screenshots (and the printed slip as PDF) go to `$MOTCUA_TEST_E2E_SHOTS`, else
//! `$CARGO_TARGET_DIR/e2e-screenshots`, else `target/e2e-screenshots`.
use std::process::Command;

use motcua_testkit::Engine;

use crate::dossiers::{camthanh_trio, setup_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_and_staff_in_a_real_browser() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready = root.join("node_modules/playwright-core").exists()
        && root.join("node_modules/axe-core").exists()
        && std::path::Path::new(&chromium).exists()
        && Command::new("node").arg("--version").output().is_ok();
    let required = std::env::var("MOTCUA_TEST_E2E").is_ok_and(|v| v == "1");
    if !ready {
        assert!(
            !required,
            "MOTCUA_TEST_E2E=1 but Node.js, e2e/node_modules or {chromium} is missing"
        );
        eprintln!("browser test skipped: run `npm ci` in e2e/ and install chromium (CI does)");
        return;
    }
    // The browser talks to `localhost`, where Secure cookies work over plain HTTP.
    let t = setup_with(Engine::Sqlite, |c| {
        c.public_url = c.public_url.replace("127.0.0.1", "localhost");
    })
    .await;
    // The path is a level-3 service: the fixture's building permit, offered at level 3
    // here (re-importing the catalogue updates the service in place).
    let mut catalogue = crate::catalogue::fixture();
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
    let shots = std::env::var("MOTCUA_TEST_E2E_SHOTS")
        .or_else(|_| std::env::var("CARGO_TARGET_DIR").map(|d| format!("{d}/e2e-screenshots")))
        .unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/e2e-screenshots")
                .to_string_lossy()
                .into_owned()
        });
    let _ = std::fs::remove_dir_all(&shots);
    let base = t.base.replace("127.0.0.1", "localhost");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("flow.mjs")
            .current_dir(&root)
            .env("BASE", base)
            .env("SHOTS", &shots)
            .env("CHROMIUM", chromium)
            .env("STAFF_PW", serde_json::Value::Object(staff).to_string())
            .env("PAYER", payer.to_string())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser flow failed:\n{stdout}\n{stderr}"
    );
    eprintln!("{stdout}");
}
