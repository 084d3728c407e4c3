//! Importing and exporting the portable catalogue (`motcua catalogue import|export`).
use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use motcua_domain::agency::{Agency, Unit};
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::catalogue::{Classification, ProcedureBody, check_procedure};
use motcua_store::Tx;
use motcua_store::agencies;
use motcua_store::catalogue::{
    self as cat, Field, Procedure, Sector, Service, Version, VersionStatus,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    CatalogueReport, CatalogueSnapshot, FieldRecord, SectorRecord, ServiceRecord, check_service,
};
use crate::Audit;
use crate::{App, AppError, Ctx, Result, Session};

/// When and by whom the versions an import publishes are stamped.
#[derive(Clone, Copy)]
struct Stamp {
    by: Option<Uuid>,
    now: Timestamp,
    effective_from: Date,
}

impl App {
    /// Imports a catalogue in one transaction: sectors and fields by code; procedures by code,
    /// a changed procedure gets a new published version effective from `effective_from`;
    /// services by (procedure, agency). Everything is checked before anything is written.
    /// Importing the same snapshot again changes nothing.
    pub async fn import_catalogue(
        &self,
        ctx: &Ctx,
        by: Option<&Session>,
        snap: &CatalogueSnapshot,
        effective_from: Date,
    ) -> Result<CatalogueReport> {
        if let Some(s) = by {
            authorize(&s.actor, Action::ManageSectors, &Target::None)?;
        }
        let conn = self.db.conn();
        let all_agencies = agencies::list_agencies(conn).await?;
        let all_units = agencies::list_units(conn, None).await?;
        let mut problems = procedure_problems(snap);
        problems.extend(service_problems(snap, &all_agencies, &all_units));
        if !problems.is_empty() {
            return Err(AppError::Validation(
                problems.into_iter().map(|m| ("catalogue", m)).collect(),
            ));
        }

        let stamp = Stamp {
            by: by.map(|s| s.user.id),
            now: self.now(),
            effective_from,
        };
        let tx = self.db.write().await?;
        let mut report = CatalogueReport::default();
        let fields = import_sectors(&tx, snap, &mut report).await?;
        let (ids, mut touched) = import_procedures(&tx, snap, &fields, stamp, &mut report).await?;
        touched
            .extend(import_services(&tx, snap, &ids, &all_agencies, stamp.now, &mut report).await?);
        touched.sort();
        touched.dedup();
        for pid in touched {
            self.reindex(&tx, pid).await?;
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: stamp.by,
                action: "catalogue_imported",
                object: "catalogue",
                id: None,
                agency: None,
                detail: json!(report),
            },
        )
        .await?;
        tracing::info!(
            event = "catalogue_imported",
            versions = report.versions_published,
            services = report.services_created + report.services_updated,
            "catalogue imported"
        );
        Ok(report)
    }

    /// Exports the catalogue as it is in force today.
    pub async fn export_catalogue(&self) -> Result<CatalogueSnapshot> {
        let conn = self.db.conn();
        let sectors = cat::list_sectors(conn).await?;
        let fields = cat::list_fields(conn).await?;
        let procs = cat::list_procedures(conn).await?;
        let ids: Vec<Uuid> = procs.iter().map(|p| p.id).collect();
        let versions = cat::current_versions(conn, &ids, self.today()).await?;
        let services = cat::services_of(conn, None).await?;
        let all = agencies::list_agencies(conn).await?;
        let code_of: HashMap<Uuid, &str> = procs.iter().map(|p| (p.id, p.code.as_str())).collect();
        Ok(CatalogueSnapshot {
            sectors: sectors
                .iter()
                .map(|s| SectorRecord {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    fields: fields
                        .iter()
                        .filter(|f| f.sector_id == s.id)
                        .map(|f| FieldRecord {
                            code: f.code.clone(),
                            name: f.name.clone(),
                        })
                        .collect(),
                })
                .collect(),
            procedures: versions.iter().map(|v| v.body.clone()).collect(),
            services: services
                .iter()
                .filter(|s| s.active)
                .filter_map(|s| {
                    Some(ServiceRecord {
                        procedure: code_of.get(&s.procedure_id)?.to_string(),
                        agency: all.iter().find(|a| a.id == s.agency_id)?.code.clone(),
                        level: s.level,
                        classification: (s.classification != Classification::from_level(s.level))
                            .then_some(s.classification),
                        online_time: s.online_time.clone(),
                        form_schema: s.form_schema.clone(),
                        process: s.process.clone(),
                        fee_due: s.fee_due,
                    })
                })
                .collect(),
        })
    }
}

/// What is wrong with the snapshot's procedures (their content, repeated codes, unknown
/// fields), so that an import reports every problem at once before writing anything.
fn procedure_problems(snap: &CatalogueSnapshot) -> Vec<String> {
    let mut problems: Vec<String> = Vec::new();
    let field_codes: HashSet<&str> = snap
        .sectors
        .iter()
        .flat_map(|s| s.fields.iter().map(|f| f.code.as_str()))
        .collect();
    let mut seen = HashSet::new();
    for p in &snap.procedures {
        if let Err(e) = check_procedure(p) {
            problems.extend(e.into_iter().map(|m| format!("{}: {m}", p.code)));
        }
        if !seen.insert(p.code.as_str()) {
            problems.push(format!("{}: mã thủ tục bị lặp.", p.code));
        }
        if !field_codes.contains(p.field.as_str()) {
            problems.push(format!("{}: không có lĩnh vực mã {}.", p.code, p.field));
        }
    }
    problems
}

/// What is wrong with the snapshot's services (unknown procedure or agency, repeats, a service
/// that does not fit its procedure), reported with the procedures' problems.
fn service_problems(snap: &CatalogueSnapshot, agencies: &[Agency], units: &[Unit]) -> Vec<String> {
    let mut problems: Vec<String> = Vec::new();
    let mut service_keys = HashSet::new();
    for r in &snap.services {
        let Some(body) = snap.procedures.iter().find(|p| p.code == r.procedure) else {
            problems.push(format!(
                "Dịch vụ {}: không có thủ tục này trong tệp.",
                r.procedure
            ));
            continue;
        };
        let Some(agency) = agencies.iter().find(|a| a.code == r.agency) else {
            problems.push(format!(
                "Dịch vụ {}: không có cơ quan mã {}.",
                r.procedure, r.agency
            ));
            continue;
        };
        if !service_keys.insert((r.procedure.as_str(), r.agency.as_str())) {
            problems.push(format!("Dịch vụ {} tại {}: bị lặp.", r.procedure, r.agency));
        }
        let units: Vec<String> = units
            .iter()
            .filter(|u| u.agency_id == agency.id)
            .map(|u| u.code.clone())
            .collect();
        if let Err(m) = check_service(body, r, &agency.code, &units) {
            problems.push(m);
        }
    }
    problems
}

/// Creates or renames the snapshot's sectors and their fields, matched by code; returns every
/// field stored afterwards, which the procedures are filed under.
async fn import_sectors(
    tx: &Tx,
    snap: &CatalogueSnapshot,
    report: &mut CatalogueReport,
) -> Result<Vec<Field>> {
    let mut sectors = cat::list_sectors(tx).await?;
    let mut fields = cat::list_fields(tx).await?;
    for (i, s) in snap.sectors.iter().enumerate() {
        let sector = upsert_sector(tx, &mut sectors, s, i, report).await?;
        for (j, f) in s.fields.iter().enumerate() {
            upsert_field(tx, &mut fields, &sector, f, j, report).await?;
        }
    }
    Ok(fields)
}

/// Renames a known sector if its name changed, or creates it at position `i` (and adds it to
/// `sectors`): the sector its fields then belong to.
async fn upsert_sector(
    tx: &Tx,
    sectors: &mut Vec<Sector>,
    s: &SectorRecord,
    i: usize,
    report: &mut CatalogueReport,
) -> Result<Sector> {
    if let Some(x) = sectors.iter().find(|x| x.code == s.code) {
        if x.name != s.name {
            cat::update_sector(
                tx,
                &Sector {
                    name: s.name.clone(),
                    ..x.clone()
                },
            )
            .await?;
        }
        return Ok(x.clone());
    }
    let x = Sector {
        id: Uuid::now_v7(),
        code: s.code.clone(),
        name: s.name.clone(),
        position: i as i32,
    };
    cat::insert_sector(tx, &x).await?;
    report.sectors_created += 1;
    sectors.push(x.clone());
    Ok(x)
}

/// Renames or moves a known field to the sector, or creates it at position `j` (and adds it to
/// `fields`, so that the procedures find it).
async fn upsert_field(
    tx: &Tx,
    fields: &mut Vec<Field>,
    sector: &Sector,
    f: &FieldRecord,
    j: usize,
    report: &mut CatalogueReport,
) -> Result<()> {
    if let Some(x) = fields.iter().find(|x| x.code == f.code) {
        if x.name != f.name || x.sector_id != sector.id {
            cat::update_field(
                tx,
                &Field {
                    name: f.name.clone(),
                    sector_id: sector.id,
                    ..x.clone()
                },
            )
            .await?;
        }
        return Ok(());
    }
    let x = Field {
        id: Uuid::now_v7(),
        sector_id: sector.id,
        code: f.code.clone(),
        name: f.name.clone(),
        position: j as i32,
    };
    cat::insert_field(tx, &x).await?;
    report.fields_created += 1;
    fields.push(x);
    Ok(())
}

/// Creates the unknown procedures and publishes a new version of each whose content changed;
/// returns the id of every procedure by code, and those given a new version (to reindex).
async fn import_procedures(
    tx: &Tx,
    snap: &CatalogueSnapshot,
    fields: &[Field],
    stamp: Stamp,
    report: &mut CatalogueReport,
) -> Result<(HashMap<String, Uuid>, Vec<Uuid>)> {
    let mut touched: Vec<Uuid> = Vec::new();
    let mut ids: HashMap<String, Uuid> = HashMap::new();
    for body in &snap.procedures {
        let field_id = fields
            .iter()
            .find(|f| f.code == body.field)
            .map(|f| f.id)
            .ok_or(AppError::NotFound)?;
        let (pid, latest) = find_or_create_procedure(tx, body, stamp.now, report).await?;
        ids.insert(body.code.clone(), pid);
        let newest_published = latest.iter().find(|v| v.status == VersionStatus::Published);
        if newest_published.is_some_and(|v| v.body == *body) {
            report.procedures_unchanged += 1;
            continue;
        }
        let number = latest.first().map(|v| v.version + 1).unwrap_or(1);
        cat::insert_version(
            tx,
            &Version {
                id: Uuid::now_v7(),
                procedure_id: pid,
                version: number,
                status: VersionStatus::Published,
                effective_from: Some(stamp.effective_from),
                field_id,
                body: body.clone(),
                created_at: stamp.now,
                published_at: Some(stamp.now),
            },
            stamp.by,
        )
        .await?;
        report.versions_published += 1;
        touched.push(pid);
    }
    Ok((ids, touched))
}

/// The procedure of a code with its versions, newest first; a procedure not stored yet is
/// created (with no versions), as the catalogue's own (no owning agency).
async fn find_or_create_procedure(
    tx: &Tx,
    body: &ProcedureBody,
    now: Timestamp,
    report: &mut CatalogueReport,
) -> Result<(Uuid, Vec<Version>)> {
    if let Some(p) = cat::find_procedure(tx, &body.code).await? {
        let versions = cat::versions(tx, p.id).await?;
        return Ok((p.id, versions));
    }
    let p = Procedure {
        id: Uuid::now_v7(),
        code: body.code.clone(),
        owner_agency_id: None,
        views: 0,
    };
    cat::insert_procedure(tx, &p, now).await?;
    report.procedures_created += 1;
    Ok((p.id, Vec::new()))
}

/// Creates or updates the snapshot's services by (procedure, agency); returns the procedures
/// whose services changed (to reindex).
async fn import_services(
    tx: &Tx,
    snap: &CatalogueSnapshot,
    ids: &HashMap<String, Uuid>,
    all_agencies: &[Agency],
    now: Timestamp,
    report: &mut CatalogueReport,
) -> Result<Vec<Uuid>> {
    let mut touched: Vec<Uuid> = Vec::new();
    let existing = cat::services_of(tx, None).await?;
    for r in &snap.services {
        let pid = ids[&r.procedure];
        let agency = all_agencies
            .iter()
            .find(|a| a.code == r.agency)
            .ok_or(AppError::NotFound)?;
        let current = existing
            .iter()
            .find(|s| s.procedure_id == pid && s.agency_id == agency.id);
        match current {
            Some(cur) => {
                let w = service_of_record(r, cur.id, pid, agency.id);
                if w != *cur {
                    cat::update_service(tx, &w, now).await?;
                    report.services_updated += 1;
                    touched.push(pid);
                } else {
                    report.services_unchanged += 1;
                }
            }
            None => {
                let w = service_of_record(r, Uuid::now_v7(), pid, agency.id);
                cat::insert_service(tx, &w, now).await?;
                report.services_created += 1;
                touched.push(pid);
            }
        }
    }
    Ok(touched)
}

/// The active service a record describes, as it is stored (a record without a classification
/// takes the default of its level).
pub(super) fn service_of_record(
    r: &ServiceRecord,
    id: Uuid,
    procedure_id: Uuid,
    agency_id: Uuid,
) -> Service {
    Service {
        id,
        procedure_id,
        agency_id,
        level: r.level,
        classification: r
            .classification
            .unwrap_or_else(|| Classification::from_level(r.level)),
        online_time: r.online_time.clone(),
        form_schema: r.form_schema.clone(),
        process: r.process.clone(),
        active: true,
        fee_due: r.fee_due,
    }
}
