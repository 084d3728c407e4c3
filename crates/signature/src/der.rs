//! A small DER reader: enough of ASN.1 to walk a CMS SignedData and a certificate's fields.
//! It never panics and never allocates: every read is bounds-checked, and a length that runs
//! past its container is an error (the fuzz target `cms` holds it to that).

/// One element: its tag, its content, and the whole encoding (tag, length, content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const OID: u8 = 0x06;
pub const OCTET_STRING: u8 = 0x04;
pub const INTEGER: u8 = 0x02;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;

/// Reads one element at the start of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    // High tag numbers (0x1F) do not occur in the structures read here.
    if tag & 0x1F == 0x1F {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7F) as usize;
        // 0x80 is BER's indefinite length, which DER forbids; more than 4 length bytes would
        // describe more than any file we accept.
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (bytes, after) = rest.split_at(n);
        rest = after;
        bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize)
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    let (content, after) = rest.split_at(len);
    Some((
        Tlv {
            tag,
            content,
            raw: &input[..header + len],
        },
        after,
    ))
}

/// The elements inside a constructed element, in order (stops at the first malformed one).
pub fn children(content: &[u8]) -> Children<'_> {
    Children { rest: content }
}

pub struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Children<'a> {
    type Item = Tlv<'a>;
    fn next(&mut self) -> Option<Tlv<'a>> {
        let (t, rest) = read(self.rest)?;
        self.rest = rest;
        Some(t)
    }
}

/// The length of the DER element at the start of `input` (what a PDF's zero-padded
/// `/Contents` really holds).
pub fn element_len(input: &[u8]) -> Option<usize> {
    read(input).map(|(t, _)| t.raw.len())
}

/// An OID's dotted text, e.g. `1.2.840.113549.1.7.2`.
pub fn oid_text(content: &[u8]) -> Option<String> {
    let (&first, rest) = content.split_first()?;
    let mut parts = vec![
        (first / 40).min(2) as u64,
        first as u64 - 40 * (first / 40).min(2) as u64,
    ];
    let mut acc: u64 = 0;
    for &b in rest {
        acc = acc.checked_mul(128)? | (b & 0x7F) as u64;
        if b & 0x80 == 0 {
            parts.push(acc);
            acc = 0;
        }
    }
    if acc != 0 || content.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Some(
        parts
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// A UTCTime or GeneralizedTime in UTC (`…Z`), as a timestamp.
pub fn time(t: &Tlv) -> Option<jiff::Timestamp> {
    let s = std::str::from_utf8(t.content).ok()?;
    let s = s.strip_suffix('Z')?;
    let full = match t.tag {
        // RFC 5280: two-digit years 50–99 are 19xx, 00–49 20xx.
        UTC_TIME if s.len() == 12 => {
            let yy: u32 = s.get(..2)?.parse().ok()?;
            format!("{}{s}", if yy >= 50 { "19" } else { "20" })
        }
        GENERALIZED_TIME if s.len() >= 14 => s.get(..14)?.to_string(),
        _ => return None,
    };
    if !full.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| full.get(r).and_then(|x| x.parse::<i16>().ok());
    let dt = jiff::civil::DateTime::new(
        n(0..4)?,
        n(4..6)? as i8,
        n(6..8)? as i8,
        n(8..10)? as i8,
        n(10..12)? as i8,
        n(12..14)? as i8,
        0,
    )
    .ok()?;
    jiff::tz::Offset::UTC.to_timestamp(dt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths_and_refuses_overruns() {
        let (t, rest) = read(&[0x04, 0x02, 0xAA, 0xBB, 0x00]).unwrap();
        assert_eq!(
            (t.tag, t.content, rest),
            (0x04, &[0xAA, 0xBB][..], &[0x00][..])
        );
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7; 0x80]);
        assert_eq!(read(&long).unwrap().0.content.len(), 0x80);
        assert_eq!(read(&[0x04, 0x03, 0xAA]), None);
        assert_eq!(read(&[0x30, 0x80, 0, 0]), None, "BER indefinite length");
        assert_eq!(read(&[0x04, 0x85, 1, 1, 1, 1, 1]), None);
        assert_eq!(read(&[]), None);
        assert_eq!(element_len(&[0x30, 0x01, 0x05, 0, 0, 0]), Some(3));
    }

    #[test]
    fn oids_and_times() {
        let signed_data = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
        assert_eq!(oid_text(&signed_data).unwrap(), "1.2.840.113549.1.7.2");
        assert_eq!(oid_text(&[0x2A, 0x86]), None);
        let utc = Tlv {
            tag: UTC_TIME,
            content: b"261202093000Z",
            raw: &[],
        };
        assert_eq!(time(&utc).unwrap().to_string(), "2026-12-02T09:30:00Z");
        let old = Tlv {
            tag: UTC_TIME,
            content: b"991231235959Z",
            raw: &[],
        };
        assert_eq!(time(&old).unwrap().to_string(), "1999-12-31T23:59:59Z");
        let gen_t = Tlv {
            tag: GENERALIZED_TIME,
            content: b"20500101000000Z",
            raw: &[],
        };
        assert_eq!(time(&gen_t).unwrap().to_string(), "2050-01-01T00:00:00Z");
        let bad = Tlv {
            tag: UTC_TIME,
            content: b"26130209300Z",
            raw: &[],
        };
        assert_eq!(time(&bad), None);
    }
}
