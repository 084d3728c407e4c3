//! The agency tree with units and merger history, for portals (R6.1, R9.2).
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new().get("/api/v1/agencies", Public, agencies)
}

/// A body of the agency tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyOut {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_code: Option<String>,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub units: Vec<UnitOut>,
    pub predecessors: Vec<String>,
    pub successors: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// The agency tree with units and merger history (public, for portals, R6.1/R9.2).
#[utoipa::path(get, path = "/api/v1/agencies", responses((status = 200, body = Vec<AgencyOut>)))]
pub async fn agencies(State(s): State<AppState>) -> Result<Json<Vec<AgencyOut>>, ApiError> {
    let tree = s.app.agency_tree(None).await?;
    let code = |id: uuid::Uuid| {
        tree.iter()
            .find(|n| n.agency.id == id)
            .map(|n| n.agency.code.clone())
    };
    Ok(Json(
        tree.iter()
            .map(|n| AgencyOut {
                code: n.agency.code.clone(),
                name: n.agency.name.clone(),
                kind: n.agency.kind.as_str().into(),
                parent_code: n.agency.parent_id.and_then(code),
                valid_from: n.agency.valid_from.to_string(),
                valid_to: n.agency.valid_to.map(|d| d.to_string()),
                units: n
                    .units
                    .iter()
                    .map(|u| UnitOut {
                        code: u.code.clone(),
                        name: u.name.clone(),
                        kind: u.kind.as_str().into(),
                    })
                    .collect(),
                predecessors: n.predecessors.iter().map(|(a, _)| a.code.clone()).collect(),
                successors: n.successors.iter().map(|(a, _)| a.code.clone()).collect(),
            })
            .collect(),
    ))
}
