//! Personal-data protection (R10.5): the keys personal data is sealed with, consent and
//! disclosures to other agencies, the person's rights over their data, and personal-data
//! incidents with their 72-hour clock.
use std::io::Write;
use std::path::Path;

use motcua_store::Db;
use motcua_store::seal::Keyring;

use crate::{AppError, Config, Result};

/// Writes a file whole or not at all (temporary file, flushed, renamed), with `mode`.
pub(crate) fn write_file(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, mode);
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// A secret file: readable by its owner only.
pub(crate) fn write_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_file(path, bytes, 0o600)
}

/// The installation's personal-data keys: the `privacy.keys` setting, or the key file, which
/// development creates when it is missing (production names it, and refuses to start without).
pub fn load_keyring(config: &Config) -> Result<Keyring> {
    let bad = |e: String| AppError::Unexpected(e);
    if let Some(text) = &config.privacy.keys {
        return Keyring::parse(text).map_err(|e| bad(e.to_string()));
    }
    let path = config.privacy_key_file();
    match std::fs::read_to_string(&path) {
        Ok(text) => Keyring::parse(&text).map_err(|e| bad(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && config.privacy.key_file.is_none() => {
            let k = Keyring::generate();
            write_secret(&path, k.to_text().as_bytes())
                .map_err(|e| bad(format!("{}: {e}", path.display())))?;
            Ok(k)
        }
        Err(e) => Err(bad(format!("personal-data keys {}: {e}", path.display()))),
    }
}

/// Seals what an older version stored in clear (once, at start-up; nothing to do afterwards).
pub(crate) async fn seal_clear_rows(db: &Db) -> Result<()> {
    let tx = db.write().await?;
    let n = motcua_store::privacy::reseal(&tx, false).await?;
    tx.commit().await?;
    if n > 0 {
        tracing::info!(
            event = "privacy_sealed",
            rows = n,
            "personal data stored in clear sealed"
        );
    }
    Ok(())
}

impl crate::App {
    /// Adds a personal-data key to the key file and seals every stored value under it (key
    /// rotation, R10.5). The old keys stay in the file until the operator removes them: they
    /// open backups made before. Answers the new key's number and the rows sealed again.
    pub async fn rotate_keys(&self) -> Result<(u32, u64)> {
        if self.config.privacy.keys.is_some() {
            return Err(AppError::Conflict(
                "the keys come from the privacy.keys setting: add a key there (`motcua keys generate` makes one) and restart, then run `motcua keys reseal`".into(),
            ));
        }
        let path = self.config.privacy_key_file();
        let now = load_keyring(&self.config)?.rotated();
        write_secret(&path, now.to_text().as_bytes())
            .map_err(|e| AppError::Unexpected(format!("{}: {e}", path.display())))?;
        motcua_store::seal::install(now.clone())
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        Ok((now.current(), self.reseal().await?))
    }

    /// Seals again under the current key every value sealed under an older one.
    pub async fn reseal(&self) -> Result<u64> {
        let tx = self.db.write().await?;
        let n = motcua_store::privacy::reseal(&tx, true).await?;
        tx.commit().await?;
        Ok(n)
    }
}

pub mod incidents;
mod rights;
