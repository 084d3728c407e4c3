//! A dossier's files: the upload budget and quota, attaching and removing papers (and the
//! department's result), reading a file back verified (R6.2, R4.4).
use super::*;
use crate::scanning::{Sender, quarantine_reason};
use motcua_scan::Allow;

impl App {
    /// At a server's start: its staging folder's temporary files are from before the restart
    /// and go at once; orphan blobs get an hour's grace, for another server copy (or a command
    /// beside the server) between its commit and its row. Only `serve` calls it: a command run
    /// beside a live server must not touch the server's uploads in flight.
    pub async fn startup_sweep(&self) -> Result<()> {
        let tmp = self.blobs.clear_staging().await.map_err(blob_err)?;
        let referenced = ds::referenced_blobs(self.db.conn()).await?;
        let (_, orphans) = self
            .blobs
            .sweep(&referenced, StdDuration::from_secs(3600))
            .await
            .map_err(blob_err)?;
        if tmp + orphans > 0 {
            tracing::info!(
                event = "blob_sweep",
                temporary = tmp,
                orphans,
                "swept blob store"
            );
        }
        Ok(())
    }

    /// The byte budget an upload to a dossier may use: the smallest of the file, dossier and
    /// person limits still available.
    pub async fn upload_budget(&self, s: &Session, id: Uuid) -> Result<u64> {
        let (d, result) = self.uploader(s, id).await?;
        if !result && !d.stage.owner_edits() {
            return Err(AppError::Conflict(
                "Hồ sơ đã nộp, không thêm tệp được nữa.".into(),
            ));
        }
        self.storage_left(self.db.conn(), s.user.id, id).await
    }

    /// What the file, dossier and person limits still allow (R4.4), refused when nothing.
    async fn storage_left(&self, conn: &impl Conn, person: Uuid, id: Uuid) -> Result<u64> {
        let c = &self.config.dossiers;
        let used_dossier = ds::dossier_bytes(conn, id).await?.max(0) as u64;
        let used_person = ds::owner_bytes(conn, person).await?.max(0) as u64;
        let left_dossier = (c.max_dossier_mb * MB).saturating_sub(used_dossier);
        let left_person = (c.max_person_mb * MB).saturating_sub(used_person);
        if left_dossier == 0 {
            return Err(AppError::field(
                "file",
                format!("Hồ sơ đã đủ dung lượng tối đa ({} MB).", c.max_dossier_mb),
            ));
        }
        if left_person == 0 {
            return Err(AppError::field(
                "file",
                format!(
                    "Bạn đã dùng hết dung lượng lưu trữ ({} MB). Hãy xóa bớt tệp ở các hồ sơ nháp.",
                    c.max_person_mb
                ),
            ));
        }
        Ok((c.max_file_mb * MB).min(left_dossier).min(left_person))
    }

    /// Whether `size` more bytes fit what the dossier and the person may store, checked again
    /// in the write transaction with the person locked: parallel uploads each passed the first
    /// check against the same free space, and only one of them may use it. `field` names the
    /// input a refusal is about.
    pub(super) async fn fits(
        &self,
        tx: &motcua_store::Tx,
        s: &Session,
        id: Uuid,
        (size, field): (i64, &'static str),
    ) -> Result<()> {
        users::lock_user(tx, s.user.id).await?;
        if self.storage_left(tx, s.user.id, id).await? < size as u64 {
            return Err(AppError::field(
                field,
                "Giấy tờ vượt dung lượng còn lại của hồ sơ hoặc của bạn (có thể một tệp khác vừa được thêm). Hãy xóa bớt tệp rồi thử lại.",
            ));
        }
        Ok(())
    }

    /// Starts an upload for a dossier (streaming; see [`motcua_blobs::Upload`]).
    pub async fn begin_upload(&self, limit: u64) -> Result<motcua_blobs::Upload> {
        self.blobs.begin(limit).await.map_err(blob_err)
    }

    /// Attaches a finished upload to a component: the content decides the kind; the file is
    /// made durable before the row that points to it is written.
    pub async fn attach(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        component: &str,
        name: &str,
        staged: Staged,
    ) -> Result<DossierFile> {
        let (d, result) = match self.uploader(s, id).await {
            Ok(d) => d,
            Err(e) => {
                staged.discard();
                return Err(e);
            }
        };
        let version = cat::get_version(self.db.conn(), d.procedure_version_id).await?;
        let kind = match check_attachment(&d, &version, result, component, name, &staged) {
            Ok(k) => k,
            Err(e) => {
                staged.discard();
                return Err(e);
            }
        };
        let size = staged.size as i64;
        let files = match ds::files(self.db.conn(), id).await {
            Ok(f) => f,
            Err(e) => {
                staged.discard();
                return Err(e.into());
            }
        };
        // The department's result drafts are its own until the leader approves one.
        let paper = Paper {
            component,
            name,
            kind,
            public: !result,
            allow: allowed(&version, component),
        };
        let by = Sender {
            source: "upload",
            user: Some(s.user.id),
            dossier: Some(&d),
        };
        let (f, completed) = self.store_paper(ctx, by, &files, id, paper, staged).await?;
        let tx = self.db.write().await?;
        self.fits(&tx, s, id, (size, "file")).await?;
        ds::insert_file(&tx, &f).await?;
        for (file, sigs) in &completed {
            motcua_store::results::set_signatures(&tx, *file, sigs).await?;
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
                detail: json!({"component": component, "sha256": f.sha256, "size": size}),
            },
        )
        .await?;
        Ok(f)
    }

    /// A paper scanned and parsed (R4.4), then made durable (see [`App::store_checked`]).
    pub(super) async fn store_paper(
        &self,
        ctx: &Ctx,
        by: Sender<'_>,
        files: &[DossierFile],
        dossier: Uuid,
        paper: Paper<'_>,
        staged: Staged,
    ) -> Result<(DossierFile, Vec<(Uuid, Vec<Signature>)>)> {
        let bytes = match self
            .screen(ctx, by, &staged, paper.name, paper.kind, paper.allow)
            .await
        {
            Ok(b) => b,
            Err(e) => {
                staged.discard();
                return Err(e);
            }
        };
        self.store_checked(files, dossier, paper, staged, bytes)
            .await
    }

    /// A paper that passed [`App::screen`] (its whole content `bytes`) made durable: its
    /// signatures verified once (R4.6), the blob committed, the file it becomes, and the
    /// detached signatures among `files` (the dossier's files so far) that it completes.
    /// Nothing is written to the database; the staged file is gone either way.
    pub(super) async fn store_checked(
        &self,
        files: &[DossierFile],
        dossier: Uuid,
        paper: Paper<'_>,
        staged: Staged,
        bytes: std::sync::Arc<Vec<u8>>,
    ) -> Result<(DossierFile, Vec<(Uuid, Vec<Signature>)>)> {
        let signatures = match paper.kind {
            FileKind::Pdf | FileKind::Cms => {
                match self.verify_upload(files, paper.kind, bytes).await {
                    Ok(s) => s,
                    Err(e) => {
                        staged.discard();
                        return Err(e);
                    }
                }
            }
            _ => vec![],
        };
        let size = staged.size as i64;
        let sha = self.blobs.commit(staged).await.map_err(blob_err)?;
        let f = DossierFile {
            id: Uuid::now_v7(),
            dossier_id: dossier,
            component_id: paper.component.into(),
            sha256: sha,
            size,
            kind: paper.kind,
            name: dom::safe_file_name(paper.name),
            created_at: self.now(),
            public: paper.public,
            signatures,
        };
        let completed = self.recheck_detached(files, &f).await?;
        Ok((f, completed))
    }

    /// Removes a file from a draft.
    pub async fn remove_file(&self, ctx: &Ctx, s: &Session, id: Uuid, file_id: Uuid) -> Result<()> {
        let d = self.own(s, id).await?;
        if !d.stage.owner_edits() {
            return Err(AppError::Conflict(
                "Hồ sơ đã nộp, không xóa tệp được nữa.".into(),
            ));
        }
        let f = ds::get_file(self.db.conn(), file_id).await?;
        if f.dossier_id != id {
            return Err(AppError::NotFound);
        }
        let tx = self.db.write().await?;
        ds::delete_file(&tx, file_id).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "dossier_file_removed",
                object: "dossier",
                id: Some(id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"file": file_id}),
            },
        )
        .await?;
        Ok(())
    }

    /// A file for someone allowed to see its dossier, streaming, checked against its hash as it
    /// goes (a damaged file ends in an error instead of arriving complete).
    pub async fn file_for(&self, ctx: &Ctx, s: &Session, file_id: Uuid) -> Result<Download> {
        let f = ds::get_file(self.db.conn(), file_id)
            .await
            .or_missing(AppError::NotFound)?;
        let (d, consulted) = self.reach(s, f.dossier_id).await?;
        let applicant = Audience::of(s, &d) == Audience::Applicant;
        if applicant && !applicant_sees(&f, &d) {
            return Err(AppError::NotFound);
        }
        if consulted
            .as_ref()
            .is_some_and(|named| !named.contains(&f.id))
        {
            return Err(AppError::NotFound);
        }
        if let Some(q) = self.quarantined(&[&f.sha256]).await?.remove(&f.sha256) {
            return Err(AppError::Conflict(quarantine_reason(&q)));
        }
        if !applicant {
            let a = super::read_of(s, "file", f.id, d.agency_id, consulted.is_some());
            self.audit_read(ctx, s, a).await?;
        }
        let (size, body) = self
            .blobs
            .get_verified(&f.sha256)
            .await
            .map_err(|e| match e {
                BlobError::NotFound => AppError::NotFound,
                e => AppError::Unexpected(e.to_string()),
            })?;
        let id = f.id;
        let body = futures_util::StreamExt::inspect(body, move |c| {
            if let Err(e) = c {
                tracing::error!(event = "blob_integrity", file = %id, error = %e, "stored file failed its hash check");
            }
        });
        tracing::info!(event = "sensitive_read", user_id = %s.user.id, file = %f.id, "dossier file downloaded");
        Ok(Download {
            file: f,
            size,
            body: Box::pin(body),
        })
    }
}

/// A paper about to be stored: its component, its name as sent, its checked kind, and whether
/// the applicant sees it.
pub(super) struct Paper<'a> {
    pub component: &'a str,
    pub name: &'a str,
    pub kind: FileKind,
    pub public: bool,
    /// What the component allows inside a file (R4.4).
    pub allow: Allow,
}

/// What a component of the procedure allows inside its files (a result allows nothing more).
pub(crate) fn allowed(version: &Version, component: &str) -> Allow {
    Allow {
        embedded_files: version.body.allows_embedded_files(component),
    }
}

/// Whether a file may join the dossier as `component` (R6.2, R4.4): the result document (a PDF
/// or a signature) for the department; for the owner, a component of the procedure, one the
/// agency asked for during a supplement, while the dossier is theirs to edit, of an allowed type.
pub(super) fn check_attachment(
    d: &Dossier,
    version: &Version,
    result: bool,
    component: &str,
    name: &str,
    staged: &Staged,
) -> Result<FileKind> {
    if result {
        if component != RESULT_COMPONENT {
            return Err(AppError::field(
                "component",
                "Cán bộ chỉ tải lên văn bản kết quả của hồ sơ.",
            ));
        }
        return match dom::check_file(name, &staged.head) {
            // A PDF: what the agency signs at approval (R8.2b).
            Ok(k @ FileKind::Pdf) => Ok(k),
            _ => Err(AppError::field(
                "file",
                "Văn bản kết quả phải là tệp PDF (cơ quan ký số khi lãnh đạo phê duyệt).",
            )),
        };
    }
    check_component(d, version, component)?;
    if staged.size == 0 {
        return Err(AppError::field("file", "Tệp rỗng. Hãy chọn lại tệp."));
    }
    dom::check_file(name, &staged.head).map_err(|p| {
        tracing::warn!(event = "upload_validation", "upload refused: type");
        AppError::field("file", p.to_string())
    })
}

/// Whether the person may add a paper to `component` of their dossier now: while it is a
/// draft, or to a component the agency asked to supplement.
pub(super) fn check_component(d: &Dossier, version: &Version, component: &str) -> Result<()> {
    if !d.stage.owner_edits() {
        return Err(AppError::Conflict(
            "Hồ sơ đã nộp, không thêm tệp được nữa.".into(),
        ));
    }
    // The components are the dossier's procedure's: naming another is a conflict with
    // the dossier, not a malformed request.
    if !version.body.components.iter().any(|c| c.id == component) {
        return Err(AppError::Conflict(format!(
            "Thủ tục của hồ sơ này không có thành phần «{component}». Chọn thành phần hồ sơ của tệp."
        )));
    }
    if d.stage == Stage::SupplementRequested {
        let asked = d
            .supplement
            .as_ref()
            .map(|s| s.components.as_slice())
            .unwrap_or_default();
        // A request that names no components (reasons only) lets any be supplemented.
        if !asked.is_empty() && !asked.iter().any(|c| c == component) {
            return Err(AppError::field(
                "component",
                "Cơ quan không yêu cầu bổ sung thành phần này.",
            ));
        }
    }
    Ok(())
}
