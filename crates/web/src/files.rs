//! Dossier files over HTTP: the one multipart upload loop every upload form and operation goes
//! through (bounded, streamed to staging, drained after a refusal), and the download response.
use axum::extract::Multipart;
use axum::extract::multipart::Field;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use motcua_app::dossiers::StagedUpload;
use motcua_app::{AppError, Session};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// What to do with one part of a multipart upload.
pub enum Take {
    /// Read it whole as text (at most 4 KiB) and hand it to [`Receiver::text`].
    Text,
    /// The same, for a text of at most this many bytes (a form's answers).
    TextUpTo(usize),
    /// Stream it to staging as a file of this name and hand it to [`Receiver::file`].
    File(String),
    /// Leave it unread.
    Skip,
    /// Refuse the whole upload.
    Refuse(AppError),
}

/// One kind of upload: which parts it takes, and what it does with them. The parts come in the
/// order the client sent them.
pub trait Receiver {
    /// What a completed upload gives.
    type Done;
    /// What to do with the part named `name`, whose header gives `file_name`.
    fn take(&self, name: Option<&str>, file_name: Option<&str>) -> Take;
    /// A text part, read.
    fn text(&mut self, name: &str, value: String);
    /// A file part (named `part`), staged; `Some` ends the upload there (the rest of the body is
    /// not read).
    async fn file(
        &mut self,
        part: &str,
        name: String,
        staged: StagedUpload,
    ) -> Result<Option<Self::Done>, AppError>;
    /// The body ended.
    async fn finish(self) -> Result<Self::Done, AppError>;
}

/// How much an upload may hold.
pub enum Budget {
    /// What this dossier had left when the upload began, for every file of it.
    AtStart(Uuid),
    /// What this dossier has left when each file begins (each file attached before the next).
    PerFile(Uuid),
    /// What a new dossier of the person may hold, all its files together (the request's
    /// idempotency key, if any: a retry is measured against the limits alone).
    NewDossier(Option<String>),
}

/// What an upload may still hold: each file, and all of the body.
struct Room {
    file: u64,
    body: u64,
}

impl Budget {
    async fn left(&self, s: &AppState, sess: &Session) -> Result<Room, AppError> {
        match self {
            Budget::AtStart(d) | Budget::PerFile(d) => {
                let n = s.app.upload_budget(sess, *d).await?;
                Ok(Room { file: n, body: n })
            }
            Budget::NewDossier(key) => {
                let (file, body) = s.app.new_dossier_room(sess, key.as_deref()).await?;
                Ok(Room { file, body })
            }
        }
    }
}

/// Why an upload was refused.
pub enum Refusal {
    /// The body or a file is over its limit (the API answers 413).
    Size(AppError),
    Other(AppError),
}

impl Refusal {
    pub fn into_inner(self) -> AppError {
        match self {
            Refusal::Size(e) | Refusal::Other(e) => e,
        }
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::Other(e)
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Size(e) => ApiError::from(e).too_large(),
            Refusal::Other(e) => e.into(),
        }
    }
}

/// Reads a multipart upload to a dossier: refused before anything is read when its declared
/// length is over the budget, then part by part as `r` says, each file streamed to staging within
/// the budget. After a refusal what is left of the body is drained, so that the client (still
/// sending) receives the answer.
pub async fn receive<R: Receiver>(
    s: &AppState,
    (sess, budget): (&Session, Budget),
    (headers, mp): (&HeaderMap, &mut Multipart),
    r: R,
) -> Result<R::Done, Refusal> {
    let result = receive_parts(s, (sess, budget), (headers, &mut *mp), r).await;
    if result.is_err() {
        drain(mp).await;
    }
    result
}

async fn receive_parts<R: Receiver>(
    s: &AppState,
    (sess, budget): (&Session, Budget),
    (headers, mp): (&HeaderMap, &mut Multipart),
    mut r: R,
) -> Result<R::Done, Refusal> {
    let room = budget.left(s, sess).await?;
    check_length(headers, room.body).map_err(Refusal::Size)?;
    // What the files streamed so far hold: the next may use only what is left of the room.
    let mut staged_bytes = 0u64;
    while let Some(mut field) = next_part(mp).await? {
        let take = r.take(field.name(), field.file_name());
        match take {
            Take::Skip => {}
            Take::Refuse(e) => return Err(e.into()),
            Take::Text | Take::TextUpTo(_) => {
                let max = match take {
                    Take::TextUpTo(n) => n,
                    _ => TEXT_FIELD_MAX,
                };
                let value = text_field(&mut field, max).await?;
                r.text(field.name().unwrap_or_default(), value);
            }
            Take::File(name) => {
                let limit = match budget {
                    Budget::PerFile(_) => budget.left(s, sess).await?.file,
                    _ => room.file.min(room.body.saturating_sub(staged_bytes)),
                };
                let staged = stream_field(s, &mut field, limit)
                    .await
                    .map_err(Refusal::Size)?;
                staged_bytes += staged.size;
                let part = field.name().unwrap_or_default();
                if let Some(done) = r.file(part, name, staged).await? {
                    return Ok(done);
                }
            }
        }
    }
    Ok(r.finish().await?)
}

/// Streams one file part of a multipart body into an upload, within `limit` bytes.
async fn stream_field(
    s: &AppState,
    field: &mut Field<'_>,
    limit: u64,
) -> Result<StagedUpload, AppError> {
    let mut up = s.app.begin_upload(limit).await?;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if let Err(e) = up.write(&chunk).await {
                    return Err(match e {
                        motcua_app::dossiers::BlobError::TooLarge(n) => {
                            tracing::warn!(
                                event = "upload_validation",
                                "upload refused: too large"
                            );
                            AppError::field(
                                "file",
                                format!(
                                    "Tệp quá lớn hoặc vượt dung lượng còn lại của hồ sơ: tối đa {} MB.",
                                    n.div_ceil(1024 * 1024)
                                ),
                            )
                        }
                        e => motcua_app::dossiers::blob_err(e),
                    });
                }
            }
            Ok(None) => break,
            Err(_) => {
                return Err(AppError::field(
                    "file",
                    "Tệp tải lên bị gián đoạn. Hãy thử lại.",
                ));
            }
        }
    }
    up.finish()
        .await
        .map_err(|e| AppError::Unexpected(e.to_string()))
}

/// The next part of a multipart body; a body that does not parse is refused, never taken for
/// one that ended.
async fn next_part(mp: &mut Multipart) -> Result<Option<Field<'_>>, AppError> {
    mp.next_field().await.map_err(|e| {
        AppError::field(
            "body",
            format!(
                "Nội dung multipart/form-data không đọc được: {}",
                e.body_text()
            ),
        )
    })
}

/// The most a multipart text field (`component`, `name`) may hold.
const TEXT_FIELD_MAX: usize = 4 * 1024;

/// Reads a multipart text field of at most `max` bytes, refusing a longer one as soon as it
/// passes the bound, without holding more of it (R4.4: bounded inputs).
async fn text_field(field: &mut Field<'_>, max: usize) -> Result<String, AppError> {
    let name: &'static str = match field.name() {
        Some("component") => "component",
        Some("name") => "name",
        Some("dossier") => "dossier",
        _ => "field",
    };
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() > max => {
                tracing::warn!(event = "upload_validation", "text field over its bound");
                return Err(AppError::field(
                    name,
                    format!("Trường {name} quá dài: tối đa {} KB.", max / 1024),
                ));
            }
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(_) => {
                return Err(AppError::field(
                    name,
                    "Nội dung gửi lên bị gián đoạn. Hãy thử lại.",
                ));
            }
        }
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        AppError::field(
            name,
            format!("Trường {name} không phải văn bản UTF-8 (sai từ byte {at})."),
        )
    })
}

/// After refusing an upload, reads and discards what is left of the body, up to a bound, so that
/// the client (still sending) receives the answer instead of a reset connection. Bodies beyond
/// the bound are not read: the connection closes after the answer.
async fn drain(mp: &mut Multipart) {
    let mut left: u64 = 32 * 1024 * 1024;
    while let Ok(Some(mut f)) = mp.next_field().await {
        while let Ok(Some(c)) = f.chunk().await {
            left = left.saturating_sub(c.len() as u64);
            if left == 0 {
                return;
            }
        }
    }
}

/// Refuses a body early when its declared length is over the budget (before reading it).
fn check_length(headers: &HeaderMap, budget: u64) -> Result<(), AppError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > budget + 64 * 1024) {
        tracing::warn!(
            event = "upload_validation",
            "upload refused before reading: declared length"
        );
        return Err(AppError::field(
            "file",
            format!(
                "Tệp quá lớn: còn được tải lên tối đa {} MB cho hồ sơ này.",
                budget.div_ceil(1024 * 1024)
            ),
        ));
    }
    Ok(())
}

/// A stored file as a download, streamed: attachment with a safe name, the content's own type,
/// its length, nosniff, a sandboxing CSP, no-store.
pub fn file_response(d: motcua_app::dossiers::Download) -> Response {
    let f = &d.file;
    let mut r = axum::body::Body::from_stream(d.body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(d.size));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(f.kind.media_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&motcua_domain::dossier::content_disposition(&f.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The one `file` part of a multipart body, in memory, within `limit` bytes (the authenticity
/// check reads a whole file anyway; nothing is stored).
pub async fn read_file_part(
    headers: &HeaderMap,
    mp: &mut Multipart,
    limit: u64,
) -> Result<Vec<u8>, AppError> {
    let result = async {
        if headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > limit + 64 * 1024)
        {
            return Err(too_big(limit));
        }
        let mut out = None;
        while let Some(mut field) = next_part(mp).await? {
            if field.name() != Some("file") || out.is_some() {
                return Err(AppError::field("file", "Chỉ gửi một phần file."));
            }
            let mut bytes = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(c)) => {
                        if (bytes.len() + c.len()) as u64 > limit {
                            return Err(too_big(limit));
                        }
                        bytes.extend_from_slice(&c);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        return Err(AppError::field(
                            "file",
                            format!("Tệp gửi không trọn vẹn: {}", e.body_text()),
                        ));
                    }
                }
            }
            out = Some(bytes);
        }
        // An empty file is a file: checked, it is found unsigned.
        out.ok_or_else(|| AppError::field("file", "Chọn tệp cần kiểm tra."))
    }
    .await;
    if result.is_err() {
        drain(mp).await;
    }
    result
}

fn too_big(limit: u64) -> AppError {
    AppError::field(
        "file",
        format!("Tệp quá lớn: tối đa {} MB.", limit.div_ceil(1024 * 1024)),
    )
}
