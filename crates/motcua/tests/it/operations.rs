//! Running the service (R3.5; security.md rows 56, 57, 59): a backup taken while people submit
//! and restored into a fresh installation; the database out of reach and back.
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use motcua_store::testing::TestDb;
use motcua_testkit::{Client, Engine, engine_tests};
use reqwest::Method;

use crate::cli::motcua;
use crate::crash::{Shared, join, prepare, start_clients, start_with};

fn stop(child: &mut std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap();
}

/// The restore drill (row 59): `motcua backup` while citizens submit and the desk accepts; the
/// backup restored with `motcua restore` into a new database and data folder, which then
/// serves a dossier acknowledged before the backup with its status and its files; a restore
/// into a database that is not empty is refused.
async fn backup_while_writing_restores_into_a_fresh_installation(e: Engine) {
    let db = TestDb::new(e).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let (mut child, base) = start_with(&db.url, &d, true, &[]);
    prepare(&db.url, &d);
    let sh = Arc::new(Shared::default());
    let tasks = start_clients(&base, &sh, 0);
    // Wait for a few acknowledged submissions, then back up while the clients go on.
    for _ in 0..200 {
        if sh.acked.lock().unwrap().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before: Vec<_> = sh.acked.lock().unwrap().clone();
    assert!(before.len() >= 3, "submissions before the backup");
    let backup = tempfile::tempdir().unwrap();
    let target = backup.path().join("sao-luu");
    let (url, data, to) = (db.url.clone(), d.clone(), target.clone());
    let (ok, out, err) =
        tokio::task::spawn_blocking(move || motcua(&url, &data, &["backup", to.to_str().unwrap()]))
            .await
            .unwrap();
    assert!(ok, "backup: {err}");
    let during = sh.acked.lock().unwrap().len() - before.len();
    sh.stop.store(true, Ordering::SeqCst);
    join(tasks).await;
    stop(&mut child);
    let odd = sh.unexpected.lock().unwrap().clone();
    assert!(
        odd.is_empty(),
        "the clients were served throughout: {odd:?}"
    );
    assert!(out.starts_with("backup in "), "{out}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(target.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    // Every file of the submissions acknowledged before is in the backup, under its hash.
    for a in &before {
        for sha in &a.shas {
            assert!(
                files.iter().any(|f| f["sha256"] == *sha),
                "{sha} in the manifest"
            );
            let copy = std::fs::read_to_string(target.join("files").join(sha)).unwrap();
            assert_eq!(&motcua_app::crypto::sha256_hex(&copy), sha);
        }
    }
    // A second backup into the same folder is refused.
    let (ok, _, err) = motcua(&db.url, &d, &["backup", target.to_str().unwrap()]);
    assert!(!ok && err.contains("already holds a backup"), "{err}");

    // Restore into a new database and a new data folder.
    let fresh = TestDb::new(e).await;
    let fresh_url = match e {
        Engine::Sqlite => format!(
            "sqlite://{}",
            backup.path().join("moi").join("motcua.db").display()
        ),
        Engine::Postgres => fresh.url.clone(),
    };
    let fresh_dir = backup.path().join("moi");
    std::fs::create_dir_all(&fresh_dir).unwrap();
    let (ok, out, err) = motcua(
        &fresh_url,
        &fresh_dir,
        &["restore", target.to_str().unwrap()],
    );
    assert!(ok, "restore: {out} {err}");
    assert!(out.contains("; ok"), "{out}");
    // Not twice into the same database.
    let (ok, _, err) = motcua(
        &fresh_url,
        &fresh_dir,
        &["restore", target.to_str().unwrap()],
    );
    assert!(
        !ok && (err.contains("already exists") || err.contains("not empty")),
        "{err}"
    );
    let (mut restored, base) = start_with(&fresh_url, &fresh_dir, false, &[]);
    let mut c = Client::new(&base);
    for a in &before {
        let r = c
            .json(
                Method::GET,
                &format!("/api/v1/lookup/{}", a.code),
                None,
                None,
            )
            .await;
        assert_eq!(
            r.status, 200,
            "{} served after the restore: {}",
            a.code, r.body
        );
    }
    // The owner reads the dossier and each of its files, byte for byte.
    let tok = c
        .token(
            crate::dossiers::CITIZEN,
            &crate::crash::demo_pw_static(crate::dossiers::CITIZEN),
        )
        .await;
    let mut checked = 0;
    for a in &before {
        let r = c
            .json(
                Method::GET,
                &format!("/api/v1/dossiers/{}", a.code),
                Some(&tok),
                None,
            )
            .await;
        if r.status == 404 {
            continue; // the other citizen's
        }
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        let mut shas = vec![];
        for f in v["files"].as_array().unwrap() {
            let path = format!(
                "/api/v1/dossiers/{}/attachments/{}",
                a.code,
                f["id"].as_str().unwrap()
            );
            let got = c.json(Method::GET, &path, Some(&tok), None).await;
            assert_eq!(got.status, 200, "{path}");
            assert_eq!(
                motcua_app::crypto::sha256_hex(&got.body),
                f["sha256"].as_str().unwrap()
            );
            shas.push(got.body.len());
            checked += 1;
        }
        let mut listed: Vec<String> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["sha256"].as_str().unwrap().to_string())
            .collect();
        listed.sort();
        let mut want = a.shas.clone();
        want.sort();
        assert_eq!(listed, want, "{}'s files", a.code);
    }
    assert!(
        checked > 0,
        "files of the citizen's dossiers read back after the restore"
    );
    stop(&mut restored);
    eprintln!(
        "backup drill ({e:?}): {} submissions before the backup, {during} while it ran; {} files ({} bytes) restored and checked",
        before.len(),
        files.len(),
        files
            .iter()
            .map(|f| f["bytes"].as_u64().unwrap())
            .sum::<u64>()
    );
}

engine_tests!(backup_while_writing_restores_into_a_fresh_installation);
