//! A result signed here verifies here; altered, truncated, or checked without its anchor, it
//! does not (the OpenSSL and pyHanko fixtures are in the workspace's integration tests).
use motcua_domain::signature::Status;
use motcua_signature::demo::{Ca, sample_pdf};
use motcua_signature::{Anchors, Issue, Pkcs12Key, sign_result, verify_pdf};

fn signed() -> (Ca, Vec<u8>) {
    let ca = Ca::new("CA thử nghiệm").unwrap();
    let p12 = ca
        .agency_key("UBND xã Tịnh Ấn Tây", "000.00.12.H48", 365, "mk")
        .unwrap();
    let key = Pkcs12Key::from_der(&p12, "mk").unwrap();
    let at = jiff::Timestamp::now();
    let issue = Issue {
        number: "000.00.12.H48-261202-0001-KQ1",
        agency: "UBND xã Tịnh Ấn Tây",
        verify_url: "https://motcua.example/xac-thuc?so=000.00.12.H48-261202-0001-KQ1",
        at,
    };
    let out = sign_result(&sample_pdf("Giay phep", 0), &issue, &key).unwrap();
    (ca, out)
}

#[test]
fn a_signed_result_verifies_with_its_ca_and_names_the_agency() {
    let (ca, pdf) = signed();
    let anchors = Anchors::new(vec![ca.certificate.clone()], vec![]).unwrap();
    let r = verify_pdf(&pdf, &anchors, jiff::Timestamp::now());
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].status, Status::Valid, "{r:?}");
    assert_eq!(r[0].signer.as_deref(), Some("UBND xã Tịnh Ấn Tây"));
    assert_eq!(r[0].signer_id.as_deref(), Some("MNS:000.00.12.H48"));
    assert!(r[0].signed_at.is_some());
    // Without the anchor: sound but untrusted.
    let none = Anchors::new(vec![], vec![]).unwrap();
    assert_eq!(
        verify_pdf(&pdf, &none, jiff::Timestamp::now())[0].status,
        Status::Untrusted
    );
}

#[test]
fn one_byte_changed_or_cut_is_invalid() {
    let (ca, pdf) = signed();
    let anchors = Anchors::new(vec![ca.certificate.clone()], vec![]).unwrap();
    let at = pdf.windows(9).position(|w| w == b"Giay phep").unwrap();
    let mut altered = pdf.clone();
    altered[at] = b'X';
    let r = verify_pdf(&altered, &anchors, jiff::Timestamp::now());
    assert_eq!(r[0].status, Status::Invalid, "{r:?}");
    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n1 0 obj (changed) endobj\n");
    let r = verify_pdf(&appended, &anchors, jiff::Timestamp::now());
    assert_eq!(r[0].status, Status::Invalid, "{r:?}");
    for cut in [pdf.len() / 2, pdf.len() - 10, 100] {
        let r = verify_pdf(&pdf[..cut], &anchors, jiff::Timestamp::now());
        assert!(
            r.iter().all(|s| s.status == Status::Invalid),
            "{cut}: {r:?}"
        );
    }
}
