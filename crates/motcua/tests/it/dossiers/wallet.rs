//! The wallet of papers (kho giấy tờ): the papers of a person's submitted dossiers, each once,
//! attached to a new dossier without sending them again, as an upload would be; never another
//! person's. The results returned to them are in `processing::journeys`.
use motcua_testkit::{Client, Engine, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

use super::{CITIZEN, OTHER, draft, ready, setup, submit, token};

async fn wallet(c: &mut Client, tok: &str) -> Vec<Value> {
    let r = c.json(Method::GET, "/api/v1/wallet", Some(tok), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["papers"].as_array().unwrap().clone()
}

async fn take(c: &mut Client, tok: &str, id: &str, component: &str, paper: &str) -> (u16, Value) {
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/attachments/from-wallet"),
            Some(tok),
            Some(json!({"component": component, "paper": paper})),
        )
        .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn papers_reused_not_uploaded_again(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    assert!(wallet(&mut c, &tok).await.is_empty());
    let first = ready(&mut c, &tok).await;
    // A draft's papers are not in the wallet yet.
    assert!(wallet(&mut c, &tok).await.is_empty());
    assert_eq!(submit(&mut c, &tok, &first, None).await.status, 200);
    let w = wallet(&mut c, &tok).await;
    let mut names: Vec<_> = w
        .iter()
        .map(|p| p["file"]["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["ban-ve-1.jpg", "don.pdf"], "{w:?}");
    assert!(
        w.iter()
            .all(|p| p["issued_result"] == false && p["dossier_code"].is_string())
    );
    let paper = |n: &str| {
        w.iter().find(|p| p["file"]["name"] == n).unwrap()["file"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // A new dossier takes both papers from the wallet and is submitted with them.
    let second = draft(&mut c, &tok).await;
    let (st, f) = take(&mut c, &tok, &second, "don", &paper("don.pdf")).await;
    assert_eq!(st, 201, "{f}");
    let sha = w.iter().find(|p| p["file"]["name"] == "don.pdf").unwrap()["file"]["sha256"].clone();
    assert_eq!(f["sha256"], sha, "the same bytes, not a copy");
    let (st, f) = take(&mut c, &tok, &second, "ban-ve", &paper("ban-ve-1.jpg")).await;
    assert_eq!(st, 201, "{f}");
    // Refused like an upload: a component the procedure has not; not the person's own paper.
    let (st, _) = take(&mut c, &tok, &second, "khong-co", &paper("don.pdf")).await;
    assert_eq!(st, 409);
    let (mut other, otok) = token(&t, OTHER).await;
    let theirs = draft(&mut other, &otok).await;
    let (st, v) = take(&mut other, &otok, &theirs, "don", &paper("don.pdf")).await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "paper");
    let (st, _) = take(&mut c, &tok, &second, "don", &uuid::Uuid::nil().to_string()).await;
    assert_eq!(st, 422);
    let r = submit(&mut c, &tok, &second, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Submitted: it takes no more papers.
    let (st, _) = take(&mut c, &tok, &second, "don", &paper("don.pdf")).await;
    assert_eq!(st, 409);
    // Each paper once in the wallet, though two dossiers hold it.
    assert_eq!(wallet(&mut c, &tok).await.len(), 2);
}

engine_tests!(papers_reused_not_uploaded_again);
