//! The Vietnamese working calendar (R8.1a, R11.3): statutory holidays of the
//! Labour Code Art. 112 with compensatory days, each year's official decisions as data, office
//! hours per agency and season, and the deadline arithmetic that the appointment date, the
//! half-day hand-over (R11.4) and every step budget use.
//!
//! Rules, unless a procedure says otherwise: time runs only inside office hours; a receipt outside
//! them starts at the next opening; N working days is N times the agency's working-day length; a
//! due point exactly between two office periods is the end of the earlier one; "same day" is the end
//! of that working day if received before the cut-off, else the end of the next working day.
pub mod lunar;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::catalogue::Duration;

/// The local (UTC+7) civil time of an instant.
pub fn to_local(t: Timestamp) -> DateTime {
    crate::clock::vn_offset().to_datetime(t)
}

/// The instant of a local (UTC+7) civil time.
pub fn from_local(dt: DateTime) -> Timestamp {
    crate::clock::vn_offset()
        .to_timestamp(dt)
        .expect("date in range")
}

/// An instant in RFC 3339 at +07:00, as the API and the CLI print it.
pub fn rfc3339_vn(t: Timestamp) -> String {
    format!("{}+07:00", to_local(t).strftime("%Y-%m-%dT%H:%M:%S"))
}

/// How a statutory holiday falls each year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// A Gregorian date and the `days - 1` days after it.
    Solar { month: i8, day: i8, days: u8 },
    /// A lunar date (`lunar.rs`) and the days after it.
    Lunar { month: u8, day: u8, days: u8 },
    /// Tết: `before` days before mùng 1, for `days` days in all.
    Tet { before: u8, days: u8 },
}

/// One holiday of the Labour Code, with the years it applies (the list itself changes, §6.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statutory {
    pub key: String,
    pub name: String,
    pub rule: Rule,
    #[serde(default)]
    pub from_year: Option<i16>,
    #[serde(default)]
    pub to_year: Option<i16>,
}

/// Days off from a yearly decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRange {
    pub from: Date,
    pub to: Date,
    pub name: String,
}

/// A make-up working day (usually a Saturday).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkingDay {
    pub date: Date,
    pub name: String,
}

/// The Prime Minister's (or the province's) decision for one year: the statutory holidays it
/// settles (`replaces`, which then take exactly `days_off` instead of the default rule and its
/// compensatory days), the days off and the make-up working days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub year: i16,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub replaces: Vec<String>,
    #[serde(default)]
    pub days_off: Vec<DayRange>,
    #[serde(default)]
    pub working_days: Vec<WorkingDay>,
}

/// One office period of a day, `open` to `close`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub open: Time,
    pub close: Time,
}

/// Office hours from a day of the year (`"MM-DD"`) until the next season starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Season {
    pub from: String,
    pub periods: Vec<Period>,
}

/// Office hours: a default schedule and agencies that differ from it (by agency code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeHoursData {
    pub default: Vec<Season>,
    #[serde(default)]
    pub agencies: BTreeMap<String, Vec<Season>>,
}

/// Everything the working calendar is made of; shipped as `calendar_vn.json`, editable as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarData {
    pub statutory: Vec<Statutory>,
    pub decisions: Vec<Decision>,
    pub office_hours: OfficeHoursData,
}

impl CalendarData {
    /// The shipped data: Art. 112 holidays and the official decisions of 2024–2026 (§6.2).
    pub fn official() -> Self {
        serde_json::from_str(include_str!("calendar_vn.json")).expect("calendar_vn.json is valid")
    }

    /// Parses and checks data edited by an administrator; each problem in Vietnamese.
    pub fn parse(json: &str) -> Result<Self, String> {
        let d: Self = serde_json::from_str(json).map_err(|e| format!("Lịch không hợp lệ: {e}"))?;
        d.check()?;
        Ok(d)
    }

    pub fn check(&self) -> Result<(), String> {
        for s in &self.statutory {
            let ok = match s.rule {
                Rule::Solar { month, day, days } => {
                    Date::new(2024, month, day).is_ok() && (1..=10).contains(&days)
                }
                Rule::Lunar { month, day, days } => {
                    (1..=12).contains(&month) && (1..=30).contains(&day) && (1..=10).contains(&days)
                }
                Rule::Tet { before, days } => before < days && days <= 15,
            };
            if !ok {
                return Err(format!("Ngày lễ “{}” có quy tắc không hợp lệ.", s.name));
            }
        }
        for d in &self.decisions {
            for r in &d.days_off {
                if r.to < r.from || (r.to - r.from).get_days() > 31 {
                    return Err(format!(
                        "Quyết định năm {}: khoảng nghỉ “{}” không hợp lệ.",
                        d.year, r.name
                    ));
                }
            }
            for k in &d.replaces {
                if !self.statutory.iter().any(|s| &s.key == k) {
                    return Err(format!(
                        "Quyết định năm {}: không có ngày lễ “{k}”.",
                        d.year
                    ));
                }
            }
        }
        let seasons =
            std::iter::once(&self.office_hours.default).chain(self.office_hours.agencies.values());
        for list in seasons {
            if list.is_empty() {
                return Err("Giờ làm việc phải có ít nhất một mùa.".into());
            }
            for s in list {
                if parse_month_day(&s.from).is_none() {
                    return Err(format!("Mùa bắt đầu “{}” phải viết dạng MM-DD.", s.from));
                }
                let ordered = s.periods.windows(2).all(|w| w[0].close <= w[1].open);
                if s.periods.is_empty() || !ordered || s.periods.iter().any(|p| p.open >= p.close) {
                    return Err(format!("Giờ làm việc từ {} không hợp lệ.", s.from));
                }
            }
        }
        Ok(())
    }
}

fn parse_month_day(s: &str) -> Option<(i8, i8)> {
    let (m, d) = s.split_once('-')?;
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    Date::new(2024, m, d).ok().map(|_| (m, d))
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The non-working weekdays and make-up working days of one year.
#[derive(Debug, Default, Clone)]
struct Year {
    off: BTreeMap<Date, String>,
    work: BTreeSet<Date>,
}

/// The working calendar: holidays and office hours, ready for deadline arithmetic.
#[derive(Debug, Clone)]
pub struct Calendar {
    data: CalendarData,
    years: HashMap<i16, Year>,
}

/// Years computed once when a calendar is built; others are computed when asked.
const CACHED_YEARS: std::ops::RangeInclusive<i16> = 2000..=2060;

impl Calendar {
    pub fn new(mut data: CalendarData) -> Self {
        let hours = &mut data.office_hours;
        for seasons in std::iter::once(&mut hours.default).chain(hours.agencies.values_mut()) {
            seasons.sort_by_key(|s| parse_month_day(&s.from));
        }
        let mut c = Self {
            data,
            years: HashMap::new(),
        };
        c.years = CACHED_YEARS.map(|y| (y, c.compute_year(y))).collect();
        c
    }

    pub fn official() -> Self {
        Self::new(CalendarData::official())
    }

    pub fn data(&self) -> &CalendarData {
        &self.data
    }

    fn compute_year(&self, year: i16) -> Year {
        let decisions: Vec<&Decision> = self
            .data
            .decisions
            .iter()
            .filter(|d| d.year == year)
            .collect();
        let replaced: BTreeSet<&str> = decisions
            .iter()
            .flat_map(|d| d.replaces.iter().map(String::as_str))
            .collect();
        let mut y = Year::default();
        let mut statutory: Vec<(Date, &str)> = Vec::new();
        for s in &self.data.statutory {
            let applies =
                s.from_year.is_none_or(|f| f <= year) && s.to_year.is_none_or(|t| year <= t);
            if !applies || replaced.contains(s.key.as_str()) {
                continue;
            }
            let (first, days) = match s.rule {
                Rule::Solar { month, day, days } => (Date::new(year, month, day).ok(), days),
                Rule::Lunar { month, day, days } => (
                    lunar::from_lunar(lunar::LunarDate {
                        day,
                        month,
                        year,
                        leap: false,
                    }),
                    days,
                ),
                Rule::Tet { before, days } => (
                    lunar::tet(year).checked_sub(i64::from(before).days()).ok(),
                    days,
                ),
            };
            let Some(first) = first else { continue };
            for i in 0..days {
                if let Ok(d) = first.checked_add(i64::from(i).days()) {
                    statutory.push((d, &s.name));
                }
            }
        }
        statutory.sort();
        for (d, name) in &statutory {
            y.off.entry(*d).or_insert_with(|| name.to_string());
        }
        // Art. 112 cl. 3: a holiday on a weekly rest day gives the next working day off.
        for (d, name) in &statutory {
            if is_weekend(*d) {
                let mut c = d.tomorrow().expect("in range");
                while is_weekend(c) || y.off.contains_key(&c) {
                    c = c.tomorrow().expect("in range");
                }
                y.off.insert(c, format!("Nghỉ bù {name}"));
            }
        }
        for dec in decisions {
            for r in &dec.days_off {
                let mut d = r.from;
                while d <= r.to {
                    y.off.insert(d, r.name.clone());
                    d = d.tomorrow().expect("in range");
                }
            }
            for w in &dec.working_days {
                y.off.remove(&w.date);
                y.work.insert(w.date);
            }
        }
        y
    }

    fn with_year<T>(&self, year: i16, f: impl FnOnce(&Year) -> T) -> T {
        match self.years.get(&year) {
            Some(y) => f(y),
            None => f(&self.compute_year(year)),
        }
    }

    /// Whether state offices work on `d`.
    pub fn is_working_day(&self, d: Date) -> bool {
        // A range that crosses New Year (Tết late in January of a decision) is stored in the
        // decision's year, so look at both the date's year and the next one.
        let check = |y: &Year| (y.work.contains(&d), y.off.contains_key(&d));
        let (w1, o1) = self.with_year(d.year(), check);
        let (w2, o2) = if d.month() == 12 {
            self.with_year(d.year() + 1, check)
        } else {
            (false, false)
        };
        if w1 || w2 {
            return true;
        }
        !is_weekend(d) && !o1 && !o2
    }

    /// Each non-working weekday of `year` with its name, and each make-up working day, in order.
    pub fn holidays(&self, year: i16) -> Vec<(Date, String)> {
        self.with_year(year, |y| {
            y.off
                .iter()
                .filter(|(d, _)| d.year() == year && !is_weekend(**d))
                .map(|(d, n)| (*d, n.clone()))
                .collect()
        })
    }

    /// The make-up working days of `year`.
    pub fn working_weekend_days(&self, year: i16) -> Vec<Date> {
        self.with_year(year, |y| y.work.iter().copied().collect())
    }

    /// Whether `agency` has its own office hours (else the default applies).
    pub fn has_agency_hours(&self, agency: &str) -> bool {
        self.data.office_hours.agencies.contains_key(agency)
    }

    /// The agency's office periods on `d` (empty on a non-working day).
    pub fn periods(&self, agency: Option<&str>, d: Date) -> &[Period] {
        if !self.is_working_day(d) {
            return &[];
        }
        self.season_periods(agency, d)
    }

    fn season_periods(&self, agency: Option<&str>, d: Date) -> &[Period] {
        let seasons = agency
            .and_then(|a| self.data.office_hours.agencies.get(a))
            .unwrap_or(&self.data.office_hours.default);
        // Seasons are sorted when the calendar is built; before the first one, the last applies.
        let key = (d.month(), d.day());
        let season = seasons
            .iter()
            .rev()
            .find(|s| parse_month_day(&s.from).is_some_and(|md| md <= key))
            .or(seasons.last())
            .expect("at least one season");
        &season.periods
    }

    /// Seconds of office time in the agency's working day on `d` (regardless of holidays).
    pub fn day_length(&self, agency: Option<&str>, d: Date) -> i64 {
        self.season_periods(agency, d)
            .iter()
            .map(|p| secs(p.close) - secs(p.open))
            .sum()
    }

    /// Adds `seconds` of office time to the local instant `start`.
    fn add_office_seconds(
        &self,
        agency: Option<&str>,
        start: DateTime,
        mut seconds: i64,
    ) -> DateTime {
        let mut day = start.date();
        let mut pos = start.time();
        // At most ~20 years of searching for a working day guards against empty calendars.
        for _ in 0..7400 {
            for p in self.periods(agency, day) {
                if pos > p.close {
                    continue;
                }
                let from = pos.max(p.open);
                let left = secs(p.close) - secs(from);
                if seconds <= left {
                    return day.to_datetime(from) + seconds.seconds();
                }
                seconds -= left;
                pos = p.close;
            }
            day = day.tomorrow().expect("date in range");
            pos = Time::midnight();
        }
        panic!("no working day within twenty years");
    }

    /// Seconds of the agency's office time between two instants (0 when `to` is not later).
    pub fn office_seconds_between(
        &self,
        agency: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> i64 {
        if to <= from {
            return 0;
        }
        let (from, to) = (to_local(from), to_local(to));
        let mut day = from.date();
        let mut total = 0;
        while day <= to.date() {
            for p in self.periods(agency, day) {
                let open = day.to_datetime(p.open).max(from);
                let close = day.to_datetime(p.close).min(to);
                if close > open {
                    total += close.duration_since(open).as_secs();
                }
            }
            day = day.tomorrow().expect("date in range");
        }
        total
    }

    /// The appointment after a pause (the person supplementing, R12.2): the office time
    /// that was left between `paused` and `appointment` runs again from `resumed`.
    pub fn resume(
        &self,
        agency: Option<&str>,
        paused: Timestamp,
        resumed: Timestamp,
        appointment: Timestamp,
    ) -> Timestamp {
        let left = self.office_seconds_between(agency, paused, appointment);
        from_local(self.add_office_seconds(agency, to_local(resumed), left))
    }

    /// The end of the first working day on or after `d`.
    fn end_of_working_day(&self, agency: Option<&str>, mut d: Date) -> DateTime {
        loop {
            if let Some(p) = self.periods(agency, d).last() {
                return d.to_datetime(p.close);
            }
            d = d.tomorrow().expect("date in range");
        }
    }

    /// When a duration that starts at `start` (valid receipt) ends, for the agency's hours.
    pub fn due(&self, agency: Option<&str>, start: Timestamp, duration: &Duration) -> Timestamp {
        let local = to_local(start);
        let day_len = self.day_length(agency, local.date());
        let end = match duration {
            Duration::WorkingDays { value } => {
                self.add_office_seconds(agency, local, (value * day_len as f64).round() as i64)
            }
            Duration::WorkingHours { value } => {
                self.add_office_seconds(agency, local, (value * 3600.0).round() as i64)
            }
            Duration::SameDay { cutoff } => {
                let cutoff = Time::strptime("%H:%M", cutoff).unwrap_or(Time::constant(15, 0, 0, 0));
                let d = local.date();
                if self.is_working_day(d) && local.time() < cutoff {
                    self.end_of_working_day(agency, d)
                } else {
                    self.end_of_working_day(agency, d.tomorrow().expect("date in range"))
                }
            }
            Duration::CalendarDays { value } => {
                let d = local
                    .date()
                    .checked_add((value.ceil() as i64).days())
                    .expect("date in range");
                self.end_of_working_day(agency, d)
            }
        };
        from_local(end)
    }
}

fn secs(t: Time) -> i64 {
    i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second())
}

#[cfg(test)]
mod tests;
