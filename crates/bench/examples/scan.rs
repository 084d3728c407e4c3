//! What checking an upload costs (R4.4), per megabyte: ClamAV's daemon scanning a file over
//! its socket (`INSTREAM`), and motcua's own parse of it (a PDF's table, page tree and
//! objects; a 12-megapixel photo decoded). In the same run, the ceiling for each: the SHA-256
//! of the same bytes, which every upload pays anyway. Prints per-MB times and ratios.
//!
//! The daemon here loads the test suite's own signatures (ClamAV's mirrors are out of reach):
//! with the official database (millions of signatures) its matching costs more per MB.
//!
//! `cargo run --release -p motcua-bench --example scan [-- N]` (needs clamav and clamav-daemon)
use std::hint::black_box;
use std::time::Instant;

use motcua_domain::dossier::FileKind;
use motcua_scan::{Allow, Scanner, inspect};
use motcua_testkit::clamav::Clamd;
use sha2::{Digest, Sha256};

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let Some(daemon) = Clamd::start(&[]) else {
        eprintln!("needs ClamAV: apt-get install clamav clamav-daemon");
        return;
    };
    let client = motcua_scan::clamd::Clamd::new(
        motcua_scan::clamd::Address::parse(&daemon.address()).unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "PDF, 1 MB",
            FileKind::Pdf,
            motcua_testkit::pdf_tagged("do", 1024 * 1024),
        ),
        (
            "PDF, 10 MB",
            FileKind::Pdf,
            motcua_testkit::pdf_tagged("do", 10 * 1024 * 1024),
        ),
        ("JPEG photo, 12 MP", FileKind::Jpeg, photo()),
    ];
    println!(
        "| file | MB | scan ms/MB | parse ms/MB | SHA-256 ms/MB (ceiling) | scan ÷ ceiling | parse ÷ ceiling |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, kind, bytes) in files {
        let path = dir.path().join("f");
        std::fs::write(&path, &bytes).unwrap();
        let mb = bytes.len() as f64 / 1_048_576.0;
        let t = Instant::now();
        for _ in 0..n {
            black_box(client.scan(&path).await.unwrap());
        }
        let scan = t.elapsed().as_secs_f64() * 1000.0 / n as f64 / mb;
        let t = Instant::now();
        for _ in 0..n {
            inspect(kind, black_box(&bytes), Allow::default()).unwrap();
        }
        let parse = t.elapsed().as_secs_f64() * 1000.0 / n as f64 / mb;
        let t = Instant::now();
        for _ in 0..n {
            black_box(Sha256::digest(black_box(&bytes)));
        }
        let hash = t.elapsed().as_secs_f64() * 1000.0 / n as f64 / mb;
        println!(
            "| {name} | {mb:.1} | {scan:.2} | {parse:.2} | {hash:.2} | {:.1} | {:.1} |",
            scan / hash,
            parse / hash
        );
    }
}

/// A 4,000 × 3,000 photo-like JPEG (what a phone sends).
fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(4000, 3000, |x, y| {
        let v = ((x * 7 + y * 13) % 251) as u8;
        image::Rgb([v, v.wrapping_mul(3), (x / 16) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}
