//! "Báo cáo, thống kê" (R9.6): an agency's or the province's statistics over a period with
//! charts drawn on the server, the dossiers behind every figure, and the Decision 766 scorecard.
//! Inspectors and the province's administrators choose any agency or the province; an agency's
//! leaders and administrators see theirs.
use askama::Template;
use axum::extract::Query;
use motcua_app::oversight::{Heading, ReportQuery, behind_filter};
use motcua_domain::authz::Action;
use motcua_domain::clock::{format_vn_date, vn_date};
use motcua_domain::dossier::Intake;
use motcua_domain::oversight::scorecard::Scorecard;
use motcua_domain::oversight::{Figure, Statistics};
use motcua_domain::text::decimal;
use serde::Deserialize;

use super::PageResult;
use crate::kit::chart::{Bar, bars};
use crate::kit::{Chrome, Page, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get(
            "/can-bo/bao-cao",
            Staff(Action::EnterBackOffice),
            statistics,
        )
        .get(
            "/can-bo/bao-cao/ho-so",
            Staff(Action::EnterBackOffice),
            behind,
        )
        .get(
            "/can-bo/bao-cao/chi-so-766",
            Staff(Action::EnterBackOffice),
            scorecard,
        )
        .get("/can-bo/tim-kiem", Staff(Action::EnterBackOffice), search)
}

/// The period and agency, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Period {
    co_quan: String,
    tu: String,
    den: String,
}

/// The list's filters beside the period.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BehindQuery {
    #[serde(flatten)]
    period: Period,
    chi_so: String,
    thang: String,
    kenh: String,
    trang_thai: String,
}

/// The report's heading and the choices of agency, as the filter form shows them.
struct Head {
    title: String,
    from: String,
    to: String,
    /// The query string of the period (`co_quan=…&tu=…&den=…`).
    q: String,
    agencies: Vec<(String, String)>,
    f: Period,
}

async fn head(p: &Page, f: &Period, what: &str) -> Result<(Head, ReportQuery), super::PageError> {
    let today = vn_date(p.s.app.now());
    let q = ReportQuery::parse(Some(&f.co_quan), Some(&f.tu), Some(&f.den), today)?;
    let agencies = super::agency_choices(p).await?;
    let h = Head {
        title: what.into(),
        from: format_vn_date(q.from),
        to: format_vn_date(q.to),
        q: String::new(),
        agencies,
        f: f.clone(),
    };
    Ok((h, q))
}

fn titled(mut h: Head, heading: &Heading) -> Head {
    let whose = heading
        .agency
        .as_ref()
        .map_or_else(|| "Toàn tỉnh".to_string(), |a| a.name.clone());
    h.title = format!("{} – {whose}", h.title);
    let code = heading.agency.as_ref().map_or("", |a| a.code.as_str());
    h.q = format!("co_quan={code}&tu={}&den={}", heading.from, heading.to);
    h.f.co_quan = code.into();
    h.f.tu = heading.from.to_string();
    h.f.den = heading.to.to_string();
    h
}

/// One line of the summary: a figure, its count, and the list behind it.
struct Line {
    label: &'static str,
    count: u64,
    href: String,
}

#[derive(Template)]
#[template(path = "reports/statistics.html")]
struct StatisticsPage {
    c: Chrome,
    h: Head,
    s: Statistics,
    lines: Vec<Line>,
    months_chart: String,
    channel_chart: String,
    status_chart: String,
    channels: Vec<Line>,
    statuses: Vec<Line>,
}

impl StatisticsPage {
    fn on_time(&self) -> String {
        self.s
            .on_time_percent
            .map_or_else(|| "—".into(), |p| format!("{p}%"))
    }
    fn average(&self) -> String {
        self.s
            .average_days
            .map_or_else(|| "—".into(), |d| format!("{} ngày làm việc", decimal(d)))
    }
}

fn link(q: &str, f: Figure, extra: &str) -> String {
    format!("/can-bo/bao-cao/ho-so?{q}&chi_so={}{extra}", f.as_str())
}

pub async fn statistics(p: Page, Query(f): Query<Period>) -> PageResult {
    let sess = p.session()?;
    let (h, q) = head(&p, &f, "Thống kê hồ sơ").await?;
    let (heading, s) = p.s.app.statistics(sess, &q).await?;
    let h = titled(h, &heading);
    let lines = Figure::ALL
        .iter()
        .map(|f| Line {
            label: f.label_vi(),
            count: s.count(*f),
            href: link(&h.q, *f, ""),
        })
        .collect();
    let channels: Vec<Line> = s
        .by_channel
        .iter()
        .map(|(i, n)| Line {
            label: i.label_vi(),
            count: *n,
            href: link(&h.q, Figure::Received, &format!("&kenh={}", i.as_str())),
        })
        .collect();
    let statuses: Vec<Line> = s
        .by_status
        .iter()
        .map(|(st, n)| Line {
            label: st.label_vi(),
            count: *n,
            href: link(
                &h.q,
                Figure::Received,
                &format!("&trang_thai={}", st.as_str()),
            ),
        })
        .collect();
    let to_bars = |v: &[Line]| -> Vec<Bar> {
        v.iter()
            .map(|l| Bar {
                label: l.label.into(),
                value: l.count,
                href: l.href.clone(),
            })
            .collect()
    };
    let months: Vec<Bar> = s
        .months
        .iter()
        .map(|m| Bar {
            label: format!("Tháng {}", month_vi(&m.month)),
            value: m.received,
            href: link(&h.q, Figure::Received, &format!("&thang={}", m.month)),
        })
        .collect();
    Ok(render(&StatisticsPage {
        c: p.chrome(&h.title),
        months_chart: bars("Hồ sơ tiếp nhận theo tháng", &months),
        channel_chart: bars("Hồ sơ theo kênh tiếp nhận", &to_bars(&channels)),
        status_chart: bars("Hồ sơ theo trạng thái", &to_bars(&statuses)),
        h,
        s,
        lines,
        channels,
        statuses,
    }))
}

/// `2026-03` as people read it: `03/2026`.
fn month_vi(m: &str) -> String {
    match m.split_once('-') {
        Some((y, mm)) => format!("{mm}/{y}"),
        None => m.into(),
    }
}

struct Row {
    id: String,
    code: String,
    applicant: String,
    status: &'static str,
    channel: &'static str,
    submitted: String,
    appointment: String,
}

#[derive(Template)]
#[template(path = "reports/behind.html")]
struct BehindPage {
    c: Chrome,
    h: Head,
    figure: &'static str,
    narrowed: String,
    total: u64,
    rows: Vec<Row>,
}

pub async fn behind(p: Page, Query(f): Query<BehindQuery>) -> PageResult {
    let sess = p.session()?;
    let w = behind_filter(
        &f.chi_so,
        Some(&f.thang),
        Some(&f.kenh),
        Some(&f.trang_thai),
    )?;
    let (h, q) = head(&p, &f.period, w.figure.label_vi()).await?;
    let (heading, total, list) = p.s.app.dossiers_behind(sess, &q, &w).await?;
    let h = titled(h, &heading);
    let mut narrowed = vec![];
    if let Some(m) = &w.month {
        narrowed.push(format!("tháng {}", month_vi(m)));
    }
    if let Some(i) = w.intake {
        narrowed.push(format!("kênh {}", Intake::label_vi(i).to_lowercase()));
    }
    if let Some(st) = w.status {
        narrowed.push(format!("trạng thái “{}”", st.label_vi()));
    }
    let rows = list.into_iter().map(row).collect();
    Ok(render(&BehindPage {
        c: p.chrome(&h.title),
        figure: w.figure.label_vi(),
        narrowed: narrowed.join(", "),
        h,
        total,
        rows,
    }))
}

#[derive(Template)]
#[template(path = "reports/scorecard.html")]
struct ScorecardPage {
    c: Chrome,
    h: Head,
    card: Scorecard,
}

impl ScorecardPage {
    fn num(&self, v: &f64) -> String {
        decimal_2(*v)
    }
    fn opt(&self, v: &Option<f64>) -> String {
        v.map_or_else(|| "—".into(), decimal_2)
    }
}

/// A score or share to two decimals with a decimal comma, trailing zeros dropped.
fn decimal_2(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

pub async fn scorecard(p: Page, Query(f): Query<Period>) -> PageResult {
    let sess = p.session()?;
    let (h, q) = head(&p, &f, "Bộ chỉ số 766").await?;
    let (heading, card) = p.s.app.scorecard(sess, &q).await?;
    let h = titled(h, &heading);
    Ok(render(&ScorecardPage {
        c: p.chrome(&h.title),
        h,
        card,
    }))
}

/// What was typed in the search box.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

#[derive(Template)]
#[template(path = "reports/search.html")]
struct SearchPage {
    c: Chrome,
    q: String,
    searched: bool,
    error: Option<String>,
    rows: Vec<Row>,
}

fn row(d: motcua_app::oversight::Listed) -> Row {
    Row {
        id: d.id.to_string(),
        code: d.code.unwrap_or_default(),
        applicant: d.applicant_name,
        status: d.stage.status().label_vi(),
        channel: d.intake.label_vi(),
        submitted: crate::kit::when(d.submitted_at),
        appointment: d.appointment_at.map(crate::kit::when).unwrap_or_default(),
    }
}

pub async fn search(p: Page, Query(f): Query<SearchQuery>) -> PageResult {
    let sess = p.session()?;
    let searched = !f.q.trim().is_empty();
    let (rows, error) = if searched {
        match p.s.app.search_dossiers(&p.ctx(), sess, &f.q).await {
            Ok(found) => (found.into_iter().map(row).collect(), None),
            Err(motcua_app::AppError::Validation(v)) => {
                (vec![], v.into_iter().next().map(|(_, m)| m))
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        (vec![], None)
    };
    Ok(render(&SearchPage {
        c: p.chrome("Tìm hồ sơ"),
        q: f.q,
        searched,
        error,
        rows,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn scores_read_with_a_decimal_comma() {
        assert_eq!(super::decimal_2(2.67), "2,67");
        assert_eq!(super::decimal_2(8.0), "8");
        assert_eq!(super::decimal_2(4.5), "4,5");
        assert_eq!(super::month_vi("2026-03"), "03/2026");
    }
}
