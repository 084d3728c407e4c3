//! Digital signatures (R3.5, R4.6, R7.2a, R8.2b): each uploaded PDF or `.p7s` verified when it
//! is attached, a detached signature matched with the file it signs, the level-4 rule that
//! unsigned components travel by post, reception recording the papers' arrival, and the
//! results agencies sign (`results`).
use std::sync::Arc;

use motcua_domain::account::Role;
use motcua_domain::dossier::FileKind;
use motcua_domain::lifecycle::{Act, Who};
use motcua_domain::record::DossierFile;
use motcua_domain::signature::{self as sig, Papers, Signature, SignedFile};
use motcua_signature::{Anchors, Content, verify};
use motcua_store::Conn;
use motcua_store::catalogue::{self as cat, Version};
use motcua_store::dossiers::{self as ds, Dossier};
use serde_json::json;
use uuid::Uuid;

use crate::dossiers::blob_err;
use crate::error::StoreResult;
use crate::processing::RESULT_COMPONENT;
use crate::{App, AppError, Audit, Ctx, Result, Session};

pub mod results;

impl App {
    /// The trust anchors and CRLs as they stand.
    pub fn anchors(&self) -> Arc<Anchors> {
        self.trust.anchors()
    }

    /// Reads the trust folder again now (after an administrator installed anchors or CRLs; it
    /// is also read again within a minute of a change).
    pub fn reload_trust(&self) {
        self.trust.reload();
    }

    /// What the signatures of an uploaded file are (empty for a picture or an unsigned PDF); a
    /// detached `.p7s` is matched with the file of the dossier it signs.
    pub(crate) async fn verify_upload(
        &self,
        files: &[DossierFile],
        kind: FileKind,
        bytes: Arc<Vec<u8>>,
    ) -> Result<Vec<Signature>> {
        let anchors = self.anchors();
        let now = self.now();
        match kind {
            FileKind::Pdf => blocking(move || verify::verify_pdf(&bytes, &anchors, now)).await,
            FileKind::Cms if verify::is_attached(&bytes) => {
                blocking(move || {
                    vec![verify::check(
                        &bytes,
                        Content::Attached,
                        None,
                        &anchors,
                        now,
                    )]
                })
                .await
            }
            FileKind::Cms => Ok(vec![self.detached(files, bytes).await?]),
            _ => Ok(vec![]),
        }
    }

    /// A detached signature checked over the file of the dossier whose digest it signed.
    async fn detached(&self, files: &[DossierFile], p7s: Arc<Vec<u8>>) -> Result<Signature> {
        let Some((md, digest)) = verify::signed_digest(&p7s) else {
            return Ok(Signature::invalid(
                "Không đọc được chữ ký số (CMS/PKCS#7 hỏng hoặc bị cắt).",
            ));
        };
        for f in files
            .iter()
            .filter(|f| f.kind != FileKind::Cms && f.component_id != RESULT_COMPONENT)
        {
            // SHA-256, what signers use, is the stored hash: no file needs reading to match.
            let candidate = if md.type_() == openssl::nid::Nid::SHA256 {
                if hex::encode(&digest) != f.sha256 {
                    continue;
                }
                None
            } else {
                let bytes = self
                    .blobs
                    .read_verified(&f.sha256)
                    .await
                    .map_err(blob_err)?;
                let d = openssl_hash(md, &bytes);
                if d != digest {
                    continue;
                }
                Some(bytes)
            };
            let bytes = match candidate {
                Some(b) => b,
                None => self
                    .blobs
                    .read_verified(&f.sha256)
                    .await
                    .map_err(blob_err)?,
            };
            let (anchors, now, p7s, id) = (self.anchors(), self.now(), p7s.clone(), f.id);
            let mut s = blocking(move || {
                verify::check(&p7s, Content::Detached(&bytes), None, &anchors, now)
            })
            .await?;
            s.signs = Some(id);
            return Ok(s);
        }
        Ok(Signature::invalid(
            "Chưa có trong hồ sơ tệp mà chữ ký này ký: hãy tải lên tệp gốc cùng thành phần.",
        ))
    }

    /// The detached signatures of the dossier still waiting for the file they sign, checked
    /// again now that `new` arrived: (signature file, its new report) for those it completes.
    pub(crate) async fn recheck_detached(
        &self,
        files: &[DossierFile],
        new: &DossierFile,
    ) -> Result<Vec<(Uuid, Vec<Signature>)>> {
        if new.kind == FileKind::Cms {
            return Ok(vec![]);
        }
        let mut out = vec![];
        for p in files
            .iter()
            .filter(|f| f.kind == FileKind::Cms && f.signatures.iter().all(|s| s.signs.is_none()))
        {
            let p7s = Arc::new(
                self.blobs
                    .read_verified(&p.sha256)
                    .await
                    .map_err(blob_err)?,
            );
            if verify::is_attached(&p7s) {
                continue;
            }
            let s = self.detached(std::slice::from_ref(new), p7s).await?;
            if s.signs.is_some() {
                out.push((p.id, vec![s]));
            }
        }
        Ok(out)
    }

    /// Whether a level-4 dossier goes with its papers by post (R7.2a): the components its
    /// procedure marks as signed must each carry a valid signature; otherwise the person chose
    /// the post, or is told which components lack one.
    pub(crate) async fn papers_needed(
        &self,
        c: &impl Conn,
        d: &Dossier,
        version: &Version,
        by_post: bool,
    ) -> Result<Option<Papers>> {
        if d.papers.is_some() {
            return Ok(d.papers);
        }
        let unsigned = self.unsigned_components(c, d, version).await?;
        if unsigned.is_empty() {
            return Ok(None);
        }
        if by_post {
            return Ok(Some(Papers::Awaited));
        }
        Err(AppError::field(
            "papers_by_post",
            format!(
                "Dịch vụ mức độ 4 yêu cầu ký số: {} chưa có chữ ký số hợp lệ. Hãy ký số các tệp này, hoặc chọn gửi bản giấy qua bưu chính (kèm phiếu gửi hồ sơ).",
                unsigned.join("; ")
            ),
        ))
    }

    /// The names of the components a level-4 dossier must sign and has not, as stored now.
    async fn unsigned_components(
        &self,
        c: &impl Conn,
        d: &Dossier,
        version: &Version,
    ) -> Result<Vec<String>> {
        let service = cat::get_service(c, d.service_id).await?;
        Ok(unsigned_names(
            service.level,
            version,
            &ds::files(c, d.id).await?,
        ))
    }

    /// Reception records that the paper copies of a level-4 dossier arrived by post (R7.2a),
    /// found by the code on the envelope; acceptance may then go ahead.
    pub async fn receive_papers(&self, ctx: &Ctx, s: &Session, id: Uuid) -> Result<Dossier> {
        let mut d = self.visible(s, id).await?;
        if !reception_of(s, &d) {
            return Err(AppError::Forbidden);
        }
        if !self.may_receive_papers(s, &d) {
            return Err(AppError::Conflict(
                "Hồ sơ này không chờ bản giấy gửi qua bưu chính.".into(),
            ));
        }
        let now = self.now();
        d.papers = Some(Papers::Received);
        d.papers_received_at = Some(now);
        d.updated_at = now;
        let tx = self.db.write().await?;
        ds::update_dossier(&tx, &d)
            .await
            .or_changed("Hồ sơ vừa được người khác cập nhật.")?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_papers_received",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({}),
            },
        )
        .await?;
        Ok(d)
    }

    /// Reception of the dossier's agency records its papers while they are awaited and the
    /// dossier waits for acceptance.
    pub(crate) fn may_receive_papers(&self, s: &Session, d: &Dossier) -> bool {
        let reception = Who::Staff(Role::Reception);
        d.papers == Some(Papers::Awaited)
            && reception_of(s, d)
            && motcua_domain::lifecycle::next(d.stage, Act::Accept, reception).is_ok()
    }
}

/// The caller is reception of the dossier's agency.
pub(crate) fn reception_of(s: &Session, d: &Dossier) -> bool {
    crate::processing::whos(s, d).contains(&Who::Staff(Role::Reception))
}

/// The names of the components a level-4 dossier must sign and has not (none below level 4).
pub fn unsigned_names(level: u8, version: &Version, files: &[DossierFile]) -> Vec<String> {
    if !motcua_domain::catalogue::signed_online(level) {
        return vec![];
    }
    let must: Vec<&str> = version
        .body
        .components
        .iter()
        .filter(|c| c.signed)
        .map(|c| c.id.as_str())
        .collect();
    let view: Vec<SignedFile> = files
        .iter()
        .map(|f| SignedFile {
            id: f.id,
            component: &f.component_id,
            detached: f.kind == FileKind::Cms,
            signatures: &f.signatures,
        })
        .collect();
    sig::unsigned_components(&must, &view)
        .iter()
        .filter_map(|id| version.body.components.iter().find(|c| &c.id == id))
        .map(|c| c.name.clone())
        .collect()
}

/// Refuses acceptance while the papers a level-4 dossier sends by post have not arrived.
pub(crate) fn papers_hold(d: &Dossier, act: Act) -> Result<()> {
    if act == Act::Accept && Papers::holds_acceptance(d.papers) {
        return Err(AppError::Conflict(
            "Hồ sơ chưa ký số: chờ bản giấy gửi qua bưu chính; ghi nhận đã nhận bản giấy trước khi tiếp nhận.".into(),
        ));
    }
    Ok(())
}

fn openssl_hash(md: openssl::hash::MessageDigest, bytes: &[u8]) -> Vec<u8> {
    openssl::hash::hash(md, bytes)
        .map(|d| d.to_vec())
        .unwrap_or_default()
}

/// CPU work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Unexpected(format!("signature check: {e}")))
}
