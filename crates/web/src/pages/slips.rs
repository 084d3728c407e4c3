//! The statutory slips of Circular 01/2018: forms 01–05 of a dossier (A5, with a QR code to
//! the look-up) and form 06, the desk's tracking register (A4).
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use motcua_app::AppError;
use motcua_app::dossiers::DossierView;
use motcua_app::processing::{self, StepView};
use motcua_domain::Action;
use motcua_domain::clock::{format_vn_date, vn_date};
use motcua_domain::deadline::Timeliness;
use motcua_domain::event::Slip;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Chrome, Page, qr_svg, render, when};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/ho-so/{dossier}/phieu/{so}", Signed, slip)
        .get(
            "/can-bo/so-theo-doi",
            Staff(Action::EnterBackOffice),
            register,
        )
}

/// A component of the dossier received, on the receipt (form 01).
struct Received {
    name: String,
    files: usize,
}

/// One of the statutory slips (Circular 01/2018, forms 01–05), A5.
#[derive(Template)]
#[template(path = "slips/slip.html")]
struct SlipPage {
    c: Chrome,
    /// The slip's number, which the template prints and chooses its body by.
    form: u8,
    slip: Slip,
    v: DossierView,
    qr: String,
    lookup_url: String,
    items: Vec<String>,
    new_date: String,
    officer: String,
    steps: Vec<StepView>,
    names: HashMap<Uuid, String>,
    units: HashMap<Uuid, String>,
    today: String,
}

impl SlipPage {
    fn when(&self, t: &jiff::Timestamp) -> String {
        when(*t)
    }
    fn opt(&self, t: &Option<jiff::Timestamp>) -> String {
        t.map(when).unwrap_or_default()
    }
    fn name(&self, id: &Option<Uuid>) -> String {
        id.and_then(|i| self.names.get(&i).cloned())
            .unwrap_or_default()
    }
    fn unit(&self, id: &Option<Uuid>) -> String {
        id.and_then(|i| self.units.get(&i).cloned())
            .unwrap_or_default()
    }
    fn mark(&self, t: &Option<Timeliness>) -> &'static str {
        t.map(|x| x.label_vi()).unwrap_or("")
    }
    fn title(&self) -> &'static str {
        self.slip.title()
    }
    /// The components received, each with its number of files.
    fn received(&self) -> Vec<Received> {
        self.v
            .version
            .body
            .components
            .iter()
            .map(|c| Received {
                name: c.name.clone(),
                files: self
                    .v
                    .files
                    .iter()
                    .filter(|f| f.component_id == c.id)
                    .count(),
            })
            .filter(|r| r.files > 0)
            .collect()
    }
}

/// The slip `so` (01–05) of a dossier, for whoever may see it; the control sheet (05) is for
/// staff. A slip whose event has not happened is not found.
pub async fn slip(p: Page, Path((id, so)): Path<(Uuid, String)>) -> PageResult {
    let se = p.session()?;
    let slip = Slip::parse(&so).ok_or(AppError::NotFound)?;
    let form = slip.number();
    let v = p.s.app.dossier(&p.ctx(), se, id).await?;
    let code = v.row.code.clone().ok_or(AppError::NotFound)?;
    let content = v.slip(slip).ok_or(AppError::NotFound)?;
    let items = content.items.clone();
    let new_date = content.new_date.map(when).unwrap_or_default();
    let event = content.event.clone();
    let mut ids: Vec<Uuid> = v.events.iter().filter_map(|e| e.actor_id).collect();
    ids.extend(event.actor_id);
    let names = if se.actor.is_staff() || form != 5 {
        p.s.app.user_names(&ids).await?
    } else {
        HashMap::new()
    };
    let officer = event
        .actor_id
        .and_then(|a| names.get(&a).cloned())
        .unwrap_or_default();
    let units = p.unit_names().await?;
    let lookup_url = p.lookup_url(&code);
    let now = p.s.app.now();
    Ok(render(&SlipPage {
        c: p.chrome(format!("{} {code}", slip.title())),
        form,
        slip,
        qr: qr_svg(&lookup_url),
        lookup_url,
        items,
        new_date,
        officer,
        steps: processing::steps(&v.events, now),
        names,
        units,
        today: format_vn_date(vn_date(now)),
        v,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterQ {
    co_quan: Option<Uuid>,
    tu: Option<String>,
    den: Option<String>,
}

#[derive(Template)]
#[template(path = "slips/register_book.html")]
struct RegisterPage {
    c: Chrome,
    agency: String,
    from: String,
    to: String,
    rows: Vec<motcua_app::processing::RegisterRow>,
}

impl RegisterPage {
    fn opt(&self, t: &Option<jiff::Timestamp>) -> String {
        t.map(when).unwrap_or_default()
    }
}

/// Form 06, the dossier tracking register (A4): the desk's dossiers received in a date range.
pub async fn register(p: Page, Query(q): Query<RegisterQ>) -> PageResult {
    let se = p.session()?;
    let today = vn_date(p.s.app.now());
    let parse = |x: &Option<String>| {
        x.as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    };
    let from = parse(&q.tu).unwrap_or(today.first_of_month());
    let to = parse(&q.den).unwrap_or(today);
    let (agency, rows) = p.s.app.register_book(se, q.co_quan, from, to).await?;
    Ok(render(&RegisterPage {
        c: p.chrome("Sổ theo dõi hồ sơ"),
        agency,
        from: from.to_string(),
        to: to.to_string(),
        rows,
    }))
}
