use super::*;
use proptest::prelude::*;

fn file(range: &str, contents: &str) -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj << /Type /Sig /SubFilter /ETSI.CAdES.detached /M (D:20261202093000+07'00') /Reason <FEFF004B0051> /ByteRange {range} /Contents {contents} >> endobj\n%%EOF\n").into_bytes()
}

#[test]
fn reads_a_signature_dictionary() {
    // Find the offsets of the hex string first, then write them in.
    let probe = file("[0 0000000000 0000000000 0000000000]", "<3003020100000000>");
    let b = probe.windows(2).position(|w| w == b"<3").unwrap();
    let c = b + "<3003020100000000>".len();
    let d = probe.len() - c;
    let range = format!("[0 {b:010} {c:010} {d:010}]");
    let f = file(&range, "<3003020100000000>");
    let sigs = signatures(&f);
    assert_eq!(sigs.len(), 1);
    let s = sigs[0].as_ref().unwrap();
    assert_eq!(s.range, [0, b, c, d]);
    assert_eq!(s.cms, [0x30, 0x03, 0x02, 0x01, 0x00], "zero padding cut");
    assert_eq!(s.sub_filter.as_deref(), Some("ETSI.CAdES.detached"));
    assert_eq!(s.reason.as_deref(), Some("KQ"));
    assert_eq!(
        s.m.as_deref().and_then(date).unwrap().to_string(),
        "2026-12-02T02:30:00Z"
    );
    assert!(s.reaches_end(f.len()));
    assert_eq!(s.signed_bytes(&f).len(), f.len() - (c - b));
}

#[test]
fn refuses_ranges_that_do_not_frame_the_contents() {
    for range in [
        "[0 10 5 3]",
        "[1 10 20 3]",
        "[0 10 20 999999]",
        "[0 a 1 2]",
        "[0 10 20]",
    ] {
        let f = file(range, "<30030201000000>");
        assert!(signatures(&f).iter().all(|s| s.is_err()), "{range}");
    }
    assert!(signatures(b"no signature here").is_empty());
}

#[test]
fn pdf_dates() {
    assert_eq!(
        date("D:20261202093000+07'00'").unwrap().to_string(),
        "2026-12-02T02:30:00Z"
    );
    assert_eq!(
        date("D:20261202093000Z").unwrap().to_string(),
        "2026-12-02T09:30:00Z"
    );
    assert_eq!(
        date("D:20261202").unwrap().to_string(),
        "2026-12-02T00:00:00Z"
    );
    assert_eq!(date("D:2026"), None);
    assert_eq!(date("D:20261332000000Z"), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    /// Any bytes at all: a list of findings, never a panic.
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), at in 0usize..400) {
        let mut f = bytes.clone();
        let cut = at.min(f.len());
        f.splice(cut..cut, b"/ByteRange [0 3 9 2] /Contents <3000>".iter().copied());
        let _ = signatures(&f);
        let _ = signatures(&bytes);
        let _ = crate::cms::parse(&bytes);
    }
}

#[test]
fn a_file_with_too_many_signatures_is_checked_only_so_far() {
    let one = "/ByteRange [0 1 3 0] /Contents <00> ";
    let f = format!("%PDF-1.7\n{}", one.repeat(MAX_SIGNATURES * 3));
    let sigs = signatures(f.as_bytes());
    assert_eq!(sigs.len(), MAX_SIGNATURES + 1);
    assert_eq!(sigs.last(), Some(&Err(Malformed::TooMany)));
}
