//! Oversight (R9.6, R14): an agency's or the province's statistics and Decision 766 scorecard
//! over a period, and the dossiers behind each figure. Inspectors and the province's
//! administrators see every agency and the province; an agency's leaders and administrators
//! their agency.
use motcua_domain::Role;
use motcua_domain::calendar::from_local;
use motcua_domain::catalogue::{Classification, check_procedure, takes_dossiers_online};
use motcua_domain::clock::vn_date;
use motcua_domain::dossier::Intake;
use motcua_domain::dossier::Status;
use motcua_domain::oversight::Figure;
use motcua_domain::oversight::Statistics;
use motcua_domain::oversight::scorecard::{self, Inputs, Ratio, Scorecard};
use motcua_store::catalogue as cat;
use motcua_store::reports::{self, Scope};

use motcua_store::agencies;
use motcua_store::dossiers::{self as ds, Wanted};
pub use motcua_store::reports::{Behind, Listed};
use uuid::Uuid;

use crate::{App, AppError, Audit, Ctx, Result, Session};

mod feedback;
mod incidents;
mod ratings;
pub mod yearly;

pub use feedback::NewFeedback;
pub use incidents::{Tracked, Watch};
pub use ratings::{RatingForm, RatingInput};

/// What a report covers: an agency by its code (none: the province) and the days, inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub agency: Option<String>,
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
}

impl ReportQuery {
    /// A report's query as people and programs give it: dates `YYYY-MM-DD`, by default from the
    /// first of January of the last day's year to `today`.
    pub fn parse(
        agency: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        today: jiff::civil::Date,
    ) -> Result<Self> {
        let day = |field: &'static str, v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<jiff::civil::Date>().map_err(|e| {
                        AppError::field(field, format!("Ngày theo dạng YYYY-MM-DD ({e})."))
                    })
                })
                .transpose()
        };
        let to = day("to", to)?.unwrap_or(today);
        let from = day("from", from)?.unwrap_or_else(|| to.first_of_year());
        Ok(Self {
            agency: agency
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(String::from),
            from,
            to,
        })
    }
}

/// The agency a report is about, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportAgency {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// A report's heading: whose, and which days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// `None`: the whole province.
    pub agency: Option<ReportAgency>,
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
}

impl App {
    /// Who may ask for the reports of which agency (`None` in the heading: the province).
    async fn report_scope(&self, s: &Session, q: &ReportQuery) -> Result<(Heading, Scope)> {
        let province = s.actor.has_role(Role::Inspector) || s.actor.has_role(Role::ProvinceAdmin);
        let own = s.actor.agencies_with(&[Role::Leader, Role::AgencyAdmin]);
        if !province && own.is_empty() {
            return Err(AppError::Forbidden);
        }
        let agency = match q.agency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Some(
                agencies::find_agency_by_code(self.db.conn(), code)
                    .await?
                    .ok_or(AppError::NotFound)?,
            ),
            None if province => None,
            None if own.len() == 1 => Some(agencies::get_agency(self.db.conn(), own[0]).await?),
            None => return Err(AppError::field("agency", "Chọn cơ quan.")),
        };
        if !province && !agency.as_ref().is_some_and(|a| own.contains(&a.id)) {
            return Err(AppError::Forbidden);
        }
        let start = |d: jiff::civil::Date| from_local(d.to_datetime(jiff::civil::Time::midnight()));
        let end =
            q.to.tomorrow()
                .map_err(|e| AppError::Unexpected(e.to_string()))?;
        // A period that ends before it starts holds no dossier: its report is empty.
        let scope = Scope {
            agency: agency.as_ref().map(|a| a.id),
            from: start(q.from),
            to: start(end).max(start(q.from)),
            now: self.now(),
        };
        let heading = Heading {
            agency: agency.map(|a| ReportAgency {
                id: a.id,
                code: a.code,
                name: a.name,
            }),
            from: q.from,
            to: q.to,
        };
        Ok((heading, scope))
    }

    /// Whether the caller may read reports at all (for the menu).
    pub fn may_read_reports(&self, s: &Session) -> bool {
        s.actor.has_role(Role::Inspector)
            || s.actor.has_role(Role::ProvinceAdmin)
            || !s
                .actor
                .agencies_with(&[Role::Leader, Role::AgencyAdmin])
                .is_empty()
    }

    /// The statistics of the dossiers an agency (or the province) received in the period.
    pub async fn statistics(&self, s: &Session, q: &ReportQuery) -> Result<(Heading, Statistics)> {
        let (heading, scope) = self.report_scope(s, q).await?;
        let cells = reports::cells(self.db.conn(), &scope).await?;
        Ok((heading, Statistics::of(&cells)))
    }

    /// The dossiers behind one figure of the statistics, newest first (at most 500), with how
    /// many there are.
    pub async fn dossiers_behind(
        &self,
        s: &Session,
        q: &ReportQuery,
        w: &Behind,
    ) -> Result<(Heading, u64, Vec<Listed>)> {
        let (heading, scope) = self.report_scope(s, q).await?;
        let (total, list) = reports::behind(self.db.conn(), &scope, w, 500).await?;
        Ok((heading, total, list))
    }

    /// The Decision 766 scorecard of an agency (or the province) over the period.
    pub async fn scorecard(&self, s: &Session, q: &ReportQuery) -> Result<(Heading, Scorecard)> {
        let (heading, scope) = self.report_scope(s, q).await?;
        let inputs = self.scorecard_inputs(&scope).await?;
        Ok((heading, scorecard::score(&inputs)))
    }

    async fn scorecard_inputs(&self, scope: &Scope) -> Result<Inputs> {
        let c = self.db.conn();
        let stats = Statistics::of(&reports::cells(c, scope).await?);
        let n = reports::counts(c, scope).await?;
        let services: Vec<_> = match scope.agency {
            Some(a) => cat::services_of_agency(c, a).await?,
            None => cat::services_of(c, None).await?,
        }
        .into_iter()
        .filter(|s| s.active)
        .collect();
        let mut ids: Vec<Uuid> = services.iter().map(|s| s.procedure_id).collect();
        ids.sort();
        ids.dedup();
        let versions = cat::current_versions(c, &ids, vn_date(scope.to)).await?;
        let with_fees = |procedure: Uuid| {
            versions
                .iter()
                .any(|v| v.procedure_id == procedure && v.body.fees.iter().any(|f| f.amount > 0))
        };
        let fee_services: Vec<_> = services
            .iter()
            .filter(|s| with_fees(s.procedure_id))
            .collect();
        let paid_services = reports::paid_online_services(c, scope).await?;
        let cal = self.calendar();
        let published: Vec<_> = cat::published_between(c, scope.from, scope.to)
            .await?
            .into_iter()
            .filter(|v| ids.contains(&v.procedure_id))
            .collect();
        let on_time_published = published
            .iter()
            .filter(|v| match (v.published_at, v.effective_from) {
                (Some(p), Some(e)) => scorecard::published_on_time(&cal, p, e),
                _ => false,
            })
            .count();
        let full: Vec<Uuid> = services
            .iter()
            .filter(|s| s.classification == Classification::Full)
            .map(|s| s.id)
            .collect();
        let (full_all, full_online) = reports::of_services(c, scope, &full).await?;
        let counted = stats.finished + stats.in_progress;
        let online = stats
            .by_channel
            .iter()
            .find(|(i, _)| *i == Intake::Online)
            .map_or(0, |(_, n)| *n);
        let gateway = self.gateway.is_some();
        let resolved = stats
            .by_status
            .iter()
            .filter(|(st, _)| matches!(st, Status::Resolved | Status::Returned))
            .map(|(_, n)| n)
            .sum();
        let (feedback_on_time, feedback_satisfied) = self
            .feedback_ratios(scope.agency, scope.from, scope.to)
            .await?;
        Ok(Inputs {
            published_on_time: Ratio::new(on_time_published as u64, published.len() as u64),
            complete_procedures: Ratio::new(
                versions
                    .iter()
                    .filter(|v| check_procedure(&v.body).is_ok())
                    .count() as u64,
                versions.len() as u64,
            ),
            on_time: Ratio::new(
                stats.early + stats.on_time + stats.in_progress.saturating_sub(stats.overdue),
                counted,
            ),
            average_days: stats.average_days,
            online_services: Ratio::new(
                services
                    .iter()
                    .filter(|s| s.classification != Classification::Info)
                    .count() as u64,
                services.len() as u64,
            ),
            online_dossiers: Ratio::new(online, stats.received),
            full_process: Ratio::new(full_online, full_all),
            payable_online: Ratio::new(
                fee_services
                    .iter()
                    .filter(|s| gateway && takes_dossiers_online(s.level))
                    .count() as u64,
                fee_services.len() as u64,
            ),
            paid_online_services: Ratio::new(
                fee_services
                    .iter()
                    .filter(|s| paid_services.contains(&s.id))
                    .count() as u64,
                fee_services.len() as u64,
            ),
            paid_online: Ratio::new(n.paid_online, n.paid),
            e_results: Ratio::new(n.e_results, resolved),
            digitised: Ratio::new(n.digitised, stats.received),
            feedback_on_time: Some(feedback_on_time),
            feedback_satisfied: Some(feedback_satisfied),
            late: Ratio::new(stats.late + stats.overdue, counted),
            disliked: Ratio::new(n.dissatisfied, stats.received),
        })
    }

    /// Gives dossiers whose count ended before office time was kept their office time
    /// (`oversight::office_secs`), a thousand at a time, at start-up.
    pub(crate) async fn fill_office_time(&self) -> Result<()> {
        let cal = self.calendar();
        loop {
            let ids = reports::office_time_missing(self.db.conn(), 1000).await?;
            if ids.is_empty() {
                return Ok(());
            }
            let tx = self.db.write().await?;
            for id in ids {
                let d = ds::get_dossier(&tx, id).await?;
                let agency = agencies::get_agency(&tx, d.agency_id).await?;
                let history: Vec<_> = ds::events(&tx, id)
                    .await?
                    .iter()
                    .map(|e| (e.to_stage, e.at))
                    .collect();
                let end = d.finished_at.unwrap_or(d.updated_at);
                let secs =
                    motcua_domain::oversight::office_secs(&cal, Some(&agency.code), &history, end);
                reports::set_office_time(&tx, id, secs).await?;
            }
            tx.commit().await?;
        }
    }
}

/// Parses the list's filters as the page and the API take them.
pub fn behind_filter(
    figure: &str,
    month: Option<&str>,
    channel: Option<&str>,
    status: Option<&str>,
) -> Result<Behind> {
    let bad = |f: &'static str| AppError::field(f, "Giá trị không hợp lệ.");
    let month = picked(month);
    if let Some(m) = month {
        let ok = m.len() == 7
            && m.as_bytes()[4] == b'-'
            && m.replace('-', "").bytes().all(|b| b.is_ascii_digit());
        if !ok {
            return Err(bad("month"));
        }
    }
    Ok(Behind {
        figure: Figure::parse(figure.trim()).ok_or_else(|| bad("figure"))?,
        month: month.map(String::from),
        intake: picked(channel)
            .map(|c| Intake::parse(c).ok_or_else(|| bad("channel")))
            .transpose()?,
        status: picked(status)
            .map(|s| Status::parse(s).ok_or_else(|| bad("status")))
            .transpose()?,
    })
}

/// A filter given, blank as none.
fn picked(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// How a staff search reads what was typed: a code (or its beginning), part of a name, an
/// identity number or a phone (searched through their blind indexes), whichever it can be.
fn wanted(q: &str) -> Result<(Wanted, Vec<&'static str>)> {
    use motcua_domain::identity::{check_personal_id, check_phone};
    let q = q.trim();
    let chars = q.chars().count();
    if !(2..=100).contains(&chars) {
        return Err(AppError::field("q", "Nhập từ 2 đến 100 ký tự để tìm."));
    }
    let mut w = Wanted::default();
    let mut by = vec![];
    if !q.contains(char::is_whitespace) {
        w.code = Some(q.to_uppercase());
        by.push("code");
    }
    let folded = motcua_domain::text::fold_vi(q);
    if folded.chars().any(char::is_alphabetic) {
        w.name = Some(folded);
        by.push("name");
    }
    if let Ok(id) = check_personal_id(q) {
        w.keys.push(motcua_store::seal::blind(&id));
        by.push("id_number");
    }
    if let Ok(phone) = check_phone(q) {
        w.keys.push(motcua_store::seal::blind(&phone));
        by.push("phone");
    }
    Ok((w, by))
}

impl App {
    /// Staff find dossiers by code, applicant's name, identity number or phone: in the agencies
    /// they work for (inspectors and the province's administrators: all). Each search is
    /// audited by what it searched by, never by what was typed (R4.3, R10.5).
    pub async fn search_dossiers(&self, ctx: &Ctx, s: &Session, q: &str) -> Result<Vec<Listed>> {
        if !s.actor.is_staff() {
            return Err(AppError::Forbidden);
        }
        let province = s.actor.has_role(Role::Inspector) || s.actor.has_role(Role::ProvinceAdmin);
        let (mut w, by) = wanted(q)?;
        w.agencies = (!province).then(|| s.actor.agencies_with(&Role::ALL));
        let found = ds::search(self.db.conn(), &w, 50).await?;
        let tx = self.db.write().await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossiers_searched",
                object: "dossier",
                id: None,
                agency: None,
                detail: serde_json::json!({"by": by, "found": found.len()}),
            },
        )
        .await?;
        Ok(found)
    }
}
