//! Time as a value: production uses [`SystemClock`], tests a [`FixedClock`] they can move.
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// The source of "now" for every rule.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    pub fn new(at: Timestamp) -> Self {
        Self(Mutex::new(at))
    }
    pub fn set(&self, at: Timestamp) {
        *self.0.lock().expect("clock lock") = at;
    }
    pub fn advance(&self, by: SignedDuration) {
        let mut t = self.0.lock().expect("clock lock");
        *t = t.checked_add(by).expect("clock overflow");
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock lock")
    }
}

/// Vietnam's civil time: UTC+7 all year (no daylight saving since 1975).
pub fn vn_offset() -> jiff::tz::Offset {
    jiff::tz::Offset::constant(7)
}

/// `15/03/2026 14:30`, as people read it (R3.1).
pub fn format_vn_datetime(t: Timestamp) -> String {
    let dt = vn_offset().to_datetime(t);
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}",
        dt.day(),
        dt.month(),
        dt.year(),
        dt.hour(),
        dt.minute()
    )
}

/// `15/03/2026`.
pub fn format_vn_date(d: jiff::civil::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// The civil date in Vietnam at an instant.
pub fn vn_date(t: Timestamp) -> jiff::civil::Date {
    vn_offset().to_datetime(t).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_utc_plus_7() {
        let t: Timestamp = "2026-03-15T07:30:00Z".parse().unwrap();
        assert_eq!(format_vn_datetime(t), "15/03/2026 14:30");
        let late: Timestamp = "2026-03-15T18:00:00Z".parse().unwrap();
        assert_eq!(format_vn_date(vn_date(late)), "16/03/2026");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let c = FixedClock::new(t);
        assert_eq!(c.now(), t);
        c.advance(SignedDuration::from_mins(31));
        assert_eq!(c.now(), "2026-01-01T00:31:00Z".parse().unwrap());
        c.set(t);
        assert_eq!(c.now(), t);
    }

    #[test]
    fn the_system_clock_tells_the_time() {
        let before = Timestamp::now();
        let now = SystemClock.now();
        assert!(before <= now && now <= Timestamp::now());
    }
}
