//! The electronic originals a dossier holds, and the originals the person still shows at the
//! office (R7.1a): the rule is `motcua_domain::originals`; this reads what it needs.
use std::collections::HashMap;

use motcua_domain::originals::{self, HeldPaper};
use motcua_domain::signature::well_signed;
use motcua_store::results as rs;

use super::*;

/// The files among `files` of dossier `d` that are results an agency signed and issued here to
/// the same person, unchanged and well signed: each with its result number (`<code>-KQ<n>`).
/// Someone else's result, or one on a dossier without an owner, is a copy like any other.
pub(crate) async fn issued_originals(
    c: &impl Conn,
    d: &Dossier,
    files: &[DossierFile],
) -> Result<HashMap<Uuid, String>> {
    let Some(owner) = d.owner_id else {
        return Ok(HashMap::new());
    };
    let signed: Vec<&DossierFile> = files
        .iter()
        .filter(|f| f.kind != FileKind::Cms && well_signed(&f.signatures))
        .collect();
    let shas: Vec<&str> = signed.iter().map(|f| f.sha256.as_str()).collect();
    let results = rs::results_by_sha(c, &shas).await?;
    let mut owners: HashMap<Uuid, Option<Uuid>> = HashMap::new();
    let mut out = HashMap::new();
    for f in signed {
        let Some(r) = results.get(&f.sha256) else {
            continue;
        };
        let issued_to = match owners.get(&r.dossier_id) {
            _ if r.dossier_id == d.id => d.owner_id,
            Some(o) => *o,
            None => {
                let o = ds::get_dossier(c, r.dossier_id).await?.owner_id;
                *owners.entry(r.dossier_id).or_insert(o)
            }
        };
        if issued_to == Some(owner) {
            out.insert(f.id, r.number.clone());
        }
    }
    Ok(out)
}

/// The components whose originals the person shows when the result of `d` is handed over at
/// the office.
pub(crate) fn to_compare(
    d: &Dossier,
    version: &Version,
    files: &[DossierFile],
    issued: &HashMap<Uuid, String>,
) -> Vec<Component> {
    let papers: Vec<HeldPaper> = files
        .iter()
        .filter(|f| f.kind != FileKind::Cms)
        .map(|f| HeldPaper {
            component: &f.component_id,
            issued_original: issued.contains_key(&f.id),
        })
        .collect();
    let held = originals::Held {
        stage: d.stage,
        answers: &d.form,
        papers: &papers,
        way: d.result.as_ref().map(|r| r.channel),
    };
    originals::to_compare(&version.body.components, held)
        .into_iter()
        .cloned()
        .collect()
}

impl App {
    /// The components whose originals the person of dossier `d` shows when the result is
    /// returned (R7.1a): in the acceptance notice, and what the return step asks the officer
    /// to have compared.
    pub(crate) async fn originals_to_compare(
        &self,
        c: &impl Conn,
        d: &Dossier,
        version: &Version,
    ) -> Result<Vec<Component>> {
        let files = ds::files(c, d.id).await?;
        let issued = issued_originals(c, d, &files).await?;
        Ok(to_compare(d, version, &files, &issued))
    }
}
