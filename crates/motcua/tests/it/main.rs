//! Integration tests: the real server on loopback, each test on SQLite and PostgreSQL.
mod accounts;
mod agent;
mod api;
mod back_office;
mod browser;
mod catalogue;
mod cli;
mod contract;
mod copies;
mod crash;
mod dossier_pages;
mod dossiers;
mod factor;
mod hardening;
mod logs;
mod national;
mod notices;
mod operations;
mod payments;
mod privacy;
mod processing;
mod security;
mod signatures;
mod soak;
mod staff;
mod truth;
mod work_pages;

/// A password that is valid for staff too, with a marker CI looks for in the logs.
pub const PW: &str = "mật khẩu CANARYPW thật dài 2026";
/// A valid personal identification number that must never appear in logs.
pub const ID: &str = "051099887766";
