//! What the processing pages read: the control sheet's steps, the national count, worklists and
//! the tracking register (form 06).
use std::collections::HashMap;

use motcua_domain::account::Role;
use motcua_domain::deadline;
use motcua_domain::event::Event;
use motcua_domain::lifecycle::{self, Act, Stage, Who};
use motcua_store::dossiers::{self as ds, Dossier};
use motcua_store::{agencies, users};
use uuid::Uuid;

use crate::{App, AppError, Result, Session};

/// The dossier's count as the national monitoring makes it (see `deadline::overall`).
pub fn overall(
    d: &Dossier,
    events: &[Event],
    now: jiff::Timestamp,
) -> Option<deadline::Timeliness> {
    let history: Vec<(Stage, jiff::Timestamp)> =
        events.iter().map(|e| (e.to_stage, e.at)).collect();
    deadline::overall(&history, d.appointment_at, now)
}

/// One dossier on a worklist.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub row: ds::WorkRow,
    pub procedure: String,
    pub stage: Stage,
    pub urgency: deadline::Urgency,
    /// The appointment passes within a working day and the result is not ready: time to
    /// apologise with a new date (form 04).
    pub apology_due: bool,
    /// Who holds it (the leader's list of what the specialists hold).
    pub assignee: Option<String>,
    /// The caller may approve it from the list (a proposal waiting for the leader, R12).
    pub may_approve: bool,
    /// The draft result proposed, to open inline: its file id and name.
    pub draft: Option<(Uuid, String)>,
}

/// One page of a worklist.
#[derive(Debug, Clone)]
pub struct WorklistPage {
    pub role: Role,
    pub scope: Scope,
    pub agency_id: Uuid,
    pub agency: String,
    pub total: u64,
    pub overdue: u64,
    pub items: Vec<WorkItem>,
    /// The keyset of the next page, when there is one.
    pub next: Option<String>,
}

/// Which part of a worklist to show: one service's dossiers, one stage's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkFilter {
    pub service: Option<Uuid>,
    pub stage: Option<Stage>,
}

/// The worklist roles, in the order a person holding several sees them.
pub const WORK_ROLES: [Role; 3] = [Role::Reception, Role::Leader, Role::Specialist];

fn cursor(t: jiff::Timestamp, id: Uuid) -> String {
    format!("{t}_{id}")
}

fn parse_cursor(s: &str) -> Option<(jiff::Timestamp, Uuid)> {
    let (t, id) = s.split_once('_')?;
    Some((t.parse().ok()?, Uuid::parse_str(id).ok()?))
}

/// Which part of a role's queue at an agency the caller sees: a specialist the dossiers assigned
/// to them; a grant naming a unit only the dossiers that unit is responsible for (and those no
/// unit holds); a grant for the whole agency all of it (R10.3, R10.6).
fn queue_of(s: &Session, role: Role, agency_id: Uuid) -> ds::Queue {
    let grants: Vec<_> = s
        .actor
        .grants
        .iter()
        .filter(|g| g.role == role && g.agency_id == agency_id)
        .collect();
    let units = (role != Role::Specialist && grants.iter().all(|g| g.unit_id.is_some()))
        .then(|| grants.iter().filter_map(|g| g.unit_id).collect());
    ds::Queue {
        agency_id,
        role,
        assignee_id: (role == Role::Specialist).then_some(s.user.id),
        units,
        service_id: None,
        stage: None,
    }
}

/// Which of a role's lists: the dossiers waiting for the caller (or their desk), or, for a
/// leader, those the department's specialists hold (to see who is late and reassign, R3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    Mine,
    Specialists,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "mine" => Some(Scope::Mine),
            "specialists" => Some(Scope::Specialists),
            _ => None,
        }
    }
}

impl App {
    /// The caller's worklist for one role at one agency (defaults: their first processing role
    /// and its first agency), in due order, keyset-paginated. Reception's list is the desk's, for
    /// every officer on it (R10.6); the leader's is the department's; a specialist's holds the
    /// dossiers assigned to them. A grant for one unit shows what that unit is responsible for.
    /// A leader's `Scope::Specialists` lists what the agency's specialists hold, with who holds
    /// it.
    #[allow(clippy::too_many_arguments)] // what picks one page of one list
    pub async fn worklist(
        &self,
        s: &Session,
        role: Option<Role>,
        agency: Option<Uuid>,
        scope: Scope,
        filter: WorkFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<WorklistPage> {
        let (role, agency_id) = work_place(s, role, agency)?;
        let after = match after.filter(|a| !a.is_empty()) {
            Some(a) => Some(
                parse_cursor(a)
                    .ok_or_else(|| AppError::field("after", "Con trỏ trang không hợp lệ."))?,
            ),
            None => None,
        };
        let q = ds::Queue {
            service_id: filter.service,
            stage: filter.stage,
            ..queue_for(s, role, agency_id, scope)?
        };
        let limit = limit.clamp(1, 200);
        let now = self.now();
        let conn = self.db.conn();
        let mut rows = ds::worklist(conn, &q, after, limit + 1).await?;
        let overdue = match overdue_on_first_page(&rows, after.is_none(), limit, now) {
            Some(n) => n,
            None => ds::overdue_count(conn, &q, now).await?,
        };
        let next = (rows.len() as u64 > limit).then(|| {
            rows.truncate(limit as usize);
            let last = rows.last().expect("a full page");
            cursor(last.step_due_at.unwrap_or(now), last.id)
        });
        let total = ds::worklist_total(conn, &q).await?;
        let agency = self.agency(agency_id).await?;
        let holders: Vec<Uuid> = rows.iter().filter_map(|r| r.assignee_id).collect();
        let holders = match scope {
            Scope::Specialists => self.user_names(&holders).await?,
            Scope::Mine => HashMap::new(),
        };
        let mut names: HashMap<Uuid, String> = Default::default();
        let mut items = Vec::with_capacity(rows.len());
        let soon = self.apology_horizon(&agency.code, now);
        let mut drafts = match (role, scope) {
            (Role::Leader, Scope::Mine) => self.drafts_of(&rows).await?,
            _ => HashMap::new(),
        };
        for row in rows {
            let procedure = procedure_name(self, &mut names, row.procedure_version_id).await?;
            let appointment = row.new_appointment_at.or(row.appointment_at);
            let apology_due = deadline::apology_due(row.stage, appointment, soon);
            items.push(WorkItem {
                urgency: deadline::Urgency::of(row.step_due_at, now),
                procedure,
                stage: row.stage,
                apology_due,
                assignee: row.assignee_id.and_then(|a| holders.get(&a).cloned()),
                may_approve: role == Role::Leader
                    && scope == Scope::Mine
                    && lifecycle::next(row.stage, Act::Approve, Who::Staff(Role::Leader)).is_ok(),
                draft: drafts.remove(&row.id),
                row,
            });
        }
        Ok(WorklistPage {
            role,
            scope,
            agency_id,
            agency: agency.name,
            total,
            overdue,
            items,
            next,
        })
    }
}

impl App {
    /// The result document each listed dossier's latest proposal names (what an approval
    /// issues), by dossier: the events and files of the page in two queries.
    async fn drafts_of(&self, rows: &[ds::WorkRow]) -> Result<HashMap<Uuid, (Uuid, String)>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let conn = self.db.conn();
        let mut by_dossier: HashMap<Uuid, Vec<Event>> = HashMap::new();
        for e in ds::events_of(conn, &ids).await? {
            by_dossier.entry(e.dossier_id).or_default().push(e);
        }
        let proposed: HashMap<Uuid, Uuid> = by_dossier
            .iter()
            .filter_map(|(d, events)| Some((*d, motcua_domain::event::proposed_result(events)?)))
            .collect();
        Ok(ds::files_of(conn, &ids)
            .await?
            .into_iter()
            .filter(|f| proposed.get(&f.dossier_id) == Some(&f.id))
            .map(|f| (f.dossier_id, (f.id, f.name)))
            .collect())
    }

    /// The worklist page's filters and counts (R10.6): how many dossiers of the caller's list (of
    /// one service, if given) are at each stage, and the agency's services to filter by. One
    /// grouped count over the queue's rows, so the API's worklist, which pages without them,
    /// does not pay for it.
    pub async fn worklist_panel(
        &self,
        s: &Session,
        role: Option<Role>,
        agency: Option<Uuid>,
        scope: Scope,
        service: Option<Uuid>,
    ) -> Result<WorkPanel> {
        let (role, agency_id) = work_place(s, role, agency)?;
        let q = ds::Queue {
            service_id: service,
            ..queue_for(s, role, agency_id, scope)?
        };
        let conn = self.db.conn();
        let stages = ds::stage_counts(conn, &q).await?;
        // The agency's active services by their procedures' names in force (two queries).
        let offered: Vec<_> = motcua_store::catalogue::services_of_agency(conn, agency_id)
            .await?
            .into_iter()
            .filter(|svc| svc.active)
            .collect();
        let procedures: Vec<Uuid> = offered.iter().map(|svc| svc.procedure_id).collect();
        let today = motcua_domain::clock::vn_date(self.now());
        let names: HashMap<Uuid, String> =
            motcua_store::catalogue::current_versions(conn, &procedures, today)
                .await?
                .into_iter()
                .map(|v| (v.procedure_id, v.body.name))
                .collect();
        let mut services: Vec<(Uuid, String)> = offered
            .iter()
            .filter_map(|svc| Some((svc.id, names.get(&svc.procedure_id)?.clone())))
            .collect();
        services.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(WorkPanel { stages, services })
    }
}

/// A worklist's counts per stage and the services it may be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct WorkPanel {
    pub stages: Vec<(Stage, u64)>,
    pub services: Vec<(Uuid, String)>,
}

/// How many of a queue's dossiers are overdue, when its first page (read in due order with one
/// row more than it shows) tells: the page holds the whole queue, or ends past the overdue ones.
/// Overdue rows come first in due order, so none is left beyond such a page.
fn overdue_on_first_page(
    rows: &[ds::WorkRow],
    first: bool,
    limit: u64,
    now: jiff::Timestamp,
) -> Option<u64> {
    let due = |r: &ds::WorkRow| r.step_due_at;
    let whole = rows.len() as u64 <= limit;
    let past_them = rows.iter().any(|r| due(r).is_some_and(|d| d >= now));
    (first && (whole || past_them)).then(|| {
        rows.iter()
            .filter(|r| due(r).is_some_and(|d| d < now))
            .count() as u64
    })
}

/// A procedure version's name, read once per list.
async fn procedure_name(
    app: &App,
    cache: &mut HashMap<Uuid, String>,
    version: Uuid,
) -> Result<String> {
    if let Some(n) = cache.get(&version) {
        return Ok(n.clone());
    }
    let n = app.version(version).await?.body.name.clone();
    cache.insert(version, n.clone());
    Ok(n)
}

/// One line of the tracking register (form 06).
#[derive(Debug, Clone)]
pub struct RegisterRow {
    pub code: String,
    pub procedure: String,
    pub applicant_name: String,
    pub intake: &'static str,
    pub submitted_at: Option<jiff::Timestamp>,
    pub appointment_at: Option<jiff::Timestamp>,
    pub stage: &'static str,
    /// When the result was returned, for returned dossiers.
    pub returned_at: Option<jiff::Timestamp>,
}

impl App {
    /// Display names of accounts (staff pages and slips).
    pub async fn user_names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let names = users::full_names(self.db.conn(), &ids).await?;
        Ok(names.into_iter().collect())
    }

    /// Form 06: the dossiers an agency received from `from` to `to` (dates in UTC+7), for its
    /// reception officers and leaders. At most 5,000 lines.
    pub async fn register_book(
        &self,
        s: &Session,
        agency: Option<Uuid>,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<(String, Vec<RegisterRow>)> {
        let roles = [Role::Reception, Role::Leader];
        let agency_id = match agency {
            Some(a) if roles.iter().any(|r| s.actor.has_role_in(*r, a)) => a,
            Some(_) => return Err(AppError::Forbidden),
            None => *s
                .actor
                .agencies_with(&roles)
                .first()
                .ok_or(AppError::Forbidden)?,
        };
        let start = |d: jiff::civil::Date| {
            motcua_domain::calendar::from_local(d.to_datetime(jiff::civil::Time::midnight()))
        };
        let conn = self.db.conn();
        let rows = ds::received_between(
            conn,
            agency_id,
            start(from),
            start(
                to.tomorrow()
                    .map_err(|e| AppError::Unexpected(e.to_string()))?,
            ),
            5000,
        )
        .await?;
        let agency = agencies::get_agency(conn, agency_id).await?;
        let mut names: HashMap<Uuid, String> = Default::default();
        let mut out = Vec::with_capacity(rows.len());
        for d in rows {
            let procedure = procedure_name(self, &mut names, d.procedure_version_id).await?;
            out.push(RegisterRow {
                code: d.code.clone().unwrap_or_default(),
                procedure,
                applicant_name: d.applicant_name.clone(),
                intake: d.intake.label_vi(),
                submitted_at: d.submitted_at,
                appointment_at: d.appointment_at,
                stage: d.stage.label_vi(),
                returned_at: (d.stage == Stage::Returned).then_some(d.updated_at),
            });
        }
        Ok((agency.name, out))
    }
}

/// Whose worklist the caller asks for: a role with a worklist they hold (their first by default)
/// at an agency where they hold it (their first by default).
fn work_place(s: &Session, role: Option<Role>, agency: Option<Uuid>) -> Result<(Role, Uuid)> {
    let role = match role {
        Some(r) if WORK_ROLES.contains(&r) => r,
        Some(_) => return Err(AppError::field("role", "Vai trò không có danh sách việc.")),
        None => WORK_ROLES
            .into_iter()
            .find(|r| s.actor.has_role(*r))
            .ok_or(AppError::Forbidden)?,
    };
    let agency_id = match agency {
        Some(a) if s.actor.has_role_in(role, a) => a,
        Some(_) => return Err(AppError::Forbidden),
        None => *s
            .actor
            .agencies_with(&[role])
            .first()
            .ok_or(AppError::Forbidden)?,
    };
    Ok((role, agency_id))
}

/// The queue a worklist reads: the caller's own, or (a leader's) what the specialists hold.
fn queue_for(s: &Session, role: Role, agency_id: Uuid, scope: Scope) -> Result<ds::Queue> {
    Ok(match scope {
        Scope::Mine => queue_of(s, role, agency_id),
        Scope::Specialists if role == Role::Leader => ds::Queue {
            agency_id,
            role: Role::Specialist,
            assignee_id: None,
            units: None,
            service_id: None,
            stage: None,
        },
        Scope::Specialists => {
            return Err(AppError::field(
                "scope",
                "Chỉ lãnh đạo xem được hồ sơ chuyên viên đang xử lý.",
            ));
        }
    })
}
