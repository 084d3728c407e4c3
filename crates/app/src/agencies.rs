//! The agency tree: listing, history, import and export (R2). The tree is data, never code.
use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use motcua_domain::agency::{
    self as dom, Agency, AgencyKind, Succession, SuccessionKind, Unit, UnitKind,
};
use motcua_domain::authz::{Action, Target, authorize};
use motcua_store::Tx;
use motcua_store::agencies;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::Audit;
use crate::{App, AppError, Ctx, Result, Session};

/// The portable form of the tree: bodies by code, their units, and succession links.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub agencies: Vec<AgencyRecord>,
    #[serde(default)]
    pub successions: Vec<SuccessionRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AgencyRecord {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    pub kind: AgencyKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub valid_from: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Date>,
    #[serde(default)]
    pub units: Vec<UnitRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UnitRecord {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub valid_from: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Date>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SuccessionRecord {
    pub predecessor: String,
    pub successor: String,
    pub kind: SuccessionKind,
    pub effective_on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub units_created: usize,
    pub units_updated: usize,
    pub successions_created: usize,
}

/// One body in the tree with its depth, units and history.
#[derive(Debug, Clone, Serialize)]
pub struct TreeNode {
    pub agency: Agency,
    pub depth: usize,
    pub units: Vec<Unit>,
    pub predecessors: Vec<(Agency, Succession)>,
    pub successors: Vec<(Agency, Succession)>,
}

impl App {
    /// The whole tree in display order (parents before children, by code), with units and
    /// succession links. `active_on` keeps only bodies that exist on that day.
    pub async fn agency_tree(&self, active_on: Option<Date>) -> Result<Vec<TreeNode>> {
        let conn = self.db.conn();
        let all = agencies::list_agencies(conn).await?;
        let units = agencies::list_units(conn, None).await?;
        let succ = agencies::list_successions(conn).await?;
        let by_id: HashMap<Uuid, &Agency> = all.iter().map(|a| (a.id, a)).collect();
        let mut children: BTreeMap<Option<Uuid>, Vec<&Agency>> = BTreeMap::new();
        for a in &all {
            let parent = a.parent_id.filter(|p| by_id.contains_key(p));
            children.entry(parent).or_default().push(a);
        }
        let mut out = Vec::new();
        let mut stack: Vec<(&Agency, usize)> = children
            .get(&None)
            .into_iter()
            .flatten()
            .rev()
            .map(|a| (*a, 0))
            .collect();
        while let Some((a, depth)) = stack.pop() {
            if let Some(kids) = children.get(&Some(a.id)) {
                stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
            }
            if active_on.is_some_and(|d| !a.is_active_on(d)) {
                continue;
            }
            out.push(TreeNode {
                agency: a.clone(),
                depth,
                units: units
                    .iter()
                    .filter(|u| u.agency_id == a.id)
                    .cloned()
                    .collect(),
                predecessors: succ
                    .iter()
                    .filter(|s| s.successor_id == a.id)
                    .filter_map(|s| Some(((*by_id.get(&s.predecessor_id)?).clone(), s.clone())))
                    .collect(),
                successors: succ
                    .iter()
                    .filter(|s| s.predecessor_id == a.id)
                    .filter_map(|s| Some(((*by_id.get(&s.successor_id)?).clone(), s.clone())))
                    .collect(),
            });
        }
        Ok(out)
    }

    /// The tree as staff see it in the back office.
    pub async fn agency_tree_for(
        &self,
        s: &Session,
        active_on: Option<Date>,
    ) -> Result<Vec<TreeNode>> {
        authorize(&s.actor, Action::ViewAgencies, &Target::None)?;
        self.agency_tree(active_on).await
    }

    pub async fn agency_by_code(&self, code: &str) -> Result<Agency> {
        agencies::find_agency_by_code(self.db.conn(), code)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Exports the tree.
    pub async fn export_agencies(&self) -> Result<Snapshot> {
        let tree = self.agency_tree(None).await?;
        let code_of: HashMap<Uuid, String> = tree
            .iter()
            .map(|n| (n.agency.id, n.agency.code.clone()))
            .collect();
        let agencies = tree
            .iter()
            .map(|n| AgencyRecord {
                code: n.agency.code.clone(),
                name: n.agency.name.clone(),
                short_name: n.agency.short_name.clone(),
                kind: n.agency.kind,
                parent: n.agency.parent_id.and_then(|p| code_of.get(&p).cloned()),
                valid_from: n.agency.valid_from,
                valid_to: n.agency.valid_to,
                units: n
                    .units
                    .iter()
                    .map(|u| UnitRecord {
                        code: u.code.clone(),
                        name: u.name.clone(),
                        kind: u.kind,
                        valid_from: u.valid_from,
                        valid_to: u.valid_to,
                    })
                    .collect(),
            })
            .collect();
        let successions = agencies::list_successions(self.db.conn())
            .await?
            .into_iter()
            .filter_map(|s| {
                Some(SuccessionRecord {
                    predecessor: code_of.get(&s.predecessor_id)?.clone(),
                    successor: code_of.get(&s.successor_id)?.clone(),
                    kind: s.kind,
                    effective_on: s.effective_on,
                    note: s.note,
                })
            })
            .collect();
        Ok(Snapshot {
            agencies,
            successions,
        })
    }

    /// Imports a snapshot in one transaction: bodies and units are matched by code, created or
    /// updated; succession links are added once. Idempotent: importing twice changes nothing.
    /// A province administrator (or the operator, `by = None`) may import.
    pub async fn import_agencies(
        &self,
        ctx: &Ctx,
        by: Option<&Session>,
        snap: &Snapshot,
    ) -> Result<ImportReport> {
        if let Some(s) = by {
            authorize(&s.actor, Action::ManageAgencies, &Target::None)?;
        }
        // Validate everything before writing anything.
        let codes = check_records(snap)?;
        let now = self.now();
        let tx = self.db.write().await?;
        let mut existing: HashMap<String, Agency> = agencies::list_agencies(&tx)
            .await?
            .into_iter()
            .map(|a| (a.code.clone(), a))
            .collect();
        check_parents_known(snap, &codes, &existing)?;
        let mut report = ImportReport::default();
        for rec in parents_first(snap, &codes)? {
            let agency = upsert_agency(&tx, rec, &existing, now, &mut report).await?;
            upsert_units(&tx, rec, agency.id, now, &mut report).await?;
            existing.insert(agency.code.clone(), agency);
        }
        add_successions(&tx, snap, &existing, &mut report).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: by.map(|s| s.user.id),
                action: "agencies_imported",
                object: "agency_tree",
                id: None,
                agency: None,
                detail: json!(report),
            },
        )
        .await?;
        tracing::info!(
            event = "agencies_imported",
            created = report.created,
            updated = report.updated,
            "agency tree imported"
        );
        Ok(report)
    }
}

/// Checks each body of the snapshot on its own (code, dates, name, its units) and that no code
/// repeats, so that nothing is written from a bad file; returns the bodies by code.
fn check_records(snap: &Snapshot) -> Result<HashMap<&str, &AgencyRecord>> {
    let mut codes: HashMap<&str, &AgencyRecord> = HashMap::new();
    for a in &snap.agencies {
        dom::check_code(&a.code)
            .map_err(|m| AppError::field("code", format!("{}: {m}", a.code)))?;
        dom::check_validity(a.valid_from, a.valid_to)
            .map_err(|m| AppError::field("valid_to", format!("{}: {m}", a.code)))?;
        if a.name.trim().is_empty() {
            return Err(AppError::field(
                "name",
                format!("{}: thiếu tên cơ quan.", a.code),
            ));
        }
        if codes.insert(a.code.as_str(), a).is_some() {
            return Err(AppError::field(
                "code",
                format!("{}: mã cơ quan bị lặp.", a.code),
            ));
        }
        check_units(a)?;
    }
    Ok(codes)
}

/// Checks a body's units (code, dates) and that no unit code repeats within the body.
fn check_units(a: &AgencyRecord) -> Result<()> {
    let mut unit_codes = HashSet::new();
    for u in &a.units {
        dom::check_code(&u.code)
            .map_err(|m| AppError::field("unit", format!("{}/{}: {m}", a.code, u.code)))?;
        dom::check_validity(u.valid_from, u.valid_to)
            .map_err(|m| AppError::field("unit", format!("{}/{}: {m}", a.code, u.code)))?;
        if !unit_codes.insert(&u.code) {
            return Err(AppError::field(
                "unit",
                format!("{}/{}: mã bộ phận bị lặp.", a.code, u.code),
            ));
        }
    }
    Ok(())
}

/// Every parent a body names is in the snapshot or already stored: a tree never points to a
/// body that does not exist.
fn check_parents_known(
    snap: &Snapshot,
    codes: &HashMap<&str, &AgencyRecord>,
    existing: &HashMap<String, Agency>,
) -> Result<()> {
    for a in &snap.agencies {
        if let Some(p) = &a.parent
            && !codes.contains_key(p.as_str())
            && !existing.contains_key(p)
        {
            return Err(AppError::field(
                "parent",
                format!("{}: không có cơ quan cấp trên mã {p}.", a.code),
            ));
        }
    }
    Ok(())
}

/// The snapshot's bodies with every parent before its children, so that each body's parent is
/// stored (and has its id) when the body is written; a loop of parents is refused.
fn parents_first<'a>(
    snap: &'a Snapshot,
    codes: &HashMap<&str, &AgencyRecord>,
) -> Result<Vec<&'a AgencyRecord>> {
    let mut order: Vec<&AgencyRecord> = Vec::new();
    let mut placed = HashSet::new();
    while order.len() < snap.agencies.len() {
        let before = order.len();
        for a in &snap.agencies {
            if placed.contains(a.code.as_str()) {
                continue;
            }
            let ready = match &a.parent {
                None => true,
                Some(p) => placed.contains(p.as_str()) || !codes.contains_key(p.as_str()),
            };
            if ready {
                placed.insert(a.code.as_str());
                order.push(a);
            }
        }
        if order.len() == before {
            return Err(AppError::field(
                "parent",
                "Cây cơ quan có vòng lặp cấp trên – cấp dưới.",
            ));
        }
    }
    Ok(order)
}

/// Creates the body of a record, or updates the stored one when it differs (refusing a change
/// of parent that would make a loop with the stored tree); returns the body as stored.
async fn upsert_agency(
    tx: &Tx,
    rec: &AgencyRecord,
    existing: &HashMap<String, Agency>,
    now: Timestamp,
    report: &mut ImportReport,
) -> Result<Agency> {
    let parent_id = rec
        .parent
        .as_ref()
        .and_then(|p| existing.get(p).map(|a| a.id));
    let wanted = |id: Uuid| Agency {
        id,
        code: rec.code.clone(),
        name: rec.name.trim().to_string(),
        short_name: rec.short_name.clone(),
        kind: rec.kind,
        parent_id,
        valid_from: rec.valid_from,
        valid_to: rec.valid_to,
    };
    let Some(cur) = existing.get(&rec.code) else {
        let w = wanted(Uuid::now_v7());
        agencies::insert_agency(tx, &w, now).await?;
        report.created += 1;
        return Ok(w);
    };
    let w = wanted(cur.id);
    if w != *cur {
        dom::check_no_cycle(w.id, w.parent_id, |x| {
            existing
                .values()
                .find(|a| a.id == x)
                .and_then(|a| a.parent_id)
        })
        .map_err(|m| AppError::field("parent", format!("{}: {m}", rec.code)))?;
        agencies::update_agency(tx, &w, now).await?;
        report.updated += 1;
    } else {
        report.unchanged += 1;
    }
    Ok(w)
}

/// Creates the record's units the body lacks and updates those that differ, matched by code;
/// units the record does not list are left as they are.
async fn upsert_units(
    tx: &Tx,
    rec: &AgencyRecord,
    agency_id: Uuid,
    now: Timestamp,
    report: &mut ImportReport,
) -> Result<()> {
    let cur_units = agencies::list_units(tx, Some(agency_id)).await?;
    for u in &rec.units {
        match cur_units.iter().find(|c| c.code == u.code) {
            Some(c) => {
                let w = Unit {
                    name: u.name.trim().into(),
                    kind: u.kind,
                    valid_from: u.valid_from,
                    valid_to: u.valid_to,
                    ..c.clone()
                };
                if w != *c {
                    agencies::update_unit(tx, &w).await?;
                    report.units_updated += 1;
                }
            }
            None => {
                let w = Unit {
                    id: Uuid::now_v7(),
                    agency_id,
                    code: u.code.clone(),
                    name: u.name.trim().into(),
                    kind: u.kind,
                    valid_from: u.valid_from,
                    valid_to: u.valid_to,
                };
                agencies::insert_unit(tx, &w, now).await?;
                report.units_created += 1;
            }
        }
    }
    Ok(())
}

/// Adds the snapshot's succession links not stored yet, between bodies that exist (a body
/// never succeeds itself); a link is added once, so importing again adds nothing.
async fn add_successions(
    tx: &Tx,
    snap: &Snapshot,
    existing: &HashMap<String, Agency>,
    report: &mut ImportReport,
) -> Result<()> {
    let cur_succ = agencies::list_successions(tx).await?;
    for s in &snap.successions {
        let (Some(p), Some(n)) = (existing.get(&s.predecessor), existing.get(&s.successor)) else {
            return Err(AppError::field(
                "successions",
                format!(
                    "{} → {}: không có cơ quan với mã này.",
                    s.predecessor, s.successor
                ),
            ));
        };
        if p.id == n.id {
            return Err(AppError::field(
                "successions",
                format!("{}: cơ quan không thể kế thừa chính nó.", s.predecessor),
            ));
        }
        if !cur_succ
            .iter()
            .any(|c| c.predecessor_id == p.id && c.successor_id == n.id)
        {
            let link = Succession {
                predecessor_id: p.id,
                successor_id: n.id,
                kind: s.kind,
                effective_on: s.effective_on,
                note: s.note.clone(),
            };
            agencies::insert_succession(tx, &link).await?;
            report.successions_created += 1;
        }
    }
    Ok(())
}
