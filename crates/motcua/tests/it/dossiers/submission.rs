//! Submitting and attaching: a dossier submitted through the API, nobody else reaching it,
//! uploads checked and bounded, one idempotency key for one dossier, and codes unique and
//! gap-free.
use motcua_testkit::{Engine, engine_tests, jpeg, pdf};
use reqwest::Method;
use serde_json::json;

use super::{
    CITIZEN, OTHER, answers, camthanh_desk, draft, ready, setup, setup_with, submit, token,
};

async fn submission_through_the_api(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    // The draft resumes from another session (another token, another device).
    let (mut other_device, tok2) = token(&t, CITIZEN).await;
    let d = other_device
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&tok2),
            None,
        )
        .await
        .json();
    assert_eq!(d["status"], "draft");
    assert_eq!(d["form"]["ho_ten"], "Phạm Văn Bình");
    let mut changed = answers();
    changed["nop_thay"] = json!(true);
    assert_eq!(
        other_device
            .json(
                Method::PUT,
                &format!("/api/v1/dossiers/{id}/form"),
                Some(&tok2),
                Some(changed)
            )
            .await
            .status,
        200
    );
    // Several files per component.
    let a = c.upload(&tok, &id, "don", "trang-1.pdf", pdf(5000)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["kind"], "pdf");
    assert_eq!(
        c.upload(&tok, &id, "don", "trang-2.jpg", jpeg(4000))
            .await
            .status,
        201
    );
    // Submitting needs the declaration, and every needed component.
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/submit"),
            Some(&tok),
            Some(json!({"declaration_accepted": false})),
        )
        .await;
    assert_eq!(r.status, 422);
    // A draft that lacks what it needs conflicts with submission: 409, each problem listed.
    let r = submit(&mut c, &tok, &id, Some("k-1")).await;
    assert_eq!(r.status, 409);
    assert!(
        r.body.contains("Bản vẽ thiết kế") && r.body.contains("Văn bản ủy quyền"),
        "the answers made the power of attorney needed: {}",
        r.body
    );
    c.upload(
        &tok,
        &id,
        "ban-ve",
        "ban-ve.webp",
        motcua_testkit::webp(40, 30),
    )
    .await;
    c.upload(
        &tok,
        &id,
        "uy-quyen",
        "uy-quyen.heic",
        motcua_testkit::heic(4000, 3000),
    )
    .await;
    let r = submit(&mut c, &tok, &id, Some("k-2")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    assert_eq!(code, "000.01.01.H53-260302-0001");
    // What is stored: status, national code, pinned version, declaration, files with hashes.
    let d = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(d["status"], "submitted");
    assert_eq!(d["national_status"], 1);
    assert_eq!(d["intake"], "online");
    assert_eq!(d["procedure_version"], 1);
    assert!(d["declaration"].as_str().unwrap().contains("cam đoan"));
    assert!(d["declared_at"].as_str().unwrap().starts_with("2026-03-02"));
    let files = d["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    for f in files {
        let bytes = t
            .app
            .blobs
            .read_verified(f["sha256"].as_str().unwrap())
            .await
            .expect("stored file matches its hash");
        assert_eq!(bytes.len() as i64, f["size"].as_i64().unwrap());
    }
    assert_eq!(d["events"][0]["kind"], "submit");
    // Listed among the person's dossiers; no longer editable.
    let list = c
        .json(Method::GET, "/api/v1/dossiers", Some(&tok), None)
        .await
        .json();
    assert_eq!(list[0]["code"], code.as_str());
    // One line each, the same as the dossier's own answer.
    for k in [
        "id",
        "procedure",
        "procedure_code",
        "agency",
        "agency_code",
        "status",
        "status_label",
        "national_status",
        "submitted_at",
        "appointment_at",
    ] {
        assert_eq!(list[0][k], d[k], "{k}");
    }
    assert_eq!(
        c.json(
            Method::PUT,
            &format!("/api/v1/dossiers/{id}/form"),
            Some(&tok),
            Some(answers())
        )
        .await
        .status,
        409
    );
    assert_eq!(
        c.upload(&tok, &id, "don", "late.pdf", pdf(100))
            .await
            .status,
        409
    );
    // The procedure page counts it (R5.1b).
    assert!(
        t.client()
            .get("/dich-vu-cong/1.009999")
            .await
            .body
            .contains("<dt>Hồ sơ đã nộp</dt><dd>1</dd>")
    );
}

async fn nobody_else_reaches_a_dossier(e: Engine) {
    let t = setup(e).await;
    let (mut a, ta) = token(&t, CITIZEN).await;
    let id = ready(&mut a, &ta).await;
    let file = a
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&ta),
            None,
        )
        .await
        .json()["files"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let draft_id = draft(&mut a, &ta).await;
    let code = submit(&mut a, &ta, &id, None).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut b, tb) = token(&t, OTHER).await;
    let (mut staff, ts) = token(&t, "tiepnhan.tuphap").await; // another agency's desk
    for (who, c, tok) in [
        ("citizen B", &mut b, &tb),
        ("staff of another agency", &mut staff, &ts),
    ] {
        for key in [id.as_str(), code.as_str(), draft_id.as_str()] {
            let r = c
                .json(
                    Method::GET,
                    &format!("/api/v1/dossiers/{key}"),
                    Some(tok),
                    None,
                )
                .await;
            assert_eq!(r.status, 404, "{who} GET {key}");
            assert!(!r.body.contains("Phạm Văn Bình"));
            assert_eq!(
                c.json(
                    Method::GET,
                    &format!("/api/v1/dossiers/{key}/attachments/{file}"),
                    Some(tok),
                    None
                )
                .await
                .status,
                404,
                "{who} download"
            );
            assert_eq!(
                c.json(
                    Method::PUT,
                    &format!("/api/v1/dossiers/{key}/form"),
                    Some(tok),
                    Some(json!({"ho_ten": "x"}))
                )
                .await
                .status,
                404,
                "{who} edit"
            );
            assert_eq!(
                c.upload(tok, key, "don", "x.pdf", pdf(100)).await.status,
                404,
                "{who} upload"
            );
            assert_eq!(
                c.json(
                    Method::DELETE,
                    &format!("/api/v1/dossiers/{key}/attachments/{file}"),
                    Some(tok),
                    None
                )
                .await
                .status,
                404,
                "{who} delete file"
            );
            assert_eq!(
                c.json(
                    Method::POST,
                    &format!("/api/v1/dossiers/{key}/submit"),
                    Some(tok),
                    Some(json!({"declaration_accepted": true}))
                )
                .await
                .status,
                404,
                "{who} submit"
            );
            assert_eq!(
                c.json(
                    Method::POST,
                    &format!("/api/v1/dossiers/{key}/withdraw"),
                    Some(tok),
                    Some(json!({}))
                )
                .await
                .status,
                404,
                "{who} withdraw"
            );
            assert_eq!(
                c.json(
                    Method::POST,
                    &format!("/api/v1/dossiers/{key}/supplement-request"),
                    Some(tok),
                    Some(json!({"components": ["don"], "note": "x"}))
                )
                .await
                .status,
                404,
                "{who} supplement"
            );
        }
        let list = c
            .json(Method::GET, "/api/v1/dossiers", Some(tok), None)
            .await
            .json();
        assert!(list.as_array().unwrap().is_empty(), "{who} sees none");
    }
    // Nothing changed.
    let d = a
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&ta),
            None,
        )
        .await
        .json();
    assert_eq!(
        (d["status"].as_str(), d["files"].as_array().unwrap().len()),
        (Some("submitted"), 2)
    );
    assert_eq!(d["form"]["ho_ten"], "Phạm Văn Bình");
    // Staff of the dossier's own agency do see it.
    let (mut desk, td) = camthanh_desk(&t).await;
    assert_eq!(
        desk.json(
            Method::GET,
            &format!("/api/v1/dossiers/{code}"),
            Some(&td),
            None
        )
        .await
        .status,
        200
    );
    // Unauthenticated: 401.
    assert_eq!(
        t.client()
            .json(Method::GET, &format!("/api/v1/dossiers/{code}"), None, None)
            .await
            .status,
        401
    );
}

async fn uploads_are_checked(e: Engine) {
    let t = setup_with(e, |c| {
        c.dossiers.max_file_mb = 1;
        c.dossiers.max_dossier_mb = 2;
    })
    .await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    let before = t.app.blobs.list().await.unwrap().len();
    // Too large: refused (413), nothing left behind.
    let r = c
        .upload(&tok, &id, "don", "lon.pdf", pdf(1024 * 1024 + 10))
        .await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body.contains("quá lớn"));
    // Wrong content, or a name that lies about it: refused (422), nothing left behind.
    for (name, body) in [
        (
            "trang.pdf",
            b"<html><script>alert(1)</script></html>".to_vec(),
        ),
        ("anh.png", pdf(500)),
        (
            "a.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        ),
        (
            "virus.exe",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0rest".to_vec(),
        ),
    ] {
        let r = c.upload(&tok, &id, "don", name, body).await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
    }
    assert_eq!(
        c.upload(&tok, &id, "khong-co", "a.pdf", pdf(100))
            .await
            .status,
        409,
        "a component the dossier's procedure does not have"
    );
    assert_eq!(
        t.app.blobs.list().await.unwrap().len(),
        before,
        "no blob from refused uploads"
    );
    assert_eq!(t.app.blobs.temp_files(), 0, "no temporary file left");
    // The per-dossier limit: 2 MB in all.
    assert_eq!(
        c.upload(&tok, &id, "don", "a.pdf", pdf(900 * 1024))
            .await
            .status,
        201
    );
    assert_eq!(
        c.upload(&tok, &id, "don", "b.pdf", pdf(900 * 1024))
            .await
            .status,
        201
    );
    assert_eq!(
        c.upload(&tok, &id, "don", "c.pdf", pdf(900 * 1024))
            .await
            .status,
        413,
        "over the dossier's 2 MB"
    );
    // A hostile file name is stored and served safely.
    let evil = "../../x\"\r\nSet-Cookie: a=b.pdf";
    let r = c.upload(&tok, &id, "ban-ve", evil, pdf(300)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let f = r.json();
    assert_eq!(f["name"], "x_Set-Cookie_ a=b.pdf");
    let d = c
        .json(
            Method::GET,
            &format!(
                "/api/v1/dossiers/{id}/attachments/{}",
                f["id"].as_str().unwrap()
            ),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(d.status, 200);
    assert!(d.header("set-cookie").is_none(), "no header injection");
    let cd = d.header("content-disposition").unwrap();
    assert!(
        cd.starts_with("attachment; filename=\"x_set-cookie__a_b.pdf\"; filename*=UTF-8''"),
        "{cd}"
    );
    assert_eq!(d.header("content-type"), Some("application/pdf"));
    assert_eq!(d.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(d.header("cache-control"), Some("no-store"));
    assert!(
        d.header("content-security-policy")
            .unwrap()
            .starts_with("sandbox")
    );
    // Stored under its hash, never under a name the person chose.
    let stored = t.app.blobs.list().await.unwrap();
    assert!(
        stored
            .iter()
            .all(|n| n.len() == 64 && n.chars().all(|c| c.is_ascii_hexdigit()))
    );
    // Nothing uploaded is reachable from a static path.
    assert_eq!(
        t.client()
            .get(&format!("/static/{}", f["sha256"].as_str().unwrap()))
            .await
            .status,
        404
    );
    assert_eq!(t.client().get("/blobs/objects").await.status, 404);
}

async fn one_key_one_dossier(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let mut c = c.clone();
        let tok = tok.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            submit(&mut c, &tok, &id, Some("nhan-dup-1")).await
        }));
    }
    let mut codes = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        codes.insert(r.json()["code"].as_str().unwrap().to_string());
    }
    assert_eq!(codes.len(), 1, "one dossier: {codes:?}");
    // The same key for another request is refused.
    let other = ready(&mut c, &tok).await;
    let r = submit(&mut c, &tok, &other, Some("nhan-dup-1")).await;
    assert_eq!(r.status, 409);
    // A double click without a key answers the same code too.
    let again = submit(&mut c, &tok, &id, None).await;
    assert_eq!(
        again.json()["code"].as_str().unwrap(),
        codes.iter().next().unwrap()
    );
}

async fn codes_are_unique_and_gap_free(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let (mut c2, tok2) = token(&t, OTHER).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        if i % 2 == 0 {
            ids.push((ready(&mut c, &tok).await, true))
        } else {
            ids.push((ready(&mut c2, &tok2).await, false))
        }
    }
    let mut tasks = Vec::new();
    for (id, first) in ids {
        let (mut cl, tk) = if first {
            (c.clone(), tok.clone())
        } else {
            (c2.clone(), tok2.clone())
        };
        tasks.push(tokio::spawn(async move {
            submit(&mut cl, &tk, &id, None).await
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        codes.push(r.json()["code"].as_str().unwrap().to_string());
    }
    codes.sort();
    let expected: Vec<String> = (1..=12)
        .map(|n| format!("000.01.01.H53-260302-{n:04}"))
        .collect();
    assert_eq!(codes, expected, "unique and gap-free");
    // A new day starts again at 0001.
    t.clock.advance(jiff::SignedDuration::from_hours(24));
    let (mut c3, tok3) = token(&t, CITIZEN).await;
    let id = ready(&mut c3, &tok3).await;
    assert_eq!(
        submit(&mut c3, &tok3, &id, None).await.json()["code"],
        "000.01.01.H53-260303-0001"
    );
}

/// A person or business with more dossiers than the engines' parameter limits (SQLite: 32,766)
/// can still upload: the storage quota is summed in one query, not over a list of ids.
async fn uploads_for_an_owner_of_many_dossiers(e: Engine) {
    let t = setup(e).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    let owner = t
        .app
        .resolve_api_token(&tok)
        .await
        .unwrap()
        .unwrap()
        .user
        .id;
    let d =
        motcua_store::dossiers::get_dossier(t.app.db().conn(), uuid::Uuid::parse_str(&id).unwrap())
            .await
            .unwrap();
    let agency = t.app.agency_by_code("000.01.01.H53").await.unwrap();
    let load = motcua_bench::Load {
        agency: &agency,
        service_id: d.service_id,
        version_id: d.procedure_version_id,
        n: 33_000,
        waiting: 0,
        all_submitted: false,
        specialist: owner,
        owner: Some(owner),
        day_offset: 500,
    };
    motcua_bench::load_dossiers(&t.app, &load, t.app.now()).await;
    let r = c.upload(&tok, &id, "don", "don.pdf", pdf(2000)).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

engine_tests!(
    submission_through_the_api,
    nobody_else_reaches_a_dossier,
    uploads_are_checked,
    one_key_one_dossier,
    codes_are_unique_and_gap_free,
    uploads_for_an_owner_of_many_dossiers,
);
