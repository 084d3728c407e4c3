//! Tamper-evident audit and personal data at rest (R3.5, R4.3, R10.5; security matrix rows
//! 33, 36–40): the database is tampered with directly and `audit verify` names the first bad
//! record; the raw database holds no identity number, phone number or form answer in clear;
//! every staff read of a dossier is in the log.
use motcua_app::audit::AuditError;
use motcua_domain::audit::Finding;
use motcua_testkit::{Engine, TestApp, engine_tests};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::dossiers::{CITIZEN, OTHER, camthanh_desk, ready, setup, submit, token};

mod rights;

/// What the demo people and the test's declaration hold that must never be stored in clear.
const CANARIES: [&str; 7] = [
    CITIZEN,      // identity number (also an answer of the declaration)
    OTHER,        // identity number
    "0100109106", // tax code
    "0912345678", // phone numbers
    "0987654321",
    "0255382000",
    "12 Lê Lợi", // an address in the declaration
];

async fn sql(t: &TestApp, s: &str) {
    t.app
        .db()
        .conn()
        .execute_unprepared(s)
        .await
        .unwrap_or_else(|e| panic!("{s}: {e}"));
}

/// A submitted dossier, accepted at the desk (notices to the person's phone and e-mail).
pub(super) async fn accepted(t: &TestApp) -> String {
    let (mut c, tok) = token(t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    let code = submit(&mut c, &tok, &id, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut d, dt) = camthanh_desk(t).await;
    let r = d
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/actions"),
            Some(&dt),
            Some(json!({"action": "accept", "originals_compared": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    code
}

fn holds(bytes: &[u8], what: &str) -> bool {
    memchr_find(bytes, what.as_bytes())
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn personal_data_never_in_clear(e: Engine) {
    let t = setup(e).await;
    accepted(&t).await;
    match e {
        Engine::Sqlite => {
            let url = t.app.config.database_url();
            let db = std::path::PathBuf::from(url.trim_start_matches("sqlite://"));
            let backup = db.with_extension("backup");
            sql(&t, &format!("VACUUM INTO '{}'", backup.display())).await;
            let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
            assert!(
                std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0),
                "the WAL holds the recent writes"
            );
            for f in [&db, &wal, &backup] {
                let bytes = std::fs::read(f).unwrap();
                let f = f.display();
                for c in CANARIES {
                    assert!(!holds(&bytes, c), "{f} holds {c} in clear");
                }
            }
        }
        Engine::Postgres => {
            let tables: Vec<String> = t
                .app
                .db()
                .conn()
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
                ))
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get_by_index::<String>(0).unwrap())
                .collect();
            assert!(tables.len() > 20);
            for table in tables {
                let rows = t
                    .app
                    .db()
                    .conn()
                    .query_all_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        format!("SELECT t::text FROM \"{table}\" t"),
                    ))
                    .await
                    .unwrap();
                for r in rows {
                    let text: String = r.try_get_by_index(0).unwrap();
                    for c in CANARIES {
                        assert!(!text.contains(c), "{table} holds {c} in clear: {text}");
                    }
                }
            }
        }
    }
    // Sealed, the data still reads: the person logs in by identity number and sees the
    // declaration they gave.
    let (mut c, tok) = token(&t, CITIZEN).await;
    let me = c
        .json(Method::GET, "/api/v1/me/export", Some(&tok), None)
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    let text = me.body;
    for c in [CITIZEN, "0912345678", "12 Lê Lợi"] {
        assert!(text.contains(c), "the export gives {c} back");
    }
    assert!(!text.contains(OTHER), "never another person's data");
}

/// Copies the log aside (triggers dropped, as an attacker with the database's password would).
async fn drop_guards(t: &TestApp, e: Engine) {
    match e {
        Engine::Sqlite => {
            sql(t, "DROP TRIGGER audit_log_no_update").await;
            sql(t, "DROP TRIGGER audit_log_no_delete").await;
        }
        Engine::Postgres => {
            sql(t, "DROP TRIGGER audit_log_no_change ON audit_log").await;
            sql(t, "DROP TRIGGER audit_log_no_truncate ON audit_log").await;
        }
    }
    sql(t, "CREATE TABLE audit_copy AS SELECT * FROM audit_log").await;
}

async fn restore(t: &TestApp) {
    sql(t, "DELETE FROM audit_log").await;
    sql(t, "INSERT INTO audit_log SELECT * FROM audit_copy").await;
}

async fn finding(t: &TestApp) -> Finding {
    match t.app.verify_audit(&[]).await {
        Err(AuditError::Record(f)) => f,
        other => panic!("expected a finding, got {other:?}"),
    }
}

async fn audit_log_detects_tampering(e: Engine) {
    let t = setup(e).await;
    accepted(&t).await;
    let n = motcua_store::audit::size(t.app.db().conn()).await.unwrap();
    assert!(n > 20, "{n} records");
    assert!(t.app.checkpoint().await.unwrap().is_some());
    assert_eq!(t.app.checkpoint().await.unwrap(), None, "nothing new");
    let ok = t.app.verify_audit(&[]).await.unwrap();
    assert_eq!((ok.size, ok.checkpoints), (n as u64, 1));
    drop_guards(&t, e).await;

    sql(
        &t,
        "UPDATE audit_log SET detail = '{\"forged\":1}' WHERE seq = 7",
    )
    .await;
    assert_eq!(finding(&t).await, Finding::Edited { seq: 7 });
    restore(&t).await;

    sql(&t, "DELETE FROM audit_log WHERE seq = 9").await;
    assert_eq!(finding(&t).await, Finding::Missing { seq: 9 });
    restore(&t).await;

    // Two records exchange places.
    sql(&t, "UPDATE audit_log SET seq = -1 WHERE seq = 11").await;
    sql(&t, "UPDATE audit_log SET seq = 11 WHERE seq = 12").await;
    sql(&t, "UPDATE audit_log SET seq = 12 WHERE seq = -1").await;
    assert_eq!(finding(&t).await, Finding::Misplaced { seq: 11 });
    restore(&t).await;

    // A forged record slipped in at 5 (the rest moved along), copying its neighbour's hashes.
    sql(&t, "UPDATE audit_log SET seq = seq + 100000 WHERE seq >= 5").await;
    sql(
        &t,
        "UPDATE audit_log SET seq = seq - 99999 WHERE seq >= 100005",
    )
    .await;
    sql(&t, "INSERT INTO audit_log (at, actor_id, action, object_type, object_id, agency_id, request_id, detail, seq, role, client, leaf_hash, prev_hash) SELECT at, actor_id, 'grant', object_type, object_id, agency_id, request_id, detail, 5, role, client, leaf_hash, prev_hash FROM audit_log WHERE seq = 6").await;
    assert_eq!(finding(&t).await.seq(), 5);
    restore(&t).await;

    // The tail cut off below the checkpoint.
    sql(&t, &format!("DELETE FROM audit_log WHERE seq > {}", n - 3)).await;
    let f = finding(&t).await;
    assert!(
        matches!(f, Finding::Truncated { seq, .. } if seq == n - 2),
        "{f:?}"
    );
    restore(&t).await;
    assert!(
        t.app.verify_audit(&[]).await.is_ok(),
        "restored, it verifies"
    );

    // An older copy of the database restored after more was recorded and signed.
    accepted(&t).await;
    assert!(t.app.checkpoint().await.unwrap().is_some());
    restore(&t).await;
    let f = finding(&t).await;
    assert!(
        matches!(f, Finding::Truncated { seq, .. } if seq == n + 1),
        "{f:?}"
    );

    // ... and a history rewritten from there on, every hash recomputed: the checkpoint knows.
    let rewrite = t.app.clone();
    let tx = rewrite.db().write().await.unwrap();
    for i in 0..40 {
        let mut e = motcua_store::audit::AuditEntry {
            at: t.app.now(),
            actor_id: None,
            role: None,
            action: format!("forged{i}"),
            object_type: "dossier".into(),
            object_id: None,
            agency_id: None,
            request_id: None,
            client: None,
            detail: "{}".into(),
        };
        e.detail = format!("{{\"i\":{i}}}");
        motcua_store::audit::append(&tx, &e).await.unwrap();
    }
    tx.commit().await.unwrap();
    let f = finding(&t).await;
    assert!(
        matches!(f, Finding::Rewritten { seq, .. } if seq == n + 1),
        "{f:?}"
    );

    // A checkpoint this installation did not sign is not taken.
    let forged = t
        .app
        .config
        .checkpoint_dir()
        .join("checkpoint-999999999999-x.txt");
    let any = std::fs::read_dir(t.app.config.checkpoint_dir())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(any).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "999999999999";
    std::fs::write(&forged, lines.join("\n") + "\n").unwrap();
    assert!(matches!(
        t.app.verify_audit(&[]).await,
        Err(AuditError::Checkpoint { .. })
    ));
}

/// The newest thousand audit records, newest first.
pub async fn audit_entries(t: &TestApp) -> Vec<(i64, motcua_store::audit::AuditEntry)> {
    motcua_store::audit::search(
        t.app.db().conn(),
        &motcua_store::audit::AuditFilter::default(),
        1000,
    )
    .await
    .unwrap()
}

async fn staff_reads_are_audited(e: Engine) {
    let t = setup(e).await;
    let code = accepted(&t).await;
    let (mut d, dt) = camthanh_desk(&t).await;
    let v = d
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&dt),
            None,
        )
        .await
        .json();
    let dossier = v["id"].as_str().unwrap().to_string();
    let file = v["files"][0]["id"].as_str().unwrap().to_string();
    let r = d
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}/attachments/{file}"),
            Some(&dt),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let me = d
        .json(Method::GET, "/api/v1/me", Some(&dt), None)
        .await
        .json();
    let desk: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    // The citizen's own reads are theirs, not disclosures.
    let (mut c, tok) = token(&t, CITIZEN).await;
    c.json(
        Method::GET,
        &format!("/api/v1/dossiers/{code}"),
        Some(&tok),
        None,
    )
    .await;
    let all = audit_entries(&t).await;
    let reads: Vec<_> = all.iter().filter(|(_, e)| e.action == "read").collect();
    assert_eq!(reads.len(), 2, "{reads:?}");
    for (_, r) in &reads {
        assert_eq!(r.actor_id, Some(desk));
        assert_eq!(r.role.as_deref(), Some("reception"));
        assert!(r.client.as_deref().is_some_and(|c| c.starts_with("127.")));
        assert!(r.request_id.is_some());
    }
    assert_eq!(reads[1].1.object_id.as_deref(), Some(dossier.as_str()));
    assert_eq!(reads[0].1.object_id.as_deref(), Some(file.as_str()));
    // No record holds personal data.
    for (_, r) in &all {
        for c in CANARIES {
            assert!(!r.detail.contains(c), "{r:?}");
        }
    }
    // An inspector gets an inclusion proof of a read that verifies against the signed root.
    let p = t.app.inclusion_proof(reads[0].0).await.unwrap();
    let h = |s: &str| -> [u8; 32] { hex::decode(s).unwrap().try_into().unwrap() };
    let path: Vec<[u8; 32]> = p.path.iter().map(|x| h(x)).collect();
    assert!(motcua_domain::audit::verify_inclusion(
        p.leaf_index,
        p.tree_size,
        &h(&p.leaf_hash),
        &path,
        &h(&p.root)
    ));
    assert!(p.checkpoint.contains(&format!("\n{}\n", p.tree_size)));
}

engine_tests!(
    personal_data_never_in_clear,
    audit_log_detects_tampering,
    staff_reads_are_audited
);

/// Runs the binary on a database and data folder whose personal-data keys are the folder's own
/// key file (development creates it), as an installation does.
fn run(db: &str, dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env("MOTCUA_DATABASE_URL", db)
        .env("MOTCUA_DATA_DIR", dir)
        .env("MOTCUA_LOG", "warn")
        .current_dir(dir)
        .output()
        .expect("run motcua");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn raw_values(url: &str, sql: &str) -> Vec<String> {
    let db = motcua_store::Db::connect(url).await.unwrap();
    let rows = db
        .conn()
        .query_all_raw(sea_orm::Statement::from_string(
            db.conn().get_database_backend(),
            sql,
        ))
        .await
        .unwrap();
    let out = rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<Option<String>>(0).ok().flatten())
        .collect();
    db.conn().clone().close().await.unwrap();
    out
}

/// `motcua audit checkpoint | verify | proof` and `motcua keys rotate`, as an operator runs them.
async fn operator_commands(e: Engine) {
    let tdb = motcua_store::testing::TestDb::new(e).await;
    let dir = tempfile::tempdir().unwrap();
    let (url, d) = (tdb.url.as_str(), dir.path());
    assert!(run(url, d, &["demo"]).0);
    let (ok, out) = run(url, d, &["audit", "checkpoint"]);
    assert!(ok && out.contains("checkpoint-"), "{out}");
    let (ok, out) = run(url, d, &["audit", "verify"]);
    assert!(ok && out.contains("1 checkpoints matched"), "{out}");
    let (ok, out) = run(url, d, &["audit", "proof", "3"]);
    assert!(ok && out.contains("\"leaf_index\": 2"), "{out}");
    // A value an older version stored in clear is sealed when the application next starts.
    let db = motcua_store::Db::connect(url).await.unwrap();
    db.conn()
        .execute_unprepared("UPDATE users SET phone = '0911222333' WHERE phone IS NOT NULL")
        .await
        .unwrap();
    db.conn().clone().close().await.unwrap();
    assert!(run(url, d, &["migrate"]).0);
    let phones = raw_values(url, "SELECT phone FROM users WHERE phone IS NOT NULL").await;
    assert!(
        !phones.is_empty() && phones.iter().all(|v| v.starts_with("enc1:1:")),
        "{phones:?}"
    );
    // Rotation: a second key, every sealed value moved under it, the data still read.
    let (ok, out) = run(url, d, &["keys", "rotate"]);
    assert!(ok && out.contains("key 2 now seals"), "{out}");
    let ids = raw_values(
        url,
        "SELECT id_number FROM users WHERE id_number IS NOT NULL",
    )
    .await;
    assert!(
        !ids.is_empty() && ids.iter().all(|v| v.starts_with("enc1:2:")),
        "{ids:?}"
    );
    let keys = std::fs::read_to_string(d.join("privacy.keys")).unwrap();
    assert!(keys.contains("\nkey 1 ") && keys.contains("\nkey 2 "));
    let (ok, out) = run(url, d, &["demo"]);
    assert!(
        ok && out.contains("051095001234"),
        "the demo people are found and read: {out}"
    );
    // Tampered behind the application's back: verification fails and names the record.
    let db = motcua_store::Db::connect(url).await.unwrap();
    let drop = match e {
        Engine::Sqlite => "DROP TRIGGER audit_log_no_update",
        Engine::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    db.conn().execute_unprepared(drop).await.unwrap();
    db.conn()
        .execute_unprepared("UPDATE audit_log SET action = 'x' WHERE seq = 4")
        .await
        .unwrap();
    db.conn().clone().close().await.unwrap();
    let (ok, out) = run(url, d, &["audit", "verify"]);
    assert!(!ok && out.contains("first bad record 4"), "{out}");
    let (ok, out) = run(url, d, &["audit", "checkpoint"]);
    assert!(!ok, "no checkpoint over a tampered log: {out}");
}

engine_tests!(operator_commands);
