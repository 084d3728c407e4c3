//! The JSON API under `/api/v1` (bearer tokens) and its OpenAPI 3.1 document, one module per
//! feature, each declaring its routes with the access they require.
mod accounts;
mod agencies;
mod catalogue;
pub mod contract;
pub mod doc;
mod dossier_out;
mod dossiers;
mod feedback;
mod incidents;
mod kit;
mod lookup;
mod national;
mod payments;
mod privacy;
mod processing;
mod reception;
mod reports;
mod signatures;
mod submissions;
mod wallet;
mod yearly;

use crate::routes::Routes;
use crate::state::AppState;

/// Every operation's route.
pub fn routes() -> Routes<AppState> {
    Routes::new()
        .merge(accounts::routes())
        .merge(agencies::routes())
        .merge(catalogue::routes())
        .merge(dossiers::routes())
        .merge(submissions::routes())
        .merge(wallet::routes())
        .merge(reception::routes())
        .merge(lookup::routes())
        .merge(processing::routes())
        .merge(payments::routes())
        .merge(signatures::routes())
        .merge(privacy::routes())
        .merge(reports::routes())
        .merge(feedback::routes())
        .merge(yearly::routes())
        .merge(incidents::routes())
        .merge(national::routes())
        .merge(doc::routes())
}
