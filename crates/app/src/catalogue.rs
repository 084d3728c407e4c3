//! The catalogue of administrative procedures and the online services agencies offer
//! (issue 3; R3.2, R5.1a, R5.1b, R5.2, R6.1, R9.2, R10.2–R10.4).
use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use motcua_domain::agency::Agency;
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::catalogue::{
    Channel, Classification, Duration, ProcedureBody, check_procedure, time_to_result,
};
use motcua_domain::clock::vn_date;
use motcua_domain::form::FormSpec;
use motcua_domain::text::fold_vi;
use motcua_store::agencies;
use motcua_store::catalogue::{
    self as cat, Field, IndexRow, Procedure, Sector, Service, Version, VersionStatus,
};
use motcua_store::dialect::SearchFilter;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::Audit;
use crate::{App, AppError, Ctx, Result, Session};
pub use motcua_domain::search::{procedure_text, relevance_score, search_tokens};
pub use motcua_domain::service::{ServiceRecord, check_service};

/// The portable catalogue: what `motcua catalogue import|export` reads and writes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CatalogueSnapshot {
    pub sectors: Vec<SectorRecord>,
    pub procedures: Vec<ProcedureBody>,
    pub services: Vec<ServiceRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SectorRecord {
    pub code: String,
    pub name: String,
    pub fields: Vec<FieldRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldRecord {
    pub code: String,
    pub name: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CatalogueReport {
    pub sectors_created: usize,
    pub fields_created: usize,
    pub procedures_created: usize,
    pub versions_published: usize,
    pub procedures_unchanged: usize,
    pub services_created: usize,
    pub services_updated: usize,
    pub services_unchanged: usize,
}

/// A search result.
#[derive(Debug, Clone, Serialize)]
pub struct ProcedureSummary {
    pub code: String,
    pub name: String,
    pub sector: String,
    pub field: String,
    /// (code, name) of the agencies offering it online.
    pub agencies: Vec<(String, String)>,
    pub levels: Vec<u8>,
}

/// A service with what pages need to show it.
#[derive(Debug, Clone)]
pub struct ServiceView {
    pub service: Service,
    pub agency: Agency,
    pub form: FormSpec,
    /// The time the citizen can count on for an online dossier (R8.1c, R10.4): what the
    /// appointment of an online dossier is counted with.
    pub time_to_result: Duration,
    /// The service's own dossier figures (R5.1b).
    pub usage: Usage,
}

impl ServiceView {
    /// Takes dossiers online (levels 3 and 4).
    pub fn online(&self) -> bool {
        motcua_domain::catalogue::takes_dossiers_online(self.service.level)
    }
}

/// The usage figures of a service or procedure (R5.1b), computed from the dossiers' records:
/// received (submitted), finished (their national count ended, `deadline::outcome`), finished
/// early or on time, and asked to supplement more than once before acceptance (R3.4).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Usage {
    pub views: i64,
    pub received: u64,
    pub finished: u64,
    pub on_time: u64,
    pub repeat_requests: u64,
}

impl Usage {
    /// The share finished early or on time, in percent; `None` while none has finished.
    pub fn on_time_percent(&self) -> Option<u64> {
        motcua_domain::deadline::on_time_percent(self.finished, self.on_time)
    }

    fn add(&mut self, f: &motcua_store::dossiers::Figures) {
        self.received += f.received;
        self.finished += f.finished;
        self.on_time += f.on_time;
        self.repeat_requests += f.repeat_requests;
    }
}

/// Everything the page of a procedure shows.
#[derive(Debug, Clone)]
pub struct ProcedureView {
    pub procedure: Procedure,
    pub version: Version,
    pub sector: Sector,
    pub field: Field,
    pub services: Vec<ServiceView>,
    pub usage: Usage,
}

/// A sector with its fields and how many procedures each holds.
#[derive(Debug, Clone, Serialize)]
pub struct SectorView {
    pub code: String,
    pub name: String,
    pub fields: Vec<(String, String, i64)>,
}

/// Search input.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub text: String,
    pub sector: Option<String>,
    pub field: Option<String>,
    pub agency: Option<String>,
    pub level: Option<u8>,
    pub subject: Option<String>,
}

impl App {
    fn today(&self) -> Date {
        vn_date(self.now())
    }

    /// Rebuilds one procedure's row of the search index from its newest published version and
    /// its services (in the caller's transaction).
    async fn reindex(&self, tx: &motcua_store::Tx, procedure_id: Uuid) -> Result<()> {
        let p = cat::get_procedure(tx, procedure_id).await?;
        let Some(v) = cat::versions(tx, procedure_id)
            .await?
            .into_iter()
            .find(|v| v.status == VersionStatus::Published)
        else {
            return Ok(());
        };
        let fields = cat::list_fields(tx).await?;
        let field = fields
            .iter()
            .find(|f| f.id == v.field_id)
            .ok_or(AppError::NotFound)?;
        let services = cat::services_of(tx, Some(&[procedure_id])).await?;
        let all = agencies::list_agencies(tx).await?;
        let mut codes: Vec<String> = services
            .iter()
            .filter(|s| s.active)
            .filter_map(|s| all.iter().find(|a| a.id == s.agency_id))
            .map(|a| a.code.clone())
            .collect();
        codes.sort();
        let mut levels: Vec<u8> = services
            .iter()
            .filter(|s| s.active)
            .map(|s| s.level)
            .collect();
        levels.sort();
        levels.dedup();
        let row = IndexRow {
            procedure_id,
            code: p.code.clone(),
            name: v.body.name.clone(),
            field_id: field.id,
            sector_id: field.sector_id,
            agencies: codes,
            levels,
            subjects: fold_vi(&v.body.subjects.join(" | ")),
        };
        let name = format!(
            "{} {}",
            fold_vi(&v.body.name),
            v.body.code.replace('.', " ")
        );
        cat::upsert_index(tx, &row, &name, &procedure_text(&v.body)).await?;
        Ok(())
    }

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
        let conn = self.db.conn();
        let all_agencies = agencies::list_agencies(conn).await?;
        let all_units = agencies::list_units(conn, None).await?;
        let mut service_keys = HashSet::new();
        for r in &snap.services {
            let Some(body) = snap.procedures.iter().find(|p| p.code == r.procedure) else {
                problems.push(format!(
                    "Dịch vụ {}: không có thủ tục này trong tệp.",
                    r.procedure
                ));
                continue;
            };
            let Some(agency) = all_agencies.iter().find(|a| a.code == r.agency) else {
                problems.push(format!(
                    "Dịch vụ {}: không có cơ quan mã {}.",
                    r.procedure, r.agency
                ));
                continue;
            };
            if !service_keys.insert((r.procedure.as_str(), r.agency.as_str())) {
                problems.push(format!("Dịch vụ {} tại {}: bị lặp.", r.procedure, r.agency));
            }
            let units: Vec<String> = all_units
                .iter()
                .filter(|u| u.agency_id == agency.id)
                .map(|u| u.code.clone())
                .collect();
            if let Err(m) = check_service(body, r, &agency.code, &units) {
                problems.push(m);
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Validation(
                problems.into_iter().map(|m| ("catalogue", m)).collect(),
            ));
        }

        let now = self.now();
        let tx = self.db.write().await?;
        let mut report = CatalogueReport::default();
        let mut sectors = cat::list_sectors(&tx).await?;
        let mut fields = cat::list_fields(&tx).await?;
        for (i, s) in snap.sectors.iter().enumerate() {
            let sector = match sectors.iter().find(|x| x.code == s.code) {
                Some(x) => {
                    if x.name != s.name {
                        cat::update_sector(
                            &tx,
                            &Sector {
                                name: s.name.clone(),
                                ..x.clone()
                            },
                        )
                        .await?;
                    }
                    x.clone()
                }
                None => {
                    let x = Sector {
                        id: Uuid::now_v7(),
                        code: s.code.clone(),
                        name: s.name.clone(),
                        position: i as i32,
                    };
                    cat::insert_sector(&tx, &x).await?;
                    report.sectors_created += 1;
                    sectors.push(x.clone());
                    x
                }
            };
            for (j, f) in s.fields.iter().enumerate() {
                match fields.iter().find(|x| x.code == f.code) {
                    Some(x) => {
                        if x.name != f.name || x.sector_id != sector.id {
                            cat::update_field(
                                &tx,
                                &Field {
                                    name: f.name.clone(),
                                    sector_id: sector.id,
                                    ..x.clone()
                                },
                            )
                            .await?;
                        }
                    }
                    None => {
                        let x = Field {
                            id: Uuid::now_v7(),
                            sector_id: sector.id,
                            code: f.code.clone(),
                            name: f.name.clone(),
                            position: j as i32,
                        };
                        cat::insert_field(&tx, &x).await?;
                        report.fields_created += 1;
                        fields.push(x);
                    }
                }
            }
        }
        let mut touched: Vec<Uuid> = Vec::new();
        let mut ids: HashMap<String, Uuid> = HashMap::new();
        for body in &snap.procedures {
            let field_id = fields
                .iter()
                .find(|f| f.code == body.field)
                .map(|f| f.id)
                .ok_or(AppError::NotFound)?;
            let (pid, latest) = match cat::find_procedure(&tx, &body.code).await? {
                Some(p) => {
                    let versions = cat::versions(&tx, p.id).await?;
                    (p.id, versions)
                }
                None => {
                    let p = Procedure {
                        id: Uuid::now_v7(),
                        code: body.code.clone(),
                        owner_agency_id: None,
                        views: 0,
                    };
                    cat::insert_procedure(&tx, &p, now).await?;
                    report.procedures_created += 1;
                    (p.id, Vec::new())
                }
            };
            ids.insert(body.code.clone(), pid);
            let newest_published = latest.iter().find(|v| v.status == VersionStatus::Published);
            if newest_published.is_some_and(|v| v.body == *body) {
                report.procedures_unchanged += 1;
                continue;
            }
            let number = latest.first().map(|v| v.version + 1).unwrap_or(1);
            cat::insert_version(
                &tx,
                &Version {
                    id: Uuid::now_v7(),
                    procedure_id: pid,
                    version: number,
                    status: VersionStatus::Published,
                    effective_from: Some(effective_from),
                    field_id,
                    body: body.clone(),
                    created_at: now,
                    published_at: Some(now),
                },
                by.map(|s| s.user.id),
            )
            .await?;
            report.versions_published += 1;
            touched.push(pid);
        }
        let existing = cat::services_of(&tx, None).await?;
        for r in &snap.services {
            let pid = ids[&r.procedure];
            let agency = all_agencies
                .iter()
                .find(|a| a.code == r.agency)
                .ok_or(AppError::NotFound)?;
            let wanted = |id: Uuid, active: bool| Service {
                id,
                procedure_id: pid,
                agency_id: agency.id,
                level: r.level,
                classification: r
                    .classification
                    .unwrap_or_else(|| Classification::from_level(r.level)),
                online_time: r.online_time.clone(),
                form_schema: r.form_schema.clone(),
                process: r.process.clone(),
                active,
            };
            match existing
                .iter()
                .find(|s| s.procedure_id == pid && s.agency_id == agency.id)
            {
                Some(cur) => {
                    let w = wanted(cur.id, true);
                    if w != *cur {
                        cat::update_service(&tx, &w, now).await?;
                        report.services_updated += 1;
                        touched.push(pid);
                    } else {
                        report.services_unchanged += 1;
                    }
                }
                None => {
                    cat::insert_service(&tx, &wanted(Uuid::now_v7(), true), now).await?;
                    report.services_created += 1;
                    touched.push(pid);
                }
            }
        }
        touched.sort();
        touched.dedup();
        for pid in touched {
            self.reindex(&tx, pid).await?;
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: by.map(|s| s.user.id),
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
                    })
                })
                .collect(),
        })
    }

    /// Searches the catalogue, best match first (R5.1a). Accent-insensitive, đ = d.
    pub async fn search_catalogue(&self, q: &Query, limit: u64) -> Result<Vec<ProcedureSummary>> {
        let conn = self.db.conn();
        let sectors = cat::list_sectors(conn).await?;
        let fields = cat::list_fields(conn).await?;
        let filter = SearchFilter {
            sector_id: q
                .sector
                .as_ref()
                .and_then(|c| sectors.iter().find(|s| &s.code == c))
                .map(|s| s.id),
            field_id: q
                .field
                .as_ref()
                .and_then(|c| fields.iter().find(|f| &f.code == c))
                .map(|f| f.id),
            agency: q.agency.clone().filter(|a| {
                a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
            }),
            level: q.level,
            subject: q.subject.as_deref().map(fold_vi).filter(|s| !s.is_empty()),
        };
        if q.sector.is_some() && filter.sector_id.is_none()
            || q.field.is_some() && filter.field_id.is_none()
        {
            return Ok(Vec::new());
        }
        let tokens = search_tokens(&q.text);
        if tokens.is_empty() {
            let ids = cat::search(conn, &tokens, &filter, limit).await?;
            return self.summaries(&ids).await;
        }
        // The engine finds the candidates (every word, as a prefix) in its own rank order; the
        // final order is the same on both engines: how well the name matches (relevance_score).
        let ids = cat::search(conn, &tokens, &filter, (limit * 2).max(100)).await?;
        let mut list: Vec<(i64, ProcedureSummary)> = self
            .summaries(&ids)
            .await?
            .into_iter()
            .map(|s| (relevance_score(&s.name, &s.code, &tokens), s))
            .collect();
        list.sort_by_key(|x| std::cmp::Reverse(x.0));
        Ok(list
            .into_iter()
            .take(limit as usize)
            .map(|(_, s)| s)
            .collect())
    }

    /// Search results from the index (one query for the rows, in `ids` order). The index
    /// holds the newest published version's name, sector, field, agencies and levels.
    async fn summaries(&self, ids: &[Uuid]) -> Result<Vec<ProcedureSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let conn = self.db.conn();
        let sectors = cat::list_sectors(conn).await?;
        let fields = cat::list_fields(conn).await?;
        let all = agencies::list_agencies(conn).await?;
        let rows: HashMap<Uuid, IndexRow> = cat::index_rows(conn, ids)
            .await?
            .into_iter()
            .map(|r| (r.procedure_id, r))
            .collect();
        Ok(ids
            .iter()
            .filter_map(|id| rows.get(id))
            .map(|r| ProcedureSummary {
                code: r.code.clone(),
                name: r.name.clone(),
                sector: sectors
                    .iter()
                    .find(|s| s.id == r.sector_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                field: fields
                    .iter()
                    .find(|f| f.id == r.field_id)
                    .map(|f| f.name.clone())
                    .unwrap_or_default(),
                agencies: r
                    .agencies
                    .iter()
                    .map(|c| {
                        (
                            c.clone(),
                            all.iter()
                                .find(|a| &a.code == c)
                                .map(|a| a.name.clone())
                                .unwrap_or_default(),
                        )
                    })
                    .collect(),
                levels: r.levels.clone(),
            })
            .collect())
    }

    /// Sectors with their fields and procedure counts.
    pub async fn sectors(&self) -> Result<Vec<SectorView>> {
        let conn = self.db.conn();
        let sectors = cat::list_sectors(conn).await?;
        let fields = cat::list_fields(conn).await?;
        let counts: HashMap<Uuid, i64> = cat::counts_by_field(conn).await?.into_iter().collect();
        Ok(sectors
            .iter()
            .map(|s| SectorView {
                code: s.code.clone(),
                name: s.name.clone(),
                fields: fields
                    .iter()
                    .filter(|f| f.sector_id == s.id)
                    .map(|f| {
                        (
                            f.code.clone(),
                            f.name.clone(),
                            counts.get(&f.id).copied().unwrap_or(0),
                        )
                    })
                    .collect(),
            })
            .collect())
    }

    async fn view_of(&self, p: Procedure, v: Version) -> Result<ProcedureView> {
        let conn = self.db.conn();
        let fields = cat::list_fields(conn).await?;
        let field = fields
            .into_iter()
            .find(|f| f.id == v.field_id)
            .ok_or(AppError::NotFound)?;
        let sector = cat::list_sectors(conn)
            .await?
            .into_iter()
            .find(|s| s.id == field.sector_id)
            .ok_or(AppError::NotFound)?;
        let all = agencies::list_agencies(conn).await?;
        let mut services = Vec::new();
        for s in cat::services_of(conn, Some(&[p.id]))
            .await?
            .into_iter()
            .filter(|s| s.active)
        {
            let Some(agency) = all.iter().find(|a| a.id == s.agency_id).cloned() else {
                continue;
            };
            let form = FormSpec::from_schema(&s.form_schema).map_err(AppError::Unexpected)?;
            let time_to_result = time_to_result(&v.body, s.online_time.as_ref(), Channel::Online)
                .ok_or(AppError::NotFound)?;
            services.push(ServiceView {
                service: s,
                agency,
                form,
                time_to_result,
                usage: Usage::default(),
            });
        }
        // Dossier figures come from the dossiers submitted under this procedure's versions,
        // counted by the national rule, never invented (R5.1b).
        let ids: Vec<Uuid> = cat::versions(conn, p.id)
            .await?
            .into_iter()
            .map(|v| v.id)
            .collect();
        let mut usage = Usage {
            views: p.views,
            ..Default::default()
        };
        for (service, f) in motcua_store::dossiers::figures(conn, &ids).await? {
            usage.add(&f);
            if let Some(sv) = services.iter_mut().find(|x| x.service.id == service) {
                sv.usage.add(&f);
            }
        }
        Ok(ProcedureView {
            procedure: p,
            version: v,
            sector,
            field,
            services,
            usage,
        })
    }

    /// The public page of a procedure in force today; counts the view.
    pub async fn procedure_page(&self, code: &str, count: bool) -> Result<ProcedureView> {
        let conn = self.db.conn();
        let p = cat::find_procedure(conn, code)
            .await?
            .ok_or(AppError::NotFound)?;
        let v = cat::current_version(conn, p.id, self.today())
            .await?
            .ok_or(AppError::NotFound)?;
        // Counted in memory and written in batches: a public page never writes.
        let mut p = p;
        p.views += match count {
            true => self.count_view(p.id),
            false => self.pending_views(p.id),
        };
        self.view_of(p, v).await
    }

    /// One version by id, whatever is in force now (what a dossier pinned to it reads).
    pub async fn procedure_version(&self, id: Uuid) -> Result<Version> {
        Ok(cat::get_version(self.db.conn(), id).await?)
    }

    /// The services an agency offers, with their procedures' current names (R6.1).
    pub async fn agency_services(
        &self,
        agency_code: &str,
    ) -> Result<(Agency, Vec<ProcedureSummary>)> {
        let agency = self.agency_by_code(agency_code).await?;
        let ids: Vec<Uuid> = cat::services_of_agency(self.db.conn(), agency.id)
            .await?
            .into_iter()
            .filter(|s| s.active)
            .map(|s| s.procedure_id)
            .collect();
        let mut list = self.summaries(&ids).await?;
        list.sort_by(|a, b| a.sector.cmp(&b.sector).then(a.name.cmp(&b.name)));
        Ok((agency, list))
    }

    /// A service by id with its procedure in force today.
    pub async fn service(&self, id: Uuid) -> Result<(ServiceView, Version)> {
        let conn = self.db.conn();
        let s = cat::get_service(conn, id).await?;
        let v = cat::current_version(conn, s.procedure_id, self.today())
            .await?
            .ok_or(AppError::NotFound)?;
        let agency = agencies::get_agency(conn, s.agency_id).await?;
        let form = FormSpec::from_schema(&s.form_schema).map_err(AppError::Unexpected)?;
        let time_to_result = time_to_result(&v.body, s.online_time.as_ref(), Channel::Online)
            .ok_or(AppError::NotFound)?;
        Ok((
            ServiceView {
                service: s,
                agency,
                form,
                time_to_result,
                usage: Usage::default(),
            },
            v,
        ))
    }

    // ------------------------------------------------------------ back office

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
        self.can_edit(s, &p).map_err(|_| AppError::NotFound)?;
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
        let body: ProcedureBody = serde_json::from_str(body_json)
            .map_err(|e| AppError::field("body", format!("Nội dung chưa đúng cấu trúc: {e}")))?;
        check_procedure(&body)
            .map_err(|v| AppError::Validation(v.into_iter().map(|m| ("body", m)).collect()))?;
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
        let (p, versions) = match cat::find_procedure(&tx, &body.code).await? {
            Some(p) => {
                self.can_edit(s, &p)?;
                let v = cat::versions(&tx, p.id).await?;
                (p, v)
            }
            None => {
                let target = owner.map(Target::Agency).unwrap_or(Target::None);
                authorize(&s.actor, Action::EditProcedure, &target)?;
                let p = Procedure {
                    id: Uuid::now_v7(),
                    code: body.code.clone(),
                    owner_agency_id: owner,
                    views: 0,
                };
                cat::insert_procedure(&tx, &p, now).await?;
                (p, Vec::new())
            }
        };
        let draft = match versions.iter().find(|v| v.status == VersionStatus::Draft) {
            Some(d) => {
                cat::update_draft(&tx, d.id, &body, field.id).await?;
                Version {
                    body: body.clone(),
                    field_id: field.id,
                    ..d.clone()
                }
            }
            None => {
                let v = Version {
                    id: Uuid::now_v7(),
                    procedure_id: p.id,
                    version: versions.first().map(|v| v.version + 1).unwrap_or(1),
                    status: VersionStatus::Draft,
                    effective_from: None,
                    field_id: field.id,
                    body: body.clone(),
                    created_at: now,
                    published_at: None,
                };
                cat::insert_version(&tx, &v, Some(s.user.id)).await?;
                v
            }
        };
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
        self.can_edit(s, &p).map_err(|_| AppError::NotFound)?;
        let versions = cat::versions(&tx, p.id).await?;
        let draft = versions
            .iter()
            .find(|v| v.status == VersionStatus::Draft)
            .cloned()
            .ok_or_else(|| AppError::Conflict("Không có bản nháp để xuất bản.".into()))?;
        // Every service of the procedure must still fit the new published times.
        let all = agencies::list_agencies(&tx).await?;
        let units = agencies::list_units(&tx, None).await?;
        for svc in cat::services_of(&tx, Some(&[p.id])).await? {
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
            };
            let codes: Vec<String> = units
                .iter()
                .filter(|u| u.agency_id == agency.id)
                .map(|u| u.code.clone())
                .collect();
            check_service(&draft.body, &r, &agency.code, &codes)
                .map_err(|m| AppError::field("body", m))?;
        }
        cat::publish_version(&tx, draft.id, effective_from, self.now()).await?;
        self.reindex(&tx, p.id).await?;
        self.commit(tx, ctx, Audit { actor: Some(s.user.id), action: "procedure_published", object: "procedure", id: Some(p.code.clone()), agency: p.owner_agency_id, detail: json!({"version": draft.version, "effective_from": effective_from.to_string()}) }).await?;
        tracing::info!(event = "procedure_published", code = %p.code, version = draft.version, "procedure published");
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
        let svc = Service {
            id: existing.as_ref().map(|e| e.id).unwrap_or_else(Uuid::now_v7),
            procedure_id: p.id,
            agency_id: agency.id,
            level: r.level,
            classification: r
                .classification
                .unwrap_or_else(|| Classification::from_level(r.level)),
            online_time: r.online_time.clone(),
            form_schema: r.form_schema.clone(),
            process: r.process.clone(),
            active: true,
        };
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
        if name.trim().chars().count() < 2 {
            return Err(AppError::field("name", "Nhập tên."));
        }
        let tx = self.db.write().await?;
        let sectors = cat::list_sectors(&tx).await?;
        match parent_sector {
            None => match sectors.iter().find(|x| x.code == code) {
                Some(x) => {
                    cat::update_sector(
                        &tx,
                        &Sector {
                            name: name.trim().into(),
                            ..x.clone()
                        },
                    )
                    .await?
                }
                None => {
                    cat::insert_sector(
                        &tx,
                        &Sector {
                            id: Uuid::now_v7(),
                            code: code.clone(),
                            name: name.trim().into(),
                            position: sectors.len() as i32,
                        },
                    )
                    .await?
                }
            },
            Some(sc) => {
                let sector = sectors
                    .iter()
                    .find(|x| x.code == sc)
                    .ok_or_else(|| AppError::field("sector", "Không có ngành này."))?;
                let fields = cat::list_fields(&tx).await?;
                match fields.iter().find(|x| x.code == code) {
                    Some(x) => {
                        cat::update_field(
                            &tx,
                            &Field {
                                name: name.trim().into(),
                                sector_id: sector.id,
                                ..x.clone()
                            },
                        )
                        .await?
                    }
                    None => {
                        cat::insert_field(
                            &tx,
                            &Field {
                                id: Uuid::now_v7(),
                                sector_id: sector.id,
                                code: code.clone(),
                                name: name.trim().into(),
                                position: fields.len() as i32,
                            },
                        )
                        .await?
                    }
                }
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
}

impl App {
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

impl App {
    /// The services of one procedure (active or not).
    pub async fn services_of_procedure(&self, procedure_id: Uuid) -> Result<Vec<Service>> {
        Ok(cat::services_of(self.db.conn(), Some(&[procedure_id])).await?)
    }
}
