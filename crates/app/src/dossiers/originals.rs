//! The electronic originals a dossier holds, and the originals the person still shows at the
//! office (R7.1a): the rule is `motcua_domain::originals`; this reads what it needs.
use std::collections::HashMap;

use motcua_domain::originals::{self, HeldPaper};
use motcua_domain::signature::well_signed;
use motcua_store::results as rs;

use super::*;

/// The files among `files` that are results an agency signed and issued here, unchanged and
/// well signed: each with its result number (`<code>-KQ<n>`).
pub(crate) async fn issued_originals(
    c: &impl Conn,
    files: &[DossierFile],
) -> Result<HashMap<Uuid, String>> {
    let signed: Vec<&DossierFile> = files
        .iter()
        .filter(|f| f.kind != FileKind::Cms && well_signed(&f.signatures))
        .collect();
    let shas: Vec<&str> = signed.iter().map(|f| f.sha256.as_str()).collect();
    let numbers = rs::numbers_by_sha(c, &shas).await?;
    Ok(signed
        .into_iter()
        .filter_map(|f| Some((f.id, numbers.get(&f.sha256)?.clone())))
        .collect())
}

/// The names of the components whose originals the person shows when the result of `d` is
/// handed over at the office.
pub(crate) fn to_compare(
    d: &Dossier,
    version: &Version,
    files: &[DossierFile],
    issued: &HashMap<Uuid, String>,
) -> Vec<String> {
    let papers: Vec<HeldPaper> = files
        .iter()
        .filter(|f| f.kind != FileKind::Cms)
        .map(|f| HeldPaper {
            component: &f.component_id,
            issued_original: issued.contains_key(&f.id),
        })
        .collect();
    let way = d.result.as_ref().map(|r| r.channel);
    originals::to_compare(&version.body.components, &d.form, &papers, way)
        .into_iter()
        .map(|c| c.name.clone())
        .collect()
}

impl App {
    /// The names of the components whose originals the person of dossier `d` shows when the
    /// result is returned (R7.1a): in the acceptance notice, and what the return step asks
    /// the officer to have compared.
    pub(crate) async fn originals_to_compare(
        &self,
        c: &impl Conn,
        d: &Dossier,
        version: &Version,
    ) -> Result<Vec<String>> {
        let files = ds::files(c, d.id).await?;
        let issued = issued_originals(c, &files).await?;
        Ok(to_compare(d, version, &files, &issued))
    }
}
