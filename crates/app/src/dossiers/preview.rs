//! Papers previewed on the staff dossier page (R11.1): a page of a paper as an image this side
//! rendered (`motcua_scan::preview`), never the person's bytes. Each preview is a read of the
//! file, with the download's checks: who may read it, quarantine, the audit record. As many
//! render at once as there are cores; a preview waits up to 10 seconds for a slot, then answers
//! 503, and a file is read only once a slot is held.
use std::time::Duration;

use futures_util::TryStreamExt;
use motcua_scan::preview::{self, PreviewError};
use uuid::Uuid;

use crate::{App, AppError, Ctx, Result, Session};

pub use motcua_scan::preview::previewable;

/// How long a preview waits for a slot before it answers 503.
const SLOT_WAIT: Duration = Duration::from_secs(10);

/// How long one page may take to render.
const RENDER_LIMIT: Duration = Duration::from_secs(20);

/// A rendered page of a paper.
pub struct PreviewPage {
    pub jpeg: Vec<u8>,
    /// The paper's name, for the image's file name and the page's text.
    pub name: String,
}

impl App {
    /// The bytes of a paper of dossier `dossier` a staff member may read (the download's checks
    /// and audit record), with its kind and name.
    async fn paper_bytes(
        &self,
        ctx: &Ctx,
        s: &Session,
        dossier: Uuid,
        file: Uuid,
    ) -> Result<(motcua_domain::dossier::FileKind, String, Vec<u8>)> {
        if !s.actor.is_staff() {
            return Err(AppError::NotFound);
        }
        let d = self.file_for(ctx, s, file).await?;
        if d.file.dossier_id != dossier {
            return Err(AppError::NotFound);
        }
        if !preview::previewable(d.file.kind) {
            return Err(no_preview(PreviewError::Unsupported));
        }
        let bytes: Vec<u8> = d
            .body
            .map_ok(|c| c.to_vec())
            .try_concat()
            .await
            .map_err(|e| AppError::Unexpected(format!("reading a paper to preview: {e}")))?;
        Ok((d.file.kind, d.file.name, bytes))
    }

    /// How many pages a paper has, for the preview's pager.
    pub async fn preview_pages(
        &self,
        ctx: &Ctx,
        s: &Session,
        dossier: Uuid,
        file: Uuid,
    ) -> Result<(String, u32)> {
        let _permit = self.preview_slot().await?;
        let (kind, name, bytes) = self.paper_bytes(ctx, s, dossier, file).await?;
        let n = tokio::task::spawn_blocking(move || preview::pages(kind, &bytes))
            .await
            .map_err(|e| AppError::Unexpected(e.to_string()))?
            .map_err(no_preview)?;
        Ok((name, n))
    }

    /// Page `page` (from 1) of a paper as a JPEG. 404 for a page it does not have; 409 with the
    /// reason when it cannot be previewed (its kind, or the renderer failed on it).
    pub async fn preview(
        &self,
        ctx: &Ctx,
        s: &Session,
        dossier: Uuid,
        file: Uuid,
        page: u32,
    ) -> Result<PreviewPage> {
        let _permit = self.preview_slot().await?;
        let (kind, name, bytes) = self.paper_bytes(ctx, s, dossier, file).await?;
        match preview::render(kind, bytes, page, RENDER_LIMIT).await {
            Ok(jpeg) => Ok(PreviewPage { jpeg, name }),
            Err(PreviewError::NoPage(_)) => Err(AppError::NotFound),
            Err(e) => {
                tracing::warn!(event = "preview_failed", file = %file, error = ?e, "a paper could not be previewed");
                Err(no_preview(e))
            }
        }
    }

    async fn preview_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit> {
        let wait = tokio::time::timeout(SLOT_WAIT, self.previewing.clone().acquire_owned());
        match wait.await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(e)) => Err(AppError::Unexpected(format!("preview slots closed: {e}"))),
            Err(e) => Err(AppError::Unavailable {
                cause: format!("every preview slot stayed busy: {e}"),
                retry: 5,
            }),
        }
    }
}

fn no_preview(e: PreviewError) -> AppError {
    match e {
        PreviewError::NoPage(_) => AppError::NotFound,
        e => AppError::Conflict(format!("Không xem trước được: {e}. Tải tệp về để xem.")),
    }
}
