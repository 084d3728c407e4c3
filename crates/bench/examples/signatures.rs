//! How fast signed PDFs are verified (R4.6): a 5 MB result signed by the demo CA's agency key,
//! verified whole (signature scan, digest of the signed bytes, CMS signature, chain, validity,
//! revocation against a CRL) N times; and in the same run, the ceiling for the same file: the
//! SHA-256 of its signed bytes alone, which no verifier can skip. Prints both and the ratio.
//!
//! `cargo run --release -p motcua-bench --example signatures [-- N [MB]]`
use std::hint::black_box;
use std::time::Instant;

use motcua_signature::demo::{Ca, sample_pdf};
use motcua_signature::{Anchors, Issue, Pkcs12Key, pdf, sign_result, verify_pdf};
use openssl::hash::{MessageDigest, hash};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let mb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let ca = Ca::new("CA đo tốc độ").unwrap();
    let key = Pkcs12Key::from_der(
        &ca.agency_key("UBND xã Đo Tốc Độ", "000.00.99.H53", 365, "")
            .unwrap(),
        "",
    )
    .unwrap();
    let issue = Issue {
        number: "000.00.99.H53-261202-0001-KQ1",
        agency: "UBND xã Đo Tốc Độ",
        verify_url: "https://motcua.example/xac-thuc?so=000.00.99.H53-261202-0001-KQ1",
        at: jiff::Timestamp::now(),
    };
    let file = sign_result(&sample_pdf("Giay phep", mb * 1024 * 1024), &issue, &key).unwrap();
    let anchors = Anchors::new(vec![ca.certificate.clone()], vec![]).unwrap();
    let now = jiff::Timestamp::now();
    assert_eq!(
        verify_pdf(&file, &anchors, now)[0].status,
        motcua_domain::signature::Status::Valid
    );
    let sig = pdf::signatures(&file).remove(0).unwrap();
    println!(
        "file: {:.2} MB, {n} verifications",
        file.len() as f64 / 1_048_576.0
    );
    for round in 1..=3 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(verify_pdf(black_box(&file), &anchors, now));
        }
        let verify = n as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        for _ in 0..n {
            black_box(hash(MessageDigest::sha256(), &sig.signed_bytes(black_box(&file))).unwrap());
        }
        let ceiling = n as f64 / t.elapsed().as_secs_f64();
        println!(
            "round {round}: verify {verify:.0}/s, ceiling (SHA-256 of the signed bytes) {ceiling:.0}/s, ratio {:.2}",
            verify / ceiling
        );
    }
}
