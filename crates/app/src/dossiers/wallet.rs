//! The person's wallet of papers (kho giấy tờ): the papers they submitted and the results
//! returned to them, from any agency in motcua, attached to a new dossier in one step instead
//! of uploaded again (R3.1; the Law on Digital Transformation's "declare once"). The wallet is
//! the files of their own dossiers, kept as long as those records are kept: attaching one
//! adds a row that points to the same stored bytes (stored once, by their hash).
use std::collections::{HashMap, HashSet};

use motcua_domain::signature::well_signed;

use super::files::check_component;
use super::*;
use crate::scanning::quarantine_reason;

/// A paper in the wallet, with where it came from.
#[derive(Debug, Clone)]
pub struct WalletPaper {
    pub file: DossierFile,
    /// The dossier it was submitted with, or returned as the result of.
    pub code: String,
    pub procedure: String,
    pub agency: String,
    /// A result an agency issued through motcua.
    pub issued: bool,
    /// Every digital signature on it verified valid when it was stored.
    pub signed: bool,
}

impl App {
    /// The caller's wallet, newest first: each paper once (by content), from their submitted
    /// dossiers, the results only once returned to them; detached signatures are not listed:
    /// they come along with the paper they sign.
    pub async fn wallet(&self, s: &Session) -> Result<Vec<WalletPaper>> {
        let conn = self.db.conn();
        let owned: HashMap<Uuid, Dossier> = ds::by_owner(conn, s.user.id, 500)
            .await?
            .into_iter()
            .filter(|d| d.stage != Stage::Draft && d.code.is_some())
            .map(|d| (d.id, d))
            .collect();
        let ids: Vec<Uuid> = owned.keys().copied().collect();
        let mut seen = HashSet::new();
        let mut out = vec![];
        for f in ds::files_of(conn, &ids).await? {
            let d = &owned[&f.dossier_id];
            if f.kind == FileKind::Cms || !applicant_sees(&f, d) || !seen.insert(f.sha256.clone()) {
                continue;
            }
            let version = self.version(d.procedure_version_id).await?;
            let agency = self.agency(d.agency_id).await?;
            out.push(WalletPaper {
                code: d.code.clone().unwrap_or_default(),
                procedure: version.body.name.clone(),
                agency: agency.name,
                issued: f.component_id == RESULT_COMPONENT,
                signed: well_signed(&f.signatures),
                file: f,
            });
        }
        Ok(out)
    }

    /// What the wallet offers for the caller's dossier `id`: the papers it does not hold yet.
    pub async fn wallet_for(&self, s: &Session, id: Uuid) -> Result<Vec<WalletPaper>> {
        let held = ds::files(self.db.conn(), id).await?;
        let mut w = self.wallet(s).await?;
        w.retain(|x| !held.iter().any(|f| f.sha256 == x.file.sha256));
        Ok(w)
    }

    /// Attaches a paper of the caller's wallet to `component` of their dossier `id`, as an
    /// upload would (the same component, supplement and quota checks), without sending it
    /// again, with the detached signatures (.p7s) that sign it (R7.2a). Its signatures are
    /// those verified when it was first stored.
    pub async fn attach_from_wallet(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        component: &str,
        paper: Uuid,
    ) -> Result<DossierFile> {
        let conn = self.db.conn();
        let d = self.own(s, id).await?;
        let version = cat::get_version(conn, d.procedure_version_id).await?;
        check_component(&d, &version, component)?;
        let not_yours =
            || AppError::field("paper", "Không có giấy tờ này trong kho giấy tờ của bạn.");
        let src = ds::get_file(conn, paper).await.or_missing(not_yours())?;
        let from = ds::get_dossier(conn, src.dossier_id).await?;
        let in_wallet = from.owner_id == Some(s.user.id)
            && from.stage != Stage::Draft
            && src.kind != FileKind::Cms
            && applicant_sees(&src, &from);
        if !in_wallet {
            return Err(not_yours());
        }
        let held = ds::files(conn, id).await?;
        if held.iter().any(|h| h.sha256 == src.sha256) {
            return Err(AppError::field("paper", "Hồ sơ đã có giấy tờ này."));
        }
        if let Some(q) = self.quarantined(&[&src.sha256]).await?.remove(&src.sha256) {
            return Err(AppError::field("paper", quarantine_reason(&q)));
        }
        let copy = |x: &DossierFile| DossierFile {
            id: Uuid::now_v7(),
            dossier_id: id,
            component_id: component.into(),
            created_at: self.now(),
            public: true,
            ..x.clone()
        };
        let f = copy(&src);
        // The detached signatures of the paper come along, pointing at the new row.
        let signed_by: Vec<DossierFile> = ds::files(conn, src.dossier_id)
            .await?
            .iter()
            .filter(|x| {
                x.kind == FileKind::Cms && x.signatures.iter().any(|g| g.signs == Some(src.id))
            })
            .map(|x| {
                let mut c = copy(x);
                for g in &mut c.signatures {
                    g.signs = Some(f.id);
                }
                c
            })
            .collect();
        let size: i64 = f.size + signed_by.iter().map(|x| x.size).sum::<i64>();
        let tx = self.db.write().await?;
        self.fits(&tx, s, id, (size, "paper")).await?;
        ds::insert_file(&tx, &f).await?;
        for x in &signed_by {
            ds::insert_file(&tx, x).await?;
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_file_added",
                object: "dossier",
                id: Some(id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"component": component, "sha256": f.sha256, "size": size, "from": src.id}),
            },
        )
        .await?;
        Ok(f)
    }
}
