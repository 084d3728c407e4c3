//! The `motcua` command: demo, users, agencies, serve with graceful shutdown, migrations.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use motcua_store::testing::TestDb;
use motcua_testkit::{Engine, engine_tests};

pub(crate) fn motcua(db: &str, dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env("MOTCUA_DATABASE_URL", db)
        .env("MOTCUA_DATA_DIR", dir)
        .env("MOTCUA_PRIVACY__KEYS", motcua_store::testing::TEST_KEYS)
        .env("MOTCUA_LOG", "warn")
        .current_dir(dir)
        .output()
        .expect("run motcua");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

async fn cli_commands(e: Engine) {
    let db = TestDb::new(e).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, out, err) = motcua(&db.url, d, &["migrate"]);
    assert!(ok, "{err}");
    assert!(out.contains("schema up to date"));
    let (ok, first, err) = motcua(&db.url, d, &["demo"]);
    assert!(ok, "{err}");
    let (ok, second, _) = motcua(&db.url, d, &["demo"]);
    assert!(
        ok && first == second,
        "demo is safe to run twice and prints the same accounts"
    );
    // The demo's CA signs the agencies' results; run twice, it is the same CA, printed once.
    let (ok, ca, err) = motcua(&db.url, d, &["signatures", "export-ca"]);
    assert!(ok, "{err}");
    assert_eq!(ca.matches("-----BEGIN CERTIFICATE-----").count(), 1, "{ca}");
    let installed = std::fs::read_to_string(d.join("trust/motcua-demo-ca.pem")).unwrap();
    assert_eq!(
        ca, installed,
        "the exported CA is the one installed as trusted"
    );
    assert!(d.join("keys/000.01.01.H53.p12").exists());
    let roles: Vec<&str> = first
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    for r in [
        "citizen",
        "organisation",
        "reception",
        "specialist",
        "leader",
        "cashier",
        "agency_admin",
        "province_admin",
        "inspector",
    ] {
        assert!(roles.contains(&r), "{r} in {first}");
    }
    assert!(first.lines().all(|l| l.split('\t').count() == 4));
    assert_eq!(roles.iter().filter(|r| **r == "citizen").count(), 2);
    // Every agency offering online services (level 3 or 4) has its processing staff, agency by
    // agency, and a cashier where its services charge fees.
    let line = |role: &str, agency: &str| {
        first
            .lines()
            .any(|l| l.starts_with(&format!("{role}\t")) && l.ends_with(&format!("\t{agency}")))
    };
    let catalogue = motcua_app::demo::demo_catalogue();
    let mut online: Vec<&str> = catalogue
        .services
        .iter()
        .filter(|s| s.level >= 3)
        .map(|s| s.agency.as_str())
        .collect();
    online.sort();
    online.dedup();
    assert_eq!(online.len(), 8);
    for agency in &online {
        for role in ["reception", "specialist", "leader"] {
            assert!(line(role, agency), "{role} at {agency} in {first}");
        }
    }
    assert!(line("cashier", "000.01.01.H53") && line("cashier", "000.00.15.H53"));
    let agencies: Vec<&str> = first
        .lines()
        .filter_map(|l| l.rsplit('\t').next())
        .filter(|a| !a.is_empty())
        .collect();
    let mut runs = agencies.clone();
    runs.dedup();
    let mut distinct = runs.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        runs.len(),
        distinct.len(),
        "printed agency by agency: {agencies:?}"
    );
    let (ok, list, _) = motcua(&db.url, d, &["agency", "list"]);
    assert!(ok && list.contains("Sở Tư pháp tỉnh Quảng Ngãi") && !list.contains("Kon Tum\t"));
    let (ok, all, _) = motcua(&db.url, d, &["agency", "list", "--all"]);
    assert!(ok && all.contains("Ủy ban nhân dân tỉnh Kon Tum"));
    let file = d.join("tree.json");
    assert!(motcua(&db.url, d, &["agency", "export", file.to_str().unwrap()]).0);
    let (ok, report, err) = motcua(&db.url, d, &["agency", "import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        report.contains("\"created\":0") && report.contains("\"updated\":0"),
        "{report}"
    );
    std::fs::write(d.join("bad.json"), "{\"agencies\": [{\"code\": \"x\"}]}").unwrap();
    let (ok, _, err) = motcua(
        &db.url,
        d,
        &["agency", "import", d.join("bad.json").to_str().unwrap()],
    );
    assert!(!ok && err.contains("not an agency snapshot"), "{err}");
    let (ok, out, err) = motcua(
        &db.url,
        d,
        &[
            "user",
            "create",
            "--login",
            "le.van.hung",
            "--name",
            "Lê Văn Hùng",
            "--agency",
            "000.00.20.H53",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("created\tle.van.hung") && out.contains("password\tmc-"));
    let hung_pw = out
        .lines()
        .find_map(|l| l.strip_prefix("password\t"))
        .unwrap()
        .to_string();
    assert!(can_log_in(&db.url, d, "le.van.hung", &hung_pw).await);
    let (ok, _, err) = motcua(
        &db.url,
        d,
        &[
            "user",
            "grant",
            "le.van.hung",
            "reception",
            "000.00.20.H53",
            "--unit",
            "MOTCUA",
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = motcua(
        &db.url,
        d,
        &[
            "user",
            "grant",
            "le.van.hung",
            "sieu_quan_tri",
            "000.00.20.H53",
        ],
    );
    assert!(!ok && err.contains("unknown role"));
    assert!(
        motcua(
            &db.url,
            d,
            &[
                "user",
                "revoke",
                "le.van.hung",
                "reception",
                "000.00.20.H53"
            ]
        )
        .0
    );
    assert!(
        !motcua(
            &db.url,
            d,
            &[
                "user",
                "revoke",
                "le.van.hung",
                "reception",
                "000.00.20.H53"
            ]
        )
        .0,
        "nothing left to revoke"
    );
    assert!(motcua(&db.url, d, &["user", "disable", "le.van.hung"]).0);
    assert!(
        !can_log_in(&db.url, d, "le.van.hung", &hung_pw).await,
        "a disabled account cannot log in"
    );
    // The catalogue: export, re-import (nothing changes), a broken file is refused whole.
    let cat = d.join("catalogue.json");
    assert!(motcua(&db.url, d, &["catalogue", "export", cat.to_str().unwrap()]).0);
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cat).unwrap()).unwrap();
    assert!(exported["procedures"].as_array().unwrap().len() >= 30);
    let (ok, report, err) = motcua(&db.url, d, &["catalogue", "import", cat.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        report.contains("\"versions_published\":0") && report.contains("\"services_updated\":0"),
        "{report}"
    );
    let mut broken = exported.clone();
    broken["services"][0]["process"][0]["budget"] =
        serde_json::json!({"unit": "working_days", "value": 400});
    std::fs::write(d.join("broken.json"), broken.to_string()).unwrap();
    let (ok, _, err) = motcua(
        &db.url,
        d,
        &[
            "catalogue",
            "import",
            d.join("broken.json").to_str().unwrap(),
        ],
    );
    assert!(
        !ok && err.contains("vượt thời hạn") && err.contains("not imported"),
        "{err}"
    );
    assert!(motcua(&db.url, d, &["user", "enable", "le.van.hung"]).0);
    assert!(
        can_log_in(&db.url, d, "le.van.hung", &hung_pw).await,
        "enabled again, the account logs in"
    );
}

/// Whether the account logs in, asked of the application on the same database.
async fn can_log_in(db: &str, dir: &std::path::Path, login: &str, pw: &str) -> bool {
    let config = motcua_app::Config {
        database_url: Some(db.to_string()),
        data_dir: dir.to_path_buf(),
        secret_key: Some("11".repeat(32)),
        privacy: motcua_app::config::PrivacyConfig {
            keys: Some(motcua_store::testing::TEST_KEYS.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let clock = std::sync::Arc::new(motcua_domain::SystemClock);
    let app = motcua_app::App::open(config, clock).await.expect("open");
    let ok = app.login(&Default::default(), login, pw).await.is_ok();
    app.db().clone().close().await.unwrap();
    ok
}

async fn serve_and_shutdown(e: Engine) {
    let db = TestDb::new(e).await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--demo"])
        .env("MOTCUA_DATABASE_URL", &db.url)
        .env("MOTCUA_DATA_DIR", dir.path())
        .env("MOTCUA_PRIVACY__KEYS", motcua_store::testing::TEST_KEYS)
        .env("MOTCUA_LISTEN", "127.0.0.1:0")
        .env("MOTCUA_ADMIN_LISTEN", "127.0.0.1:0")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let banner = loop {
        let l = lines.next().expect("server output").unwrap();
        if l.starts_with("motcua: http://") {
            break l;
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let base = banner.split_whitespace().nth(1).unwrap().to_string();
    let metrics = banner
        .split("metrics: ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_string();
    let c = reqwest::Client::new();
    assert_eq!(
        c.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(
        c.get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let home = c
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Sở Tư pháp tỉnh Quảng Ngãi"),
        "demo data loaded"
    );
    let m = c.get(&metrics).send().await.unwrap().text().await.unwrap();
    assert!(
        m.contains("motcua_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"}"),
        "{m}"
    );
    assert!(m.contains("motcua_http_request_duration_seconds"));
    assert_eq!(
        c.get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "metrics only on the admin listener"
    );
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGTERM: {status:?}");
}

engine_tests!(cli_commands, serve_and_shutdown);

/// The documented lifecycle is the enforced one: docs/lifecycle.md is `motcua lifecycle`'s output.
#[test]
fn lifecycle_document_matches_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = motcua("sqlite::memory:", dir.path(), &["lifecycle"]);
    assert!(ok, "{err}");
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/lifecycle.md"
    ))
    .unwrap();
    let table = doc
        .split_once("<!-- table -->\n")
        .map(|(_, t)| t)
        .expect("docs/lifecycle.md has the table marker");
    assert_eq!(table, out, "regenerate with `motcua lifecycle`");
}

/// `motcua calendar` (R8.1a, R11.3): due instants, holidays and lunar dates, and clear errors.
#[test]
fn calendar_commands() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| motcua("sqlite::memory:", dir.path(), args);
    let due = |args: &[&str]| {
        let mut a = vec!["calendar", "due", "--from"];
        a.extend_from_slice(args);
        let (ok, out, err) = run(&a);
        assert!(ok, "{err}");
        out.trim().to_string()
    };
    // Across Tết 2026 (14–22/02), and half a working day across lunch.
    assert_eq!(
        due(&["2026-02-12T10:00:00+07:00", "--working-days", "3"]),
        "2026-02-24T10:00:00+07:00"
    );
    assert_eq!(
        due(&["2024-06-03T10:00:00+07:00", "--working-days", "0.5"]),
        "2024-06-03T15:45:00+07:00"
    );
    assert_eq!(
        due(&["2024-06-03T03:00:00Z", "--working-hours", "2"]),
        "2024-06-03T14:00:00+07:00"
    );
    // The 15:00 cut-off, and a make-up Saturday.
    assert_eq!(
        due(&["2024-06-03T14:00:00+07:00", "--same-day"]),
        "2024-06-03T17:00:00+07:00"
    );
    assert_eq!(
        due(&["2024-06-03T15:01:00+07:00", "--same-day"]),
        "2024-06-04T17:00:00+07:00"
    );
    assert_eq!(
        due(&[
            "2025-04-25T10:00:00+07:00",
            "--working-days",
            "1",
            "--agency",
            "X"
        ]),
        "2025-04-26T10:00:00+07:00"
    );

    let (ok, out, _) = run(&["calendar", "holidays", "2025"]);
    assert!(ok);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "2025-01-01 Tết Dương lịch");
    assert!(
        lines.contains(&"2025-01-27 Tết Nguyên đán") && lines.contains(&"2025-09-01 Quốc khánh")
    );
    assert!(
        lines
            .iter()
            .all(|l| l.len() > 11 && l.as_bytes()[10] == b' ')
    );
    let (_, out, _) = run(&["calendar", "lunar", "2025-08-19"]);
    assert_eq!(out.trim(), "26/6/2025 (nhuận)");
    let (_, out, _) = run(&["calendar", "lunar", "2026-02-17"]);
    assert_eq!(out.trim(), "1/1/2026");

    // Edited data: a new day off is honoured; broken data and bad input are refused.
    let (ok, json, _) = run(&["calendar", "export"]);
    assert!(ok);
    let mut data: serde_json::Value = serde_json::from_str(&json).unwrap();
    data["decisions"].as_array_mut().unwrap().push(serde_json::json!({
        "year": 2027, "days_off": [{"from": "2027-03-08", "to": "2027-03-08", "name": "Nghỉ thử"}]
    }));
    let file = dir.path().join("cal.json");
    std::fs::write(&file, data.to_string()).unwrap();
    let (ok, out, _) = run(&[
        "calendar",
        "--data",
        file.to_str().unwrap(),
        "holidays",
        "2027",
    ]);
    assert!(ok && out.contains("2027-03-08 Nghỉ thử"));
    std::fs::write(&file, "{").unwrap();
    let (ok, _, err) = run(&[
        "calendar",
        "--data",
        file.to_str().unwrap(),
        "holidays",
        "2027",
    ]);
    assert!(!ok && err.contains("Lịch không hợp lệ"));
    let (ok, _, err) = run(&[
        "calendar",
        "due",
        "--from",
        "2026-02-12 10:00",
        "--working-days",
        "1",
    ]);
    assert!(!ok && err.contains("RFC 3339"));
    let (ok, _, _) = run(&["calendar", "due", "--from", "2026-02-12T10:00:00+07:00"]);
    assert!(!ok, "a time limit is required");
    let (ok, _, err) = run(&[
        "calendar",
        "due",
        "--from",
        "2026-02-12T10:00:00+07:00",
        "--working-days",
        "-1",
    ]);
    assert!(!ok, "{err}");
    let (ok, _, _) = run(&["calendar", "lunar", "2026-13-01"]);
    assert!(!ok);
}

/// A `sqlite://…?mode=rwc` URL (as sqlx and most tools write it) opens the file it names, not a
/// file named with the query; an unknown parameter is refused with its name.
#[test]
fn sqlite_url_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = format!("sqlite://{}/motcua.db?mode=rwc", d.display());
    let (ok, _, err) = motcua(&url, d, &["migrate"]);
    assert!(ok, "{err}");
    assert!(d.join("motcua.db").exists());
    assert!(!d.join("motcua.db?mode=rwc").exists());
    let url = format!("sqlite://{}/other.db?bogus=1", d.display());
    let (ok, _, err) = motcua(&url, d, &["migrate"]);
    assert!(!ok && err.contains("bogus"), "{err}");
}

/// In development, at a terminal, the logs are lines a person reads; elsewhere JSON lines.
#[test]
fn logs_read_as_lines_at_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}/m.db", d.display());
    let bin = env!("CARGO_BIN_EXE_motcua");
    let run = |tty: bool| {
        let cmd = format!("{bin} migrate");
        let mut c = if tty {
            // `script` gives the command a terminal of its own.
            let mut c = Command::new("script");
            c.args(["-qec", &cmd, "/dev/null"]);
            c
        } else {
            let mut c = Command::new(bin);
            c.arg("migrate");
            c
        };
        let out = c
            .env("MOTCUA_DATABASE_URL", &db)
            .env("MOTCUA_DATA_DIR", d)
            .env("MOTCUA_PRIVACY__KEYS", motcua_store::testing::TEST_KEYS)
            .env("MOTCUA_LOG", "info")
            .env("NO_COLOR", "1")
            .current_dir(d)
            .output()
            .expect("run");
        assert!(out.status.success());
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let piped = run(false);
    let logs: Vec<&str> = piped.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!logs.is_empty(), "JSON when not a terminal: {piped}");
    let tty = run(true);
    assert!(tty.contains(" INFO "), "{tty}");
    assert!(
        !tty.lines()
            .any(|l| l.trim_start().starts_with("{\"timestamp")),
        "{tty}"
    );
}
