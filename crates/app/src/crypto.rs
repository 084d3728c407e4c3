//! Secrets: random tokens, hashes, HMAC, and Argon2id password hashing.
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Argon2id parameters of ASVS 5.0 Appendix C (R10.5): m = 19 MiB, t = 2, p = 1.
pub const ARGON2_M_KIB: u32 = 19_456;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

/// Argon2's working memory (1 KiB blocks), kept from one hash to the next by the threads that
/// hash: the allocator would otherwise keep each freed 19 MiB block apart and the process would
/// grow by hundreds of MB under a stream of log-ins (measured: 20 verifications on one thread
/// left 216 MB resident).
pub struct HashMemory(Vec<Block>);

/// The most memory a stored hash may ask for (64 MiB): a hash with more is not ours.
const MAX_BLOCKS: usize = 64 * 1024;

impl HashMemory {
    pub fn new() -> Self {
        HashMemory(vec![Block::default(); ARGON2_M_KIB as usize])
    }

    /// The first `n` blocks, growing once if a stored hash needs more (never past 64 MiB).
    fn blocks(&mut self, n: usize) -> Option<&mut [Block]> {
        if n > MAX_BLOCKS {
            return None;
        }
        if self.0.len() < n {
            self.0.resize(n, Block::default());
        }
        Some(&mut self.0[..n])
    }
}

impl Default for HashMemory {
    fn default() -> Self {
        Self::new()
    }
}

/// Hashes a password into a PHC string with a fresh salt.
pub fn hash_password(password: &str) -> String {
    hash_password_in(&mut HashMemory::new(), password)
}

/// [`hash_password`] in the given working memory.
pub fn hash_password_in(mem: &mut HashMemory, password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).expect("valid argon2 params");
    let hash = argon_hash(
        mem,
        password,
        Algorithm::Argon2id,
        Version::V0x13,
        params,
        salt.as_salt(),
        Params::DEFAULT_OUTPUT_LEN,
    )
    .expect("argon2 hashing");
    hash.to_string()
}

/// Argon2 of a password with the given settings, as a PHC hash.
fn argon_hash<'a>(
    mem: &mut HashMemory,
    password: &str,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Salt<'a>,
    output_len: usize,
) -> Option<PasswordHash<'a>> {
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).ok()?;
    let blocks = mem.blocks(params.block_count())?;
    let argon = Argon2::new(algorithm, version, params.clone());
    let output = Output::init_with(output_len, |out| {
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, &mut *blocks)
            .map_err(password_hash::Error::from)
    })
    .ok()?;
    Some(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params).ok()?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// A hash of a random password, verified against when the account is unknown so that the
/// answer takes as long as for a known account (no enumeration by timing).
pub static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password(&random_token()));

/// Verifies a password against a PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    verify_password_in(&mut HashMemory::new(), password, phc)
}

/// [`verify_password`] in the given working memory. The settings are the stored hash's (older
/// hashes verify, then are rehashed); the comparison takes constant time.
pub fn verify_password_in(mem: &mut HashMemory, password: &str, phc: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(h.algorithm), Params::try_from(&h))
    else {
        return false;
    };
    let version = match h.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    argon_hash(
        mem,
        password,
        algorithm,
        version,
        params,
        salt,
        expected.len(),
    )
    .and_then(|got| got.hash)
    .is_some_and(|got| got == expected)
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
    b64url(&b)
}

/// `n` random decimal digits (a one-time code a person types from an SMS).
pub fn random_digits(n: u32) -> String {
    let v: u64 = rand::Rng::random_range(&mut rand::rng(), 0..10u64.pow(n));
    format!("{v:0width$}", width = n as usize)
}

/// SHA-256 in hex: how secrets are stored.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// HMAC-SHA-256 of `msg` under `key`, URL-safe base64.
pub fn hmac_b64(key: &[u8], msg: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("hmac key");
    m.update(msg.as_bytes());
    b64url(&m.finalize().into_bytes())
}

/// URL-safe base64 without padding.
pub fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Constant-time comparison.
pub fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

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
        // Hashes made by the library itself (older accounts, other settings) verify here, and
        // ours verify there: the reused working memory changes nothing of the result.
        let mut mem = HashMemory::new();
        assert!(verify_password_in(&mut mem, "x", &weak));
        assert!(!verify_password_in(&mut mem, "y", &weak));
        let ours = hash_password_in(&mut mem, "một mật khẩu dài");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password("một mật khẩu dài".as_bytes(), &parsed)
                .is_ok()
        );
        assert!(verify_password_in(&mut mem, "một mật khẩu dài", &h));
        assert!(!verify_password_in(
            &mut mem,
            "x",
            "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaA"
        ));
        assert!(!verify_password_in(&mut mem, "x", "không phải PHC"));
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
