//! Personal-data incidents (R10.5; Law 91/2025 Art. 23, Decree 356/2025 Art. 28): the 72-hour
//! clock from discovery, the people affected (from the audit log: whose dossiers at the agency
//! were read or changed while the incident ran), and the notice to the authority, drafted.
use std::collections::BTreeSet;

use motcua_domain::Role;
use motcua_domain::privacy as pd;
use motcua_domain::record::Incident;
use motcua_domain::text::mask;
use motcua_store::consents as cs;
use motcua_store::dossiers as ds;
use motcua_store::{agencies, audit, users};
use serde_json::json;
use uuid::Uuid;

use crate::{App, AppError, Audit, Ctx, Result, Session};

/// What an agency reports.
#[derive(Debug, Clone)]
pub struct NewIncident {
    /// The agency's code (none: the whole installation).
    pub agency: Option<String>,
    pub personal_data: bool,
    pub summary: String,
    pub started_at: jiff::Timestamp,
    pub discovered_at: jiff::Timestamp,
    /// What it affects (services, people, data).
    pub impact: String,
    /// Announce it on the public site while it lasts.
    pub public_notice: bool,
}

/// One person affected, as the list shows them.
#[derive(Debug, Clone)]
pub struct Affected {
    pub user_id: Uuid,
    pub name: String,
    /// The identity number, masked.
    pub id_number: String,
}

/// An incident with its clock, the people affected and the drafted notice.
#[derive(Debug, Clone)]
pub struct IncidentView {
    pub incident: Incident,
    pub agency: Option<String>,
    /// Whole hours left before `notify_by` (negative: late).
    pub hours_left: i64,
    pub affected: Vec<Affected>,
    /// The notice to the personal-data protection authority (Form 08's headings), drafted.
    pub notice: String,
    /// Its timeline, oldest first.
    pub updates: Vec<motcua_domain::record::IncidentUpdate>,
}

impl App {
    /// Whether the caller may report incidents (agency and province administrators, inspectors).
    pub fn may_report_incidents(&self, s: &Session) -> Result<()> {
        self.incident_scope(s).map(|_| ())
    }

    fn incident_scope(&self, s: &Session) -> Result<Option<Vec<Uuid>>> {
        if s.actor.has_role(Role::ProvinceAdmin) || s.actor.has_role(Role::Inspector) {
            return Ok(None);
        }
        let mine = s.actor.agencies_with(&[Role::AgencyAdmin]);
        if mine.is_empty() {
            return Err(AppError::Forbidden);
        }
        Ok(Some(mine))
    }

    /// Records an incident; a personal-data one starts its 72-hour clock at discovery.
    pub async fn report_incident(
        &self,
        ctx: &Ctx,
        s: &Session,
        n: NewIncident,
    ) -> Result<Incident> {
        let scope = self.incident_scope(s)?;
        let conn = self.db.conn();
        let agency = match &n.agency {
            Some(code) => Some(
                agencies::find_agency_by_code(conn, code.trim())
                    .await?
                    .ok_or_else(|| AppError::field("agency", "Không có cơ quan với mã này."))?
                    .id,
            ),
            None => None,
        };
        if let Some(mine) = &scope
            && agency.is_none_or(|a| !mine.contains(&a))
        {
            return Err(AppError::Forbidden);
        }
        let summary: String = n.summary.trim().chars().take(4000).collect();
        if summary.is_empty() {
            return Err(AppError::field(
                "summary",
                "Mô tả sự cố: việc gì, từ khi nào, ảnh hưởng.",
            ));
        }
        let now = self.now();
        if n.discovered_at > now || n.started_at > n.discovered_at {
            return Err(AppError::field(
                "discovered_at",
                "Thời điểm phát hiện không sau hiện tại và không trước lúc sự cố bắt đầu.",
            ));
        }
        let i = Incident {
            id: Uuid::now_v7(),
            agency_id: agency,
            personal_data: n.personal_data,
            summary,
            started_at: n.started_at,
            discovered_at: n.discovered_at,
            notify_by: pd::due_after(n.discovered_at),
            notified_at: None,
            reported_by: s.user.id,
            created_at: now,
            impact: n.impact.trim().chars().take(4000).collect(),
            origin: motcua_domain::incident::Origin::Reported,
            public_notice: n.public_notice,
            resolved_at: None,
        };
        let tx = self.db.write().await?;
        cs::insert_incident(&tx, &i).await?;
        self.announce_incident(&tx, &i).await?;
        let audit = Audit {
            actor: Some(s.user.id),
            action: "incident_report",
            object: "incident",
            id: Some(i.id.to_string()),
            agency,
            detail: json!({"personal_data": i.personal_data}),
        };
        self.commit(tx, ctx, audit).await?;
        self.refresh_disruptions().await?;
        Ok(i)
    }

    /// An incident with its clock, the people affected and the notice drafted.
    pub async fn incident(&self, s: &Session, id: Uuid) -> Result<IncidentView> {
        let scope = self.incident_scope(s)?;
        let conn = self.db.conn();
        let i = cs::get_incident(conn, id).await?;
        if let Some(mine) = scope
            && i.agency_id.is_none_or(|a| !mine.contains(&a))
        {
            return Err(AppError::NotFound);
        }
        let agency = match i.agency_id {
            Some(a) => Some(agencies::get_agency(conn, a).await?.name),
            None => None,
        };
        let affected = if i.personal_data {
            self.affected(&i).await?
        } else {
            vec![]
        };
        let hours_left = (i.notify_by - self.now()).as_hours();
        let notice = draft_notice(&i, agency.as_deref(), affected.len());
        let updates = cs::incident_updates(conn, id).await?;
        Ok(IncidentView {
            updates,
            incident: i,
            agency,
            hours_left,
            affected,
            notice,
        })
    }

    /// The people whose dossiers at the incident's agency were read or changed between its
    /// start and its discovery, per the audit log.
    async fn affected(&self, i: &Incident) -> Result<Vec<Affected>> {
        let conn = self.db.conn();
        let records = audit::search(
            conn,
            &audit::AuditFilter {
                from: Some(i.started_at),
                to: Some(i.discovered_at + jiff::SignedDuration::from_micros(1)),
                agencies: i.agency_id.map(|a| vec![a]),
                ..Default::default()
            },
            100_000,
        )
        .await?;
        let mut owners = BTreeSet::new();
        for (_, r) in records.iter().filter(|(_, r)| r.object_type == "dossier") {
            let Some(d) = r.object_id.as_deref().and_then(|x| x.parse().ok()) else {
                continue;
            };
            if let Ok(d) = ds::get_dossier(conn, d).await
                && let Some(o) = d.owner_id
            {
                owners.insert(o);
            }
        }
        let mut out = vec![];
        for o in owners {
            let u = users::get_user(conn, o).await?;
            out.push(Affected {
                user_id: u.id,
                name: u.full_name,
                id_number: u
                    .id_number
                    .as_deref()
                    .map(|n| mask(n, 4))
                    .unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Records that the authority was notified.
    pub async fn incident_notified(&self, ctx: &Ctx, s: &Session, id: Uuid) -> Result<()> {
        let i = self.incident(s, id).await?.incident;
        let tx = self.db.write().await?;
        if !cs::set_notified(&tx, id, self.now()).await? {
            return Err(AppError::Conflict("Đã ghi nhận việc thông báo.".into()));
        }
        let late = self.now() > i.notify_by;
        let audit = Audit {
            actor: Some(s.user.id),
            action: "incident_notified",
            object: "incident",
            id: Some(id.to_string()),
            agency: i.agency_id,
            detail: json!({"late": late}),
        };
        self.commit(tx, ctx, audit).await
    }
}

/// The notice to the authority (A05, Ministry of Public Security), under the headings Decree
/// 356/2025 Art. 28 asks for; the agency completes what only it knows.
fn draft_notice(i: &Incident, agency: Option<&str>, affected: usize) -> String {
    let vn = motcua_domain::clock::format_vn_datetime;
    format!(
        "THÔNG BÁO VI PHẠM QUY ĐỊNH VỀ BẢO VỆ DỮ LIỆU CÁ NHÂN\n\
         Kính gửi: Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an.\n\
         1. Bên kiểm soát dữ liệu: {}.\n\
         2. Mô tả vi phạm: {}\n\
         3. Thời gian: bắt đầu {}; phát hiện {}; hạn thông báo {}.\n\
         4. Số chủ thể dữ liệu bị ảnh hưởng: {affected}; loại dữ liệu: họ tên, số định danh, số điện thoại, địa chỉ, nội dung tờ khai.\n\
         5. Hậu quả có thể xảy ra: [cơ quan bổ sung].\n\
         6. Biện pháp đã và sẽ thực hiện: [cơ quan bổ sung].\n\
         7. Đầu mối liên hệ: [họ tên, chức vụ, điện thoại].\n",
        agency.unwrap_or("Hệ thống dịch vụ công trực tuyến"),
        i.summary,
        vn(i.started_at),
        vn(i.discovered_at),
        vn(i.notify_by),
    )
}
