//! A leader decides several proposals at once (R12): each approval is its own step, in its own
//! transaction with its event, audit record and notices, and each is refused on its own when it
//! is no longer allowed or the dossier changed since the leader saw it.
use motcua_domain::lifecycle::Act;
use uuid::Uuid;

use super::{ActionInput, Outcome};
use crate::{App, AppError, Ctx, Result, Session};

/// The most proposals one batch decides: each approval signs a result (R8.2b).
pub const BATCH_MAX: usize = 20;

/// The time a batch may take: what is left once it passes is not approved and says so, well
/// within the request's own limit.
const BUDGET: std::time::Duration = std::time::Duration::from_secs(30);

/// A proposal as the leader saw it on the worklist: the dossier and its version then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub id: Uuid,
    pub version: i32,
}

impl Seen {
    /// `{id}:{version}`, as the worklist's checkboxes carry it.
    pub fn parse(s: &str) -> Option<Seen> {
        let (id, v) = s.split_once(':')?;
        Some(Seen {
            id: Uuid::parse_str(id).ok()?,
            version: v.parse().ok()?,
        })
    }
}

/// What became of one proposal of a batch.
#[derive(Debug)]
pub struct Decided {
    pub id: Uuid,
    /// Its code, when the caller may see the dossier.
    pub code: Option<String>,
    pub result: Result<Outcome>,
}

impl App {
    /// Approves each proposal seen, one step each; answers each one's outcome in the order given.
    /// 422 for an empty batch or one over [`BATCH_MAX`].
    pub async fn approve_many(
        &self,
        ctx: &Ctx,
        s: &Session,
        seen: &[Seen],
        comment: &str,
    ) -> Result<Vec<Decided>> {
        if seen.is_empty() {
            return Err(AppError::field(
                "dossiers",
                "Chọn ít nhất một hồ sơ để phê duyệt.",
            ));
        }
        if seen.len() > BATCH_MAX {
            return Err(AppError::field(
                "dossiers",
                format!("Mỗi lần phê duyệt tối đa {BATCH_MAX} hồ sơ."),
            ));
        }
        let mut out = Vec::with_capacity(seen.len());
        let started = std::time::Instant::now();
        for x in seen {
            if started.elapsed() > BUDGET {
                out.push(Decided {
                    id: x.id,
                    code: None,
                    result: Err(AppError::Conflict(
                        "Chưa phê duyệt: lần này đã hết thời gian, chọn lại hồ sơ này.".into(),
                    )),
                });
                continue;
            }
            let input = ActionInput {
                comment: comment.into(),
                expected_version: Some(x.version),
                ..ActionInput::new(Act::Approve)
            };
            let result = self.perform(ctx, s, x.id, &input).await;
            let code = match &result {
                Err(AppError::NotFound | AppError::Forbidden) => None,
                _ => self.visible(s, x.id).await.ok().and_then(|d| d.code),
            };
            out.push(Decided {
                id: x.id,
                code,
                result,
            });
        }
        Ok(out)
    }
}
