//! motcua domain: the rules of the regulation as plain Rust (no I/O, no async, no SQL, no HTML).
//!
//! Time comes in as a value ([`clock::Clock`]) so that every rule is testable with exact instants.

pub mod account;
pub mod agency;
pub mod audit;
pub mod authz;
pub mod calendar;
pub mod catalogue;
pub mod clock;
pub mod deadline;
pub mod delivery;
pub mod dossier;
pub mod event;
pub mod feedback;
pub mod fees;
pub mod form;
pub mod identity;
pub mod incident;
pub mod lifecycle;
pub mod national;
pub mod notice;
pub mod originals;
pub mod oversight;
pub mod password;
pub mod privacy;
pub mod rating;
pub mod reception;
pub mod record;
pub mod report;
pub mod search;
pub mod service;
pub mod signature;
pub mod text;
pub mod totp;
pub mod vnpay;
pub mod work;

pub use account::{AccountKind, Role};
pub use authz::{Action, Actor, Denied, Grant, Target, authorize};
pub use clock::{Clock, FixedClock, SystemClock};

/// The number of cases a property test runs: `default`, or `PROPTEST_CASES` when set (the
/// mutation run in `docs/testing.md` sets it lower, to try every mutant in the time it has).
#[cfg(test)]
pub(crate) fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
