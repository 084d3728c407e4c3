//! How fast the working calendar answers due instants.
//!
//! `cargo run --release -p motcua-bench --example calendar [-- N]`
//!
//! Measures N appointment computations (working days, hours and same day, from instants spread
//! over 2024–2026) and, in the same run, the ceiling for the same output without a calendar: adding
//! a fixed span to each instant and converting it to local time. Prints both and the ratio.
use std::hint::black_box;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use motcua_domain::calendar::{Calendar, to_local};
use motcua_domain::catalogue::Duration;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let start: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
    let starts: Vec<Timestamp> = (0..n)
        .map(|i| start + SignedDuration::from_secs((i as i64 * 7919 * 61) % (3 * 365 * 86400)))
        .collect();
    let limits = [
        Duration::WorkingDays { value: 15.0 },
        Duration::WorkingDays { value: 0.5 },
        Duration::WorkingHours { value: 8.0 },
        Duration::SameDay {
            cutoff: "15:00".into(),
        },
    ];
    let t = Instant::now();
    let cal = Calendar::official();
    let build = t.elapsed();

    for _ in 0..3 {
        let t = Instant::now();
        for (i, s) in starts.iter().enumerate() {
            black_box(cal.due(None, *s, &limits[i % limits.len()]));
        }
        let dt = t.elapsed();
        let t = Instant::now();
        for s in &starts {
            black_box(to_local(*s + SignedDuration::from_hours(24 * 15)));
        }
        let ceiling = t.elapsed();
        let per = dt.as_nanos() as f64 / n as f64;
        let per_c = ceiling.as_nanos() as f64 / n as f64;
        println!(
            "{n} due instants: {:.0} ns each ({:.0}/s); ceiling (plain add + local time) {:.0} ns; ratio {:.1}×",
            per,
            1e9 / per,
            per_c,
            per / per_c
        );
    }
    println!("calendar built (2000–2060 precomputed) in {build:?}");
}
