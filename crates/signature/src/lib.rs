//! Digital signatures (R3.5, R4.6, R7.2a, R8.2b): verifying the PDFs and CMS files people sign,
//! and signing the results agencies issue as PAdES. OpenSSL does the cryptography, chains and
//! revocation (research/stack.md §2.8); the reading of CMS and PDF signature dictionaries is
//! our own, small and fuzzed (`fuzz/`), so that a hostile file meets bounds-checked code first.
pub mod cms;
pub mod der;
pub mod pdf;

#[cfg(feature = "crypto")]
pub mod demo;
#[cfg(feature = "crypto")]
mod derw;
#[cfg(feature = "crypto")]
pub mod sign;
#[cfg(feature = "crypto")]
pub mod trust;
#[cfg(feature = "crypto")]
pub mod verify;

#[cfg(feature = "crypto")]
pub use sign::{Issue, Pkcs12Key, ResultSigner, SignError, sign_result};
#[cfg(feature = "crypto")]
pub use trust::{Anchors, TrustDir};
#[cfg(feature = "crypto")]
pub use verify::{Content, check, verify_pdf};
