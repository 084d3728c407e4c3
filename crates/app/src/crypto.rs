//! Secrets: random tokens, hashes, HMAC, and Argon2id password hashing.
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Argon2id parameters of ASVS 5.0 Appendix C / security.md §5: m = 19 MiB, t = 2, p = 1.
pub const ARGON2_M_KIB: u32 = 19_456;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).expect("valid argon2 params"),
    )
}

/// Hashes a password into a PHC string with a fresh salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing")
        .to_string()
}

/// A hash of a random password, verified against when the account is unknown so that the
/// answer takes as long as for a known account (no enumeration by timing).
pub static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password(&random_token()));

/// Verifies a password against a PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => argon2().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// Whether a stored hash uses weaker parameters than the current ones (then rehash at log-in).
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return true;
    };
    let get = |k: &str| h.params.get_decimal(k);
    h.algorithm.as_str() != "argon2id"
        || get("m") != Some(ARGON2_M_KIB)
        || get("t") != Some(ARGON2_T)
        || get("p") != Some(ARGON2_P)
}

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 in hex: how secrets are stored.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// HMAC-SHA-256 of `msg` under `key`, URL-safe base64.
pub fn hmac_b64(key: &[u8], msg: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("hmac key");
    m.update(msg.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// Constant-time comparison.
pub fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_with_asvs_parameters() {
        let h = hash_password("một mật khẩu dài");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("một mật khẩu dài", &h));
        assert!(!verify_password("một mật khẩu dà", &h), "no truncation");
        assert!(!verify_password("MỘT MẬT KHẨU DÀI", &h), "no case folding");
        assert!(!needs_rehash(&h));
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"x", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(needs_rehash(&weak));
    }

    #[test]
    fn tokens_are_256_bits_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let t = random_token();
            assert_eq!(t.len(), 43);
            assert!(seen.insert(t));
        }
    }
}
