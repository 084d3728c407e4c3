//! Attachments, stored through `object_store` (a local folder by default, S3 when configured) and
//! addressed by SHA-256 (R7.1a).
//!
//! An upload streams into a temporary file while it is hashed and measured, and is refused as
//! soon as it passes its limit, never held whole in memory. `commit` makes it durable under its
//! hash: file fsync'd (the fsync starts when the upload finishes), renamed into place, folder
//! fsync'd (R3.5), before any database row may point to it. A crash leaves at worst a temporary file or an orphan blob; both are swept
//! at start (`sweep`).
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("file larger than the limit of {0} bytes")]
    TooLarge(u64),
    #[error("no such blob")]
    NotFound,
    #[error("stored file does not match its hash")]
    Corrupt,
    #[error("storage: {0}")]
    Io(String),
    /// The disk (or quota) is full: nothing was stored, and it may work once space returns.
    #[error("storage full: {0}")]
    Full(String),
}

/// Whether an error, or one of its causes, is a full disk or quota (ENOSPC, EDQUOT).
fn full(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && (io.kind() == std::io::ErrorKind::StorageFull
                || io.kind() == std::io::ErrorKind::QuotaExceeded
                || matches!(io.raw_os_error(), Some(28 | 122)))
        {
            return true;
        }
        cur = e.source();
    }
    false
}

impl From<std::io::Error> for BlobError {
    fn from(e: std::io::Error) -> Self {
        if full(&e) {
            return BlobError::Full(e.to_string());
        }
        BlobError::Io(e.to_string())
    }
}

impl From<object_store::Error> for BlobError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => BlobError::NotFound,
            e if full(&e) => BlobError::Full(e.to_string()),
            e => BlobError::Io(e.to_string()),
        }
    }
}

pub type Result<T, E = BlobError> = std::result::Result<T, E>;

/// A blob's content, checked against its hash as it streams (see [`Blobs::get_verified`]).
pub type VerifiedStream =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<bytes::Bytes>> + Send>>;

/// The state of a verified read: what is left, the hash so far, the chunk held back.
struct Check {
    inner: futures_util::stream::BoxStream<'static, object_store::Result<bytes::Bytes>>,
    hasher: Sha256,
    held: Option<bytes::Bytes>,
    expected: String,
}

/// The blob store: a local folder, or an S3 bucket; uploads are staged in a local folder.
#[derive(Clone, Debug)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    /// For the local backend: the folder objects live in (commit renames into it).
    local_root: Option<PathBuf>,
    tmp: PathBuf,
}

/// An upload in progress.
pub struct Upload {
    file: tokio::fs::File,
    path: PathBuf,
    hasher: Sha256,
    size: u64,
    limit: u64,
    head: Vec<u8>,
    done: bool,
}

/// A finished upload in the temporary folder, not yet committed. Its fsync runs in the
/// background from the moment it was finished (while the request goes on, e.g. receiving the
/// next paper); `commit` waits for it before the file takes its name.
#[derive(Debug)]
pub struct Staged {
    pub sha256: String,
    pub size: u64,
    /// The first bytes, to decide the file's kind.
    pub head: Vec<u8>,
    path: PathBuf,
    synced: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

fn location(sha: &str) -> ObjPath {
    ObjPath::from(format!("{}/{}/{}", &sha[0..2], &sha[2..4], sha))
}

fn valid_sha(sha: &str) -> bool {
    sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}
#[cfg(not(unix))]
fn sync_dir(_: &Path) -> std::io::Result<()> {
    Ok(())
}

impl Blobs {
    /// Opens (creating) the store in `dir`: objects in `dir/objects`, uploads in `dir/tmp`.
    pub fn open(dir: &Path) -> Result<Blobs> {
        let root = dir.join("objects");
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&root)?;
        std::fs::create_dir_all(&tmp)?;
        // The first level of the layout (`ab/`) exists, durably, before any commit: a commit
        // then syncs only the folders below it (see `commit`).
        let mut made = false;
        for i in 0..=255u8 {
            let d = root.join(format!("{i:02x}"));
            if !d.exists() {
                std::fs::create_dir(&d)?;
                made = true;
            }
        }
        if made {
            sync_dir(&root)?;
        }
        let store = LocalFileSystem::new_with_prefix(&root)?;
        Ok(Blobs {
            store: Arc::new(store),
            local_root: Some(root),
            tmp,
        })
    }

    /// Opens an S3 (or S3-compatible) bucket: `url` is `s3://bucket`; credentials, region and
    /// endpoint come from the usual `AWS_*` variables (`AWS_ENDPOINT`, `AWS_ALLOW_HTTP` for a
    /// local service). Uploads are staged in `staging`.
    pub fn open_s3(url: &str, staging: &Path) -> Result<Blobs> {
        let tmp = staging.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()?;
        Ok(Blobs {
            store: Arc::new(store),
            local_root: None,
            tmp,
        })
    }

    /// Starts an upload limited to `limit` bytes.
    pub async fn begin(&self, limit: u64) -> Result<Upload> {
        let path = self
            .tmp
            .join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok(Upload {
            file,
            path,
            hasher: Sha256::new(),
            size: 0,
            limit,
            head: Vec::with_capacity(64),
            done: false,
        })
    }

    /// Makes a staged upload durable under its hash. Idempotent: the same content twice is one blob.
    pub async fn commit(&self, mut staged: Staged) -> Result<String> {
        let loc = location(&staged.sha256);
        let Some(root) = &self.local_root else {
            // The bucket's PUT is what makes it durable: the local copy's fsync is not waited for.
            return self.commit_remote(staged, loc).await;
        };
        // The content is on disk before any name points to it: a crash never leaves a blob
        // under its hash with other bytes (a later upload of the same content would trust it).
        if let Some(sync) = staged.synced.take() {
            sync.await.map_err(|e| BlobError::Io(e.to_string()))??;
        }
        let final_path = root.join(loc.as_ref());
        let dir = final_path.parent().expect("nested path").to_path_buf();
        let tmp = staged.path.clone();
        let sha = staged.sha256.clone();
        tokio::task::spawn_blocking(move || -> Result<()> {
            std::fs::create_dir_all(&dir)?;
            if final_path.exists() {
                std::fs::remove_file(&tmp)?;
            } else {
                std::fs::rename(&tmp, &final_path)?;
            }
            // The new name in its folder, and the folder's own name in the first level (which
            // `open` made durable), whether or not this commit made the folder.
            sync_dir(&dir)?;
            if let Some(p) = dir.parent() {
                sync_dir(p)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| BlobError::Io(e.to_string()))??;
        Ok(sha)
    }

    /// S3: a single PUT for small files, a multipart upload in 8 MB parts for larger ones (the
    /// file is read in parts, never whole). PUT is atomic: the object appears complete or not at all.
    async fn commit_remote(&self, staged: Staged, loc: ObjPath) -> Result<String> {
        use tokio::io::AsyncReadExt;
        const PART: usize = 8 * 1024 * 1024;
        if self.store.head(&loc).await.is_err() {
            let mut f = tokio::fs::File::open(&staged.path).await?;
            if staged.size as usize <= PART {
                let mut buf = Vec::with_capacity(staged.size as usize);
                f.read_to_end(&mut buf).await?;
                self.store
                    .put(&loc, object_store::PutPayload::from(buf))
                    .await?;
            } else {
                let upload = self.store.put_multipart(&loc).await?;
                let mut w = object_store::WriteMultipart::new_with_chunk_size(upload, PART);
                let mut buf = vec![0u8; 1024 * 1024];
                loop {
                    let n = f.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    w.write(&buf[..n]);
                }
                w.finish().await?;
            }
        }
        let _ = tokio::fs::remove_file(&staged.path).await;
        Ok(staged.sha256.clone())
    }

    /// Streams a blob's content.
    pub async fn get(
        &self,
        sha: &str,
    ) -> Result<impl futures_util::Stream<Item = Result<bytes::Bytes>> + use<>> {
        if !valid_sha(sha) {
            return Err(BlobError::NotFound);
        }
        let r = self.store.get(&location(sha)).await?;
        Ok(r.into_stream().map(|c| c.map_err(BlobError::from)))
    }

    /// Streams a blob's content checked against its hash, with its size: the last chunk is held
    /// back until the whole content matched, so that a damaged file never arrives complete (the
    /// stream ends in `Corrupt` instead). Memory stays at a chunk or two, whatever the size.
    pub async fn get_verified(&self, sha: &str) -> Result<(u64, VerifiedStream)> {
        if !valid_sha(sha) {
            return Err(BlobError::NotFound);
        }
        let r = self.store.get(&location(sha)).await?;
        let size = r.meta.size;
        let start = Check {
            inner: r.into_stream(),
            hasher: Sha256::new(),
            held: None,
            expected: sha.to_string(),
        };
        let s = futures_util::stream::unfold(Some(start), |state| async move {
            let mut c = state?;
            loop {
                match c.inner.next().await {
                    Some(Ok(chunk)) => {
                        c.hasher.update(&chunk);
                        if let Some(prev) = c.held.replace(chunk) {
                            return Some((Ok(prev), Some(c)));
                        }
                    }
                    Some(Err(e)) => return Some((Err(e.into()), None)),
                    None => {
                        let last = c.held.take();
                        return match (hex::encode(c.hasher.finalize()) == c.expected, last) {
                            (true, Some(last)) => Some((Ok(last), None)),
                            (true, None) => None,
                            (false, _) => Some((Err(BlobError::Corrupt), None)),
                        };
                    }
                }
            }
        });
        Ok((size, Box::pin(s)))
    }

    /// Reads a blob whole and checks its hash (tests, consistency checks).
    pub async fn read_verified(&self, sha: &str) -> Result<Vec<u8>> {
        let (_, mut s) = self.get_verified(sha).await?;
        let mut out = Vec::new();
        while let Some(c) = s.next().await {
            out.extend_from_slice(&c?);
        }
        Ok(out)
    }

    pub async fn exists(&self, sha: &str) -> bool {
        valid_sha(sha) && self.store.head(&location(sha)).await.is_ok()
    }

    /// Removes temporary files, and blobs no row points to (older than `grace`, so that an
    /// upload between commit and its row is never swept). Answers (temporary, orphans) removed.
    pub async fn sweep(
        &self,
        referenced: &HashSet<String>,
        grace: std::time::Duration,
    ) -> Result<(usize, usize)> {
        let mut tmp = 0;
        let mut rd = tokio::fs::read_dir(&self.tmp).await?;
        while let Some(e) = rd.next_entry().await? {
            let old = e
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_none_or(|age| age >= grace);
            if old {
                tokio::fs::remove_file(e.path()).await?;
                tmp += 1;
            }
        }
        let mut orphans = 0;
        let mut list = self.store.list(None);
        let now = std::time::SystemTime::now();
        while let Some(meta) = list.next().await {
            let meta = meta?;
            let name = meta.location.filename().unwrap_or("").to_string();
            let modified: std::time::SystemTime = meta.last_modified.into();
            let old = now
                .duration_since(modified)
                .map(|d| d >= grace)
                .unwrap_or(false);
            if valid_sha(&name) && !referenced.contains(&name) && old {
                self.store.delete(&meta.location).await?;
                orphans += 1;
            }
        }
        Ok((tmp, orphans))
    }

    /// Removes every temporary file of this machine's uploads: at a server's start they are
    /// from before it (only the server that owns the staging folder may call it). Answers how
    /// many went.
    pub async fn clear_staging(&self) -> Result<usize> {
        let mut n = 0;
        let mut rd = tokio::fs::read_dir(&self.tmp).await?;
        while let Some(e) = rd.next_entry().await? {
            tokio::fs::remove_file(e.path()).await?;
            n += 1;
        }
        Ok(n)
    }

    /// Every stored blob hash.
    pub async fn list(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut list = self.store.list(None);
        while let Some(meta) = list.next().await {
            out.push(meta?.location.filename().unwrap_or("").to_string());
        }
        Ok(out)
    }

    /// Files in the temporary folder (tests, checks).
    pub fn temp_files(&self) -> usize {
        std::fs::read_dir(&self.tmp).map(|d| d.count()).unwrap_or(0)
    }
}

impl Upload {
    /// Appends a chunk; refuses as soon as the limit is passed (the caller then drops the upload,
    /// which removes the temporary file).
    pub async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(BlobError::TooLarge(self.limit));
        }
        if self.head.len() < 64 {
            let take = (64 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Flushes the temporary file and starts its fsync (which `commit` waits for).
    pub async fn finish(mut self) -> Result<Staged> {
        self.file.flush().await?;
        let file = self.file.try_clone().await?.into_std().await;
        let synced = tokio::task::spawn_blocking(move || file.sync_all());
        self.done = true;
        let sha = hex::encode(std::mem::take(&mut self.hasher).finalize());
        Ok(Staged {
            sha256: sha,
            size: self.size,
            head: std::mem::take(&mut self.head),
            path: self.path.clone(),
            synced: Some(synced),
        })
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Staged {
    /// Where the staged bytes are (a scanner reads them there, before the file is committed).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The staged bytes (what a check of the content reads before the file is committed).
    pub async fn read(&self) -> Result<Vec<u8>> {
        Ok(tokio::fs::read(&self.path).await?)
    }

    /// Abandons a staged upload (e.g. its content was refused).
    pub fn discard(self) {
        drop(self);
    }
}

/// A staged upload that is dropped, refused or abandoned, leaves no temporary file behind (once
/// committed, the file has moved and nothing is left to remove).
impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stream_hash_commit_read() {
        let d = tempfile::tempdir().unwrap();
        let b = Blobs::open(d.path()).unwrap();
        let mut u = b.begin(1 << 20).await.unwrap();
        u.write(b"%PDF-1.7 hello ").await.unwrap();
        u.write(b"world").await.unwrap();
        let staged = u.finish().await.unwrap();
        assert_eq!(
            staged.sha256,
            hex::encode(Sha256::digest(b"%PDF-1.7 hello world"))
        );
        assert!(staged.head.starts_with(b"%PDF"));
        let sha = b.commit(staged).await.unwrap();
        assert_eq!(
            b.read_verified(&sha).await.unwrap(),
            b"%PDF-1.7 hello world"
        );
        assert_eq!(b.temp_files(), 0, "the temporary file became the blob");
        // Same content again: one blob.
        let mut u = b.begin(1 << 20).await.unwrap();
        u.write(b"%PDF-1.7 hello world").await.unwrap();
        b.commit(u.finish().await.unwrap()).await.unwrap();
        assert_eq!(b.list().await.unwrap(), vec![sha.clone()]);
        // A tampered file is detected.
        let p = d
            .path()
            .join("objects")
            .join(&sha[0..2])
            .join(&sha[2..4])
            .join(&sha);
        std::fs::write(&p, b"changed").unwrap();
        assert!(matches!(
            b.read_verified(&sha).await,
            Err(BlobError::Corrupt)
        ));
        assert!(matches!(
            b.get("../../etc/passwd").await,
            Err(BlobError::NotFound)
        ));
    }

    #[tokio::test]
    async fn a_damaged_file_never_streams_complete() {
        let d = tempfile::tempdir().unwrap();
        let b = Blobs::open(d.path()).unwrap();
        let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut u = b.begin(1 << 23).await.unwrap();
        u.write(&body).await.unwrap();
        let sha = b.commit(u.finish().await.unwrap()).await.unwrap();
        let read = |b: Blobs, sha: String| async move {
            let (size, mut s) = b.get_verified(&sha).await.unwrap();
            let (mut got, mut chunks) = (Vec::new(), 0);
            let mut end = Ok(());
            while let Some(c) = s.next().await {
                match c {
                    Ok(c) => {
                        got.extend_from_slice(&c);
                        chunks += 1;
                    }
                    Err(e) => end = Err(e),
                }
            }
            (size, got, chunks, end)
        };
        let (size, got, chunks, end) = read(b.clone(), sha.clone()).await;
        assert_eq!((size, got.len()), (3_000_000, 3_000_000));
        assert!(got == body && end.is_ok());
        assert!(chunks > 1, "streamed in pieces, not read whole");
        // The last byte changed: everything but the held-back last chunk arrives, then an error.
        let p = d
            .path()
            .join("objects")
            .join(&sha[0..2])
            .join(&sha[2..4])
            .join(&sha);
        let mut damaged = body.clone();
        *damaged.last_mut().unwrap() ^= 1;
        std::fs::write(&p, &damaged).unwrap();
        let (_, got, _, end) = read(b, sha).await;
        assert!(got.len() < body.len());
        assert!(matches!(end, Err(BlobError::Corrupt)));
    }

    #[tokio::test]
    async fn limits_refuse_early_and_leave_nothing() {
        let d = tempfile::tempdir().unwrap();
        let b = Blobs::open(d.path()).unwrap();
        let mut u = b.begin(10).await.unwrap();
        u.write(b"12345").await.unwrap();
        assert!(matches!(
            u.write(b"678901").await,
            Err(BlobError::TooLarge(10))
        ));
        drop(u);
        assert_eq!(b.temp_files(), 0);
        assert!(b.list().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn sweep_removes_temporary_files_and_orphans() {
        let d = tempfile::tempdir().unwrap();
        let b = Blobs::open(d.path()).unwrap();
        let mut keep = HashSet::new();
        for body in [&b"kept"[..], b"orphan"] {
            let mut u = b.begin(100).await.unwrap();
            u.write(body).await.unwrap();
            let sha = b.commit(u.finish().await.unwrap()).await.unwrap();
            if body == b"kept" {
                keep.insert(sha);
            }
        }
        std::fs::write(d.path().join("tmp").join("crashed.part"), b"half").unwrap();
        assert_eq!(
            b.sweep(&keep, std::time::Duration::from_secs(3600))
                .await
                .unwrap(),
            (0, 0),
            "young files survive the grace time"
        );
        assert_eq!(
            b.sweep(&keep, std::time::Duration::ZERO).await.unwrap(),
            (1, 1)
        );
        assert_eq!(
            b.list().await.unwrap(),
            keep.into_iter().collect::<Vec<_>>()
        );
    }
}
