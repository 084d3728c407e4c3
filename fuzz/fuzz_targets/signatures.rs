//! The parsing path hostile files meet first (security matrix row 30): the scan of a PDF for
//! signature dictionaries, the CMS SignedData reader over what each holds and over the bytes
//! as a `.p7s`, and the dates they carry. Any input: findings or errors, never a panic, a hang,
//! or a read out of bounds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use motcua_signature::{cms, pdf};

fuzz_target!(|data: &[u8]| {
    for s in pdf::signatures(data).into_iter().flatten() {
        let _ = s.signed_bytes(data);
        let _ = s.reaches_end(data.len());
        if let Some(parsed) = cms::parse(&s.cms) {
            for signer in &parsed.signers {
                let _ = (signer.signing_time, signer.message_digest);
            }
        }
        if let Some(m) = s.m.as_deref() {
            let _ = pdf::date(m);
        }
    }
    let _ = cms::parse(data);
});
