//! Hardening (R3.5, R4.2, R4.4): password hashing cannot be turned into a flood, anonymous reads
//! write nothing, inputs are bounded, slow clients are cut off, development stays on the loopback,
//! and a database outage answers 503.

mod bounds;
mod logins;
pub(crate) mod outage;
