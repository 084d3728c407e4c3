//! Server-rendered pages in Vietnamese: the public site, the citizen area and the back office,
//! one module per feature, each declaring its routes with the access they require. Handlers
//! stay thin: parse, call a use case, render.
mod accounts;
mod agencies;
mod audit;
mod calendar;
mod catalogue;
mod catalogue_editor;
mod claim;
mod delivery;
mod desk;
mod dev;
mod dossiers;
mod duty;
mod factor;
mod feedback;
mod home;
mod incidents;
mod lookup;
mod my_account;
mod my_data;
mod national;
mod notices;
mod papers;
mod payments;
mod ratings;
mod reports;
mod sandbox;
mod slips;
mod staff;
mod verify;
mod vneid;
mod wallet;
mod work;
mod yearly;

use axum::response::Response;

use crate::error::PageError;
use crate::routes::Routes;
use crate::state::AppState;

/// What a page handler answers: the page, or the error page.
type PageResult = Result<Response, PageError>;

/// The agencies a form offers to choose from: (code, name), in the tree's order.
async fn agency_choices(p: &crate::kit::Page) -> Result<Vec<(String, String)>, PageError> {
    Ok(p.s
        .app
        .agencies_and_units()
        .await?
        .0
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect())
}

/// Every page's route.
pub fn routes() -> Routes<AppState> {
    Routes::new()
        .merge(home::routes())
        .merge(dev::routes())
        .merge(delivery::routes())
        .merge(claim::routes())
        .merge(wallet::routes())
        .merge(accounts::routes())
        .merge(factor::routes())
        .merge(vneid::routes())
        .merge(my_account::routes())
        .merge(my_data::routes())
        .merge(audit::routes())
        .merge(staff::routes())
        .merge(agencies::routes())
        .merge(duty::routes())
        .merge(dossiers::routes())
        .merge(lookup::routes())
        .merge(verify::routes())
        .merge(desk::routes())
        .merge(notices::routes())
        .merge(national::routes())
        .merge(work::routes())
        .merge(papers::routes())
        .merge(payments::routes())
        .merge(reports::routes())
        .merge(feedback::routes())
        .merge(incidents::routes())
        .merge(yearly::routes())
        .merge(ratings::routes())
        .merge(sandbox::routes())
        .merge(slips::routes())
        .merge(calendar::routes())
        .merge(catalogue::routes())
        .merge(catalogue_editor::routes())
}
