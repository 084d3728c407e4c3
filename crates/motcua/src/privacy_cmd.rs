//! `motcua audit …` and `motcua keys …`: the tamper-evident audit log and the personal-data keys
//! (R4.3, R10.5).
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};
use clap::Subcommand;
use motcua_app::audit::AuditError;
use motcua_app::{App, Config};
use motcua_domain::SystemClock;

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Sign a checkpoint of the audit log now (tree size, root hash, time) with the
    /// installation's Ed25519 key and write it to `audit.checkpoint_dir` (and e-mail it to
    /// `audit.mail_to`). Refused when the log no longer matches an earlier checkpoint.
    Checkpoint,
    /// Recompute the whole log and check it against every checkpoint in `audit.checkpoint_dir`
    /// and any given here. Names the first record that does not match and fails.
    Verify {
        /// A checkpoint kept elsewhere (an e-mail, another agency's copy); may be repeated.
        #[arg(long)]
        checkpoint: Vec<PathBuf>,
    },
    /// Print (JSON) the proof that record SEQ is in the log, against the latest checkpoint
    /// (RFC 9162 inclusion proof).
    Proof { seq: i64 },
}

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Print a new set of personal-data keys (for `privacy.keys` or a key file).
    Generate,
    /// Add a key to the key file and seal every stored personal value under it.
    Rotate,
}

async fn open(config: Config) -> Result<App> {
    App::open(config, Arc::new(SystemClock))
        .await
        .map_err(|e| anyhow!("{e}"))
}

pub async fn audit(config: Config, cmd: AuditCmd) -> Result<()> {
    let app = open(config).await?;
    match cmd {
        AuditCmd::Checkpoint => match app.checkpoint().await.map_err(|e| anyhow!("{e}"))? {
            Some(f) => println!("{}", f.display()),
            None => println!("nothing new since the last checkpoint"),
        },
        AuditCmd::Verify { checkpoint } => match app.verify_audit(&checkpoint).await {
            Ok(v) => println!(
                "audit log verified: {} records, root {}, {} checkpoints matched",
                v.size, v.root, v.checkpoints
            ),
            Err(AuditError::Record(f)) => {
                bail!("audit log tampered: first bad record {}: {f}", f.seq())
            }
            Err(e) => bail!("audit log not verified: {e}"),
        },
        AuditCmd::Proof { seq } => {
            let p = app.inclusion_proof(seq).await.map_err(|e| anyhow!("{e}"))?;
            println!("{}", serde_json::to_string_pretty(&p)?);
        }
    }
    Ok(())
}

pub async fn keys(config: Config, cmd: KeysCmd) -> Result<()> {
    match cmd {
        KeysCmd::Generate => print!("{}", motcua_store::seal::Keyring::generate().to_text()),
        KeysCmd::Rotate => {
            let app = open(config).await?;
            let (key, rows) = app.rotate_keys().await.map_err(|e| anyhow!("{e}"))?;
            println!("key {key} now seals personal data; {rows} rows sealed again");
        }
    }
    Ok(())
}
