//! Staff hear of new work (R10.6, R11.4, R12): each step tells the people whose worklist now
//! holds the dossier (at the desk, those on duty today), a consultation tells the consulted
//! agency's leaders, and a sweep warns of due points within a working day and of desk days with
//! nobody on duty. Each notice goes to the inbox, and by e-mail when the officer chose it; the
//! sweep's reminders are sent once each.
use motcua_domain::account::{Role, User};
use motcua_domain::agency::UnitKind;
use motcua_domain::clock::{format_vn_date, format_vn_datetime, vn_date};
use motcua_domain::lifecycle::{Act, Stage};
use motcua_domain::notice::NoticeKind;
use motcua_domain::work;
use motcua_store::dossiers::{self as ds, Consultation, Dossier};
use motcua_store::notices as ns;
use motcua_store::{Conn, agencies, catalogue as cat, users};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::notices::{Addressed, NewNotice};
use crate::{App, Result};

/// What one sweep of reminders sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reminded {
    pub deadlines: usize,
    pub desks: usize,
    pub reports: usize,
}

/// How far ahead (in calendar time) the sweep looks for due points: a working day of office
/// time can span a long holiday.
const LOOKAHEAD_DAYS: i64 = 14;
/// Working days ahead the roster is checked for days with nobody on duty.
pub const ROSTER_DAYS: usize = 5;

impl App {
    /// The staff whose worklist holds the dossier as it now stands: its assignee; at the desk,
    /// the reception officers on duty today (all of them when the roster names nobody, so that
    /// no dossier goes unheard); otherwise the holders of the stage's role whose grants cover
    /// the dossier's unit.
    pub(crate) async fn work_holders(&self, c: &impl Conn, d: &Dossier) -> Result<Vec<User>> {
        let Some(role) = d.stage.queue() else {
            return Ok(vec![]);
        };
        if role == Role::Specialist
            && let Some(a) = d.assignee_id
        {
            let u = users::get_user(c, a).await?;
            return Ok(if u.disabled { vec![] } else { vec![u] });
        }
        let covers = |units: &[Option<Uuid>]| {
            d.unit_id.is_none() || units.iter().any(|u| u.is_none() || *u == d.unit_id)
        };
        let holders: Vec<User> = users::holders(c, role, d.agency_id)
            .await?
            .into_iter()
            .filter(|(_, units)| covers(units))
            .map(|(u, _)| u)
            .collect();
        if role != Role::Reception {
            return Ok(holders);
        }
        let desks = self.desks(c, d.agency_id, d.unit_id).await?;
        let on = users::on_duty(c, &desks, vn_date(self.now())).await?;
        let duty: Vec<User> = holders
            .iter()
            .filter(|u| on.contains(&u.id))
            .cloned()
            .collect();
        Ok(if duty.is_empty() { holders } else { duty })
    }

    /// The agency's reception desks (only `unit` when it is one of them).
    async fn desks(&self, c: &impl Conn, agency: Uuid, unit: Option<Uuid>) -> Result<Vec<Uuid>> {
        let desks: Vec<Uuid> = agencies::list_units(c, Some(agency))
            .await?
            .into_iter()
            .filter(|u| u.kind == UnitKind::ReceptionDesk)
            .map(|u| u.id)
            .collect();
        Ok(match unit.filter(|u| desks.contains(u)) {
            Some(u) => vec![u],
            None => desks,
        })
    }

    /// Tells staff of the work a step gave them, in the step's transaction: the next holders
    /// of the dossier (never the person who acted), and the agencies a consultation asks.
    pub(crate) async fn tell_staff(
        &self,
        tx: &motcua_store::Tx,
        d: &Dossier,
        from: Option<Stage>,
        act: Act,
        actor: Uuid,
        consultations: &[Consultation],
    ) -> Result<()> {
        for n in self
            .staff_notices(tx, d, from, act, actor, consultations)
            .await?
        {
            self.store_addressed(tx, n).await?;
        }
        Ok(())
    }

    /// The notices of [`App::tell_staff`], rendered and addressed from `c`: before the step's
    /// transaction when the dossier as it will stand is known, so that the transaction only
    /// writes them.
    pub(crate) async fn staff_notices(
        &self,
        c: &impl Conn,
        d: &Dossier,
        from: Option<Stage>,
        act: Act,
        actor: Uuid,
        consultations: &[Consultation],
    ) -> Result<Vec<Addressed>> {
        let mut out = vec![];
        if let Some(kind) = work::step_notice(from, d.stage, act) {
            for u in self.work_holders(c, d).await? {
                if u.id != actor {
                    out.push(self.work_notice(c, kind, &u, d, d.step_due_at).await?);
                }
            }
        }
        for k in consultations {
            for u in self.consulted(c, k.agency_id).await? {
                let due = Some(k.due_at);
                let kind = NoticeKind::ConsultationRequested;
                out.push(self.work_notice(c, kind, &u, d, due).await?);
            }
        }
        Ok(out)
    }

    /// Who hears of a consultation at the consulted agency: its leaders, who share the work out
    /// (its specialists when it has no leader).
    async fn consulted(&self, c: &impl Conn, agency: Uuid) -> Result<Vec<User>> {
        for role in [Role::Leader, Role::Specialist] {
            let h = users::holders(c, role, agency).await?;
            if !h.is_empty() {
                return Ok(h.into_iter().map(|(u, _)| u).collect());
            }
        }
        Ok(vec![])
    }

    /// One staff notice about a dossier, rendered and addressed; its link opens the staff page.
    async fn work_notice(
        &self,
        c: &impl Conn,
        kind: NoticeKind,
        to: &User,
        d: &Dossier,
        due: Option<jiff::Timestamp>,
    ) -> Result<Addressed> {
        let data = self.work_data(c, kind, to, d, due).await?;
        let rendered = self.render_notice(kind, &data)?;
        self.address(c, NewNotice::to_staff(kind, to.id, data), rendered)
            .await
    }

    /// What a staff notice about a dossier says.
    async fn work_data(
        &self,
        c: &impl Conn,
        kind: NoticeKind,
        to: &User,
        d: &Dossier,
        due: Option<jiff::Timestamp>,
    ) -> Result<Value> {
        let agency = agencies::get_agency(c, d.agency_id).await?;
        let procedure = cat::get_version(c, d.procedure_version_id).await?.body.name;
        let site = self.config.public_url.trim_end_matches('/');
        Ok(json!({
            "name": to.full_name, "code": d.code.clone().unwrap_or_default(), "procedure": procedure,
            "agency": agency.name, "note": kind.label_vi(),
            "date": due.map(format_vn_datetime).unwrap_or_default(),
            "link": format!("{site}/can-bo/ho-so/{}", d.id),
        }))
    }

    /// Sends a reminder to each person with what it says to them, once for its topic (what it
    /// is about and for when), whichever server copy sweeps; answers whether it went now.
    pub(crate) async fn remind_once(
        &self,
        topic: &str,
        kind: NoticeKind,
        to: Vec<(Uuid, Value)>,
    ) -> Result<bool> {
        // Most topics of a sweep were sent by an earlier one: a read skips them, so that a
        // sweep opens a write transaction only for what it may send.
        if ns::reminder_sent(self.db.conn(), topic).await? {
            return Ok(false);
        }
        let tx = self.db.write().await?;
        let first = ns::claim_reminder(&tx, topic, self.now()).await?;
        if first {
            for (user, data) in to {
                self.notify(&tx, NewNotice::to_staff(kind, user, data))
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(first)
    }

    /// One sweep of the reminders (run by housekeeping): due points within a working day,
    /// desk days ahead with nobody on duty, yearly reports falling due. Each is sent once.
    pub async fn remind(&self) -> Result<Reminded> {
        Ok(Reminded {
            deadlines: self.remind_deadlines().await?,
            desks: self.remind_unstaffed().await?,
            reports: self.remind_reports().await?,
        })
    }

    /// Warns whoever holds a dossier whose step falls due within a working day, once per due
    /// point (a new due point warns again).
    async fn remind_deadlines(&self) -> Result<usize> {
        let now = self.now();
        let c = self.db.conn();
        let until = now + jiff::SignedDuration::from_hours(24 * LOOKAHEAD_DAYS);
        let cal = self.calendar();
        let codes: std::collections::HashMap<Uuid, String> = agencies::list_agencies(c)
            .await?
            .into_iter()
            .map(|a| (a.id, a.code))
            .collect();
        let mut sent = 0;
        for d in ds::due_between(c, now, until, 10_000).await? {
            let Some(due) = d.step_due_at else { continue };
            let code = codes.get(&d.agency_id).map(String::as_str);
            if !work::due_soon(&cal, code, now, due) {
                continue;
            }
            let kind = NoticeKind::DeadlineNear;
            let mut to = vec![];
            for u in self.work_holders(c, &d).await? {
                to.push((u.id, self.work_data(c, kind, &u, &d, Some(due)).await?));
            }
            let topic = format!("deadline:{}:{}", d.id, due.as_second());
            sent += usize::from(self.remind_once(&topic, kind, to).await?);
        }
        Ok(sent)
    }

    /// Tells an agency's administrators of the working days ahead on which a desk has nobody
    /// on duty, once per desk and day.
    async fn remind_unstaffed(&self) -> Result<usize> {
        let c = self.db.conn();
        let mut sent = 0;
        for unit in agencies::list_units(c, None).await? {
            if unit.kind != UnitKind::ReceptionDesk || unit.valid_to.is_some() {
                continue;
            }
            let days = self.unstaffed_days(unit.id).await?;
            if days.is_empty() {
                continue;
            }
            let agency = agencies::get_agency(c, unit.agency_id).await?;
            let items: Vec<String> = days.iter().map(|d| format_vn_date(*d)).collect();
            let site = self.config.public_url.trim_end_matches('/');
            let to = users::holders(c, Role::AgencyAdmin, unit.agency_id)
                .await?
                .into_iter()
                .map(|(u, _)| {
                    let data = json!({"name": u.full_name, "agency": format!("{} ({})", agency.name, unit.name),
                        "items": items, "link": format!("{site}/can-bo/lich-truc/{}", unit.id)});
                    (u.id, data)
                })
                .collect();
            let topic = format!("unstaffed:{}:{}", unit.id, days[0]);
            sent += usize::from(
                self.remind_once(&topic, NoticeKind::UnstaffedDesk, to)
                    .await?,
            );
        }
        Ok(sent)
    }

    /// The working days ahead (from today, [`ROSTER_DAYS`] of them) on which nobody is on a
    /// desk's roster (R10.6).
    pub async fn unstaffed_days(&self, desk: Uuid) -> Result<Vec<jiff::civil::Date>> {
        let turns: Vec<work::Turn> = users::list_duty(self.db.conn(), desk)
            .await?
            .into_iter()
            .map(|t| (t.starts_on, t.ends_on))
            .collect();
        Ok(work::unstaffed_days(
            &self.calendar(),
            &turns,
            vn_date(self.now()),
            ROSTER_DAYS,
        ))
    }
}
