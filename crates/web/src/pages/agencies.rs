//! The agency tree as the back office sees it, with units and merger history.
use askama::Template;
use axum::extract::{Path, Query};
use motcua_app::AppError;
use motcua_app::agencies::TreeNode;
use motcua_domain::agency::Agency;
use motcua_domain::authz::{Action, Target, authorize};
use motcua_domain::clock::{format_vn_date, vn_date};
use serde::Deserialize;

use super::PageResult;
use crate::kit::{Chrome, Page, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    Routes::new()
        .get("/can-bo/co-quan", Staff(Action::ViewAgencies), agencies)
        .get(
            "/can-bo/co-quan/{code}",
            Staff(Action::ViewAgencies),
            agency,
        )
}

#[derive(Template)]
#[template(path = "agencies/list.html")]
struct AgenciesPage {
    c: Chrome,
    nodes: Vec<TreeNode>,
    all: bool,
}

impl AgenciesPage {
    fn date(&self, d: &jiff::civil::Date) -> String {
        format_vn_date(*d)
    }
}

#[derive(Deserialize, Default)]
pub struct AgenciesQuery {
    tat_ca: Option<String>,
}

pub async fn agencies(p: Page, Query(q): Query<AgenciesQuery>) -> PageResult {
    let sess = p.session()?;
    let all = q.tat_ca.is_some();
    let day = (!all).then(|| vn_date(p.s.app.now()));
    let nodes = p.s.app.agency_tree_for(sess, day).await?;
    Ok(render(&AgenciesPage {
        c: p.chrome("Cơ quan, đơn vị"),
        nodes,
        all,
    }))
}

#[derive(Template)]
#[template(path = "agencies/agency.html")]
struct AgencyPage {
    c: Chrome,
    node: TreeNode,
    parent: Option<Agency>,
    can_roster: bool,
}

impl AgencyPage {
    fn date(&self, d: &jiff::civil::Date) -> String {
        format_vn_date(*d)
    }
}

pub async fn agency(p: Page, Path(code): Path<String>) -> PageResult {
    let sess = p.session()?;
    let tree = p.s.app.agency_tree_for(sess, None).await?;
    let node = tree
        .iter()
        .find(|n| n.agency.code == code)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let parent = node
        .agency
        .parent_id
        .and_then(|p| tree.iter().find(|n| n.agency.id == p))
        .map(|n| n.agency.clone());
    let can_roster = authorize(
        &sess.actor,
        Action::ManageDutyRoster,
        &Target::Agency(node.agency.id),
    )
    .is_ok();
    Ok(render(&AgencyPage {
        c: p.chrome(node.agency.name.clone()),
        node,
        parent,
        can_roster,
    }))
}
