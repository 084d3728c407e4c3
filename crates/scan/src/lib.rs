//! What an uploaded file must pass before any row may point to it (R4.4): ClamAV's verdict
//! ([`clamd`]), and parsing as the kind its first bytes claim ([`inspect`]). Staff open these
//! files on office computers.
pub mod clamd;
pub mod inspect;
pub mod preview;
pub mod samples;

use std::path::Path;

use futures_util::future::BoxFuture;

pub use inspect::{Allow, Problem, inspect};

/// What the scanner found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// A signature matched: its name.
    Found(String),
}

/// The scanner's engine and signature database, as it reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    /// `ClamAV 1.4.6`.
    pub engine: String,
    /// The signature database's version (that of `daily`), when the daemon names one.
    pub version: Option<u64>,
    /// When that database was built.
    pub built: Option<jiff::Timestamp>,
}

impl Database {
    /// A short label for records and pages: `ClamAV 1.4.6/27480`.
    pub fn label(&self) -> String {
        match self.version {
            Some(v) => format!("{}/{v}", self.engine),
            None => self.engine.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// The scanner did not answer, or answered that it could not scan: the file is not passed.
    #[error("scanner unavailable: {0}")]
    Unavailable(String),
    /// The file is larger than the scanner takes (its `StreamMaxLength`): never passed.
    #[error("larger than the scanner takes")]
    TooLarge,
    /// The file to scan could not be read.
    #[error("reading the file to scan: {0}")]
    Io(String),
}

/// A malware scanner (R4.4): ClamAV's daemon in production.
pub trait Scanner: Send + Sync {
    /// Scans a whole file.
    fn scan<'a>(&'a self, file: &'a Path) -> BoxFuture<'a, Result<Verdict, ScanError>>;
    /// The engine and its signature database.
    fn database(&self) -> BoxFuture<'_, Result<Database, ScanError>>;
}
