//! Prints what verifying files finds, against a trust folder:
//! `verify_file <trust dir> <file.pdf|file.p7s> [signed content for a detached .p7s]`.
use motcua_signature::{Content, TrustDir, check, verify_pdf};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let trust = TrustDir::open(&a[1]);
    let anchors = trust.anchors();
    let bytes = std::fs::read(&a[2]).expect("file");
    let now = jiff::Timestamp::now();
    let out = if bytes.starts_with(b"%PDF") {
        verify_pdf(&bytes, &anchors, now)
    } else if let Some(c) = a.get(3) {
        let content = std::fs::read(c).expect("content");
        vec![check(
            &bytes,
            Content::Detached(&content),
            None,
            &anchors,
            now,
        )]
    } else {
        vec![check(&bytes, Content::Attached, None, &anchors, now)]
    };
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
