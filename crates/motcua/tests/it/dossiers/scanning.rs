//! Uploads that cannot hurt (R4.4; research/security.md rows 24–29): every file passes ClamAV's
//! real daemon and parses as what it claims before any row points to it. A file with a
//! signature is refused and recorded (who, when, what, its hash; not the file), a scanner
//! that does not answer refuses uploads (503) rather than passing them, and stored files are
//! scanned again when the signatures change: a later finding quarantines the file.
use std::process::Command;

use motcua_domain::account::Role;
use motcua_domain::incident::Origin;
use motcua_testkit::clamav::{Clamd, EICAR, EICAR_SIGNATURE};
use motcua_testkit::{
    Engine, TestApp, engine_tests, jpeg, jpeg_with, pdf, pdf_tagged, pdf_with, png_declaring,
};
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{CITIZEN, camthanh_staff_pw, draft, ready, setup_with, submit, token};

async fn scanned(e: Engine, clamd: &Clamd) -> TestApp {
    let address = clamd.address();
    setup_with(e, move |c| {
        c.scan.clamd = Some(address);
        c.scan.wait_secs = 1;
    })
    .await
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// EICAR in an attached CMS signature (`openssl cms -sign -nodetach`), as a `.p7s` carries it.
fn p7s_with_eicar() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("eicar.txt"), EICAR).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 30 -subj '/CN=Thu' 2>/dev/null && \
             openssl cms -sign -binary -nodetach -in eicar.txt -signer c.pem -inkey k.pem -outform DER -out e.p7s",
        )
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = std::fs::read(dir.path().join("e.p7s")).unwrap();
    assert!(
        v.windows(EICAR.len()).any(|w| w == EICAR),
        "carried in the clear"
    );
    v
}

/// A PDF whose EICAR straddles the scanner's 64 KiB chunks, sent to the API in 1,000-byte
/// writes over a plain connection (a streamed upload); answers the status line and body.
async fn streamed_upload(t: &TestApp, tok: &str, id: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let boundary = "----motcua-streamed";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"component\"\r\n\r\ndon\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"don.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    form.extend(body);
    form.extend(format!("\r\n--{boundary}--\r\n").bytes());
    let host = t.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /api/v1/dossiers/{id}/attachments HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {tok}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        form.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    for part in form.chunks(1000) {
        s.write_all(part).await.unwrap();
        s.flush().await.unwrap();
        tokio::task::yield_now().await;
    }
    let mut out = vec![];
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text[9..12].parse().unwrap();
    (status, text)
}

async fn infected_uploads_are_refused_and_recorded(e: Engine) {
    let Some(clamd) = Clamd::start(&[]) else {
        return;
    };
    let t = scanned(e, &clamd).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    let before = t.app.blobs.list().await.unwrap().len();
    let eicar = std::str::from_utf8(EICAR).unwrap();
    let in_pdf = pdf_tagged(eicar, 4000);
    let in_jpeg = jpeg_with(EICAR, 4000);
    let in_p7s = p7s_with_eicar();
    let mut sent = vec![];
    for (component, name, bytes) in [
        ("don", "don.pdf", in_pdf),
        ("ban-ve", "ban-ve.jpg", in_jpeg),
        ("don", "don.p7s", in_p7s),
    ] {
        let r = c.upload(&tok, &id, component, name, bytes.clone()).await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        assert!(r.body.contains("mã độc"), "{name}: {}", r.body);
        assert!(r.body.contains(EICAR_SIGNATURE), "{name}: {}", r.body);
        sent.push(sha(&bytes));
    }
    // Split across the scanner's chunks, streamed in small pieces: found all the same.
    let mut split = pdf_tagged("tach", 70_000);
    let at = 65_536 - 30;
    let start = split.windows(4).position(|w| w == b"% ta").unwrap();
    assert!(start < at);
    split.splice(at..at + EICAR.len(), EICAR.iter().copied());
    let (status, body) = streamed_upload(&t, &tok, &id, &split).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains(EICAR_SIGNATURE), "{body}");
    sent.push(sha(&split));
    // A whole submission with an infected paper: refused, no dossier made.
    let mut listed = c
        .json(Method::GET, "/api/v1/dossiers", Some(&tok), None)
        .await;
    let dossiers = listed.json().as_array().unwrap().len();
    let r = c
        .submit_whole(
            &tok,
            Some("co-ma-doc"),
            Some(&json!({"service": "1.009999/000.01.01.H53", "form": super::answers(), "declaration_accepted": true})),
            &[("don", "don.pdf", pdf(3000)), ("ban-ve", "ban-ve.jpg", jpeg_with(EICAR, 3000))],
        )
        .await;
    // The whole submission answers its refusals with 409 (see its description).
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("mã độc"), "{}", r.body);
    sent.push(sha(&jpeg_with(EICAR, 3000)));
    listed = c
        .json(Method::GET, "/api/v1/dossiers", Some(&tok), None)
        .await;
    assert_eq!(listed.json().as_array().unwrap().len(), dossiers);
    // Nothing stored, nothing left behind; each refusal recorded without the file.
    assert_eq!(t.app.blobs.list().await.unwrap().len(), before);
    assert_eq!(t.app.blobs.temp_files(), 0);
    let found = motcua_store::scanning::detections(t.app.db().conn(), 20)
        .await
        .unwrap();
    assert_eq!(found.len(), 5, "{found:?}");
    let citizen = motcua_store::users::find_for_login(t.app.db().conn(), CITIZEN)
        .await
        .unwrap()
        .unwrap()
        .0;
    for d in &found {
        assert_eq!(d.user_id, Some(citizen.id));
        assert!(d.signature.starts_with(EICAR_SIGNATURE), "{d:?}");
        assert!(
            d.scanner.starts_with("ClamAV ") && d.scanner.ends_with("/1"),
            "{d:?}"
        );
        assert_eq!(d.source, "upload");
        assert!(sent.contains(&d.sha256), "{d:?}");
    }
    let attached: Vec<_> = found.iter().filter(|d| d.dossier_id.is_some()).collect();
    assert_eq!(
        attached.len(),
        4,
        "the attachments name their draft; the submission has none"
    );
    // The provincial department reads them on its incidents page; an agency's reception
    // does not.
    let mut prov = t.login_as("province_admin").await;
    let html = prov.get("/can-bo/su-co").await.body;
    assert!(html.contains("Tệp bị từ chối vì có mã độc"), "{html}");
    assert!(html.contains(&found[0].sha256));
    assert!(html.contains(&citizen.full_name), "the sender, by name");
    let mut desk = t.login_as("reception").await;
    assert!(
        !desk
            .get("/can-bo/su-co")
            .await
            .body
            .contains(&found[0].sha256)
    );
    // A clean file passes the same scanner.
    let r = c.upload(&tok, &id, "don", "don.pdf", pdf(3000)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The readiness check names the scanner and its signatures.
    let ready = t.client().get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert!(ready.body.contains("scanner: ClamAV"), "{}", ready.body);
    assert!(ready.body.contains("signatures"), "{}", ready.body);
}

async fn a_scanner_that_does_not_answer_refuses_uploads(e: Engine) {
    let Some(mut clamd) = Clamd::start(&[]) else {
        return;
    };
    let t = scanned(e, &clamd).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    assert_eq!(
        c.upload(&tok, &id, "don", "don.pdf", pdf(2000))
            .await
            .status,
        201
    );
    let before = t.app.blobs.list().await.unwrap().len();
    clamd.stop();
    let r = c
        .upload(&tok, &id, "ban-ve", "ban-ve.jpg", jpeg(3000))
        .await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.header("retry-after").is_some());
    assert_eq!(
        t.app.blobs.list().await.unwrap().len(),
        before,
        "nothing stored"
    );
    assert_eq!(t.app.blobs.temp_files(), 0);
    let files = motcua_store::dossiers::files(t.app.db().conn(), id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(files.len(), 1, "no row for the unscanned file");
    // Reads go on; the readiness check says why uploads are refused.
    let ready = t.client().get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert!(ready.body.contains("not answering"), "{}", ready.body);
}

async fn stored_files_are_scanned_again_when_signatures_change(e: Engine) {
    let later: &[u8] = b"MOTCUA-LATER-FOUND-7f3a91";
    let Some(clamd) = Clamd::start(&[]) else {
        return;
    };
    let t = scanned(e, &clamd).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = ready(&mut c, &tok).await;
    let paper = pdf_tagged(std::str::from_utf8(later).unwrap(), 5000);
    let r = c
        .upload(&tok, &id, "don", "giay-phep.pdf", paper.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let file = r.json()["id"].as_str().unwrap().to_string();
    let again: &[u8] = b"MOTCUA-SENT-AGAIN-51c0de";
    let copy = pdf_tagged(std::str::from_utf8(again).unwrap(), 6000);
    let r = c
        .upload(&tok, &id, "ban-ve", "ban-ve-2.pdf", copy.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let stored_copy = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(submit(&mut c, &tok, &id, None).await.status, 200);
    // The same signatures: nothing found, however often housekeeping runs.
    assert_eq!(t.app.maintenance().await.unwrap().quarantined, 0);
    assert_eq!(t.app.maintenance().await.unwrap().quarantined, 0);
    // New signatures that know both papers. The same bytes sent again are refused, and the
    // copy stored before is withheld at once, before any re-scan.
    clamd.update(
        &[("Motcua.Test.Later", later), ("Motcua.Test.Again", again)],
        2,
    );
    let other = draft(&mut c, &tok).await;
    let r = c.upload(&tok, &other, "don", "lai.pdf", copy).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let copy_path = format!("/api/v1/dossiers/{id}/attachments/{stored_copy}");
    let r = c.json(Method::GET, &copy_path, Some(&tok), None).await;
    assert_eq!(r.status, 409, "{}", r.body);
    // The next run finds the other paper, once; the one already withheld is not counted.
    assert_eq!(t.app.maintenance().await.unwrap().quarantined, 1);
    assert_eq!(t.app.maintenance().await.unwrap().quarantined, 0);
    // Not served, to the owner or to staff, with the reason.
    let path = format!("/api/v1/dossiers/{id}/attachments/{file}");
    let r = c.json(Method::GET, &path, Some(&tok), None).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("cách ly"), "{}", r.body);
    assert!(r.body.contains("Motcua.Test.Later"), "{}", r.body);
    let (mut desk, desk_tok, pw) =
        camthanh_staff_pw(&t, "tiepnhan.camthanh", "Lê Thị Hoa", Role::Reception).await;
    assert_eq!(
        desk.json(Method::GET, &path, Some(&desk_tok), None)
            .await
            .status,
        409
    );
    let mut page = t.client();
    page.login("tiepnhan.camthanh", &pw).await;
    let html = page.get(&format!("/can-bo/ho-so/{id}")).await.body;
    assert!(html.contains("Đã cách ly"), "the staff page says why");
    // The owner is told, and the provincial department has an incident.
    let conn = t.app.db().conn();
    let owner_notices = motcua_store::notices::of_dossier(conn, id.parse().unwrap())
        .await
        .unwrap();
    assert!(
        owner_notices
            .iter()
            .any(|n| n.kind == motcua_domain::notice::NoticeKind::FileQuarantined),
        "{owner_notices:?}"
    );
    let open = motcua_store::consents::open_incidents(conn, Some(Origin::Malware), false)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert!(open[0].summary.contains("mã độc"));
    // The other papers of the dossier are still served.
    let d = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let other = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] != file.as_str() && f["id"] != stored_copy.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/dossiers/{id}/attachments/{other}"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
}

/// A file past the daemon's own limits is refused with the reason (422): never passed, and not
/// taken for a scanner that does not answer (that would be a 503 after waiting).
async fn files_past_the_scanners_limits_are_refused(e: Engine) {
    for limits in [
        "StreamMaxLength 1M\nMaxFileSize 64M\nMaxScanSize 128M",
        "StreamMaxLength 64M\nMaxFileSize 1M\nMaxScanSize 128M",
    ] {
        let Some(clamd) = Clamd::start_with(&[], limits) else {
            return;
        };
        let t = scanned(e, &clamd).await;
        let (mut c, tok) = token(&t, CITIZEN).await;
        let id = draft(&mut c, &tok).await;
        let r = c
            .upload(
                &tok,
                &id,
                "don",
                "don.pdf",
                pdf_tagged("lon", 2 * 1024 * 1024),
            )
            .await;
        assert_eq!(r.status, 422, "{limits}: {}", r.body);
        assert!(
            r.body.contains("lớn hơn mức máy quét"),
            "{limits}: {}",
            r.body
        );
        assert!(
            motcua_store::scanning::detections(t.app.db().conn(), 5)
                .await
                .unwrap()
                .is_empty(),
            "not recorded as malware"
        );
        assert_eq!(
            c.upload(&tok, &id, "don", "nho.pdf", pdf(3000))
                .await
                .status,
            201
        );
    }
}

async fn files_that_do_not_parse_are_refused_with_the_reason(e: Engine) {
    let t = setup_with(e, |_| {}).await;
    let (mut c, tok) = token(&t, CITIZEN).await;
    let id = draft(&mut c, &tok).await;
    let before = t.app.blobs.list().await.unwrap().len();
    let mut polyglot = pdf(3000);
    polyglot.extend(
        b"PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    );
    let whole = pdf(3000);
    for (name, bytes, why) in [
        (
            "js.pdf",
            pdf_with(
                "js",
                "/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>",
                3000,
            ),
            "JavaScript",
        ),
        (
            "launch.pdf",
            pdf_with("launch", "/OpenAction << /S /Launch /F (cmd.exe) >>", 3000),
            "Launch",
        ),
        ("cut.pdf", whole[..2000].to_vec(), "bị cắt cụt"),
        ("zip.pdf", polyglot, "ZIP"),
        ("cut.jpg", jpeg(3000)[..1500].to_vec(), "Ảnh bị hỏng"),
        (
            "bomb.png",
            png_declaring(50_000, 50_000),
            "50 triệu điểm ảnh",
        ),
    ] {
        let r = c.upload(&tok, &id, "don", name, bytes).await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        assert!(r.body.contains(why), "{name}: {}", r.body);
    }
    assert_eq!(t.app.blobs.list().await.unwrap().len(), before);
    assert_eq!(t.app.blobs.temp_files(), 0);
}

async fn development_without_a_scanner_says_so(e: Engine) {
    let t = setup_with(e, |_| {}).await;
    let (_, _, pw) =
        camthanh_staff_pw(&t, "tiepnhan.camthanh", "Lê Thị Hoa", Role::Reception).await;
    let mut page = t.client();
    page.login("tiepnhan.camthanh", &pw).await;
    assert!(
        page.get("/can-bo")
            .await
            .body
            .contains("Chưa có máy quét mã độc")
    );
    let ready = t.client().get("/readyz").await;
    assert!(ready.body.contains("scanner: none"), "{}", ready.body);
}

engine_tests!(
    infected_uploads_are_refused_and_recorded,
    a_scanner_that_does_not_answer_refuses_uploads,
    stored_files_are_scanned_again_when_signatures_change,
    files_past_the_scanners_limits_are_refused,
    files_that_do_not_parse_are_refused_with_the_reason,
    development_without_a_scanner_says_so,
);
