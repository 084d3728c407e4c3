//! Signatures in a PDF, found in its bytes (ISO 32000-1 §12.8): each signature dictionary's
//! `/ByteRange [0 b c d]` names the signed bytes, and the gap between them is the `/Contents`
//! hex string holding the CMS. The signature dictionary is never in a compressed object stream
//! (its byte range must exclude the hex string in the file itself), so a scan of the raw bytes
//! finds every one, and does not depend on a parser accepting the rest of the file. A false
//! match can only make a file look less signed, never more: the CMS must still verify over the
//! bytes the range names.

/// One signature dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfSignature {
    /// `[0, b, c, d]`: the signed bytes are `0..b` and `c..c+d`.
    pub range: [usize; 4],
    /// The CMS, without the hex string's zero padding.
    pub cms: Vec<u8>,
    pub sub_filter: Option<String>,
    /// `/M`, the signing time the signer's software wrote (`D:YYYYMMDDHHmmSS…`).
    pub m: Option<String>,
    /// `/Name` and `/Reason`, as written (UTF-16 or PDFDocEncoding decoded).
    pub name: Option<String>,
    pub reason: Option<String>,
}

/// Why a signature dictionary cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("Vùng ký (ByteRange) không hợp lệ")]
    Range,
    #[error("Giá trị chữ ký (Contents) không đọc được")]
    Contents,
    #[error("Tệp có quá nhiều chữ ký (chỉ kiểm tra {MAX_SIGNATURES} chữ ký đầu)")]
    TooMany,
}

/// The signatures of one file that are checked: each may cover the whole file, so a file
/// crafted with thousands would cost a hash of the file each (cheap for us, dear for
/// attackers). Real documents carry a handful.
pub const MAX_SIGNATURES: usize = 16;

impl PdfSignature {
    /// The bytes this signature covers.
    pub fn signed_bytes(&self, file: &[u8]) -> Vec<u8> {
        let [a, b, c, d] = self.range;
        let mut out = Vec::with_capacity(b + d);
        out.extend_from_slice(&file[a..a + b]);
        out.extend_from_slice(&file[c..c + d]);
        out
    }

    /// Whether it covers the file to its end (no revision was added after it).
    pub fn reaches_end(&self, len: usize) -> bool {
        self.range[2] + self.range[3] == len
    }
}

/// Every signature dictionary of the file, in the order they appear (earlier revisions
/// first), each parsed or with why it cannot be.
pub fn signatures(file: &[u8]) -> Vec<Result<PdfSignature, Malformed>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&file[from..], b"/ByteRange").map(|i| i + from) {
        from = at + 10;
        if out.len() == MAX_SIGNATURES {
            out.push(Err(Malformed::TooMany));
            return out;
        }
        let Some((range, _)) = parse_range(&file[from..]) else {
            out.push(Err(Malformed::Range));
            continue;
        };
        out.push(dictionary(file, at, range));
    }
    // A signature dictionary whose byte range is gone (the file was cut inside it) still
    // says `/Type /Sig`: it is reported, not taken for an unsigned file.
    let dictionaries = sig_types(file);
    for _ in out.len()..dictionaries {
        out.push(Err(Malformed::Range));
    }
    // Nor is a file cut inside a signature's hex string, before any of its other keys.
    if out.is_empty() && cut_contents(file) {
        out.push(Err(Malformed::Contents));
    }
    out
}

/// Whether the file ends inside a `/Contents <…` hex string.
fn cut_contents(file: &[u8]) -> bool {
    // The last one, found forwards: memchr's reverse search goes a byte at a time, and took a
    // sixth of a submission's processor time on a 1 MB paper.
    let Some(at) = memchr::memmem::find_iter(file, b"/Contents ").last() else {
        return false;
    };
    let i = skip_ws(file, at + 9);
    file.get(i) == Some(&b'<')
        && file[i + 1..].len() >= 64
        && file[i + 1..]
            .iter()
            .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace())
}

/// How many `/Type /Sig` entries the file has (`/Sig` as a whole name).
fn sig_types(file: &[u8]) -> usize {
    let mut n = 0;
    let mut from = 0;
    while let Some(at) = find(&file[from..], b"/Type").map(|i| i + from) {
        from = at + 5;
        let i = skip_ws(file, from);
        if file[i..].starts_with(b"/Sig")
            && !file.get(i + 4).is_some_and(|b| b.is_ascii_alphanumeric())
        {
            n += 1;
        }
    }
    n
}

fn dictionary(file: &[u8], at: usize, range: [usize; 4]) -> Result<PdfSignature, Malformed> {
    let [a, b, c, d] = range;
    let end = c.checked_add(d).ok_or(Malformed::Range)?;
    if a != 0 || b == 0 || c <= b + 1 || end > file.len() {
        return Err(Malformed::Range);
    }
    // The gap is exactly the hex string `<…>`, and the dictionary holds this /ByteRange.
    if file[b] != b'<' || file[c - 1] != b'>' || (at >= b && at < c) {
        return Err(Malformed::Range);
    }
    let hex_text = &file[b + 1..c - 1];
    if !hex_text.len().is_multiple_of(2) || !hex_text.iter().all(u8::is_ascii_hexdigit) {
        return Err(Malformed::Contents);
    }
    // Checked above: an even run of hex digits, which decodes without fail.
    let nibble = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    let bytes: Vec<u8> = hex_text
        .chunks_exact(2)
        .map(|p| (nibble(p[0]) << 4) | nibble(p[1]))
        .collect();
    let len = crate::der::element_len(&bytes).ok_or(Malformed::Contents)?;
    if bytes[len..].iter().any(|z| *z != 0) {
        return Err(Malformed::Contents);
    }
    // The dictionary's other keys: in a window around /ByteRange and /Contents that stops at
    // the next or previous signature's keys.
    let start = at.min(b).saturating_sub(2048);
    let stop = (at.max(c) + 2048).min(file.len());
    let mut window = file[start..b].to_vec();
    window.push(b' ');
    window.extend_from_slice(&file[c..stop]);
    let pivot = at.min(b) - start;
    Ok(PdfSignature {
        range,
        cms: bytes[..len].to_vec(),
        sub_filter: name_value(&window, pivot, b"/SubFilter"),
        m: string_value(&window, pivot, b"/M"),
        name: string_value(&window, pivot, b"/Name"),
        reason: string_value(&window, pivot, b"/Reason"),
    })
}

/// `[0 b c d]` after `/ByteRange`: whitespace, four non-negative integers.
fn parse_range(s: &[u8]) -> Option<([usize; 4], usize)> {
    let mut i = skip_ws(s, 0);
    if s.get(i) != Some(&b'[') {
        return None;
    }
    i += 1;
    let mut out = [0usize; 4];
    for v in &mut out {
        i = skip_ws(s, i);
        let digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 12 {
            return None;
        }
        *v = std::str::from_utf8(&s[i..i + digits]).ok()?.parse().ok()?;
        i += digits;
    }
    i = skip_ws(s, i);
    (s.get(i) == Some(&b']')).then_some((out, i + 1))
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(|b| b" \t\r\n\x0c\0".contains(b)) {
        i += 1;
    }
    i
}

/// The first `needle` in `hay` (memchr's SIMD search: a scan of a 20 MB file for each key
/// costs a few milliseconds, not tens).
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// The key nearest the pivot (this signature's dictionary rather than a neighbour's), with
/// the key's name ending where it should (`/M` is not `/Matrix`).
fn key_at(w: &[u8], pivot: usize, key: &[u8]) -> Option<usize> {
    let mut best: Option<usize> = None;
    let mut from = 0;
    while let Some(i) = find(&w[from..], key).map(|i| i + from) {
        from = i + 1;
        let after = w.get(i + key.len());
        if after.is_some_and(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        if best.is_none_or(|b| i.abs_diff(pivot) < b.abs_diff(pivot)) {
            best = Some(i + key.len());
        }
    }
    best
}

fn name_value(w: &[u8], pivot: usize, key: &[u8]) -> Option<String> {
    let i = skip_ws(w, key_at(w, pivot, key)?);
    if w.get(i) != Some(&b'/') {
        return None;
    }
    let n = w[i + 1..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'.' || **b == b'_' || **b == b'-')
        .count();
    Some(String::from_utf8_lossy(&w[i + 1..i + 1 + n]).into_owned())
}

/// A literal string `( … )` (with escapes and nesting) or a hex string `< … >`, decoded.
fn string_value(w: &[u8], pivot: usize, key: &[u8]) -> Option<String> {
    let i = skip_ws(w, key_at(w, pivot, key)?);
    let raw = match w.get(i)? {
        b'(' => literal(&w[i + 1..])?,
        b'<' => {
            let end = w[i + 1..].iter().position(|b| *b == b'>')?;
            let text: Vec<u8> = w[i + 1..i + 1 + end]
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            hex::decode(text).ok()?
        }
        _ => return None,
    };
    Some(text_string(&raw))
}

fn literal(s: &[u8]) -> Option<Vec<u8>> {
    let (mut out, mut depth, mut i) = (Vec::new(), 0usize, 0usize);
    while i < s.len() && out.len() < 1024 {
        let b = s[i];
        i += 1;
        match b {
            b'\\' => {
                let e = *s.get(i)?;
                i += 1;
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'0'..=b'7' => {
                        let digits = s[i - 1..]
                            .iter()
                            .take(3)
                            .take_while(|d| (b'0'..=b'7').contains(d))
                            .count();
                        let v = s[i - 1..i - 1 + digits]
                            .iter()
                            .fold(0u32, |a, d| a * 8 + (d - b'0') as u32);
                        out.push(v as u8);
                        i += digits - 1;
                    }
                    b'\r' | b'\n' => {}
                    other => out.push(other),
                }
            }
            b'(' => {
                depth += 1;
                out.push(b);
            }
            b')' if depth == 0 => return Some(out),
            b')' => {
                depth -= 1;
                out.push(b);
            }
            _ => out.push(b),
        }
    }
    None
}

/// A PDF text string: UTF-16BE with its byte-order mark, UTF-8 with its mark (PDF 2.0), or
/// PDFDocEncoding (read as Latin-1, which it matches for the characters in dates and names).
fn text_string(raw: &[u8]) -> String {
    if let Some(u16s) = raw.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = u16s
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(u8s) = raw.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(u8s).into_owned();
    }
    raw.iter().map(|b| *b as char).collect()
}

/// A PDF date `D:YYYYMMDDHHmmSSOHH'mm'` (the offset optional), as a timestamp.
pub fn date(text: &str) -> Option<jiff::Timestamp> {
    let s = text.strip_prefix("D:").unwrap_or(text);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 8 {
        return None;
    }
    let n = |r: std::ops::Range<usize>, default: i16| {
        digits
            .get(r)
            .map_or(Some(default), |x| x.parse::<i16>().ok())
    };
    let dt = jiff::civil::DateTime::new(
        n(0..4, 0)?,
        n(4..6, 1)? as i8,
        n(6..8, 1)? as i8,
        n(8..10, 0)? as i8,
        n(10..12, 0)? as i8,
        n(12..14, 0)? as i8,
        0,
    )
    .ok()?;
    let rest = &s[digits.len()..];
    let offset_secs = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let t: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let h: i32 = t.get(0..2)?.parse().ok()?;
            let m: i32 = t.get(2..4).map_or(Some(0), |x| x.parse().ok())?;
            let v = h * 3600 + m * 60;
            if sign == '-' { -v } else { v }
        }
        _ => 0,
    };
    let offset = jiff::tz::Offset::from_seconds(offset_secs).ok()?;
    offset.to_timestamp(dt).ok()
}

#[cfg(test)]
mod tests;
