//! A file is what it claims only if it parses as that (R4.4; research/security.md rows 24–29):
//! a PDF's cross-reference table and page tree load, and it holds nothing that runs (scripts,
//! launch actions, forms that send data, multimedia) nor, unless the component allows them,
//! files inside it; an image decodes within a pixel budget (no decompression bombs); a HEIC's
//! boxes nest and declare a size within the budget; a CMS signature's structure reads. Nothing
//! may hide a second file behind the first (a ZIP after a PDF: a polyglot).
use motcua_domain::dossier::FileKind;

/// The largest image accepted, in pixels: a 50-megapixel phone photo. Decoding one takes
/// 150 MB at most (three bytes a pixel).
pub const MAX_PIXELS: u64 = 50_000_000;

/// Nesting deeper than this in a PDF's objects is refused (a bomb of nested arrays).
const MAX_DEPTH: usize = 64;

/// What a component allows beyond the usual.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allow {
    /// Files embedded in a PDF (a component that asks for an electronic dossier bundle).
    pub embedded_files: bool,
}

/// Why a file is refused, in the words the person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("Tệp PDF bị hỏng hoặc không đầy đủ ({0}). Hãy xuất hoặc quét lại tệp PDF rồi gửi lại.")]
    PdfBroken(String),
    #[error(
        "Tệp PDF được đặt mật khẩu (mã hóa) nên cơ quan không mở được. Hãy gửi bản không đặt mật khẩu."
    )]
    PdfEncrypted,
    #[error(
        "Tệp PDF chứa {0}, là nội dung có thể tự chạy trên máy của cán bộ, nên không được nhận. Hãy in lại thành PDF (chọn «In ra PDF») hoặc quét giấy tờ."
    )]
    PdfActive(&'static str),
    #[error(
        "Tệp PDF có tệp khác đính kèm bên trong; thành phần này không nhận tệp đính kèm. Hãy gửi riêng từng giấy tờ."
    )]
    PdfEmbedded,
    #[error(
        "Tệp có dữ liệu lạ sau phần kết thúc của nó ({0}); có thể là tệp ghép của hai loại tệp. Hãy lưu lại tệp rồi gửi lại."
    )]
    Hidden(&'static str),
    #[error("Ảnh bị hỏng hoặc không đầy đủ ({0}). Hãy chụp lại rồi gửi lại.")]
    ImageBroken(String),
    #[error(
        "Ảnh quá lớn ({0} × {1} điểm ảnh; tối đa 50 triệu điểm ảnh). Hãy giảm độ phân giải rồi gửi lại."
    )]
    TooManyPixels(u64, u64),
    #[error("Tệp chữ ký số không đúng cấu trúc CMS/PKCS#7 (SignedData). Hãy tải lại tệp chữ ký.")]
    CmsBroken,
}

/// Checks a whole file as the kind its first bytes claim.
pub fn inspect(kind: FileKind, bytes: &[u8], allow: Allow) -> Result<(), Problem> {
    if zip_inside(bytes) {
        return Err(Problem::Hidden("một tệp nén ZIP"));
    }
    match kind {
        FileKind::Pdf => pdf(bytes, allow),
        FileKind::Jpeg => image(bytes, image::ImageFormat::Jpeg),
        FileKind::Png => {
            image(bytes, image::ImageFormat::Png)?;
            png_ends(bytes)
        }
        FileKind::Webp => {
            image(bytes, image::ImageFormat::WebP)?;
            riff_ends(bytes)
        }
        FileKind::Heic => heic(bytes),
        FileKind::Cms => cms(bytes),
    }
}

/// A ZIP's end-of-central-directory record in the last 64 KB that an unpacker would take: the
/// file ends where its comment ends, or its central directory lies just before it (a
/// PDF-and-ZIP polyglot). Checked whole, so that compressed bytes that happen to spell the
/// record's signature are not taken for one.
fn zip_inside(bytes: &[u8]) -> bool {
    let from = bytes.len().saturating_sub(65_557);
    memchr::memmem::find_iter(&bytes[from..], b"PK\x05\x06").any(|i| {
        let at = from + i;
        let Some(r) = bytes.get(at..at + 22) else {
            return false;
        };
        let comment = usize::from(u16::from_le_bytes([r[20], r[21]]));
        // The central directory ends where the record starts, wherever the ZIP was put.
        let size = u32::from_le_bytes([r[12], r[13], r[14], r[15]]) as usize;
        let directory = at.checked_sub(size);
        at + 22 + comment == bytes.len()
            || directory.and_then(|d| bytes.get(d..d + 4)) == Some(b"PK\x01\x02")
    })
}

/// The most any one compressed object or cross-reference stream of a PDF may inflate to while
/// it is parsed (a decompression bomb stops there).
const MAX_INFLATED: usize = 64 * 1024 * 1024;

fn pdf(bytes: &[u8], allow: Allow) -> Result<(), Problem> {
    // Only blank after the last end-of-file marker, at the very end: a truncated file has
    // none, and a second file appended after it would follow it. (Searched in the tail:
    // memchr's reverse search over a whole file goes a byte at a time.)
    let start = bytes.len().saturating_sub(1024 + 5);
    let tail = &bytes[start..];
    let ends = memchr::memmem::rfind(tail, b"%%EOF").is_some_and(|i| {
        tail[i + 5..]
            .iter()
            .all(|b| b.is_ascii_whitespace() || *b == 0)
    });
    if !ends {
        return Err(Problem::PdfBroken(
            "tệp không kết thúc bằng %%EOF: bị cắt cụt, hoặc có dữ liệu ghép thêm sau đó".into(),
        ));
    }
    // The parser below mends a broken table by scanning for objects; a file whose own table
    // is not where it says is refused instead (what a viewer meets first).
    if !xref_where_said(bytes, tail) {
        return Err(Problem::PdfBroken(
            "bảng tham chiếu chéo (xref) không ở vị trí tệp khai báo".into(),
        ));
    }
    // Strict: an object that does not parse is refused rather than skipped, so that nothing a
    // viewer might still read (a script) goes unseen.
    let doc = load_pdf(bytes)?;
    if doc.is_encrypted() && doc.encryption_state.is_none() {
        return Err(Problem::PdfEncrypted);
    }
    if doc.catalog().is_err() {
        return Err(Problem::PdfBroken("không có danh mục tài liệu".into()));
    }
    if doc.get_pages().is_empty() {
        return Err(Problem::PdfBroken("không có trang nào".into()));
    }
    let mut found = Found::default();
    for obj in doc.objects.values() {
        walk(obj, 0, &mut found)?;
    }
    if let Some(what) = found.active {
        return Err(Problem::PdfActive(what));
    }
    if found.embedded && !allow.embedded_files {
        return Err(Problem::PdfEmbedded);
    }
    Ok(())
}

/// Whether the last `startxref` names the offset of a cross-reference table (`xref`) or of a
/// cross-reference stream object (`12 0 obj`).
fn xref_where_said(bytes: &[u8], tail: &[u8]) -> bool {
    let Some(at) = memchr::memmem::rfind(tail, b"startxref") else {
        return false;
    };
    let digits: String = tail[at + 9..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|b| *b as char)
        .collect();
    let Some(there) = digits.parse::<usize>().ok().and_then(|o| bytes.get(o..)) else {
        return false;
    };
    // Writers may point at the line end just before it, and viewers accept that.
    let skip = there
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let there = &there[skip..];
    if there.starts_with(b"xref") {
        return true;
    }
    // `<number> <number> obj`
    let mut words = there
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let number = |w: Option<&[u8]>| w.is_some_and(|w| w.iter().all(u8::is_ascii_digit));
    number(words.next())
        && number(words.next())
        && words.next().is_some_and(|w| w.starts_with(b"obj"))
}

/// What a walk through a PDF's objects found.
#[derive(Default)]
struct Found {
    active: Option<&'static str>,
    embedded: bool,
}

/// Visits an object and what it holds directly (references are visited as objects of their
/// own), noting anything that runs and any embedded file.
fn walk(obj: &lopdf::Object, depth: usize, found: &mut Found) -> Result<(), Problem> {
    use lopdf::Object;
    if depth > MAX_DEPTH {
        return Err(Problem::PdfBroken("cấu trúc lồng quá sâu".into()));
    }
    match obj {
        Object::Array(items) => {
            for o in items {
                walk(o, depth + 1, found)?;
            }
        }
        Object::Dictionary(d) => dict(d, depth, found)?,
        Object::Stream(s) => dict(&s.dict, depth, found)?,
        _ => {}
    }
    Ok(())
}

fn dict(d: &lopdf::Dictionary, depth: usize, found: &mut Found) -> Result<(), Problem> {
    let name = |k: &[u8]| d.get(k).ok().and_then(|o| o.as_name().ok());
    let active = match name(b"S") {
        Some(b"JavaScript") => Some("mã JavaScript"),
        Some(b"Launch") => Some("lệnh mở chương trình (Launch)"),
        Some(b"SubmitForm" | b"ImportData") => Some("lệnh gửi hoặc nhận dữ liệu của biểu mẫu"),
        Some(b"GoToR" | b"GoToE") => Some("lệnh mở một tệp khác"),
        Some(b"RichMediaExecute" | b"Rendition" | b"Sound" | b"Movie") => {
            Some("nội dung đa phương tiện")
        }
        // A link to a file or a network share (its address leaks the officer's credentials).
        Some(b"URI") if local_uri(d) => Some("liên kết tới tệp trên máy hoặc mạng nội bộ"),
        _ => None,
    };
    let active = active
        .or_else(|| (d.has(b"JS") || d.has(b"JavaScript")).then_some("mã JavaScript"))
        .or_else(|| d.has(b"XFA").then_some("biểu mẫu XFA có thể chứa mã"))
        .or_else(|| {
            matches!(
                name(b"Subtype"),
                Some(b"RichMedia" | b"Movie" | b"Screen" | b"Sound" | b"3D")
            )
            .then_some("nội dung đa phương tiện")
        });
    if found.active.is_none() {
        found.active = active;
    }
    if name(b"Type") == Some(b"EmbeddedFile")
        || d.has(b"EmbeddedFiles")
        || d.has(b"EF")
        || name(b"Subtype") == Some(b"FileAttachment")
    {
        found.embedded = true;
    }
    for (_, v) in d.iter() {
        walk(v, depth + 1, found)?;
    }
    Ok(())
}

/// Whether a URI action points at a file or a network share rather than the web.
fn local_uri(d: &lopdf::Dictionary) -> bool {
    let Some(uri) = d.get(b"URI").ok().and_then(|o| o.as_str().ok()) else {
        return false;
    };
    let u = String::from_utf8_lossy(uri).trim().to_ascii_lowercase();
    u.starts_with("file:") || u.starts_with("\\\\") || u.starts_with("smb:")
}

/// A parser's message, short enough to show.
fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

fn image(bytes: &[u8], format: image::ImageFormat) -> Result<(), Problem> {
    decode(bytes, format).map(|_| ())
}

/// Decodes an image whole, within [`MAX_PIXELS`] and the memory they need: the upload check
/// and the staff pages' previews decode with the same bounds.
pub(crate) fn decode(
    bytes: &[u8],
    format: image::ImageFormat,
) -> Result<image::DynamicImage, Problem> {
    let reader = || {
        let mut r = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(MAX_PIXELS * 4 + 16 * 1024 * 1024);
        r.limits(limits);
        r
    };
    let broken = |e: image::ImageError| Problem::ImageBroken(short(&e.to_string()));
    let (w, h) = reader().into_dimensions().map_err(broken)?;
    let too_many = Problem::TooManyPixels(w.into(), h.into());
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(too_many);
    }
    match reader().decode() {
        Ok(img) => Ok(img),
        // Within the pixels but not the memory (16 bits a channel): too large all the same.
        Err(image::ImageError::Limits(_)) => Err(too_many),
        Err(e) => Err(broken(e)),
    }
}

/// A PDF loaded as the upload check loads it (strict, inflated streams bounded).
pub(crate) fn load_pdf(bytes: &[u8]) -> Result<lopdf::Document, Problem> {
    let options = lopdf::LoadOptions {
        strict: true,
        max_decompressed_size: Some(MAX_INFLATED),
        ..Default::default()
    };
    lopdf::Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::UnsupportedSecurityHandler(_) => {
            Problem::PdfEncrypted
        }
        e => Problem::PdfBroken(short(&e.to_string())),
    })
}

/// A PNG ends with its IEND chunk: anything after it is another file's.
fn png_ends(bytes: &[u8]) -> Result<(), Problem> {
    const IEND: &[u8] = b"\0\0\0\0IEND\xAE\x42\x60\x82";
    if bytes.ends_with(IEND) {
        Ok(())
    } else {
        Err(Problem::Hidden("một ảnh PNG"))
    }
}

/// A WebP is one RIFF chunk: its declared size (padded to even) is the whole file.
fn riff_ends(bytes: &[u8]) -> Result<(), Problem> {
    let declared = bytes
        .get(4..8)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize + 8);
    match declared {
        Some(n) if n == bytes.len() || n + 1 == bytes.len() => Ok(()),
        _ => Err(Problem::Hidden("một ảnh WebP")),
    }
}

/// HEIC (ISO base media file): the boxes nest within the file, `ftyp` first, `meta` and `mdat`
/// present, and every declared image size (`ispe`) within the budget. No HEVC decoder is
/// written in Rust; the pixels themselves are the viewer's to decode.
fn heic(bytes: &[u8]) -> Result<(), Problem> {
    let broken = |why: &str| Problem::ImageBroken(format!("HEIC: {why}"));
    let top = boxes(bytes).ok_or_else(|| broken("cấu trúc hộp không hợp lệ"))?;
    if top.first().map(|b| b.0) != Some(*b"ftyp") {
        return Err(broken("thiếu ftyp"));
    }
    if !top.iter().any(|b| &b.0 == b"mdat") {
        return Err(broken("thiếu dữ liệu ảnh (mdat)"));
    }
    let meta = top
        .iter()
        .find(|b| &b.0 == b"meta")
        .ok_or_else(|| broken("thiếu meta"))?;
    // `meta` is a full box: version and flags first.
    let inner = boxes(meta.1.get(4..).unwrap_or_default()).ok_or_else(|| broken("meta hỏng"))?;
    let mut sizes = 0;
    for (kind, body) in &inner {
        if kind != b"iprp" {
            continue;
        }
        for (k, b) in boxes(body).ok_or_else(|| broken("iprp hỏng"))? {
            if &k != b"ipco" {
                continue;
            }
            for (p, body) in boxes(b).ok_or_else(|| broken("ipco hỏng"))? {
                if &p != b"ispe" {
                    continue;
                }
                let v = body.get(4..12).ok_or_else(|| broken("ispe hỏng"))?;
                let w = u64::from(u32::from_be_bytes([v[0], v[1], v[2], v[3]]));
                let h = u64::from(u32::from_be_bytes([v[4], v[5], v[6], v[7]]));
                if w == 0 || h == 0 {
                    return Err(broken("kích thước bằng 0"));
                }
                if w * h > MAX_PIXELS {
                    return Err(Problem::TooManyPixels(w, h));
                }
                sizes += 1;
            }
        }
    }
    if sizes == 0 {
        return Err(broken("không khai báo kích thước ảnh (ispe)"));
    }
    Ok(())
}

/// The boxes of an ISO base media file's level: each (type, body), or `None` when one runs
/// past the end.
fn boxes(mut b: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let mut out = vec![];
    while !b.is_empty() {
        let head = b.get(..8)?;
        let kind: [u8; 4] = head[4..8].try_into().ok()?;
        let (len, skip) = match u32::from_be_bytes(head[..4].try_into().ok()?) {
            0 => (b.len(), 8),
            1 => {
                let l = u64::from_be_bytes(b.get(8..16)?.try_into().ok()?);
                (usize::try_from(l).ok()?, 16)
            }
            l => (l as usize, 8),
        };
        if len < skip || len > b.len() {
            return None;
        }
        out.push((kind, &b[skip..len]));
        b = &b[len..];
    }
    Some(out)
}

/// A detached or attached CMS signature: a ContentInfo holding SignedData, and nothing after it.
/// BER with indefinite lengths (what streaming signers such as BouncyCastle write) is read by
/// the signature check, not here: its first bytes already named SignedData.
fn cms(bytes: &[u8]) -> Result<(), Problem> {
    if bytes.get(..2) == Some(&[0x30, 0x80]) {
        return Ok(());
    }
    let whole = motcua_signature::der::element_len(bytes) == Some(bytes.len());
    if whole && motcua_signature::cms::parse(bytes).is_some() {
        Ok(())
    } else {
        Err(Problem::CmsBroken)
    }
}
