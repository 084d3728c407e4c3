//! Digital signatures (R3.5, R4.6, R7.2a, R8.2b): verifying the PDFs and CMS files people sign,
//! and signing the results agencies issue as PAdES. OpenSSL does the cryptography, chains and
//! revocation (research/stack.md §2.8); the reading of CMS and PDF signature dictionaries is
//! our own, small and fuzzed, so that a hostile file meets bounds-checked code first.
pub mod cms;
pub mod der;
pub mod pdf;
pub mod trust;
pub mod verify;

pub use trust::{Anchors, TrustDir};
pub use verify::{Content, check, verify_pdf};
pub mod demo;
mod derw;
pub mod sign;

pub use sign::{Issue, Pkcs12Key, ResultSigner, SignError, sign_result};
