//! The Vietnamese lunar calendar (âm lịch), computed for UTC+7 with Hồ Ngọc Đức's method (R8.1a: it
//! places Tết): new moons and the sun's longitude from Meeus-style series, month 11 is the month
//! that holds the winter solstice, and a leap month is the first month without a major solar term
//! in a year with 13 new moons. Valid for 1900–2100. Never use a Chinese (UTC+8) calendar.
use std::f64::consts::PI;

use jiff::civil::Date;

/// Vietnam's time zone, in hours.
const TZ: f64 = 7.0;

/// A lunar date: day, month, year and whether the month is a leap month (tháng nhuận).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    pub day: u8,
    pub month: u8,
    pub year: i16,
    pub leap: bool,
}

impl std::fmt::Display for LunarDate {
    /// `D/M/YYYY`, with ` (nhuận)` for a leap month.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.day, self.month, self.year)?;
        if self.leap {
            f.write_str(" (nhuận)")?;
        }
        Ok(())
    }
}

/// Julian day number of a Gregorian date.
fn jd_from_date(d: Date) -> i64 {
    let (dd, mm, yy) = (
        i64::from(d.day()),
        i64::from(d.month()),
        i64::from(d.year()),
    );
    let a = (14 - mm) / 12;
    let y = yy + 4800 - a;
    let m = mm + 12 * a - 3;
    dd + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045
}

/// Gregorian date of a Julian day number (for the range this module supports).
fn jd_to_date(jd: i64) -> Date {
    let a = jd + 32044;
    let b = (4 * a + 3) / 146097;
    let c = a - b * 146097 / 4;
    let d = (4 * c + 3) / 1461;
    let e = c - 1461 * d / 4;
    let m = (5 * e + 2) / 153;
    let day = e - (153 * m + 2) / 5 + 1;
    let month = m + 3 - 12 * (m / 10);
    let year = b * 100 + d - 4800 + m / 10;
    Date::new(year as i16, month as i8, day as i8).expect("valid Julian day")
}

/// The Julian day (fractional) of the k-th new moon after 1900-01-01.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let mut c1 = (0.1734 - 0.000393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 += -0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 += -0.0004 * (dr * 3.0 * mpr).sin();
    c1 += 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 += -0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 += -0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 += 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    jd1 + c1 - delta_t
}

/// The sun's apparent longitude (radians, 0..2π) at a Julian day.
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2451545.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let mut dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin();
    dl += (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin() + 0.000290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - 2.0 * PI * (l / (2.0 * PI)).floor()
}

/// Which of the 12 major-solar-term sectors the sun is in at local midnight starting `day`.
fn sun_sector(day: i64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - TZ / 24.0) / PI * 6.0).floor() as i64
}

/// The local (UTC+7) day on which the k-th new moon falls.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TZ / 24.0).floor() as i64
}

/// The first day of lunar month 11 of the Gregorian year `yy` (the month holding the solstice).
fn lunar_month_11(yy: i16) -> i64 {
    let off = jd_from_date(Date::new(yy, 12, 31).expect("31 December")) - 2415021;
    let k = (off as f64 / 29.530588853).floor() as i64;
    let nm = new_moon_day(k);
    if sun_sector(nm) >= 9 {
        new_moon_day(k - 1)
    } else {
        nm
    }
}

/// In a year with a leap month, how many months after month 11 the leap month comes.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - 2415021.076998695) / 29.530588853 + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// The lunar date of a Gregorian date.
pub fn to_lunar(date: Date) -> LunarDate {
    let yy = date.year();
    let day_number = jd_from_date(date);
    let k = ((day_number as f64 - 2415021.076998695) / 29.530588853).floor() as i64;
    // The estimate of k can be one lunation high near some new moons (e.g. 2054-05-07): step
    // back until the month starts on or before the day.
    let mut k = k + 1;
    let mut month_start = new_moon_day(k);
    while month_start > day_number {
        k -= 1;
        month_start = new_moon_day(k);
    }
    let mut a11 = lunar_month_11(yy);
    let mut b11 = a11;
    let mut lunar_year = i64::from(yy);
    if a11 >= month_start {
        a11 = lunar_month_11(yy - 1);
    } else {
        lunar_year += 1;
        b11 = lunar_month_11(yy + 1);
    }
    let lunar_day = day_number - month_start + 1;
    let diff = (month_start - a11) / 29;
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        day: lunar_day as u8,
        month: month as u8,
        year: lunar_year as i16,
        leap,
    }
}

/// The Gregorian date of a lunar date, or `None` when it does not exist (a leap flag on a month
/// that is not that year's leap month, or a day past the end of the month).
pub fn from_lunar(l: LunarDate) -> Option<Date> {
    if !(1..=12).contains(&l.month) || !(1..=30).contains(&l.day) {
        return None;
    }
    let month = i64::from(l.month);
    let (a11, b11) = if month < 11 {
        (lunar_month_11(l.year - 1), lunar_month_11(l.year))
    } else {
        (lunar_month_11(l.year), lunar_month_11(l.year + 1))
    };
    let k = (0.5 + (a11 as f64 - 2415021.076998695) / 29.530588853).floor() as i64;
    let mut off = month - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if l.leap && month != leap_month {
            return None;
        }
        if l.leap || off >= leap_off {
            off += 1;
        }
    } else if l.leap {
        return None;
    }
    let start = new_moon_day(k + off);
    let next = new_moon_day(k + off + 1);
    let day = start + i64::from(l.day) - 1;
    (day < next).then(|| jd_to_date(day))
}

/// Mùng 1 Tết (first day of the lunar year) that falls in Gregorian year `year`.
pub fn tet(year: i16) -> Date {
    from_lunar(LunarDate {
        day: 1,
        month: 1,
        year,
        leap: false,
    })
    .expect("1/1 exists")
}

/// Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month of `year`.
pub fn hung_kings(year: i16) -> Date {
    from_lunar(LunarDate {
        day: 10,
        month: 3,
        year,
        leap: false,
    })
    .expect("10/3 exists")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// A year, Tết's (month, day), the length of the last lunar month before it, Hùng Kings'.
    type Row = (i16, (i8, i8), u8, (i8, i8));

    /// Reference dates: Tết, the last day of the previous year, and Hùng Kings, 2016–2030.
    const TABLE: &[Row] = &[
        (2016, (2, 8), 29, (4, 16)),
        (2017, (1, 28), 30, (4, 6)),
        (2018, (2, 16), 30, (4, 25)),
        (2019, (2, 5), 30, (4, 14)),
        (2020, (1, 25), 30, (4, 2)),
        (2021, (2, 12), 30, (4, 21)),
        (2022, (2, 1), 29, (4, 10)),
        (2023, (1, 22), 30, (4, 29)),
        (2024, (2, 10), 30, (4, 18)),
        (2025, (1, 29), 29, (4, 7)),
        (2026, (2, 17), 29, (4, 26)),
        (2027, (2, 6), 29, (4, 16)),
        (2028, (1, 26), 29, (4, 4)),
        (2029, (2, 13), 29, (4, 23)),
        (2030, (2, 2), 29, (4, 12)),
    ];

    #[test]
    fn tet_and_hung_kings_2016_to_2030() {
        for &(y, (tm, td), last, (hm, hd)) in TABLE {
            assert_eq!(tet(y), date(y, tm, td), "Tết {y}");
            assert_eq!(hung_kings(y), date(y, hm, hd), "Hùng Kings {y}");
            let eve = to_lunar(tet(y).yesterday().unwrap());
            assert_eq!(
                (eve.day, eve.month, eve.year),
                (last, 12, y - 1),
                "giao thừa {y}"
            );
            assert_eq!(to_lunar(tet(y)).to_string(), format!("1/1/{y}"));
        }
    }

    #[test]
    fn leap_months() {
        // 2025 has a leap 6th month; 19/08/2025 is 26/6 (nhuận), not 26/7.
        let l = to_lunar(date(2025, 8, 19));
        assert_eq!(l.to_string(), "26/6/2025 (nhuận)");
        assert_eq!(from_lunar(l), Some(date(2025, 8, 19)));
        // 2023 has a leap 2nd month.
        assert_eq!(to_lunar(date(2023, 3, 22)).to_string(), "1/2/2023 (nhuận)");
        // A leap flag on a month that is not leap does not exist.
        assert_eq!(
            from_lunar(LunarDate {
                day: 1,
                month: 7,
                year: 2025,
                leap: true
            }),
            None
        );
        assert_eq!(
            from_lunar(LunarDate {
                day: 1,
                month: 6,
                year: 2024,
                leap: true
            }),
            None
        );
        // Days after Tết but before the solstice of the next year keep the lunar year.
        assert_eq!(to_lunar(date(2025, 12, 31)).year, 2025);
        assert_eq!(to_lunar(date(2026, 2, 16)).to_string(), "29/12/2025");
    }

    /// Every day 1900–2100 round-trips, lunar days step by one, and months have 29 or 30 days.
    #[test]
    fn every_day_round_trips() {
        let mut d = date(1900, 2, 1);
        let mut prev = to_lunar(d);
        while d < date(2100, 12, 1) {
            d = d.tomorrow().unwrap();
            let l = to_lunar(d);
            assert_eq!(from_lunar(l), Some(d), "{d} → {l}");
            if l.day == 1 {
                assert!(
                    prev.day == 29 || prev.day == 30,
                    "{d}: month of {} days",
                    prev.day
                );
            } else {
                assert_eq!(l.day, prev.day + 1, "{d}");
                assert_eq!(
                    (l.month, l.year, l.leap),
                    (prev.month, prev.year, prev.leap)
                );
            }
            prev = l;
        }
    }
}
