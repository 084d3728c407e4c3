//! Yearly and ad hoc reports (R14.1, R14.2): drafted from the figures, edited, then approved and
//! sent by a leader; each agency's before 30 November with its roadmap of online services for
//! next year, the provincial department's consolidation before 31 December, reports on demand
//! over any period; reminders before both dates.
use motcua_domain::Role;
use motcua_domain::agency::Agency;
use motcua_domain::calendar::from_local;
use motcua_domain::catalogue::Classification;
use motcua_domain::clock::{format_vn_date, vn_date};
use motcua_domain::dossier::Intake;
use motcua_domain::notice::NoticeKind;
use motcua_domain::oversight::Statistics;
use motcua_domain::oversight::scorecard;
use motcua_domain::report::{
    self, AgencyLine, Body, Figures, Report, ReportKind, ReportState, Right, RoadmapRow,
};
use motcua_store::reports::{self as rs, Scope};
use motcua_store::yearly;
use motcua_store::{Conn, agencies, catalogue as cat, consents, feedback, users};
use serde_json::json;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::{App, AppError, Audit, Ctx, Result, Session};

/// What a new report is: its kind, the writing agency (by code; none: the caller's own, or the
/// provincial department for the province's reports), its year, and for a report on demand its
/// days and title.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub kind: ReportKind,
    pub agency: Option<String>,
    pub year: i16,
    pub period: Option<(jiff::civil::Date, jiff::civil::Date)>,
    pub title: Option<String>,
}

/// A change to a draft, made on the version the editor read.
#[derive(Debug, Clone)]
pub enum Edit {
    Text {
        title: String,
        sections: Vec<(String, String)>,
    },
    /// Draws the figures again from the dossiers (the text is left as edited).
    Refresh,
    AddRoadmap {
        service: Uuid,
        target: Classification,
        by: jiff::civil::Date,
    },
    RemoveRoadmap(usize),
}

/// A report with what the pages show of it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub report: Report,
    pub agency: Agency,
    pub due_on: Option<jiff::civil::Date>,
    pub may_write: bool,
    pub may_submit: bool,
    /// The agency's services the roadmap may name (below the highest online level).
    pub services: Vec<(Uuid, String, Classification)>,
}

/// The reports list: the reports the caller may read, and the yearly reports they may start.
#[derive(Debug, Clone)]
pub struct ReportList {
    pub year: i16,
    pub reports: Vec<(Report, String)>,
    /// The agencies (code, name) the caller writes for, and whether they are the province.
    pub writes_for: Vec<(String, String, bool)>,
}

fn province_of(all: &[Agency]) -> Result<&Agency> {
    all.iter()
        .find(|a| a.parent_id.is_none())
        .ok_or_else(|| AppError::Unexpected("no provincial agency".into()))
}

fn is_root(a: &Agency) -> bool {
    a.parent_id.is_none()
}

impl App {
    /// Reports the caller may read, of a year.
    pub async fn report_list(&self, s: &Session, year: i16) -> Result<ReportList> {
        let c = self.db.conn();
        let all = agencies::list_agencies(c).await?;
        let mut reports = vec![];
        for r in yearly::list(c, Some(year), None).await? {
            let Some(a) = all.iter().find(|a| a.id == r.agency_id) else {
                continue;
            };
            if report::may(&s.actor, Right::Read, a.id, is_root(a)) {
                reports.push((r, a.name.clone()));
            }
        }
        let today = vn_date(self.now());
        let writes_for = all
            .iter()
            .filter(|a| a.is_active_on(today))
            .filter(|a| report::may(&s.actor, Right::Write, a.id, is_root(a)))
            .map(|a| (a.code.clone(), a.name.clone(), is_root(a)))
            .collect();
        if reports.is_empty() && !self.may_read_reports(s) {
            return Err(AppError::Forbidden);
        }
        Ok(ReportList {
            year,
            reports,
            writes_for,
        })
    }

    /// Starts a report: its first draft, from the figures of its period.
    pub async fn start_report(&self, ctx: &Ctx, s: &Session, n: &NewReport) -> Result<Report> {
        let c = self.db.conn();
        let all = agencies::list_agencies(c).await?;
        let agency = match n.agency.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
            Some(code) => all
                .iter()
                .find(|a| a.code == code)
                .ok_or(AppError::NotFound)?,
            // By default: the province's reports, or those of someone who writes for no agency,
            // are the provincial department's; otherwise the caller's one agency.
            None => {
                let own = s.actor.agencies_with(&[Role::Leader, Role::AgencyAdmin]);
                match own.as_slice() {
                    _ if n.kind.is_province() => province_of(&all)?,
                    [] => province_of(&all)?,
                    [one] => all
                        .iter()
                        .find(|a| a.id == *one)
                        .ok_or(AppError::NotFound)?,
                    _ => return Err(AppError::field("agency", "Chọn cơ quan.")),
                }
            }
        };
        let root = is_root(agency);
        if !report::may(&s.actor, Right::Write, agency.id, root) {
            return Err(AppError::Forbidden);
        }
        match (n.kind, root) {
            (ReportKind::ProvinceYearly, false) => {
                return Err(AppError::field(
                    "kind",
                    "Báo cáo tổng hợp năm do Sở lập cho toàn tỉnh.",
                ));
            }
            (ReportKind::AgencyYearly, true) => {
                return Err(AppError::field(
                    "kind",
                    "Sở lập báo cáo tổng hợp năm, không lập báo cáo năm của cơ quan.",
                ));
            }
            _ => {}
        }
        if !(2000..=2100).contains(&n.year) {
            return Err(AppError::field("year", "Năm báo cáo không hợp lệ."));
        }
        let (from, to) = match (n.kind.yearly_period(n.year), n.period) {
            (Some(p), _) => p,
            (None, Some((f, t))) if f <= t => (f, t),
            (None, Some(_)) => {
                return Err(AppError::field(
                    "to",
                    "Ngày kết thúc phải sau ngày bắt đầu.",
                ));
            }
            (None, None) => return Err(AppError::field("from", "Chọn kỳ báo cáo.")),
        };
        let title = match n.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => t.chars().take(300).collect(),
            None => format!("{} {} năm {}", n.kind.label_vi(), agency.name, n.year),
        };
        let figures = self.figures(agency, root, n.year, from, to).await?;
        let now = self.now();
        let r = Report {
            id: Uuid::now_v7(),
            kind: n.kind,
            agency_id: agency.id,
            year: n.year,
            from,
            to,
            title,
            state: ReportState::Draft,
            body: Body {
                sections: report::draft(&agency.name, from, to, &figures),
                roadmap: vec![],
                figures,
            },
            created_by: s.user.id,
            created_at: now,
            updated_by: s.user.id,
            updated_at: now,
            submitted_by: None,
            submitted_at: None,
            version: 1,
        };
        let tx = self.db.write().await?;
        yearly::insert(&tx, &r)
            .await
            .or_changed("Báo cáo năm này của cơ quan đã được lập: mở báo cáo đó để sửa.")?;
        self.commit(tx, ctx, audit(s, "report_drafted", &r)).await?;
        Ok(r)
    }

    /// The figures of a period, for an agency or (from the provincial department) the province,
    /// which also lists each agency's yearly report and its figures.
    async fn figures(
        &self,
        agency: &Agency,
        root: bool,
        year: i16,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Figures> {
        let c = self.db.conn();
        let start = |d: jiff::civil::Date| from_local(d.to_datetime(jiff::civil::Time::midnight()));
        let end = to
            .tomorrow()
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        let scope = Scope {
            agency: (!root).then_some(agency.id),
            from: start(from),
            to: start(end),
            now: self.now(),
        };
        let stats = Statistics::of(&rs::cells(c, &scope).await?);
        let card = scorecard::score(&self.scorecard_inputs(&scope).await?);
        let counts = rs::counts(c, &scope).await?;
        let feedback = feedback::facts(c, scope.agency, scope.from, scope.to)
            .await?
            .len() as u64;
        let of = scope.agency.map(|a| vec![a]);
        let incidents = consents::incidents(c, of.as_deref())
            .await?
            .iter()
            .filter(|i| i.started_at >= scope.from && i.started_at < scope.to)
            .count() as u64;
        let agencies = match root {
            true => self.agency_lines(c, &scope, year).await?,
            false => vec![],
        };
        Ok(Figures {
            received: stats.received,
            online: stats
                .by_channel
                .iter()
                .find(|(i, _)| *i == Intake::Online)
                .map_or(0, |(_, n)| *n),
            finished: stats.finished,
            on_time: stats.early + stats.on_time,
            late: stats.late,
            in_progress: stats.in_progress,
            overdue: stats.overdue,
            on_time_percent: stats.on_time_percent,
            score: Some((card.total, card.measured_max)),
            ratings: counts.rated,
            feedback,
            incidents,
            agencies,
        })
    }

    /// Each agency's line in the consolidated report: how its yearly report stands, its
    /// figures over the period (one pass over the dossiers for all of them), its roadmap.
    async fn agency_lines(
        &self,
        c: &impl Conn,
        scope: &Scope,
        year: i16,
    ) -> Result<Vec<AgencyLine>> {
        let all = agencies::list_agencies(c).await?;
        let cells = rs::cells_by_agency(c, scope).await?;
        let reports = yearly::list(c, Some(year), None).await?;
        let due = ReportKind::AgencyYearly.due_on(year);
        let to = vn_date(scope.to);
        let mut lines = vec![];
        for a in all.iter().filter(|a| !is_root(a) && a.is_active_on(to)) {
            let mine: Vec<_> = cells
                .iter()
                .filter(|(x, _, _)| *x == a.id)
                .map(|(_, cell, t)| (cell.clone(), *t))
                .collect();
            let st = Statistics::of(&mine);
            let r = reports
                .iter()
                .find(|r| r.agency_id == a.id && r.kind == ReportKind::AgencyYearly);
            let standing = match due {
                Some(due) => report::standing(
                    r.map(|r| r.state),
                    r.and_then(|r| r.submitted_at).map(vn_date),
                    due,
                ),
                None => "",
            };
            lines.push(AgencyLine {
                code: a.code.clone(),
                name: a.name.clone(),
                standing: standing.into(),
                received: st.received,
                finished: st.finished,
                on_time: st.early + st.on_time,
                roadmap: r.map_or(0, |r| {
                    if r.state == ReportState::Submitted {
                        r.body.roadmap.len() as u64
                    } else {
                        0
                    }
                }),
            });
        }
        Ok(lines)
    }

    /// A report the caller may read, with what they may do with it.
    pub async fn report(&self, s: &Session, id: Uuid) -> Result<ReportView> {
        let c = self.db.conn();
        let r = yearly::get(c, id).await.or_missing(AppError::NotFound)?;
        let agency = agencies::get_agency(c, r.agency_id).await?;
        let root = is_root(&agency);
        if !report::may(&s.actor, Right::Read, agency.id, root) {
            return Err(AppError::NotFound);
        }
        let draft = r.state == ReportState::Draft;
        let may_write = draft && report::may(&s.actor, Right::Write, agency.id, root);
        // Services already in the roadmap are not offered again.
        let services = match may_write && r.kind == ReportKind::AgencyYearly {
            true => self.roadmap_choices(c, agency.id).await?,
            false => vec![],
        }
        .into_iter()
        .filter(|(id, _, _)| !r.body.roadmap.iter().any(|x| x.service_id == *id))
        .collect();
        Ok(ReportView {
            due_on: r.kind.due_on(r.year),
            may_submit: draft && report::may(&s.actor, Right::Submit, agency.id, root),
            may_write,
            services,
            agency,
            report: r,
        })
    }

    /// The agency's active services that are not yet fully online, by name.
    async fn roadmap_choices(
        &self,
        c: &impl Conn,
        agency: Uuid,
    ) -> Result<Vec<(Uuid, String, Classification)>> {
        let services: Vec<_> = cat::services_of_agency(c, agency)
            .await?
            .into_iter()
            .filter(|s| s.active && s.classification != Classification::Full)
            .collect();
        let ids: Vec<Uuid> = services.iter().map(|s| s.procedure_id).collect();
        let versions = cat::current_versions(c, &ids, vn_date(self.now())).await?;
        let mut out: Vec<_> = services
            .iter()
            .filter_map(|s| {
                let v = versions.iter().find(|v| v.procedure_id == s.procedure_id)?;
                Some((
                    s.id,
                    format!("{} {}", v.body.code, v.body.name),
                    s.classification,
                ))
            })
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// Changes a draft, on the version the editor read (409 if someone changed it meanwhile).
    pub async fn edit_report(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        version: i32,
        edit: Edit,
    ) -> Result<Report> {
        let v = self.report(s, id).await?;
        if !v.may_write {
            return Err(match v.report.state {
                ReportState::Submitted => {
                    AppError::Conflict("Báo cáo đã gửi, không sửa được nữa.".into())
                }
                ReportState::Draft => AppError::Forbidden,
            });
        }
        let mut r = v.report;
        if r.version != version {
            return Err(AppError::Conflict(
                "Báo cáo vừa được người khác sửa: tải lại trang để xem bản mới.".into(),
            ));
        }
        let action = match edit {
            Edit::Text { title, sections } => {
                let title = title.trim();
                if title.is_empty() {
                    return Err(AppError::field("title", "Nhập tên báo cáo."));
                }
                r.title = title.chars().take(300).collect();
                r.body.sections = clean_sections(sections)?;
                "report_edited"
            }
            Edit::Refresh => {
                let root = is_root(&v.agency);
                r.body.figures = self.figures(&v.agency, root, r.year, r.from, r.to).await?;
                "report_refreshed"
            }
            Edit::AddRoadmap {
                service,
                target,
                by,
            } => {
                self.add_roadmap(&mut r, &v.services, service, target, by)?;
                "report_roadmap_added"
            }
            Edit::RemoveRoadmap(i) => {
                if i >= r.body.roadmap.len() {
                    return Err(AppError::NotFound);
                }
                r.body.roadmap.remove(i);
                "report_roadmap_removed"
            }
        };
        r.version += 1;
        r.updated_by = s.user.id;
        r.updated_at = self.now();
        let tx = self.db.write().await?;
        yearly::update(&tx, &r)
            .await
            .or_changed("Báo cáo vừa được người khác sửa: tải lại trang để xem bản mới.")?;
        self.commit(tx, ctx, audit(s, action, &r)).await?;
        Ok(r)
    }

    fn add_roadmap(
        &self,
        r: &mut Report,
        choices: &[(Uuid, String, Classification)],
        service: Uuid,
        target: Classification,
        by: jiff::civil::Date,
    ) -> Result<()> {
        if r.kind != ReportKind::AgencyYearly {
            return Err(AppError::field(
                "service",
                "Lộ trình chỉ có trong báo cáo năm của cơ quan.",
            ));
        }
        let (_, label, now) = choices
            .iter()
            .find(|(id, _, _)| *id == service)
            .ok_or_else(|| {
                AppError::field(
                    "service",
                    "Chọn một dịch vụ của cơ quan chưa trực tuyến toàn trình.",
                )
            })?;
        report::check_roadmap_row(*now, target, by, r.year)
            .map_err(|m| AppError::field("target", m))?;
        if r.body.roadmap.iter().any(|x| x.service_id == service) {
            return Err(AppError::field(
                "service",
                "Dịch vụ này đã có trong lộ trình.",
            ));
        }
        if r.body.roadmap.len() >= report::ROADMAP_MAX {
            return Err(AppError::field("service", "Lộ trình đã đủ số dòng tối đa."));
        }
        let (code, name) = label.split_once(' ').unwrap_or(("", label));
        r.body.roadmap.push(RoadmapRow {
            service_id: service,
            code: code.into(),
            name: name.into(),
            now: *now,
            target,
            by,
        });
        r.body.roadmap.sort_by_key(|x| x.by);
        Ok(())
    }

    /// A leader approves and sends the report (R14.2); the province's by its administrators.
    pub async fn submit_report(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        version: i32,
    ) -> Result<Report> {
        let v = self.report(s, id).await?;
        if v.report.state == ReportState::Submitted {
            return Err(AppError::Conflict("Báo cáo đã được gửi.".into()));
        }
        if !v.may_submit {
            return Err(AppError::Forbidden);
        }
        let mut r = v.report;
        if r.version != version {
            return Err(AppError::Conflict(
                "Báo cáo vừa được người khác sửa: xem lại trước khi duyệt.".into(),
            ));
        }
        if r.body.section("results").trim().is_empty() {
            return Err(AppError::field(
                "results",
                "Phần kết quả thực hiện còn trống.",
            ));
        }
        let now = self.now();
        r.state = ReportState::Submitted;
        r.version += 1;
        r.updated_by = s.user.id;
        r.updated_at = now;
        r.submitted_by = Some(s.user.id);
        r.submitted_at = Some(now);
        let tx = self.db.write().await?;
        yearly::update(&tx, &r)
            .await
            .or_changed("Báo cáo vừa được người khác sửa: xem lại trước khi duyệt.")?;
        self.commit(tx, ctx, audit(s, "report_submitted", &r))
            .await?;
        Ok(r)
    }

    /// Reminds the writers of each yearly report not yet sent, 14 and 3 days before its due
    /// day, once each: an agency's leaders and administrators, the province's administrators.
    pub(crate) async fn remind_reports(&self) -> Result<usize> {
        let today = vn_date(self.now());
        let c = self.db.conn();
        let year = today.year();
        let reports = yearly::list(c, Some(year), None).await?;
        let mut sent = 0;
        for a in agencies::list_agencies(c).await? {
            if !a.is_active_on(today) {
                continue;
            }
            let kind = match is_root(&a) {
                true => ReportKind::ProvinceYearly,
                false => ReportKind::AgencyYearly,
            };
            let Some(due) = kind.due_on(year) else {
                continue;
            };
            let Some(lead) = report::reminder(due, today) else {
                continue;
            };
            let done = reports.iter().any(|r| {
                r.agency_id == a.id && r.kind == kind && r.state == ReportState::Submitted
            });
            if done {
                continue;
            }
            let roles: &[Role] = match kind.is_province() {
                true => &[Role::ProvinceAdmin],
                false => &[Role::Leader, Role::AgencyAdmin],
            };
            let mut people = vec![];
            for role in roles {
                for (u, _) in users::holders(c, *role, a.id).await? {
                    if !people
                        .iter()
                        .any(|p: &motcua_domain::account::User| p.id == u.id)
                    {
                        people.push(u);
                    }
                }
            }
            let site = self.config.public_url.trim_end_matches('/');
            let to = people
                .iter()
                .map(|u| {
                    let data = json!({"name": u.full_name, "agency": a.name,
                        "note": format!("{} {year}", kind.label_vi()),
                        "date": format_vn_date(due),
                        "link": format!("{site}/can-bo/bao-cao-nam?nam={year}")});
                    (u.id, data)
                })
                .collect();
            let topic = format!("report:{}:{}:{year}:{lead}", kind.as_str(), a.id);
            sent += usize::from(self.remind_once(&topic, NoticeKind::ReportDue, to).await?);
        }
        Ok(sent)
    }
}

/// The sections as written: known keys only, in order, each bounded.
fn clean_sections(sections: Vec<(String, String)>) -> Result<Vec<(String, String)>> {
    let mut out = vec![];
    for (key, _) in report::SECTIONS {
        let text = sections
            .iter()
            .find(|(k, _)| k == key)
            .map_or(String::new(), |(_, t)| motcua_domain::text::clean(t));
        if text.chars().count() > report::SECTION_MAX {
            return Err(AppError::field(
                key,
                format!("Mỗi phần tối đa {} ký tự.", report::SECTION_MAX),
            ));
        }
        out.push((key.to_string(), text));
    }
    if let Some((k, _)) = sections
        .iter()
        .find(|(k, _)| !report::SECTIONS.iter().any(|(s, _)| s == k))
    {
        return Err(AppError::field("sections", format!("Không có phần «{k}».")));
    }
    Ok(out)
}

fn audit<'a>(s: &Session, action: &'a str, r: &Report) -> Audit<'a> {
    Audit {
        actor: Some(s.user.id),
        action,
        object: "report",
        id: Some(r.id.to_string()),
        agency: Some(r.agency_id),
        detail: json!({"kind": r.kind.as_str(), "year": r.year, "version": r.version}),
    }
}
