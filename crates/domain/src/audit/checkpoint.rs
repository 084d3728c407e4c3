//! Checkpoints in the C2SP `tlog-checkpoint` format, wrapped in a C2SP `signed-note`:
//!
//! ```text
//! <origin>
//! <tree size>
//! <base64 root hash>
//! time <RFC 3339 instant>
//!
//! — <key name> <base64(key id || Ed25519 signature)>
//! ```
//!
//! The signature covers the body (every line up to the blank one, each ending in a newline).
//! The time line is an extension line the format allows; it says when the root was taken.
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

use super::Hash;

/// A tree head: how many records, their root, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub time: jiff::Timestamp,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointError {
    #[error("not a checkpoint: {0}")]
    Format(String),
    #[error("the checkpoint carries no signature by {0}")]
    Unsigned(String),
}

/// The 4-byte key id of an Ed25519 note key: `SHA-256(name || "\n" || 0x01 || key)[..4]`.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\x01");
    h.update(public_key);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The signature line of a note signed by `name`.
pub fn signed_note_line(name: &str, id: [u8; 4], signature: &[u8; 64]) -> String {
    let mut blob = id.to_vec();
    blob.extend_from_slice(signature);
    format!("\u{2014} {name} {}\n", B64.encode(blob))
}

impl Checkpoint {
    /// The signed body.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.size,
            B64.encode(self.root),
            self.time
        )
    }

    /// Reads a signed note: the checkpoint and the signature by `name` (key id, signature).
    pub fn parse(
        text: &str,
        name: &str,
    ) -> Result<(Checkpoint, [u8; 4], [u8; 64]), CheckpointError> {
        let (body, sigs) = text
            .split_once("\n\n")
            .ok_or_else(|| CheckpointError::Format("no blank line before the signatures".into()))?;
        let mut lines = body.lines();
        let mut next = |what: &str| {
            lines
                .next()
                .ok_or_else(|| CheckpointError::Format(what.into()))
        };
        let origin = next("no origin")?.to_string();
        let size = next("no size")?
            .parse::<u64>()
            .map_err(|e| CheckpointError::Format(format!("size is not a number: {e}")))?;
        let root = B64
            .decode(next("no root")?)
            .ok()
            .and_then(|v| Hash::try_from(v).ok())
            .ok_or_else(|| CheckpointError::Format("root is not a base64 SHA-256 hash".into()))?;
        let time = next("no time")?
            .strip_prefix("time ")
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| CheckpointError::Format("no time line".into()))?;
        let cp = Checkpoint {
            origin,
            size,
            root,
            time,
        };
        if cp.body() != format!("{body}\n") {
            return Err(CheckpointError::Format(
                "the body has lines it should not".into(),
            ));
        }
        let prefix = format!("\u{2014} {name} ");
        let blob = sigs
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .ok_or_else(|| CheckpointError::Unsigned(name.into()))?;
        let blob = B64
            .decode(blob.trim())
            .map_err(|e| CheckpointError::Format(format!("the signature is not base64: {e}")))?;
        if blob.len() != 68 {
            return Err(CheckpointError::Format(
                "an Ed25519 note signature is 68 bytes".into(),
            ));
        }
        let id = [blob[0], blob[1], blob[2], blob[3]];
        let sig: [u8; 64] = blob[4..].try_into().expect("64 bytes");
        Ok((cp, id, sig))
    }
}
