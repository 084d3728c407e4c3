//! A whole submission in one request (`POST /api/v1/submissions`): stored and submitted at once,
//! or nothing is kept; idempotent under its key; its parts bounded and checked.
use motcua_testkit::{Engine, Resp, engine_tests, jpeg, pdf, pdf_tagged};
use reqwest::Method;
use serde_json::{Value, json};

use super::{CITIZEN, answers, camthanh_desk, setup, setup_with, token};

fn dossier(form: Value) -> Value {
    json!({"service": "1.009999/000.01.01.H53", "form": form, "declaration_accepted": true})
}

/// Papers as sent: (component, file name, bytes).
type Papers = Vec<(&'static str, &'static str, Vec<u8>)>;

/// The papers the fixture procedure needs with `answers()`.
fn papers(tag: &str) -> Papers {
    vec![
        ("don", "don.pdf", pdf_tagged(tag, 3000)),
        ("ban-ve", "ban-ve-1.jpg", jpeg(2000)),
    ]
}

async fn my_dossiers(c: &mut motcua_testkit::Client, tok: &str) -> Vec<Value> {
    let r = c
        .json(Method::GET, "/api/v1/dossiers", Some(tok), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json().as_array().unwrap().clone()
}

fn problems(r: &Resp) -> String {
    format!("{} {}", r.status, r.body)
}

async fn one_request_stores_and_submits(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let r = c
        .submit_whole(
            &tok,
            Some("mot-lan-1"),
            Some(&dossier(answers())),
            &papers("a"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", problems(&r));
    let made = r.json();
    let code = made["code"].as_str().unwrap().to_string();
    assert_eq!(code, "000.01.01.H53-260302-0001");
    let mut who = (c, tok);
    let d = crate::processing::dossier(&mut who, &code).await;
    let (mut c, tok) = who;
    assert_eq!(d["id"], made["id"]);
    assert_eq!(d["status"], "submitted");
    assert_eq!(d["national_status"], 1);
    assert!(d["declaration"].as_str().unwrap().contains("cam đoan"));
    assert_eq!(d["form"]["ho_ten"], "Phạm Văn Bình");
    let files = d["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for (f, (component, name, bytes)) in files.iter().zip(papers("a")) {
        assert_eq!(f["component"], component);
        assert_eq!(f["name"], name);
        let stored = t
            .app
            .blobs
            .read_verified(f["sha256"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(stored, bytes);
    }
    assert_eq!(d["events"][0]["kind"], "submit");
    // The desk sees it like any other submission.
    let mut desk = camthanh_desk(&t).await;
    let w = crate::processing::worklist(&mut desk, "role=reception").await;
    assert!(w.to_string().contains(&code), "{w}");
    // No draft is left behind, and the audit records the papers with the submission.
    let mine = my_dossiers(&mut c, &tok).await;
    assert_eq!(mine.len(), 1);
    let audit = crate::privacy::audit_entries(&t).await;
    let submitted = audit
        .iter()
        .find(|(_, a)| a.action == "dossier_submitted")
        .map(|(_, a)| serde_json::from_str::<Value>(&a.detail).unwrap())
        .expect("the submission is audited");
    assert_eq!(submitted["files"].as_array().map(Vec::len), Some(2));
    assert_eq!(submitted["files"][0]["component"], "don");
    assert!(
        !audit
            .iter()
            .any(|(_, a)| a.action == "dossier_draft_created")
    );
    assert!(t.app.check().await.unwrap().is_empty());
}

async fn one_request_is_idempotent(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    // The same request sent many times at once under one key: one dossier.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (mut c, tok) = (c.clone(), tok.clone());
        tasks.push(tokio::spawn(async move {
            c.submit_whole(
                &tok,
                Some("mot-lan-2"),
                Some(&dossier(answers())),
                &papers("b"),
            )
            .await
        }));
    }
    let mut codes = std::collections::HashSet::new();
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, 201, "{}", problems(&r));
        codes.insert(r.json()["code"].as_str().unwrap().to_string());
    }
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(my_dossiers(&mut c, &tok).await.len(), 1);
    // The key with other content (another paper) is refused, and makes nothing.
    let r = c
        .submit_whole(
            &tok,
            Some("mot-lan-2"),
            Some(&dossier(answers())),
            &papers("c"),
        )
        .await;
    assert_eq!(r.status, 409, "{}", problems(&r));
    assert!(r.body.contains("Idempotency-Key"), "{}", r.body);
    assert_eq!(my_dossiers(&mut c, &tok).await.len(), 1);
    // Without a key, each request is a dossier of its own.
    for _ in 0..2 {
        let r = c
            .submit_whole(&tok, None, Some(&dossier(answers())), &papers("d"))
            .await;
        assert_eq!(r.status, 201, "{}", problems(&r));
    }
    assert_eq!(my_dossiers(&mut c, &tok).await.len(), 3);
}

async fn a_refused_submission_keeps_nothing(e: Engine) {
    let t = setup_with(e, |c| {
        c.dossiers.max_file_mb = 1;
        c.dossiers.max_dossier_mb = 2;
    })
    .await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let ok = dossier(answers());
    // Each refusal: its status, words the person can act on, and no dossier made.
    let mut without_ban_ve = papers("e");
    without_ban_ve.pop();
    let mut with_power = answers();
    with_power["nop_thay"] = json!(true);
    let mut no_declaration = ok.clone();
    no_declaration["declaration_accepted"] = json!(false);
    let mut unknown = papers("f");
    unknown.push(("giay-khac", "khac.pdf", pdf(1000)));
    let cases: Vec<(Value, Papers, u16, &str)> = vec![
        // Incomplete as a dossier: a conflict, each missing component listed.
        (ok.clone(), without_ban_ve, 409, "Bản vẽ thiết kế"),
        (dossier(with_power), papers("g"), 409, "Văn bản ủy quyền"),
        // A component the procedure does not have.
        (ok.clone(), unknown, 409, "giay-khac"),
        // Malformed parts.
        (no_declaration, papers("h"), 422, "cam đoan"),
        (
            json!({"service": "1.009999/000.01.01.H53"}),
            papers("i"),
            422,
            "dossier",
        ),
        (
            json!({"service": "khong-co", "form": answers(), "declaration_accepted": true}),
            papers("j"),
            422,
            "service",
        ),
        (dossier(json!([1, 2])), papers("k"), 409, "form"),
        // A file that is not what its name says.
        (
            ok.clone(),
            vec![
                ("don", "don.pdf", b"MZ\x90\0 not a pdf".to_vec()),
                ("ban-ve", "b.jpg", jpeg(100)),
            ],
            409,
            "don.pdf",
        ),
        // Over the dossier's room while streaming: each paper fits, the third does not.
        (
            ok.clone(),
            vec![
                ("don", "don.pdf", pdf(900 * 1024)),
                ("ban-ve", "b.pdf", pdf(900 * 1024)),
                ("don", "don-2.pdf", pdf(900 * 1024)),
            ],
            413,
            "MB",
        ),
        // Over the file limit while streaming.
        (
            ok.clone(),
            vec![
                ("don", "don.pdf", pdf(1536 * 1024)),
                ("ban-ve", "b.jpg", jpeg(100)),
            ],
            413,
            "MB",
        ),
    ];
    for (i, (d, p, status, words)) in cases.into_iter().enumerate() {
        let r = c
            .submit_whole(&tok, Some(&format!("sai-{i}")), Some(&d), &p)
            .await;
        assert_eq!(r.status, status, "case {i}: {}", problems(&r));
        assert!(r.body.contains(words), "case {i}: {}", r.body);
    }
    // A key that cannot be one is refused before the body is read.
    let r = c
        .submit_whole(&tok, Some(&"k".repeat(201)), Some(&ok), &papers("o"))
        .await;
    assert_eq!(r.status, 422, "{}", problems(&r));
    // A part that is not a component's name, and a body with no dossier part.
    let r = c
        .submit_whole(&tok, None, Some(&ok), &[("Ban Ve", "b.pdf", pdf(100))])
        .await;
    assert_eq!(r.status, 422, "{}", problems(&r));
    let r = c
        .submit_whole(&tok, None, None, &[("don", "don.pdf", pdf(100))])
        .await;
    assert_eq!(r.status, 422, "{}", problems(&r));
    assert!(r.body.contains("dossier"), "{}", r.body);
    assert!(my_dossiers(&mut c, &tok).await.is_empty());
    // Staff do not submit online; without a token nobody does.
    let (mut desk, dtok) = camthanh_desk(&t).await;
    let r = desk
        .submit_whole(&dtok, None, Some(&ok), &papers("l"))
        .await;
    assert_eq!(r.status, 403, "{}", problems(&r));
    let r = c.submit_whole("", None, Some(&ok), &papers("m")).await;
    assert_eq!(r.status, 401, "{}", problems(&r));
    // Nothing half-stored: the staging folder is empty, and the installation checks clean.
    let staging = t.app.config.data_dir.join("blobs").join("tmp");
    let left = std::fs::read_dir(&staging).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "staging files left in {staging:?}");
    assert!(t.app.check().await.unwrap().is_empty());
    // Every refusal came before any paper was made durable: no blob was stored.
    assert_eq!(blobs(&t), 0);
    // The same person then submits papers that together pass one file's limit.
    let big = vec![
        ("don", "don.pdf", pdf(900 * 1024)),
        ("ban-ve", "ban-ve.pdf", pdf(899 * 1024)),
    ];
    let r = c.submit_whole(&tok, None, Some(&ok), &big).await;
    assert_eq!(r.status, 201, "{}", problems(&r));
    assert_eq!(blobs(&t), 2);
}

/// The blobs stored on disk.
fn blobs(t: &motcua_testkit::TestApp) -> usize {
    let root = t.app.config.data_dir.join("blobs").join("objects");
    let mut n = 0;
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                dirs.push(e.path());
            } else {
                n += 1;
            }
        }
    }
    n
}

/// A retry under the same key is answered with its dossier even when that dossier used up the
/// person's room (the room is not what decides a retry).
async fn a_retry_is_answered_when_the_room_is_used(e: Engine) {
    let t = setup_with(e, |c| c.dossiers.max_person_mb = 2).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let big = vec![
        ("don", "don.pdf", pdf(950 * 1024)),
        ("ban-ve", "ban-ve.pdf", pdf(950 * 1024)),
    ];
    let ok = dossier(answers());
    let first = c.submit_whole(&tok, Some("day-1"), Some(&ok), &big).await;
    assert_eq!(first.status, 201, "{}", problems(&first));
    let again = c.submit_whole(&tok, Some("day-1"), Some(&ok), &big).await;
    assert_eq!(again.status, 201, "{}", problems(&again));
    assert_eq!(again.json()["code"], first.json()["code"]);
    // Another request does not fit.
    let other = c.submit_whole(&tok, Some("day-2"), Some(&ok), &big).await;
    assert_eq!(other.status, 413, "{}", problems(&other));
}

engine_tests!(
    one_request_stores_and_submits,
    one_request_is_idempotent,
    a_refused_submission_keeps_nothing,
    a_retry_is_answered_when_the_room_is_used,
);
