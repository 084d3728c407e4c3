//! The catalogue of administrative procedures and the online services agencies offer
//! (R3.2, R5.1a, R5.1b, R5.2, R6.1, R9.2, R10.2–R10.4).

use jiff::civil::Date;
use motcua_domain::agency::Agency;
use motcua_domain::catalogue::{Duration, ProcedureBody};
use motcua_domain::clock::vn_date;
use motcua_domain::form::FormSpec;
use motcua_domain::text::fold_vi;
use motcua_store::agencies;
use motcua_store::catalogue::{
    self as cat, Field, IndexRow, Procedure, Sector, Service, Version, VersionStatus,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{App, AppError, Result};
pub use motcua_domain::search::{procedure_text, relevance_score, search_tokens};
pub use motcua_domain::service::{ServiceRecord, check_service};

mod edit;
mod import;
pub(crate) mod index;
mod views;

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
    /// What an online dossier owes, in đồng (R3.2): the procedure's online fees and charges.
    pub online_fee: i64,
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
    /// The office time the finished ones took, in seconds.
    pub office_secs: i64,
}

impl Usage {
    /// The average office time of the finished ones, in working days (Decision 766 indicator
    /// 2.2); `None` while none has finished.
    pub fn average_days(&self) -> Option<f64> {
        motcua_domain::oversight::average_days(self.office_secs, self.finished)
    }

    /// The share finished early or on time, in percent; `None` while none has finished.
    pub fn on_time_percent(&self) -> Option<u64> {
        motcua_domain::deadline::on_time_percent(self.finished, self.on_time)
    }

    fn add(&mut self, f: &motcua_store::dossiers::Figures) {
        self.received += f.received;
        self.finished += f.finished;
        self.on_time += f.on_time;
        self.repeat_requests += f.repeat_requests;
        self.office_secs += f.office_secs;
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
        cat::upsert_index(tx, &row).await?;
        self.new_catalogue_revision(tx).await?;
        Ok(())
    }
}
