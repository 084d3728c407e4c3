//! The checks every upload meets before it is stored (R4.4; research/security.md rows 24–29):
//! the first byte picks the kind the file claims, the rest is parsed as that kind (a PDF's
//! table, page tree and objects; an image decoded within the pixel budget; HEIC boxes; a CMS
//! structure). Any input: accepted or refused with a reason, never a panic, a hang, or memory
//! beyond the budget.
#![no_main]
use libfuzzer_sys::fuzz_target;
use motcua_domain::dossier::FileKind;
use motcua_scan::{Allow, inspect};

const KINDS: [FileKind; 6] = [
    FileKind::Pdf,
    FileKind::Jpeg,
    FileKind::Png,
    FileKind::Webp,
    FileKind::Heic,
    FileKind::Cms,
];

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(*first) % KINDS.len()];
    let allow = Allow {
        embedded_files: first & 0x80 != 0,
    };
    let _ = inspect(kind, rest, allow);
});
