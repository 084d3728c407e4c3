//! What the public pages read: search, sectors, a procedure's page with its services and
//! their usage, an agency's services.

use motcua_domain::agency::Agency;
use motcua_domain::catalogue::{Channel, time_to_result};
use motcua_domain::form::FormSpec;
use motcua_domain::text::fold_vi;
use motcua_store::agencies;
use motcua_store::catalogue::{self as cat, IndexRow, Procedure, Service, Version};
use uuid::Uuid;

use crate::{App, AppError, Result};

use super::index::Filter;
use super::{
    ProcedureSummary, ProcedureView, Query, SectorView, ServiceView, Usage, search_tokens,
};
use crate::caches::Reference;

impl App {
    /// Searches the catalogue, best match first (R5.1a). Accent-insensitive, đ = d.
    pub async fn search_catalogue(&self, q: &Query, limit: u64) -> Result<Vec<ProcedureSummary>> {
        let reference = self.reference().await?;
        let (sectors, fields) = (&reference.sectors, &reference.fields);
        let filter = Filter {
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
            agency: q.agency.clone(),
            level: q.level,
            subject: q.subject.as_deref().map(fold_vi).filter(|s| !s.is_empty()),
        };
        if q.sector.is_some() && filter.sector_id.is_none()
            || q.field.is_some() && filter.field_id.is_none()
        {
            return Ok(Vec::new());
        }
        let index = self.search_index().await?;
        let rows = index.find(&search_tokens(&q.text), &filter, limit as usize);
        Ok(rows.into_iter().map(|r| summary(r, &reference)).collect())
    }

    /// Sectors with their fields and procedure counts.
    pub async fn sectors(&self) -> Result<Vec<SectorView>> {
        let reference = self.reference().await?;
        let (sectors, fields) = (&reference.sectors, &reference.fields);
        let counts = self.search_index().await?.counts_by_field();
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

    /// A procedure's version with its sector, field, active services and usage figures (the
    /// public page and the back office's preview show the same).
    pub(super) async fn view_of(&self, p: Procedure, v: Version) -> Result<ProcedureView> {
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
                online_fee: motcua_domain::fees::channel_fee(&v.body.fees, Channel::Online),
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

    /// The service an agency offers for a procedure, by their codes.
    pub async fn service_by_codes(&self, procedure: &str, agency: &str) -> Result<uuid::Uuid> {
        let v = self.procedure_page(procedure.trim(), false).await?;
        v.services
            .iter()
            .find(|x| x.agency.code == agency.trim())
            .map(|x| x.service.id)
            .ok_or(AppError::NotFound)
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
        let reference = self.reference().await?;
        let offered = Filter {
            agency: Some(agency.code.clone()),
            ..Default::default()
        };
        let index = self.search_index().await?;
        let mut list: Vec<ProcedureSummary> = index
            .find(&[], &offered, usize::MAX)
            .into_iter()
            .map(|r| summary(r, &reference))
            .collect();
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
                online_fee: motcua_domain::fees::channel_fee(&v.body.fees, Channel::Online),
            },
            v,
        ))
    }

    /// The services of one procedure (active or not).
    pub async fn services_of_procedure(&self, procedure_id: Uuid) -> Result<Vec<Service>> {
        Ok(cat::services_of(self.db.conn(), Some(&[procedure_id])).await?)
    }
}

/// What a search result shows of a procedure: its index row with the names of its sector,
/// field and agencies.
fn summary(r: &IndexRow, reference: &Reference) -> ProcedureSummary {
    let (sectors, fields) = (&reference.sectors, &reference.fields);
    ProcedureSummary {
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
                let name = reference.agency_by_code(c).map(|a| a.name.clone());
                (c.clone(), name.unwrap_or_default())
            })
            .collect(),
        levels: r.levels.clone(),
    }
}
