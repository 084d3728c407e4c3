//! The audit log as a Merkle tree (R3.5, R4.3): RFC 6962 / RFC 9162 §2.1 hashing, inclusion and
//! consistency proofs, and the signed checkpoints of C2SP `tlog-checkpoint` and `signed-note`.
//!
//! A record is hashed from its fields in a fixed, length-prefixed encoding, so that the stored
//! row is what is hashed and nothing else. Each record also carries the leaf hash of the one
//! before it: an edit, a deletion or a swap is then named at the first record it touches, and
//! the signed checkpoints kept outside the database catch a rewrite of the whole tail.
use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// `SHA-256(0x00 || data)`: a leaf, kept apart from interior nodes (second preimages).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A tree grown one leaf at a time, keeping only the roots of its complete subtrees (at most
/// 64): the root of a million leaves costs two million hashes and no memory beyond that.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// (root, size) of complete subtrees, sizes strictly decreasing powers of two.
    stack: Vec<(Hash, u64)>,
    size: u64,
}

impl Tree {
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (leaf, 1u64);
        while let Some(&(top, n)) = self.stack.last() {
            if n != node.1 {
                break;
            }
            self.stack.pop();
            node = (node_hash(&top, &node.0), n * 2);
        }
        self.stack.push(node);
        self.size += 1;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// RFC 6962 MTH of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&(mut h, _)) = it.next() else {
            return empty_root();
        };
        for (left, _) in it {
            h = node_hash(left, &h);
        }
        h
    }
}

/// The root of a list of leaf hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    let mut t = Tree::default();
    leaves.iter().for_each(|l| t.push(*l));
    t.root()
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: usize) -> usize {
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The audit path of leaf `m` in the tree of `leaves` (RFC 6962 §2.1.1), or none when `m` is
/// outside it.
pub fn inclusion_proof(m: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    (m < leaves.len()).then(|| path(m, leaves))
}

fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    if d.len() <= 1 {
        return Vec::new();
    }
    let k = split(d.len());
    let (mut p, sibling) = if m < k {
        (path(m, &d[..k]), root(&d[k..]))
    } else {
        (path(m - k, &d[k..]), root(&d[..k]))
    };
    p.push(sibling);
    p
}

/// RFC 9162 §2.1.3.2: whether `leaf` is leaf `index` of the tree of `size` leaves with `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s, mut r) = (index, size - 1, *leaf);
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// The proof that the first `m` leaves are a prefix of `leaves` (RFC 6962 §2.1.2); none when
/// `m` is 0 or past the end.
pub fn consistency_proof(m: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    (m > 0 && m <= leaves.len()).then(|| subproof(m, leaves, true))
}

fn subproof(m: usize, d: &[Hash], whole: bool) -> Vec<Hash> {
    if m == d.len() {
        return if whole { Vec::new() } else { vec![root(d)] };
    }
    let k = split(d.len());
    let (mut p, sibling) = if m <= k {
        (subproof(m, &d[..k], whole), root(&d[k..]))
    } else {
        (subproof(m - k, &d[k..], false), root(&d[..k]))
    };
    p.push(sibling);
    p
}

/// RFC 9162 §2.1.4.2: whether the tree of `second` leaves with root `second_root` extends the
/// tree of `first` leaves with root `first_root`.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 || first > second || proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *first_root && sr == *second_root && s == 0
}

/// One audit record as stored: who (account, role), in which agency, did what to which object,
/// when, from which request and address; references only, never personal data (R10.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its place in the log, from 1, without gaps.
    pub seq: i64,
    /// Microseconds since the epoch (what both engines store exactly).
    pub at_micros: i64,
    pub actor: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub agency: Option<String>,
    pub request_id: Option<String>,
    pub client: Option<String>,
    /// JSON, references only.
    pub detail: String,
}

impl Record {
    /// The bytes the leaf hash covers: every field but `seq` (the tree gives the position), in
    /// a fixed order, each length-prefixed so that no two records encode alike.
    pub fn leaf_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.detail.len());
        out.extend_from_slice(b"motcua-audit-v1");
        out.extend_from_slice(&self.at_micros.to_be_bytes());
        for f in [
            self.actor.as_deref(),
            self.role.as_deref(),
            Some(self.action.as_str()),
            Some(self.object_type.as_str()),
            self.object_id.as_deref(),
            self.agency.as_deref(),
            self.request_id.as_deref(),
            self.client.as_deref(),
            Some(self.detail.as_str()),
        ] {
            match f {
                None => out.push(0),
                Some(s) => {
                    out.push(1);
                    out.extend_from_slice(&(s.len() as u64).to_be_bytes());
                    out.extend_from_slice(s.as_bytes());
                }
            }
        }
        out
    }

    pub fn leaf(&self) -> Hash {
        leaf_hash(&self.leaf_bytes())
    }
}

/// A stored record with the hashes written beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub record: Record,
    pub leaf: Hash,
    /// The leaf hash of the record before (zeros for the first).
    pub prev: Hash,
}

mod checkpoint;
mod verify;

pub use checkpoint::{Checkpoint, CheckpointError, key_id, signed_note_line};
pub use verify::{Finding, Verifier};

#[cfg(test)]
mod tests;
