//! The API keeps its published contract (R14.1): schemathesis (from PyPI, `.ci/run` installs it)
//! reads `/api/openapi.json` and runs its coverage, fuzzing and stateful phases with a citizen's
//! token, every check on: no status the document does not list, no body, header or content type
//! other than documented, schema-valid requests accepted and schema-violating ones refused, no
//! server error. Only the token's revocation is left out (it would end the run's session).
use std::process::Command;

use motcua_testkit::{Engine, engine_tests};
use reqwest::Method;
use serde_json::json;

use crate::dossiers::{CITIZEN, setup, token};

/// Where schemathesis is, if installed.
fn schemathesis() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("st"))
        .find(|p| p.is_file())
}

async fn api_keeps_its_contract(e: Engine) {
    let Some(st) = schemathesis() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the API contract test: install schemathesis (pip install schemathesis)"
        );
        eprintln!("schemathesis (st) not installed: the API contract test did not run");
        return;
    };
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    // A draft of the citizen's own and a procedure that exists, so that the operations reach
    // their rules rather than stopping at "not found".
    let r = c
        .json(
            Method::POST,
            "/api/v1/dossiers",
            Some(&tok),
            Some(json!({"procedure": "1.001193", "agency": "000.01.01.H53", "form": {}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let draft = r.json()["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("schemathesis.toml");
    std::fs::write(
        &config,
        format!("[parameters]\n\"path.dossier\" = \"{draft}\"\n\"path.code\" = \"1.001193\"\n"),
    )
    .unwrap();
    let examples = std::env::var("MOTCUA_TEST_SCHEMATHESIS_EXAMPLES").unwrap_or("30".into());
    let schema = format!("{}/api/openapi.json", t.base);
    // The server keeps serving on the runtime while schemathesis runs on a thread of its own.
    let out = tokio::task::spawn_blocking(move || {
        Command::new(st)
            .arg("--config-file")
            .arg(&config)
            .args(["run", &schema])
            .args(["--phases", "coverage,fuzzing,stateful"])
            .args(["--checks", "all"])
            .args(["--exclude-operation-id", "revoke_token"])
            // The gateway's protocol answers every IPN 200 with its own code (97, 99…), whatever
            // the query: tests/it/payments.rs checks each answer.
            .args(["--exclude-operation-id", "ipn"])
            .args([
                "--max-examples",
                &examples,
                "--workers",
                "2",
                "--seed",
                "20260302",
            ])
            .args(["--header", &format!("Authorization: Bearer {tok}")])
            .arg("--no-color")
            .current_dir(dir.path())
            .output()
    })
    .await
    .unwrap()
    .expect("run schemathesis");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = report
        .lines()
        .find(|l| l.contains("generated"))
        .unwrap_or_default();
    assert!(summary.contains("passed"), "{report}");
    eprintln!("schemathesis: {}", summary.trim());
}

engine_tests!(api_keeps_its_contract);
