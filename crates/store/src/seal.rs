//! Personal data at rest (R10.5): identity numbers, phone numbers, addresses and form answers
//! are stored sealed with AES-256-GCM under a key kept outside the database, and found again
//! through a keyed blind index (HMAC-SHA-256) where they must be looked up.
//!
//! The keyring is the process's: rows are sealed and opened where they become domain values, in
//! this crate, which has no other context to carry it. A process holds one installation's
//! keys; installing again may only add keys (a rotation), never change one.
//!
//! A sealed value reads `enc1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`; the key id lets
//! older keys open what they sealed until [`crate::privacy::reseal`] has moved every row to the
//! current one. A value without the prefix is a row written before sealing began and is read as
//! it is (the start-up sweep seals them).
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};
use sha2::Sha256;

const PREFIX: &str = "enc1:";
const BLIND: &str = "bi1:";

/// The keys of one installation.
#[derive(Clone, PartialEq, Eq)]
pub struct Keyring {
    index: [u8; 32],
    keys: BTreeMap<u32, [u8; 32]>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Keyring {{ keys: {:?} }}",
            self.keys.keys().collect::<Vec<_>>()
        )
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("personal-data keys: {0}")]
    Keys(String),
    #[error("a sealed value does not open: {0}")]
    Open(String),
}

impl Keyring {
    /// Reads the key text: an `index <base64>` line and `key <n> <base64>` lines (32 bytes
    /// each; the highest number seals new values), separated by newlines or `;`, `#` comments.
    pub fn parse(text: &str) -> Result<Keyring, SealError> {
        let bad = |m: &str| SealError::Keys(m.to_string());
        let mut index = None;
        let mut keys = BTreeMap::new();
        for line in text.split(['\n', ';']).map(str::trim) {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [] => {}
                [w, ..] if w.starts_with('#') => {}
                ["index", k] => index = Some(key32(k)?),
                ["key", n, k] => {
                    let n: u32 = n
                        .parse()
                        .map_err(|e| bad(&format!("a key number is not a number: {e}")))?;
                    if keys.insert(n, key32(k)?).is_some() {
                        return Err(bad("a key number appears twice"));
                    }
                }
                _ => return Err(bad("lines read `index <base64>` or `key <n> <base64>`")),
            }
        }
        let index = index.ok_or_else(|| bad("no `index` key"))?;
        if keys.is_empty() {
            return Err(bad("no `key` line"));
        }
        Ok(Keyring { index, keys })
    }

    /// A new keyring with fresh random keys (key 1).
    pub fn generate() -> Keyring {
        let mut k = Keyring {
            index: random32(),
            keys: BTreeMap::new(),
        };
        k.keys.insert(1, random32());
        k
    }

    /// This keyring with one more key, which seals from now on.
    pub fn rotated(&self) -> Keyring {
        let mut k = self.clone();
        k.keys.insert(self.current() + 1, random32());
        k
    }

    /// The text [`Keyring::parse`] reads.
    pub fn to_text(&self) -> String {
        let mut s = String::from(
            "# motcua personal-data keys (R10.5): keep outside the database and its backups.\n",
        );
        s.push_str(&format!("index {}\n", B64.encode(self.index)));
        for (n, k) in &self.keys {
            s.push_str(&format!("key {n} {}\n", B64.encode(k)));
        }
        s
    }

    pub fn current(&self) -> u32 {
        *self.keys.keys().next_back().expect("a keyring has a key")
    }

    pub fn seal(&self, plain: &str) -> String {
        let n = self.current();
        let nonce: [u8; 12] = random_bytes();
        let mut tag = [0u8; 16];
        let ct = encrypt_aead(
            Cipher::aes_256_gcm(),
            &self.keys[&n],
            Some(&nonce),
            &n.to_be_bytes(),
            plain.as_bytes(),
            &mut tag,
        )
        .expect("AES-256-GCM with a 32-byte key seals");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        blob.extend_from_slice(&tag);
        format!("{PREFIX}{n}:{}", B64.encode(blob))
    }

    pub fn open(&self, stored: &str) -> Result<String, SealError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let (n, b) = rest
            .split_once(':')
            .ok_or_else(|| SealError::Open("no key number".into()))?;
        let n: u32 = n
            .parse()
            .map_err(|e| SealError::Open(format!("no key number: {e}")))?;
        let key = self
            .keys
            .get(&n)
            .ok_or_else(|| SealError::Open("sealed under a key not installed".into()))?;
        let blob = B64
            .decode(b)
            .map_err(|e| SealError::Open(format!("not base64: {e}")))?;
        if blob.len() < 28 {
            return Err(SealError::Open("too short".into()));
        }
        let (nonce, rest) = blob.split_at(12);
        let (ct, tag) = rest.split_at(rest.len() - 16);
        let plain = decrypt_aead(
            Cipher::aes_256_gcm(),
            key,
            Some(nonce),
            &n.to_be_bytes(),
            ct,
            tag,
        )
        .map_err(|e| SealError::Open(format!("altered, or sealed under another key ({e})")))?;
        String::from_utf8(plain).map_err(|e| SealError::Open(format!("not text: {e}")))
    }

    /// The key number a stored value was sealed with (none: in clear).
    pub fn key_of(stored: &str) -> Option<u32> {
        stored.strip_prefix(PREFIX)?.split_once(':')?.0.parse().ok()
    }

    /// The blind index of a value: equal values give equal indexes, and without the index key
    /// nobody can try the 10^12 identity numbers against it.
    pub fn blind(&self, value: &str) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.index).expect("HMAC takes any key");
        m.update(value.as_bytes());
        format!("{BLIND}{}", B64.encode(m.finalize().into_bytes()))
    }

    pub fn is_blind(stored: &str) -> bool {
        stored.starts_with(BLIND)
    }
}

fn key32(b64: &str) -> Result<[u8; 32], SealError> {
    B64.decode(b64)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(|| SealError::Keys("a key is not 32 bytes of base64".into()))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    openssl::rand::rand_bytes(&mut b).expect("the system's random source");
    b
}

fn random32() -> [u8; 32] {
    random_bytes()
}

static KEYRING: RwLock<Option<Arc<Keyring>>> = RwLock::new(None);

/// Installs the process's keyring. Installing the same keys again, or the same keys and more
/// (after a rotation), is allowed; a different index key or a changed key is refused.
pub fn install(k: Keyring) -> Result<(), SealError> {
    let mut g = KEYRING.write().unwrap_or_else(|e| e.into_inner());
    if let Some(old) = g.as_ref() {
        let same = old.index == k.index
            && old
                .keys
                .iter()
                .all(|(n, key)| k.keys.get(n).is_none_or(|x| x == key));
        if !same {
            return Err(SealError::Keys(
                "another installation's keys are already in use in this process".into(),
            ));
        }
        let mut merged = (**old).clone();
        merged.keys.extend(k.keys);
        *g = Some(Arc::new(merged));
    } else {
        *g = Some(Arc::new(k));
    }
    Ok(())
}

/// The installed keyring.
pub fn keyring() -> Arc<Keyring> {
    KEYRING
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .expect("the personal-data keys are installed before the database is used")
}

pub(crate) fn seal(plain: &str) -> String {
    keyring().seal(plain)
}

pub(crate) fn seal_opt(plain: Option<&str>) -> Option<String> {
    plain.map(seal)
}

pub(crate) fn open(stored: &str) -> crate::Result<String> {
    keyring().open(stored).map_err(|e| {
        tracing::error!(event = "crypt_decrypt_fail", error = %e);
        crate::StoreError::Db(sea_orm::DbErr::Custom(e.to_string()))
    })
}

pub(crate) fn open_opt(stored: Option<String>) -> crate::Result<Option<String>> {
    stored.as_deref().map(open).transpose()
}

pub fn blind(value: &str) -> String {
    keyring().blind(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_refuses_altered_values() {
        let k = Keyring::generate();
        let s = k.seal("001203004567");
        assert!(s.starts_with("enc1:1:") && !s.contains("001203004567"));
        assert_ne!(s, k.seal("001203004567"), "a fresh nonce each time");
        assert_eq!(k.open(&s).unwrap(), "001203004567");
        let mut b = B64.decode(&s[7..]).unwrap();
        b[14] ^= 1;
        let altered = format!("enc1:1:{}", B64.encode(b));
        assert!(k.open(&altered).is_err());
        assert!(
            Keyring::generate().open(&s).is_err(),
            "another installation's key"
        );
        assert_eq!(k.open("in clear").unwrap(), "in clear");
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_the_index_stable() {
        let k = Keyring::generate();
        let old = k.seal("0901234567");
        let r = Keyring::parse(&k.rotated().to_text()).unwrap();
        assert_eq!(r.current(), 2);
        assert_eq!(r.open(&old).unwrap(), "0901234567");
        assert_eq!(Keyring::key_of(&r.seal("x")), Some(2));
        assert_eq!(r.blind("001203004567"), k.blind("001203004567"));
        assert_ne!(k.blind("001203004567"), k.blind("001203004568"));
    }

    #[test]
    fn key_text_errors_are_named() {
        assert!(Keyring::parse("key 1 AAAA").is_err());
        assert!(Keyring::parse("index x").is_err());
        let k = Keyring::generate().to_text();
        assert!(Keyring::parse(&k.replace('\n', ";")).is_ok());
        assert!(Keyring::parse(&format!("{k}key 1 {}", &k[k.len() - 45..])).is_err());
    }
}
