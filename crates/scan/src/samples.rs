//! Small valid files of a chosen size, for the tests and the benchmark: uploads are parsed as
//! what they claim (see [`crate::inspect`]), so stand-ins must be real files.

/// A valid one-page PDF of exactly `n` bytes (at least its 330 or so without padding): uploads
/// are parsed as what they claim (R4.4).
pub fn pdf(n: usize) -> Vec<u8> {
    pdf_tagged("motcua", n)
}

/// A valid one-page PDF of exactly `n` bytes whose content is unique by `tag`.
pub fn pdf_tagged(tag: &str, n: usize) -> Vec<u8> {
    pdf_with(tag, "", n)
}

/// A valid PDF of `n` bytes with `extra` (PDF objects' text) in its catalog: an action, a
/// script, an embedded file (the malformed corpus).
pub fn pdf_with(tag: &str, extra: &str, n: usize) -> Vec<u8> {
    let build = |pad: usize| {
        // ASCII only: tests read these back as text.
        let mut out = b"%PDF-1.7\n".to_vec();
        let catalog = format!("<< /Type /Catalog /Pages 2 0 R {extra} >>");
        let objs = [
            catalog.as_str(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ];
        let mut offsets = vec![];
        for (i, o) in objs.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
        }
        out.extend(format!("% {tag} ").bytes());
        out.resize(out.len() + pad, b'x');
        out.push(b'\n');
        let xref = out.len();
        out.extend(b"xref\n0 4\n0000000000 65535 f \n");
        for o in offsets {
            out.extend(format!("{o:010} 00000 n \n").bytes());
        }
        out.extend(
            format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").bytes(),
        );
        out
    };
    let mut pad = n.saturating_sub(build(0).len());
    let mut v = build(pad);
    while v.len() > n && pad > 0 {
        pad = pad.saturating_sub(v.len() - n);
        v = build(pad);
    }
    // Blank after the end marker makes up a byte the offsets' digits took.
    if v.len() < n {
        v.resize(n, b'\n');
    }
    v
}

/// A real JPEG of exactly `n` bytes (at least its 300 or so): an 8 × 8 picture, padded with
/// comment segments.
pub fn jpeg(n: usize) -> Vec<u8> {
    jpeg_with(b"", n)
}

/// A real JPEG of `n` bytes whose first comment segment holds `inside`.
pub fn jpeg_with(inside: &[u8], n: usize) -> Vec<u8> {
    let mut small = Vec::new();
    let img = image::RgbImage::from_fn(8, 8, |x, y| {
        image::Rgb([(x * 30) as u8, (y * 30) as u8, 90])
    });
    image::codecs::jpeg::JpegEncoder::new(&mut small)
        .encode_image(&img)
        .expect("encode a JPEG");
    // After SOI: comment segments (FF FE, a length that counts itself), `k` of them, filled so
    // that the whole is `n` bytes when it can be.
    let mut k = 1;
    while n.saturating_sub(small.len() + 4 * k) > 65_000 * k {
        k += 1;
    }
    let mut body = inside.to_vec();
    let room = n.saturating_sub(small.len() + 4 * k);
    if room > body.len() {
        body.resize(room, b' ');
    }
    let per = body.len().div_ceil(k).max(1);
    let mut out = small[..2].to_vec();
    for part in body.chunks(per) {
        out.extend([0xFF, 0xFE]);
        out.extend(((part.len() + 2) as u16).to_be_bytes());
        out.extend(part);
    }
    out.extend(&small[2..]);
    out
}

/// A real PNG of `w` × `h` pixels.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode a PNG");
    out.into_inner()
}

/// A PNG that declares `w` × `h` pixels in its header, with one tiny data chunk: a
/// decompression bomb's shape (decoding it whole would take w × h × 3 bytes).
pub fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let idat = [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];
    for (kind, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", &idat), (b"IEND", &[])] {
        v.extend((data.len() as u32).to_be_bytes());
        let start = v.len();
        v.extend(kind);
        v.extend(data);
        let crc = crc32(&v[start..]);
        v.extend(crc.to_be_bytes());
    }
    v
}

/// PNG's CRC-32 (ISO 3309), bit by bit: samples are small.
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

/// A real (lossless) WebP of `w` × `h` pixels.
pub fn webp(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([x as u8, y as u8, 7, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::WebP)
        .expect("encode a WebP");
    out.into_inner()
}

/// An ISO base media file shaped like a HEIC: `ftyp`, `meta` declaring a `w` × `h` image
/// (`ispe`), and `mdat` (no HEVC data a viewer could decode).
pub fn heic(w: u32, h: u32) -> Vec<u8> {
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
