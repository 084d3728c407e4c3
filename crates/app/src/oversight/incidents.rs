//! Incidents tracked to resolution (R9.2, R10.7, R14.3): the provincial department's
//! administrators and inspectors are told at once (inbox, e-mail as they chose), each incident
//! keeps a timeline, motcua opens one by itself when its own checks fail, and while one
//! disrupts the public service the public site says so.
use std::collections::VecDeque;
use std::sync::Mutex;

use motcua_domain::Role;
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::incident::{self as inc, Origin};
use motcua_domain::notice::NoticeKind;
use motcua_domain::record::{Incident, IncidentUpdate};
use motcua_store::consents as cs;
use motcua_store::{agencies, users};
use serde_json::json;
use uuid::Uuid;

use crate::notices::NewNotice;
use crate::{App, AppError, Audit, Ctx, Result, Session};

/// What the public site shows while incidents disrupt the service, and the recent server
/// errors, kept in memory (a public page never reads the database for it).
#[derive(Default)]
pub struct Watch {
    notices: Mutex<Vec<String>>,
    errors: Mutex<VecDeque<i64>>,
    /// When the database first failed a check, while it keeps failing.
    down_since: Mutex<Option<jiff::Timestamp>>,
}

/// An incident with its timeline.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub incident: Incident,
    pub agency: Option<String>,
    pub updates: Vec<IncidentUpdate>,
}

impl App {
    /// Tells the provincial department of a new incident, in the reporting transaction, and
    /// opens its timeline.
    pub(crate) async fn announce_incident(
        &self,
        tx: &motcua_store::Tx,
        i: &Incident,
    ) -> Result<()> {
        let c = self.db.conn();
        let all = agencies::list_agencies(c).await?;
        let province = all
            .iter()
            .find(|a| a.parent_id.is_none())
            .ok_or_else(|| AppError::Unexpected("no provincial agency".into()))?;
        let whose = i
            .agency_id
            .and_then(|a| all.iter().find(|x| x.id == a))
            .map_or_else(|| "Hệ thống dịch vụ công".to_string(), |a| a.name.clone());
        let mut told = vec![];
        for role in [Role::ProvinceAdmin, Role::Inspector] {
            for (u, _) in users::holders(tx, role, province.id).await? {
                if told.contains(&u.id) {
                    continue;
                }
                told.push(u.id);
                let items: Vec<&str> = Some(i.impact.as_str())
                    .filter(|x| !x.is_empty())
                    .into_iter()
                    .collect();
                let site = self.config.public_url.trim_end_matches('/');
                let data = json!({
                    "name": u.full_name, "agency": whose, "date": format_vn_datetime(i.started_at),
                    "note": i.summary, "items": items,
                    "link": format!("{site}/can-bo/su-co/{}", i.id),
                });
                self.notify(tx, NewNotice::to_staff(NoticeKind::Incident, u.id, data))
                    .await?;
            }
        }
        cs::insert_incident_update(
            tx,
            &IncidentUpdate {
                id: Uuid::now_v7(),
                incident_id: i.id,
                at: i.created_at,
                by: (!i.reported_by.is_nil()).then_some(i.reported_by),
                note: format!("Báo cáo sự cố; đã thông báo {} cán bộ của Sở.", told.len()),
                resolves: false,
            },
        )
        .await?;
        Ok(())
    }

    /// Incidents the caller may see, newest first, with their timelines.
    pub async fn incidents(&self, s: &Session) -> Result<Vec<Tracked>> {
        self.may_report_incidents(s)?;
        let mine = (!(s.actor.has_role(Role::ProvinceAdmin) || s.actor.has_role(Role::Inspector)))
            .then(|| s.actor.agencies_with(&[Role::AgencyAdmin]));
        let c = self.db.conn();
        let all = agencies::list_agencies(c).await?;
        let mut out = vec![];
        for i in cs::incidents(c, mine.as_deref()).await? {
            out.push(Tracked {
                agency: i
                    .agency_id
                    .and_then(|a| all.iter().find(|x| x.id == a))
                    .map(|a| a.name.clone()),
                updates: cs::incident_updates(c, i.id).await?,
                incident: i,
            });
        }
        Ok(out)
    }

    /// Adds to an incident's timeline, and resolves it when `resolve`.
    pub async fn update_incident(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        note: &str,
        resolve: bool,
    ) -> Result<()> {
        let i = self.incident(s, id).await?.incident;
        let note = crate::processing::clean(note, 4000);
        if note.is_empty() {
            return Err(AppError::field("note", "Ghi diễn biến, biện pháp đã làm."));
        }
        let now = self.now();
        let tx = self.db.write().await?;
        if resolve && !cs::resolve_incident(&tx, id, now).await? {
            return Err(AppError::Conflict("Sự cố đã được khắc phục.".into()));
        }
        cs::insert_incident_update(
            &tx,
            &IncidentUpdate {
                id: Uuid::now_v7(),
                incident_id: id,
                at: now,
                by: Some(s.user.id),
                note,
                resolves: resolve,
            },
        )
        .await?;
        let audit = Audit {
            actor: Some(s.user.id),
            action: "incident_update",
            object: "incident",
            id: Some(id.to_string()),
            agency: i.agency_id,
            detail: json!({"resolves": resolve}),
        };
        self.commit(tx, ctx, audit).await?;
        self.refresh_disruptions().await
    }

    /// Opens an incident of motcua's own (or adds to the one of that origin still open).
    pub async fn open_own_incident(
        &self,
        origin: Origin,
        started: jiff::Timestamp,
        detail: &str,
    ) -> Result<Uuid> {
        let now = self.now();
        let note = format!("{} {detail}", origin.summary_vi())
            .trim()
            .to_string();
        let tx = self.db.write().await?;
        let id = match cs::open_incidents(&tx, Some(origin), false).await?.first() {
            Some(open) => {
                let u = IncidentUpdate {
                    id: Uuid::now_v7(),
                    incident_id: open.id,
                    at: now,
                    by: None,
                    note: format!("Vẫn tiếp diễn. {detail}"),
                    resolves: false,
                };
                cs::insert_incident_update(&tx, &u).await?;
                open.id
            }
            None => {
                let i = Incident {
                    id: Uuid::now_v7(),
                    agency_id: None,
                    personal_data: false,
                    summary: note,
                    started_at: started,
                    discovered_at: now,
                    notify_by: motcua_domain::privacy::due_after(now),
                    notified_at: None,
                    reported_by: Uuid::nil(),
                    created_at: now,
                    impact: String::new(),
                    origin,
                    public_notice: origin.disrupts_public(),
                    resolved_at: None,
                };
                cs::insert_incident(&tx, &i).await?;
                self.announce_incident(&tx, &i).await?;
                i.id
            }
        };
        self.record(
            &tx,
            &Ctx::default(),
            Audit {
                actor: None,
                action: "incident_opened",
                object: "incident",
                id: Some(id.to_string()),
                agency: None,
                detail: json!({"origin": origin.as_str()}),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::error!(event = "incident_opened", origin = origin.as_str(), incident = %id, "incident opened");
        self.refresh_disruptions().await?;
        Ok(id)
    }

    /// What the public site says now (from memory).
    pub fn disruptions(&self) -> Vec<String> {
        self.watch
            .notices
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reloads what the public site says from the open incidents announced to the public.
    pub(crate) async fn refresh_disruptions(&self) -> Result<()> {
        let open = cs::open_incidents(self.db.conn(), None, true).await?;
        let lines = open
            .iter()
            .map(|i| {
                format!(
                    "Từ {}: {} Chúng tôi đang khắc phục; mong người dân thông cảm.",
                    format_vn_datetime(i.started_at),
                    i.summary
                )
            })
            .collect();
        *self.watch.notices.lock().unwrap_or_else(|e| e.into_inner()) = lines;
        Ok(())
    }

    /// Counts a server error; a burst opens an incident (once per burst).
    pub async fn note_server_error(&self) -> Result<()> {
        let now = self.now().as_second();
        let burst = {
            let mut q = self.watch.errors.lock().unwrap_or_else(|e| e.into_inner());
            q.push_back(now);
            while q.front().is_some_and(|t| now - t >= inc::ERROR_WINDOW_SECS) {
                q.pop_front();
            }
            let burst = inc::is_burst(q.make_contiguous(), now);
            if burst {
                q.clear();
            }
            burst
        };
        if burst {
            let started = self.now() - jiff::SignedDuration::from_secs(inc::ERROR_WINDOW_SECS);
            self.open_own_incident(Origin::Errors, started, "").await?;
        }
        Ok(())
    }

    /// motcua's own checks, from the maintenance loop: the database answers (an outage opens
    /// an incident once it is back, from when it began), and the data folder's disk has room.
    pub async fn check_health(&self) -> Result<()> {
        let now = self.now();
        if let Err(e) = self.db.ping().await {
            tracing::error!(event = "health_check_failed", error = %e, "the database did not answer");
            let mut down = self
                .watch
                .down_since
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            down.get_or_insert(now);
            return Ok(());
        }
        let was_down = self
            .watch
            .down_since
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(since) = was_down {
            let id = self
                .open_own_incident(Origin::Health, since, "Đã kết nối lại cơ sở dữ liệu.")
                .await?;
            let tx = self.db.write().await?;
            cs::resolve_incident(&tx, id, now).await?;
            tx.commit().await?;
            self.refresh_disruptions().await?;
        }
        if let Some((free, total)) = disk_space(&self.config.data_dir)
            && inc::disk_low(free, total)
            && cs::open_incidents(self.db.conn(), Some(Origin::Disk), false)
                .await?
                .is_empty()
        {
            let detail = format!("Còn {} MB trống trên {} MB.", free >> 20, total >> 20);
            self.open_own_incident(Origin::Disk, now, &detail).await?;
        }
        Ok(())
    }
}

/// Free and total bytes of the file system holding `dir`.
fn disk_space(dir: &std::path::Path) -> Option<(u64, u64)> {
    let s = match rustix::fs::statvfs(dir) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(event = "disk_check_fail", error = %e, "the data folder's disk was not read");
            return None;
        }
    };
    Some((
        s.f_bavail.saturating_mul(s.f_frsize),
        s.f_blocks.saturating_mul(s.f_frsize),
    ))
}
