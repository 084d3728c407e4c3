//! The back office: procedures edited as drafts and published, agencies' services, sectors and
//! fields.

use jiff::Timestamp;
use jiff::civil::Date;
use motcua_domain::agency::Agency;
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::catalogue::{ProcedureBody, check_procedure};
use motcua_store::Tx;
use motcua_store::agencies;
use motcua_store::catalogue::{
    self as cat, Field, Procedure, Sector, Service, Version, VersionStatus,
};
use serde_json::json;
use uuid::Uuid;

use crate::Audit;
use crate::{App, AppError, Ctx, Result, Session};

use super::{ProcedureView, ServiceRecord, check_service};

impl App {
    fn can_edit(&self, s: &Session, p: &Procedure) -> Result<()> {
        let target = match p.owner_agency_id {
            Some(a) => Target::Agency(a),
            None => Target::None,
        };
        Ok(authorize(&s.actor, Action::EditProcedure, &target)?)
    }

    /// Procedures the caller may edit, with their newest version.
    pub async fn editable_procedures(&self, s: &Session) -> Result<Vec<(Procedure, Version)>> {
        let conn = self.db.conn();
        let mut out = Vec::new();
        for p in cat::list_procedures(conn).await? {
            if self.can_edit(s, &p).is_err() {
                continue;
            }
            if let Some(v) = cat::versions(conn, p.id).await?.into_iter().next() {
                out.push((p, v));
            }
        }
        Ok(out)
    }

    /// The newest version of a procedure the caller may edit, and all its versions.
    pub async fn procedure_for_edit(
        &self,
        s: &Session,
        code: &str,
    ) -> Result<(Procedure, Vec<Version>)> {
        let conn = self.db.conn();
        let p = cat::find_procedure(conn, code)
            .await?
            .ok_or(AppError::NotFound)?;
        self.can_edit(s, &p).map_err(AppError::hiding)?;
        let versions = cat::versions(conn, p.id).await?;
        Ok((p, versions))
    }

    /// Saves a procedure as a draft: a new procedure (owned by `owner`), or a draft of an
    /// existing one. Editing a published procedure makes a draft; the published version stays
    /// as it is (R10.4).
    pub async fn save_draft(
        &self,
        ctx: &Ctx,
        s: &Session,
        body_json: &str,
        owner: Option<Uuid>,
    ) -> Result<Version> {
        let body = parse_procedure_body(body_json)?;
        let conn = self.db.conn();
        let field = cat::list_fields(conn)
            .await?
            .into_iter()
            .find(|f| f.code == body.field)
            .ok_or_else(|| {
                AppError::field("body", format!("Không có lĩnh vực mã {}.", body.field))
            })?;
        let now = self.now();
        let tx = self.db.write().await?;
        let (p, versions) = self.procedure_to_edit(&tx, s, &body, owner, now).await?;
        let draft = Draft {
            procedure_id: p.id,
            body: &body,
            field_id: field.id,
            now,
            by: s.user.id,
        };
        let draft = write_draft(&tx, &versions, draft).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "procedure_draft_saved",
                object: "procedure",
                id: Some(p.code.clone()),
                agency: p.owner_agency_id,
                detail: json!({"version": draft.version}),
            },
        )
        .await?;
        Ok(draft)
    }

    /// The procedure a draft is saved to, with its versions (newest first), if the caller may
    /// edit it; a new code creates the procedure, owned by `owner`, if the caller may edit that
    /// agency's procedures.
    async fn procedure_to_edit(
        &self,
        tx: &Tx,
        s: &Session,
        body: &ProcedureBody,
        owner: Option<Uuid>,
        now: Timestamp,
    ) -> Result<(Procedure, Vec<Version>)> {
        if let Some(p) = cat::find_procedure(tx, &body.code).await? {
            self.can_edit(s, &p)?;
            let v = cat::versions(tx, p.id).await?;
            return Ok((p, v));
        }
        let target = owner.map(Target::Agency).unwrap_or(Target::None);
        authorize(&s.actor, Action::EditProcedure, &target)?;
        let p = Procedure {
            id: Uuid::now_v7(),
            code: body.code.clone(),
            owner_agency_id: owner,
            views: 0,
        };
        cat::insert_procedure(tx, &p, now).await?;
        Ok((p, Vec::new()))
    }

    /// Publishes the draft of a procedure, effective from a date (today or later). Dossiers
    /// keep the version they were submitted under.
    pub async fn publish(
        &self,
        ctx: &Ctx,
        s: &Session,
        code: &str,
        effective_from: Date,
    ) -> Result<Version> {
        if effective_from < self.today() {
            return Err(AppError::field(
                "effective_from",
                "Ngày có hiệu lực không được trước hôm nay.",
            ));
        }
        let tx = self.db.write().await?;
        let p = cat::find_procedure(&tx, code)
            .await?
            .ok_or(AppError::NotFound)?;
        self.can_edit(s, &p).map_err(AppError::hiding)?;
        let versions = cat::versions(&tx, p.id).await?;
        let draft = versions
            .iter()
            .find(|v| v.status == VersionStatus::Draft)
            .cloned()
            .ok_or_else(|| AppError::Conflict("Không có bản nháp để xuất bản.".into()))?;
        check_services_fit(&tx, code, p.id, &draft.body).await?;
        cat::publish_version(&tx, draft.id, effective_from, self.now()).await?;
        self.reindex(&tx, p.id).await?;
        let detail = json!({
            "version": draft.version,
            "effective_from": effective_from.to_string(),
        });
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "procedure_published",
                object: "procedure",
                id: Some(p.code.clone()),
                agency: p.owner_agency_id,
                detail,
            },
        )
        .await?;
        tracing::info!(
            event = "procedure_published",
            code = %p.code,
            version = draft.version,
            "procedure published"
        );
        cat::get_version(self.db.conn(), draft.id)
            .await
            .map_err(Into::into)
    }

    /// Creates or updates an agency's online service for a procedure, after checking the form
    /// schema and that the internal process fits the published time (R10.3).
    pub async fn save_service(&self, ctx: &Ctx, s: &Session, r: &ServiceRecord) -> Result<Service> {
        let conn = self.db.conn();
        let agency = self.agency_by_code(&r.agency).await.map_err(|e| match e {
            AppError::NotFound => AppError::field("agency", "Không có cơ quan này."),
            e => e,
        })?;
        authorize(&s.actor, Action::ManageService, &Target::Agency(agency.id))?;
        let p = cat::find_procedure(conn, &r.procedure)
            .await?
            .ok_or(AppError::NotFound)?;
        let v = cat::current_version(conn, p.id, self.today())
            .await?
            .ok_or_else(|| AppError::Conflict("Thủ tục chưa có phiên bản đang hiệu lực.".into()))?;
        let units: Vec<String> = agencies::list_units(conn, Some(agency.id))
            .await?
            .into_iter()
            .map(|u| u.code)
            .collect();
        check_service(&v.body, r, &agency.code, &units)
            .map_err(|m| AppError::field("service", m))?;
        let now = self.now();
        let tx = self.db.write().await?;
        let existing = cat::services_of(&tx, Some(&[p.id]))
            .await?
            .into_iter()
            .find(|x| x.agency_id == agency.id);
        let id = existing.as_ref().map(|e| e.id).unwrap_or_else(Uuid::now_v7);
        let svc = super::import::service_of_record(r, id, p.id, agency.id);
        if existing.is_some() {
            cat::update_service(&tx, &svc, now).await?;
        } else {
            cat::insert_service(&tx, &svc, now).await?;
        }
        self.reindex(&tx, p.id).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "service_saved",
                object: "service",
                id: Some(svc.id.to_string()),
                agency: Some(agency.id),
                detail: json!({"procedure": p.code, "level": svc.level}),
            },
        )
        .await?;
        Ok(svc)
    }

    /// Adds or renames a sector or a field (province administrators).
    pub async fn save_sector(
        &self,
        ctx: &Ctx,
        s: &Session,
        code: &str,
        name: &str,
        parent_sector: Option<&str>,
    ) -> Result<()> {
        authorize(&s.actor, Action::ManageSectors, &Target::None)?;
        let code = sector_code(code)?;
        if name.trim().chars().count() < 2 {
            return Err(AppError::field("name", "Nhập tên."));
        }
        let name = name.trim();
        let tx = self.db.write().await?;
        let sectors = cat::list_sectors(&tx).await?;
        match parent_sector {
            None => save_sector_row(&tx, &sectors, &code, name).await?,
            Some(sc) => {
                let sector = sectors
                    .iter()
                    .find(|x| x.code == sc)
                    .ok_or_else(|| AppError::field("sector", "Không có ngành này."))?;
                save_field_row(&tx, sector, &code, name).await?
            }
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "sector_saved",
                object: "sector",
                id: Some(code),
                agency: None,
                detail: json!({}),
            },
        )
        .await?;
        Ok(())
    }

    /// The newest version (draft or published) rendered as the public page would show it.
    pub async fn procedure_preview(&self, s: &Session, code: &str) -> Result<ProcedureView> {
        let (p, versions) = self.procedure_for_edit(s, code).await?;
        let v = versions.into_iter().next().ok_or(AppError::NotFound)?;
        self.view_of(p, v).await
    }

    /// The agencies whose services the caller may configure.
    pub fn service_agencies<'a>(&self, s: &Session, all: &'a [Agency]) -> Vec<&'a Agency> {
        all.iter()
            .filter(|a| {
                a.valid_to.is_none()
                    && authorize(&s.actor, Action::ManageService, &Target::Agency(a.id)).is_ok()
            })
            .collect()
    }
}

/// The body of a draft as the editor sent it, parsed and checked: nothing malformed or
/// incomplete is stored, even as a draft.
fn parse_procedure_body(body_json: &str) -> Result<ProcedureBody> {
    let body: ProcedureBody = serde_json::from_str(body_json)
        .map_err(|e| AppError::field("body", format!("Nội dung chưa đúng cấu trúc: {e}")))?;
    check_procedure(&body)
        .map_err(|v| AppError::Validation(v.into_iter().map(|m| ("body", m)).collect()))?;
    Ok(body)
}

/// What a saved draft holds and who saved it when.
struct Draft<'a> {
    procedure_id: Uuid,
    body: &'a ProcedureBody,
    field_id: Uuid,
    now: Timestamp,
    by: Uuid,
}

/// Overwrites the procedure's draft if it has one, or adds a draft as its next version: a
/// procedure has at most one draft, and the published versions are never changed.
async fn write_draft(tx: &Tx, versions: &[Version], d: Draft<'_>) -> Result<Version> {
    if let Some(old) = versions.iter().find(|v| v.status == VersionStatus::Draft) {
        cat::update_draft(tx, old.id, d.body, d.field_id).await?;
        return Ok(Version {
            body: d.body.clone(),
            field_id: d.field_id,
            ..old.clone()
        });
    }
    let v = Version {
        id: Uuid::now_v7(),
        procedure_id: d.procedure_id,
        version: versions.first().map(|v| v.version + 1).unwrap_or(1),
        status: VersionStatus::Draft,
        effective_from: None,
        field_id: d.field_id,
        body: d.body.clone(),
        created_at: d.now,
        published_at: None,
    };
    cat::insert_version(tx, &v, Some(d.by)).await?;
    Ok(v)
}

/// A sector's or field's code as stored (trimmed, upper case), if it is one: the codes appear
/// in addresses and in the portable catalogue.
fn sector_code(code: &str) -> Result<String> {
    let code = code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > 30
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
    {
        return Err(AppError::field(
            "code",
            "Mã gồm chữ in hoa không dấu, số và dấu chấm (tối đa 30 ký tự).",
        ));
    }
    Ok(code)
}

/// Renames the sector of a code, or adds it after the others.
async fn save_sector_row(tx: &Tx, sectors: &[Sector], code: &str, name: &str) -> Result<()> {
    match sectors.iter().find(|x| x.code == code) {
        Some(x) => {
            let renamed = Sector {
                name: name.into(),
                ..x.clone()
            };
            cat::update_sector(tx, &renamed).await?
        }
        None => {
            let new = Sector {
                id: Uuid::now_v7(),
                code: code.into(),
                name: name.into(),
                position: sectors.len() as i32,
            };
            cat::insert_sector(tx, &new).await?
        }
    }
    Ok(())
}

/// Renames the field of a code and files it under `sector`, or adds it there after all the
/// fields.
async fn save_field_row(tx: &Tx, sector: &Sector, code: &str, name: &str) -> Result<()> {
    let fields = cat::list_fields(tx).await?;
    match fields.iter().find(|x| x.code == code) {
        Some(x) => {
            let renamed = Field {
                name: name.into(),
                sector_id: sector.id,
                ..x.clone()
            };
            cat::update_field(tx, &renamed).await?
        }
        None => {
            let new = Field {
                id: Uuid::now_v7(),
                sector_id: sector.id,
                code: code.into(),
                name: name.into(),
                position: fields.len() as i32,
            };
            cat::insert_field(tx, &new).await?
        }
    }
    Ok(())
}

/// Every service of the procedure must still fit the times of the version about to be
/// published (an agency's process never takes longer than the published time, R10.3).
async fn check_services_fit(
    tx: &Tx,
    code: &str,
    procedure_id: Uuid,
    body: &ProcedureBody,
) -> Result<()> {
    let all = agencies::list_agencies(tx).await?;
    let units = agencies::list_units(tx, None).await?;
    for svc in cat::services_of(tx, Some(&[procedure_id])).await? {
        let Some(agency) = all.iter().find(|a| a.id == svc.agency_id) else {
            continue;
        };
        let r = ServiceRecord {
            procedure: code.into(),
            agency: agency.code.clone(),
            level: svc.level,
            classification: Some(svc.classification),
            online_time: svc.online_time.clone(),
            form_schema: svc.form_schema.clone(),
            process: svc.process.clone(),
            fee_due: svc.fee_due,
        };
        let codes: Vec<String> = units
            .iter()
            .filter(|u| u.agency_id == agency.id)
            .map(|u| u.code.clone())
            .collect();
        check_service(body, &r, &agency.code, &codes).map_err(|m| AppError::field("body", m))?;
    }
    Ok(())
}
