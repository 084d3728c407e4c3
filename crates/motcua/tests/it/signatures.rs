//! Digital signatures (R3.5, R4.6, R7.2a, R8.2b; security matrix row 30), each on both engines:
//! files signed by real tools (OpenSSL's `cms -sign`, pyHanko) with a test PKI made on the fly
//! are verified on upload, and the same files altered, truncated, or signed by an untrusted,
//! expired, revoked or encryption-only certificate are reported with the reason; a level-4
//! component without a valid signature travels by post and holds acceptance until reception
//! records the papers; the leader's approval issues a PAdES result numbered `<code>-KQ<n>` that
//! pyHanko validates with the exported CA and the authenticity check recognises, and altered,
//! neither does.
use std::path::{Path, PathBuf};
use std::process::Command;

use motcua_domain::Role;
use motcua_testkit::{Client, Engine, TestApp, engine_tests, jpeg, result_pdf};
use reqwest::Method;
use serde_json::{Value, json};

use crate::dossiers::{CITIZEN, setup, token};
use crate::processing::{dossier, ok, people, submitted, to_specialist};
use crate::truth::demo_staff;

/// The test PKI: a root (installed as trust anchor, with its CRL), signers valid, expired,
/// revoked and encryption-only under it, and a stranger under another root; `openssl ca`.
const PKI: &str = r#"
set -e
mkdir -p ca/newcerts; : > ca/index.txt; echo 1000 > ca/serial; echo 1000 > ca/crlnumber
cat > ca.cnf <<'CNF'
[ ca ]
default_ca = test
[ test ]
dir = ./ca
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = ./root.pem
private_key = ./root.key
default_md = sha256
policy = any
default_crl_days = 30
unique_subject = no
[ any ]
countryName = optional
UID = optional
commonName = supplied
[ signer ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
[ notsign ]
basicConstraints = CA:FALSE
keyUsage = critical, keyEncipherment
CNF
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 -subj "/C=VN/O=Test/CN=Test Root CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
leaf() {
  openssl req -new -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -utf8 -subj "$2"
  openssl ca -batch -config ca.cnf -utf8 -in $1.csr -out $1.pem -startdate $3 -enddate $4 -extensions ${5:-signer} -notext
}
leaf good "/C=VN/UID=CCCD:001099012345/CN=Nguyễn Văn An" 20200101000000Z 20350101000000Z
leaf expired "/C=VN/CN=Trần Thị Hết Hạn" 20200101000000Z 20210101000000Z
leaf revoked "/C=VN/CN=Lê Văn Thu Hồi" 20200101000000Z 20350101000000Z
leaf nosign "/C=VN/CN=Khóa Mã Hóa" 20200101000000Z 20350101000000Z notsign
openssl ca -config ca.cnf -revoke revoked.pem
openssl ca -config ca.cnf -gencrl -out root.crl
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 3650 -subj "/C=VN/CN=Other CA" -addext "basicConstraints=critical,CA:TRUE"
openssl req -new -newkey rsa:2048 -nodes -keyout stranger.key -out stranger.csr -subj "/C=VN/CN=Stranger"
openssl x509 -req -in stranger.csr -CA other.pem -CAkey other.key -CAcreateserial -out stranger.pem -days 365
for s in good expired revoked nosign stranger; do
  openssl cms -sign -binary -nodetach -in don.pdf -signer $s.pem -inkey $s.key -outform DER -out $s.p7s
done
openssl cms -sign -binary -in scan.jpg -signer good.pem -inkey good.key -outform DER -out scan.jpg.p7s
pyhanko sign addsig --field Sig1 pemder --key good.key --cert good.pem --no-pass don.pdf don-signed.pdf
pyhanko sign addsig --field Sig2 pemder --key good.key --cert good.pem --no-pass don-signed.pdf don-2sig.pdf
"#;

/// 10:00 in Vietnam on the next working day after now: the fixtures are signed now (a signing
/// time after the clock would be refused), and reception is on duty in office hours.
fn working_now() -> jiff::Timestamp {
    use jiff::civil::Weekday;
    let utc = jiff::tz::Offset::UTC;
    let mut day = utc.to_datetime(jiff::Timestamp::now()).date();
    loop {
        day = day.tomorrow().unwrap();
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            break;
        }
    }
    utc.to_timestamp(day.at(3, 0, 0, 0)).unwrap()
}

fn sh(dir: &Path, script: &str) -> String {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{script}\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// pyHanko, from PyPI (`.ci/run` installs it).
fn pyhanko_present() -> bool {
    let ok = Command::new("pyhanko")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var("CI").is_err(),
        "pyhanko is missing: pip install pyhanko-cli"
    );
    if !ok {
        eprintln!("skipping: pyhanko is missing (pip install pyhanko-cli)");
    }
    ok
}

/// Makes the PKI and the signed fixtures, and installs the root and its CRL as trusted.
fn pki(t: &TestApp) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    std::fs::write(dir.join("don.pdf"), result_pdf("Don de nghi", 0)).unwrap();
    std::fs::write(dir.join("scan.jpg"), jpeg(4000)).unwrap();
    sh(&dir, PKI);
    let trust = t.app.config.trust_dir();
    std::fs::copy(dir.join("root.pem"), trust.join("test-root.pem")).unwrap();
    std::fs::copy(dir.join("root.crl"), trust.join("test-root.crl")).unwrap();
    t.app.reload_trust();
    dir
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap()
}

/// The same bytes with one changed, away from the signature's own hex string.
fn altered(mut b: Vec<u8>, needle: &[u8]) -> Vec<u8> {
    let at = b
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle");
    b[at] ^= 0x20;
    b
}

/// A draft of 1.004873 at Nghĩa Lộ (level 4, its declaration to be signed), answers filled.
async fn level_four_draft(who: &mut (Client, String)) -> String {
    let (service, form) = level_four_service(who).await;
    let r = who
        .0
        .json(
            Method::POST,
            "/api/v1/dossiers",
            Some(&who.1),
            Some(json!({"service": service, "form": form})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

/// The service of 1.004873 at Nghĩa Lộ (level 4, one component to be signed), and answers
/// for its form.
async fn level_four_service(who: &mut (Client, String)) -> (Value, Value) {
    let p = who
        .0
        .json(
            Method::GET,
            "/api/v1/procedures/1.004873",
            Some(&who.1),
            None,
        )
        .await
        .json();
    let svc = p["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["agency"]["code"] == "000.01.02.H53")
        .unwrap()
        .clone();
    assert_eq!(svc["level"], 4);
    let signed: Vec<&Value> = svc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["signed"] == true)
        .collect();
    assert_eq!(
        signed.len(),
        1,
        "the catalogue says which component is signed"
    );
    let form = crate::agent::answers(&svc["form_schema"]);
    (svc["id"].clone(), form)
}

/// A signed PDF with an incremental update after its signature: one object more, its own
/// cross-reference section and trailer pointing back to the signed revision.
fn updated_after_signing(signed: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&signed).into_owned();
    let prev: usize = text
        .rsplit("startxref")
        .next()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("startxref");
    let root = text
        .rsplit("/Root ")
        .next()
        .and_then(|t| {
            let w: Vec<&str> = t.split_whitespace().take(3).collect();
            (w.len() == 3).then(|| w.join(" "))
        })
        .expect("/Root");
    let mut out = signed;
    out.extend(b"\n");
    let at = out.len();
    out.extend(b"900 0 obj (them) endobj\n");
    let xref = out.len();
    out.extend(
        format!(
            "xref\n0 1\n0000000000 65535 f \n900 1\n{at:010} 00000 n \ntrailer\n<< /Size 901 /Root {} /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
            root.trim_end_matches(">>").trim()
        )
        .bytes(),
    );
    out
}

async fn upload(
    who: &mut (Client, String),
    id: &str,
    component: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Value {
    let r = who.0.upload(&who.1, id, component, name, bytes).await;
    assert_eq!(r.status, 201, "{name}: {}", r.body);
    r.json()
}

fn statuses(f: &Value) -> Vec<String> {
    f["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_string())
        .collect()
}

/// Real signed files verify; altered, truncated, or signed by a certificate that is untrusted,
/// expired, revoked or not for signing, they are reported with the reason, nothing crashes,
/// and a detached signature finds the file it signs whichever arrives first.
async fn uploads_are_verified_as_they_arrive(e: Engine) {
    let t = setup(e).await;
    t.clock.set(working_now());
    let dir = pki(&t);
    let mut who = token(&t, CITIZEN).await;
    let id = level_four_draft(&mut who).await;
    let f = upload(
        &mut who,
        &id,
        "to-khai",
        "don-signed.pdf",
        read(&dir, "don-signed.pdf"),
    )
    .await;
    let s = &f["signatures"][0];
    assert_eq!(
        (
            s["status"].as_str(),
            s["signer"].as_str(),
            s["signer_id"].as_str()
        ),
        (
            Some("valid"),
            Some("Nguyễn Văn An"),
            Some("CCCD:001099012345")
        ),
        "{f}"
    );
    assert!(s["signed_at"].as_str().unwrap().ends_with("+07:00"));
    let two = upload(
        &mut who,
        &id,
        "to-khai",
        "don-2sig.pdf",
        read(&dir, "don-2sig.pdf"),
    )
    .await;
    assert_eq!(statuses(&two), ["valid", "valid"], "{two}");
    let cases: [(&str, Vec<u8>, &str, &str); 7] = [
        ("good.p7s", read(&dir, "good.p7s"), "valid", ""),
        (
            "sua.pdf",
            altered(read(&dir, "don-signed.pdf"), b"Don de nghi"),
            "invalid",
            "không khớp",
        ),
        (
            "them.pdf",
            updated_after_signing(read(&dir, "don-signed.pdf")),
            "invalid",
            "thêm nội dung",
        ),
        (
            "expired.p7s",
            read(&dir, "expired.p7s"),
            "expired",
            "Trần Thị Hết Hạn",
        ),
        (
            "revoked.p7s",
            read(&dir, "revoked.p7s"),
            "revoked",
            "thu hồi",
        ),
        (
            "stranger.p7s",
            read(&dir, "stranger.p7s"),
            "untrusted",
            "tin cậy",
        ),
        (
            "nosign.p7s",
            read(&dir, "nosign.p7s"),
            "invalid",
            "không được phép dùng để ký",
        ),
    ];
    for (name, bytes, status, why) in cases {
        let f = upload(&mut who, &id, "to-khai", name, bytes).await;
        assert_eq!(statuses(&f), [status], "{name}: {f}");
        assert!(
            f["signatures"][0]["reason"]
                .as_str()
                .unwrap_or("")
                .contains(why),
            "{name}: {f}"
        );
    }
    // Cut short, a signed file does not parse: refused with the reason, not stored (R4.4).
    for (name, bytes, why) in [
        (
            "cat.pdf",
            read(&dir, "don-signed.pdf")[..3000].to_vec(),
            "bị cắt cụt",
        ),
        (
            "cat.p7s",
            read(&dir, "good.p7s")[..900].to_vec(),
            "CMS/PKCS#7",
        ),
        // Bytes appended after the end marker: not an update a reader could follow.
        (
            "ghep.pdf",
            [
                read(&dir, "don-signed.pdf"),
                b"\n9 0 obj (them) endobj\n".to_vec(),
            ]
            .concat(),
            "%%EOF",
        ),
    ] {
        let r = who.0.upload(&who.1, &id, "to-khai", name, bytes).await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        assert!(r.body.contains(why), "{name}: {}", r.body);
    }
    // A detached signature before the file it signs waits for it, then names it.
    let p7s = upload(
        &mut who,
        &id,
        "to-khai",
        "scan.jpg.p7s",
        read(&dir, "scan.jpg.p7s"),
    )
    .await;
    assert_eq!(statuses(&p7s), ["invalid"], "{p7s}");
    let scan = upload(&mut who, &id, "to-khai", "scan.jpg", read(&dir, "scan.jpg")).await;
    assert!(
        statuses(&scan).is_empty(),
        "a picture carries no signature of its own"
    );
    let d = dossier(&mut who, &id).await;
    let again = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == p7s["id"])
        .unwrap();
    assert_eq!(statuses(again), ["valid"], "{again}");
    assert_eq!(again["signatures"][0]["signs"], scan["id"]);
    // An unsigned upload has no signatures; the owner's page shows each verdict.
    let plain = upload(&mut who, &id, "to-khai", "don.pdf", read(&dir, "don.pdf")).await;
    assert!(statuses(&plain).is_empty());
    let mut page = t.client();
    page.login(CITIZEN, &crate::security::demo_pw(&t, CITIZEN))
        .await;
    let html = page.get(&format!("/ho-so/{id}/giay-to")).await.body;
    for text in [
        "Chữ ký hợp lệ",
        "Nguyễn Văn An",
        "Chứng thư hết hạn khi ký",
        "Chứng thư đã bị thu hồi",
        "Chứng thư không được tin cậy",
    ] {
        assert!(html.contains(text), "{text}");
    }
}

/// R7.2a: a level-4 component without a valid signature is refused at submission unless the
/// person sends the papers by post; the dossier then waits for them (acceptance is neither
/// offered nor allowed) until reception records their arrival. A signed one needs no post.
async fn level_four_needs_a_signature_or_the_post(e: Engine) {
    let t = setup(e).await;
    t.clock.set(working_now());
    let dir = pki(&t);
    let mut who = token(&t, CITIZEN).await;
    let id = level_four_draft(&mut who).await;
    upload(&mut who, &id, "to-khai", "to-khai.jpg", jpeg(5000)).await;
    let d = dossier(&mut who, &id).await;
    assert_eq!(
        d["unsigned_components"],
        json!(["Tờ khai cấp Giấy xác nhận tình trạng hôn nhân theo mẫu"])
    );
    let submit = |post: bool| json!({"declaration_accepted": true, "papers_by_post": post});
    let path = format!("/api/v1/dossiers/{id}/submit");
    let r = who
        .0
        .json(Method::POST, &path, Some(&who.1), Some(submit(false)))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains("papers_by_post") && r.body.contains("chưa có chữ ký số hợp lệ"),
        "{}",
        r.body
    );
    assert_eq!(
        dossier(&mut who, &id).await["status"],
        "draft",
        "nothing changed"
    );
    let r = who
        .0
        .json(Method::POST, &path, Some(&who.1), Some(submit(true)))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    assert_eq!(dossier(&mut who, &code).await["papers"], "awaited");
    let mut cashier = demo_staff(&t, "000.01.02.H53", Role::Cashier).await;
    let r = cashier
        .0
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{code}/receipts"),
            Some(&cashier.1),
            Some(json!({"method": "cash"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut desk = demo_staff(&t, "000.01.02.H53", Role::Reception).await;
    let names = crate::processing::names(&mut desk, &code).await;
    assert!(!names.contains(&"accept".to_string()), "{names:?}");
    let (st, v) = crate::processing::act(&mut desk, &code, json!({"action": "accept"})).await;
    assert_eq!(st, 409, "{v}");
    // Only reception at the agency records the papers, once.
    let papers = format!("/api/v1/dossiers/{code}/papers");
    let r = who.0.json(Method::POST, &papers, Some(&who.1), None).await;
    assert!(r.status == 403 || r.status == 404, "{}", r.body);
    let r = desk
        .0
        .json(Method::POST, &papers, Some(&desk.1), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["papers"], "received");
    let r = desk
        .0
        .json(Method::POST, &papers, Some(&desk.1), None)
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    ok(&mut desk, &code, json!({"action": "accept"})).await;
    // Signed, it goes without the post.
    let id = level_four_draft(&mut who).await;
    upload(
        &mut who,
        &id,
        "to-khai",
        "don-signed.pdf",
        read(&dir, "don-signed.pdf"),
    )
    .await;
    assert_eq!(
        dossier(&mut who, &id).await["unsigned_components"],
        json!([])
    );
    let r = who
        .0
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/submit"),
            Some(&who.1),
            Some(submit(false)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(dossier(&mut who, &id).await["papers"], Value::Null);
}

/// A whole level-4 submission in one request: a detached signature sent before the picture it
/// signs finds it in the same request, so the component counts as signed and no post is asked.
async fn one_request_carries_its_signatures(e: Engine) {
    let t = setup(e).await;
    t.clock.set(working_now());
    let dir = pki(&t);
    let mut who = token(&t, CITIZEN).await;
    let (service, form) = level_four_service(&mut who).await;
    let sent = json!({"service": service, "form": form, "declaration_accepted": true});
    let papers = [
        ("to-khai", "scan.jpg.p7s", read(&dir, "scan.jpg.p7s")),
        ("to-khai", "scan.jpg", read(&dir, "scan.jpg")),
    ];
    let r = who
        .0
        .submit_whole(&who.1, Some("ky-so-1"), Some(&sent), &papers)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    let d = dossier(&mut who, &code).await;
    assert_eq!(d["papers"], Value::Null, "signed: nothing goes by post");
    let files = d["files"].as_array().unwrap();
    let scan = files.iter().find(|f| f["name"] == "scan.jpg").unwrap();
    let p7s = files.iter().find(|f| f["name"] == "scan.jpg.p7s").unwrap();
    assert_eq!(statuses(p7s), ["valid"], "{p7s}");
    assert_eq!(p7s["signatures"][0]["signs"], scan["id"]);
    // Taken from the wallet into another dossier, the picture brings its detached signature:
    // still signed there, nothing to send by post.
    let w = crate::processing::get_json(&mut who, "/api/v1/wallet").await;
    let papers = w["papers"].as_array().unwrap();
    assert!(papers.iter().all(|x| x["file"]["kind"] != "p7s"), "{w}");
    let from = papers
        .iter()
        .find(|x| x["file"]["name"] == "scan.jpg")
        .unwrap()["file"]["id"]
        .clone();
    let next = level_four_draft(&mut who).await;
    let r = who
        .0
        .json(
            Method::POST,
            &format!("/api/v1/dossiers/{next}/attachments/from-wallet"),
            Some(&who.1),
            Some(json!({"component": "to-khai", "paper": from})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let taken = r.json()["id"].clone();
    let d = dossier(&mut who, &next).await;
    assert_eq!(d["unsigned_components"], json!([]), "{d}");
    let sig = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "scan.jpg.p7s")
        .unwrap();
    assert_eq!(sig["signatures"][0]["signs"], taken, "{d}");
    // Unsigned, the same submission needs the post, as in steps.
    let unsigned = [("to-khai", "to-khai.jpg", jpeg(5000))];
    let r = who
        .0
        .submit_whole(&who.1, None, Some(&sent), &unsigned)
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("papers_by_post"), "{}", r.body);
    let mut by_post = sent.clone();
    by_post["papers_by_post"] = json!(true);
    let r = who
        .0
        .submit_whole(&who.1, None, Some(&by_post), &unsigned)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    assert_eq!(dossier(&mut who, &code).await["papers"], "awaited");
}

/// R8.2b: the approval issues the draft signed by the agency as `<code>-KQ1.pdf` (PAdES),
/// which pyHanko validates with the CA `motcua signatures export-ca` prints, and which the
/// authenticity check (API and page) recognises; altered by a byte or extended, neither does.
async fn results_are_signed_and_checkable(e: Engine) {
    let t = setup(e).await;
    let mut p = people(&t).await;
    let code = submitted(&mut p).await;
    crate::processing::pay_at_desk(&t, &code).await;
    to_specialist(&t, &mut p, &code).await;
    let (c, tok) = &mut p.specialist;
    let r = c
        .upload(
            tok,
            &code,
            "_ket-qua",
            "giay-phep.pdf",
            result_pdf("Giay phep xay dung", 2000),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let draft = r.json()["id"].as_str().unwrap().to_string();
    ok(
        &mut p.specialist,
        &code,
        json!({"action": "propose_resolve", "result_document": draft}),
    )
    .await;
    ok(&mut p.leader, &code, json!({"action": "approve"})).await;
    crate::processing::online(&mut p, &code).await;
    ok(&mut p.desk, &code, json!({"action": "return_online"})).await;
    let d = dossier(&mut p.citizen, &code).await;
    let number = format!("{code}-KQ1");
    let files = d["files"].as_array().unwrap();
    let result = files
        .iter()
        .find(|f| f["component"] == "_ket-qua")
        .expect("the citizen sees the result");
    assert_eq!(result["name"], format!("{number}.pdf"));
    assert_eq!(statuses(result), ["valid"], "{result}");
    assert_eq!(
        result["signatures"][0]["reason"],
        Value::Null,
        "revocation checked against the demo CA's CRL"
    );
    assert_eq!(
        result["signatures"][0]["signer"],
        "Ủy ban nhân dân phường Cẩm Thành"
    );
    assert!(
        files.iter().all(|f| f["id"] != draft.as_str()),
        "the draft stays the department's"
    );
    let fid = result["id"].as_str().unwrap();
    let (c, tok) = &mut p.citizen;
    let signed = c
        .bytes(tok, &format!("/api/v1/dossiers/{code}/attachments/{fid}"))
        .await;
    let dir = tempfile::tempdir().unwrap().keep();
    std::fs::write(dir.join("kq.pdf"), &signed).unwrap();
    std::fs::write(dir.join("sua.pdf"), altered(signed.clone(), b"Giay phep")).unwrap();
    let ca = motcua_app::signatures::results::export_ca(&t.app.config).unwrap();
    assert!(
        ca.starts_with("-----BEGIN CERTIFICATE-----") && ca.matches("BEGIN").count() == 1,
        "{ca}"
    );
    std::fs::write(dir.join("ca.pem"), &ca).unwrap();
    if pyhanko_present() {
        let out = sh(&dir, "pyhanko sign validate --trust ca.pem kq.pdf");
        assert!(out.contains(":INTACT:TRUSTED,UNTOUCHED"), "{out}");
        let bad = Command::new("pyhanko")
            .args(["sign", "validate", "--trust", "ca.pem", "sua.pdf"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(!bad.status.success(), "pyHanko refuses the altered copy");
    }
    // The authenticity check, by anyone.
    let mut anyone = t.client();
    let check = |bytes: Vec<u8>| {
        reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("kq.pdf"),
        )
    };
    let r = anyone
        .multipart("/api/v1/verify", check(signed.clone()))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (
            &v["issued_here"],
            &v["unchanged"],
            &v["agency"],
            &v["dossier_code"],
            &v["number"]
        ),
        (
            &json!(true),
            &json!(true),
            &json!("Ủy ban nhân dân phường Cẩm Thành"),
            &json!(code),
            &json!(number)
        ),
        "{v}"
    );
    assert!(v["signed_at"].as_str().unwrap().ends_with("+07:00"));
    for bad in [
        altered(signed.clone(), b"Giay phep"),
        [signed.clone(), b"\n% them\n".to_vec()].concat(),
        result_pdf("khong ky", 0),
    ] {
        let v = anyone.multipart("/api/v1/verify", check(bad)).await.json();
        assert_eq!(
            (&v["issued_here"], &v["unchanged"]),
            (&json!(false), &json!(false)),
            "{v}"
        );
        assert!(v["reason"].is_string(), "{v}");
    }
    let r = anyone.get(&format!("/api/v1/results/{number}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["agency"], "Ủy ban nhân dân phường Cẩm Thành");
    assert_eq!(
        anyone
            .get(&format!("/api/v1/results/{code}-KQ9"))
            .await
            .status,
        404
    );
    let page = anyone.get(&format!("/xac-thuc?so={number}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ủy ban nhân dân phường Cẩm Thành") && page.body.contains(&code));
}

engine_tests!(
    uploads_are_verified_as_they_arrive,
    level_four_needs_a_signature_or_the_post,
    one_request_carries_its_signatures,
    results_are_signed_and_checkable
);
