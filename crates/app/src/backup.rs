//! `motcua backup` and `motcua restore` (R3.5; security.md §4.7): the database copied online,
//! the attachments it refers to beside it with their manifest, and a restore that puts both back
//! into an empty installation and checks them.
//!
//! A backup folder holds `motcua.db` (SQLite) or `motcua.pgdump` (PostgreSQL), `files/<sha256>`
//! and `manifest.json`. It does not hold the keys: the personal-data keys and the audit key are
//! kept apart from the database's backups, and a restore uses the configured ones.
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::dossiers::blob_err;
use crate::{App, AppError, Result};

/// What a backup holds, written last: a folder without it is not a finished backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub taken_at: jiff::Timestamp,
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// The schema's migrations, newest last.
    pub migrations: Vec<String>,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    pub sha256: String,
    pub bytes: u64,
}

impl Manifest {
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

fn manifest_path(dir: &Path) -> PathBuf {
    dir.join("manifest.json")
}

fn io(what: &str, e: std::io::Error) -> AppError {
    AppError::Unexpected(format!("{what}: {e}"))
}

/// Writes `bytes` to `path` and makes it durable (file, then folder).
fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::File::create(path).map_err(|e| io("writing the backup", e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| io("writing the backup", e))
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("syncing the backup folder", e))
}

impl App {
    /// Backs up the database and its attachments into `dir` (created; it must not hold a
    /// backup) while the server goes on serving. Each attachment is read back against its hash
    /// before it is written.
    pub async fn backup(&self, dir: &Path) -> Result<Manifest> {
        if manifest_path(dir).exists() {
            return Err(AppError::Unexpected(format!(
                "{} already holds a backup",
                dir.display()
            )));
        }
        let files_dir = dir.join("files");
        std::fs::create_dir_all(&files_dir).map_err(|e| io("creating the backup folder", e))?;
        let taken_at = self.now();
        let mut shas: Vec<String> = self
            .db
            .backup_into(dir, &self.config.database_url())
            .await?
            .into_iter()
            .collect();
        shas.sort();
        let mut files = Vec::with_capacity(shas.len());
        for sha in shas {
            let bytes = self.blobs.read_verified(&sha).await.map_err(blob_err)?;
            write_durably(&files_dir.join(&sha), &bytes)?;
            files.push(ManifestFile {
                sha256: sha,
                bytes: bytes.len() as u64,
            });
        }
        sync_dir(&files_dir)?;
        let manifest = Manifest {
            taken_at,
            engine: match self.db.engine() {
                motcua_store::Engine::Sqlite => "sqlite",
                motcua_store::Engine::Postgres => "postgres",
            }
            .into(),
            migrations: self.db.applied_migrations().await?,
            files,
        };
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        write_durably(&manifest_path(dir), &json)?;
        sync_dir(dir)?;
        tracing::info!(
            event = "backup",
            files = manifest.files.len(),
            bytes = manifest.bytes(),
            "backup written"
        );
        Ok(manifest)
    }
}

/// What a restore put back, and what the check of the restored installation found.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    /// The problems `motcua check` finds in the restored installation (none when sound).
    pub problems: Vec<String>,
}

/// Restores the backup in `dir` into the installation `config` names, whose database must be
/// empty: the database first, then every attachment of the manifest (checked against its
/// hash), then the installation is opened (its schema brought up to date) and checked.
pub async fn restore(config: Config, dir: &Path) -> Result<Restored> {
    let raw = std::fs::read(manifest_path(dir))
        .map_err(|e| io(&format!("{}: not a finished backup", dir.display()), e))?;
    let manifest: Manifest = serde_json::from_slice(&raw)
        .map_err(|e| AppError::Unexpected(format!("manifest.json: {e}")))?;
    motcua_store::backup::restore_database(dir, &config.database_url()).await?;
    let app = App::open(config, std::sync::Arc::new(motcua_domain::SystemClock)).await?;
    for f in &manifest.files {
        if app.blobs.exists(&f.sha256).await {
            continue;
        }
        let bytes = std::fs::read(dir.join("files").join(&f.sha256))
            .map_err(|e| io(&format!("attachment {}", f.sha256), e))?;
        let mut up = app
            .blobs
            .begin(bytes.len() as u64)
            .await
            .map_err(blob_err)?;
        up.write(&bytes).await.map_err(blob_err)?;
        let sha = app
            .blobs
            .commit(up.finish().await.map_err(blob_err)?)
            .await
            .map_err(blob_err)?;
        if sha != f.sha256 {
            return Err(AppError::Unexpected(format!(
                "attachment {} in the backup has the content of {sha}",
                f.sha256
            )));
        }
    }
    let problems = app.check().await?;
    Ok(Restored { manifest, problems })
}
