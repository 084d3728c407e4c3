use super::*;

fn sig(status: Status, signs: Option<Uuid>) -> Signature {
    Signature {
        status,
        signs,
        ..Signature::invalid("")
    }
}

#[test]
fn a_file_is_well_signed_when_every_signature_is_valid() {
    assert!(!well_signed(&[]));
    assert!(well_signed(&[sig(Status::Valid, None)]));
    assert!(!well_signed(&[
        sig(Status::Valid, None),
        sig(Status::Expired, None)
    ]));
    for s in [
        Status::Invalid,
        Status::Untrusted,
        Status::Expired,
        Status::Revoked,
    ] {
        assert!(!well_signed(&[sig(s, None)]), "{s:?}");
    }
}

#[test]
fn level_four_components_need_a_valid_signature_on_each_file() {
    let (a, b, p) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let valid = [sig(Status::Valid, None)];
    let revoked = [sig(Status::Revoked, None)];
    let over_b = [sig(Status::Valid, Some(b))];
    let file = |id, component, detached, signatures| SignedFile {
        id,
        component,
        detached,
        signatures,
    };
    // A signed PDF in "don", an unsigned scan in "anh": only "anh" is unsigned.
    let files = [
        file(a, "don", false, &valid[..]),
        file(b, "anh", false, &[][..]),
    ];
    assert_eq!(unsigned_components(&["don", "anh"], &files), ["anh"]);
    // A valid detached signature over the scan signs it; one over another file does not.
    let mut with_p7s = files.to_vec();
    with_p7s.push(file(p, "anh", true, &over_b[..]));
    assert!(unsigned_components(&["don", "anh"], &with_p7s).is_empty());
    let over_a = [sig(Status::Valid, Some(a))];
    with_p7s[2] = file(p, "anh", true, &over_a[..]);
    assert_eq!(unsigned_components(&["anh"], &with_p7s), ["anh"]);
    // A detached signature whose file was removed signs nothing.
    let orphan = [file(p, "anh", true, &over_b[..])];
    assert_eq!(unsigned_components(&["anh"], &orphan), ["anh"]);
    // A revoked signature signs nothing; components not marked are not asked.
    let files = [file(a, "don", false, &revoked[..])];
    assert_eq!(unsigned_components(&["don"], &files), ["don"]);
    assert!(unsigned_components(&[], &files).is_empty());
    // A component with no file is left to the completeness check.
    assert!(unsigned_components(&["khac"], &files).is_empty());
}

#[test]
fn papers_awaited_hold_acceptance() {
    assert!(Papers::holds_acceptance(Some(Papers::Awaited)));
    assert!(!Papers::holds_acceptance(Some(Papers::Received)));
    assert!(!Papers::holds_acceptance(None));
    for p in [Papers::Awaited, Papers::Received] {
        assert_eq!(Papers::parse(p.as_str()), Some(p));
    }
    assert_eq!(Papers::parse("lost"), None);
}

#[test]
fn result_numbers_read_back() {
    let n = result_number("000.00.12.H48-261202-0001", 2);
    assert_eq!(n, "000.00.12.H48-261202-0001-KQ2");
    assert_eq!(
        parse_result_number(&n),
        Some(("000.00.12.H48-261202-0001", 2))
    );
    for bad in [
        "", "-KQ1", "ABC-KQ0", "ABC-KQ", "ABC-KQ01", "ABC-KQx", "ABC",
    ] {
        assert_eq!(parse_result_number(bad), None, "{bad}");
    }
}
