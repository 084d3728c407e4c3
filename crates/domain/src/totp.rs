//! The staff's second factor (R4.6; ASVS 6.3.3, 6.5): time-based one-time codes (RFC 6238 over
//! RFC 4226: HMAC-SHA-1, 30-second steps, 6 digits, what every authenticator app reads from the
//! QR code) and single-use recovery codes.
//!
//! A code is accepted once: the step it matched is remembered, and a code of that step or an
//! earlier one is refused afterwards (a code seen over a shoulder or replayed from a log is
//! worthless). One step of clock drift either way is tolerated.
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use sha1::Sha1;

/// Seconds per step (RFC 6238's default, the one authenticator apps assume).
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps of clock drift tolerated either way.
pub const SKEW: i64 = 1;
/// Bytes of a secret (160 bits, RFC 4226 §4's recommendation).
pub const SECRET_LEN: usize = 20;
/// Recovery codes given at enrolment; each works once.
pub const RECOVERY_CODES: usize = 10;
/// Bytes of randomness per recovery code (80 bits: 16 base32 letters).
pub const RECOVERY_LEN: usize = 10;

/// The step an instant falls in.
pub fn step_of(t: Timestamp) -> i64 {
    t.as_second().div_euclid(STEP_SECS)
}

/// The code of a step (RFC 4226 §5.3, dynamic truncation), as `DIGITS` digits.
pub fn code_at(secret: &[u8], step: i64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = (h[h.len() - 1] & 0x0f) as usize;
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    format!(
        "{:0width$}",
        bin % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The code as typed, without spaces; `None` unless it is `DIGITS` digits.
pub fn read_code(typed: &str) -> Option<String> {
    let c: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (c.len() == DIGITS as usize && c.bytes().all(|b| b.is_ascii_digit())).then_some(c)
}

/// The step a typed code matches at `now`, within the drift allowed and later than the last
/// step used (`None`: wrong, expired, or already used).
pub fn matching_step(secret: &[u8], typed: &str, now: Timestamp, last: Option<i64>) -> Option<i64> {
    let code = read_code(typed)?;
    let now = step_of(now);
    (now - SKEW..=now + SKEW)
        .filter(|s| last.is_none_or(|l| *s > l))
        .find(|s| constant_eq(code_at(secret, *s).as_bytes(), code.as_bytes()))
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648, no padding): how a secret is written in the QR code and typed by hand.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(B32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The `otpauth://` address an authenticator app reads from the QR code (Key URI Format).
pub fn uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

/// A recovery code as shown: four groups of four letters (`abcd-efgh-ijkl-mnop`).
pub fn recovery_code(random: &[u8; RECOVERY_LEN]) -> String {
    let s = base32(random).to_ascii_lowercase();
    let groups: Vec<&str> = (0..s.len()).step_by(4).map(|i| &s[i..i + 4]).collect();
    groups.join("-")
}

/// A typed recovery code in the one form it is stored under (no dashes or spaces, lower case);
/// `None` unless it has the shape of one.
pub fn read_recovery(typed: &str) -> Option<String> {
    let c: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let len = (RECOVERY_LEN * 8).div_ceil(5);
    (c.len() == len && c.bytes().all(|b| B32.contains(&b.to_ascii_uppercase()))).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    /// RFC 6238 Appendix B (SHA-1), the last six of its eight digits.
    #[test]
    fn rfc_6238_test_vectors() {
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            let at = Timestamp::from_second(t).unwrap();
            assert_eq!(code_at(RFC_SECRET, step_of(at)), code, "T = {t}");
        }
    }

    #[test]
    fn a_code_is_accepted_once_within_one_step_of_drift() {
        let now = Timestamp::from_second(1_234_567_890).unwrap();
        let s = step_of(now);
        let code = code_at(RFC_SECRET, s);
        assert_eq!(matching_step(RFC_SECRET, &code, now, None), Some(s));
        // Reused: the step was used.
        assert_eq!(matching_step(RFC_SECRET, &code, now, Some(s)), None);
        // Typed with a space, as apps show it.
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(RFC_SECRET, &spaced, now, None), Some(s));
        // The previous step's code is still good; the one before is expired.
        let prev = code_at(RFC_SECRET, s - 1);
        assert_eq!(matching_step(RFC_SECRET, &prev, now, None), Some(s - 1));
        let old = code_at(RFC_SECRET, s - 2);
        assert_eq!(matching_step(RFC_SECRET, &old, now, None), None);
        // A code of a step before the last used is refused even within the drift.
        assert_eq!(matching_step(RFC_SECRET, &prev, now, Some(s - 1)), None);
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(matching_step(RFC_SECRET, bad, now, None), None, "{bad}");
        }
    }

    #[test]
    fn base32_matches_rfc_4648() {
        for (plain, enc) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(plain.as_bytes()), enc);
        }
    }

    #[test]
    fn the_uri_names_the_issuer_and_account_escaped() {
        let u = uri(RFC_SECRET, "motcua Quảng Ngãi", "an.nv");
        assert!(u.starts_with("otpauth://totp/motcua%20Qu%E1%BA%A3ng%20Ng%C3%A3i:an.nv?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&"), "{u}");
        assert!(u.ends_with("&algorithm=SHA1&digits=6&period=30"), "{u}");
    }

    proptest! {
        #[test]
        fn recovery_codes_read_back_however_typed(r in any::<[u8; RECOVERY_LEN]>()) {
            let shown = recovery_code(&r);
            prop_assert_eq!(shown.len(), 19);
            let stored = read_recovery(&shown).unwrap();
            prop_assert_eq!(read_recovery(&shown.to_uppercase().replace('-', " ")), Some(stored.clone()));
            prop_assert_eq!(stored, base32(&r).to_ascii_lowercase());
        }

        #[test]
        fn codes_are_six_digits(secret in any::<[u8; SECRET_LEN]>(), step in 0i64..1<<40) {
            let c = code_at(&secret, step);
            prop_assert!(read_code(&c).is_some());
        }
    }
}
