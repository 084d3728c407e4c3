use super::*;
use proptest::prelude::*;

fn h(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// The Certificate Transparency reference leaves and the roots of their first 0..=8.
const CT_LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];
const CT_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn ct_leaves() -> Vec<Hash> {
    CT_LEAVES
        .iter()
        .map(|l| leaf_hash(&hex::decode(l).unwrap()))
        .collect()
}

#[test]
fn roots_match_rfc_6962_reference() {
    let leaves = ct_leaves();
    for n in 0..=8 {
        assert_eq!(root(&leaves[..n]), h(CT_ROOTS[n]), "size {n}");
    }
}

#[test]
fn inclusion_proofs_match_reference_paths() {
    let leaves = ct_leaves();
    let p0 = [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ];
    let p5 = [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ];
    assert_eq!(inclusion_proof(0, &leaves).unwrap(), p0.map(h).to_vec());
    assert_eq!(inclusion_proof(5, &leaves).unwrap(), p5.map(h).to_vec());
    let r = h(CT_ROOTS[8]);
    assert!(verify_inclusion(5, 8, &leaves[5], &p5.map(h), &r));
    assert!(!verify_inclusion(4, 8, &leaves[5], &p5.map(h), &r));
    assert!(!verify_inclusion(8, 8, &leaves[5], &p5.map(h), &r));
    assert_eq!(inclusion_proof(8, &leaves), None);
}

#[test]
fn edge_sizes_prove_and_refuse() {
    let leaves: Vec<Hash> = (0..70u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    for n in [1usize, 2, 3, 4, 5, 8, 9, 16, 17, 32, 33, 64, 65] {
        let d = &leaves[..n];
        let r = root(d);
        for m in [0, n / 2, n - 1] {
            let p = inclusion_proof(m, d).unwrap();
            assert!(
                verify_inclusion(m as u64, n as u64, &d[m], &p, &r),
                "{m} in {n}"
            );
            let mut longer = p.clone();
            longer.push(r);
            assert!(!verify_inclusion(m as u64, n as u64, &d[m], &longer, &r));
        }
        for m in 1..=n {
            let p = consistency_proof(m, d).unwrap();
            assert!(
                verify_consistency(m as u64, n as u64, &root(&d[..m]), &r, &p),
                "{m} to {n}"
            );
            assert!(!verify_consistency(
                m as u64,
                n as u64,
                &root(&d[..m]),
                &node_hash(&r, &r),
                &p
            ));
        }
    }
    assert!(verify_consistency(0, 0, &empty_root(), &empty_root(), &[]));
    assert_eq!(consistency_proof(0, &leaves), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(64)))]

    /// Any proof verifies for the right sizes, and any flipped bit in it fails.
    #[test]
    fn proofs_verify_and_any_bit_flip_fails(n in 1usize..200, a in 0usize..200, b in 0usize..200, bit in 0usize..256) {
        let leaves: Vec<Hash> = (0..n as u32).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        let r = root(&leaves);
        let m = a % n;
        let mut p = inclusion_proof(m, &leaves).unwrap();
        prop_assert!(verify_inclusion(m as u64, n as u64, &leaves[m], &p, &r));
        let i = b % p.len().max(1);
        if let Some(x) = p.get_mut(i) {
            x[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(!verify_inclusion(m as u64, n as u64, &leaves[m], &p, &r));
        }
        let first = b % n + 1;
        let fr = root(&leaves[..first]);
        let mut c = consistency_proof(first, &leaves).unwrap();
        prop_assert!(verify_consistency(first as u64, n as u64, &fr, &r, &c));
        if !c.is_empty() {
            let i = a % c.len();
            c[i][bit / 8] ^= 1 << (bit % 8);
            prop_assert!(!verify_consistency(first as u64, n as u64, &fr, &r, &c));
        }
    }

    /// The incremental tree gives the recursive definition's root at every size.
    #[test]
    fn incremental_root_is_the_recursive_one(n in 0usize..300) {
        let leaves: Vec<Hash> = (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        prop_assert_eq!(root(&leaves), mth(&leaves));
    }
}

/// RFC 6962's MTH, written as the RFC states it.
fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => empty_root(),
        1 => d[0],
        n => {
            let k = split(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

fn record(seq: i64) -> Record {
    Record {
        seq,
        at_micros: 1_700_000_000_000_000 + seq,
        actor: Some("0190-actor".into()),
        role: Some("reception".into()),
        action: "accept".into(),
        object_type: "dossier".into(),
        object_id: Some(format!("d{seq}")),
        agency: None,
        request_id: None,
        client: Some("127.0.0.1".into()),
        detail: "{}".into(),
    }
}

/// A well-formed log of `n` records.
fn log(n: i64) -> Vec<Stored> {
    let mut prev = [0; 32];
    (1..=n)
        .map(|s| {
            let r = record(s);
            let leaf = r.leaf();
            let st = Stored {
                record: r,
                leaf,
                prev,
            };
            prev = leaf;
            st
        })
        .collect()
}

fn checkpoint(rows: &[Stored]) -> Checkpoint {
    Checkpoint {
        origin: "test".into(),
        size: rows.len() as u64,
        root: root(&rows.iter().map(|r| r.leaf).collect::<Vec<_>>()),
        time: jiff::Timestamp::from_second(1_800_000_000).unwrap(),
    }
}

fn verify(rows: Vec<Stored>, cps: Vec<Checkpoint>) -> Result<(u64, Hash), Finding> {
    let mut v = Verifier::new(cps);
    for r in rows {
        v.push(r)?;
    }
    v.finish()
}

#[test]
fn verifier_names_the_first_bad_record() {
    let good = log(20);
    let cps = vec![checkpoint(&good[..10]), checkpoint(&good)];
    assert_eq!(verify(good.clone(), cps.clone()).unwrap().0, 20);

    let mut edited = good.clone();
    edited[6].record.action = "approve".into();
    assert_eq!(verify(edited, cps.clone()), Err(Finding::Edited { seq: 7 }));

    let mut deleted = good.clone();
    deleted.remove(4);
    assert_eq!(
        verify(deleted, cps.clone()),
        Err(Finding::Missing { seq: 5 })
    );

    // Edited with its own hash recomputed: the next record's link breaks.
    let mut rehashed = good.clone();
    rehashed[6].record.action = "approve".into();
    rehashed[6].leaf = rehashed[6].record.leaf();
    assert_eq!(
        verify(rehashed, cps.clone()),
        Err(Finding::Broken { seq: 7 })
    );

    // Two records exchanged (their places kept).
    let mut swapped = good.clone();
    let (a, b) = (swapped[8].clone(), swapped[9].clone());
    swapped[8] = Stored {
        record: Record { seq: 9, ..b.record },
        ..b
    };
    swapped[9] = Stored {
        record: Record {
            seq: 10,
            ..a.record
        },
        ..a
    };
    assert_eq!(
        verify(swapped, cps.clone()),
        Err(Finding::Misplaced { seq: 9 })
    );

    // A forged record put in at 12, the rest renumbered, its link made right.
    let mut inserted = good.clone();
    let mut forged = record(12);
    forged.action = "forged".into();
    let leaf = forged.leaf();
    inserted.insert(
        11,
        Stored {
            record: forged,
            leaf,
            prev: good[10].leaf,
        },
    );
    for (i, r) in inserted.iter_mut().enumerate() {
        r.record.seq = i as i64 + 1;
    }
    assert_eq!(
        verify(inserted, cps.clone()),
        Err(Finding::Misplaced { seq: 12 })
    );

    assert_eq!(
        verify(good[..15].to_vec(), cps.clone()).unwrap_err().seq(),
        16,
        "a cut tail"
    );

    // A consistent rewrite from 11 on (every hash recomputed): only the checkpoint knows.
    let mut fork = good[..10].to_vec();
    let mut prev = good[9].leaf;
    for s in 11..=20 {
        let mut r = record(s);
        r.detail = "{\"forged\":true}".into();
        let leaf = r.leaf();
        fork.push(Stored {
            record: r,
            leaf,
            prev,
        });
        prev = leaf;
    }
    let f = verify(fork, cps).unwrap_err();
    assert!(
        matches!(
            f,
            Finding::Rewritten {
                seq: 11,
                size: 20,
                ..
            }
        ),
        "{f:?}"
    );
}

#[test]
fn leaf_encoding_tells_fields_apart() {
    let a = record(1);
    let mut b = a.clone();
    b.actor = None;
    b.role = Some("0190-actorreception".into());
    assert_ne!(a.leaf(), b.leaf());
    let mut c = a.clone();
    c.seq = 2;
    assert_eq!(
        a.leaf(),
        c.leaf(),
        "the place is the tree's, not the leaf's"
    );
}

#[test]
fn checkpoint_note_round_trips_and_refuses_changes() {
    let cp = checkpoint(&log(3));
    let id = key_id("motcua", &[7; 32]);
    let note = format!(
        "{}\n{}",
        cp.body(),
        signed_note_line("motcua", id, &[9; 64])
    );
    let (back, bid, sig) = Checkpoint::parse(&note, "motcua").unwrap();
    assert_eq!((back, bid, sig), (cp.clone(), id, [9; 64]));
    assert_eq!(
        Checkpoint::parse(&note, "other").unwrap_err(),
        CheckpointError::Unsigned("other".into())
    );
    let extra = note.replacen("time ", "extra\ntime ", 1);
    assert!(Checkpoint::parse(&extra, "motcua").is_err());
    assert!(Checkpoint::parse(&note.replace("\n3\n", "\nthree\n"), "motcua").is_err());
}

#[test]
fn impossible_sizes_are_refused_not_panicked_on() {
    let leaves: Vec<Hash> = (0..5u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let r = root(&leaves);
    assert!(!verify_consistency(0, 5, &empty_root(), &r, &[r]));
    assert!(!verify_consistency(6, 5, &r, &r, &[r]));
    assert!(!verify_consistency(3, 5, &root(&leaves[..3]), &r, &[]));
}

#[test]
fn a_repeated_place_is_misplaced_and_findings_read() {
    let mut rows = log(6);
    let again = rows[3].clone();
    rows.insert(4, again);
    assert_eq!(verify(rows, vec![]), Err(Finding::Misplaced { seq: 4 }));
    let text = Finding::Missing { seq: 9 }.to_string();
    assert!(
        text.contains("record 9") && text.contains("deleted"),
        "{text}"
    );
}

#[test]
fn key_ids_follow_the_signed_note_rule() {
    use sha2::{Digest, Sha256};
    let key = [3u8; 32];
    let mut h = Sha256::new();
    h.update(b"motcua.example/audit\n\x01");
    h.update(key);
    let d = h.finalize();
    assert_eq!(
        key_id("motcua.example/audit", &key),
        [d[0], d[1], d[2], d[3]]
    );
    assert_ne!(key_id("other", &key), key_id("motcua.example/audit", &key));
}
