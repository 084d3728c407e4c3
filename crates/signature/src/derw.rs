//! Writing the DER a CMS signature needs (the reader's counterpart).

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A SET OF, its elements in DER order (ascending by encoding).
pub fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.sort();
    tlv(0x31, &parts.concat())
}

pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &a in &arcs[2..] {
        let mut chunk = vec![(a & 0x7F) as u8];
        let mut v = a >> 7;
        while v > 0 {
            chunk.push(0x80 | (v & 0x7F) as u8);
            v >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    }
    tlv(0x06, &body)
}

/// An AlgorithmIdentifier, with a NULL parameter when asked.
pub fn algorithm(dotted: &str, null: bool) -> Vec<u8> {
    if null {
        seq(&[&oid(dotted), &[0x05, 0x00]])
    } else {
        seq(&[&oid(dotted)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_the_reader_reads() {
        let o = oid("1.2.840.113549.1.9.16.2.47");
        let (t, _) = crate::der::read(&o).unwrap();
        assert_eq!(
            crate::der::oid_text(t.content).unwrap(),
            "1.2.840.113549.1.9.16.2.47"
        );
        let big = tlv(0x04, &[1; 300]);
        assert_eq!(&big[..4], &[0x04, 0x82, 0x01, 0x2C]);
        assert_eq!(crate::der::read(&big).unwrap().0.content.len(), 300);
        assert_eq!(
            set_of(vec![vec![0x30, 1, 2], vec![0x30, 1, 1]]),
            [0x31, 6, 0x30, 1, 1, 0x30, 1, 2]
        );
    }
}
