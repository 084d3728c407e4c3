//! Errors of the use cases; the web layer maps them to status codes and pages.
use motcua_store::StoreError;

/// A field and the message that tells the person what to do.
pub type FieldError = (&'static str, String);

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cần đăng nhập")]
    Unauthenticated,
    #[error("không có quyền")]
    Forbidden,
    #[error("không tìm thấy")]
    NotFound,
    #[error("dữ liệu chưa hợp lệ")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; retry after this many seconds.
    #[error("quá nhiều lần thử")]
    Throttled(u64),
    /// The server cannot do it now (the database is out of reach, or it is at capacity); retry
    /// after this many seconds. The cause is for the log.
    #[error("tạm thời không phục vụ được")]
    Unavailable { cause: String, retry: u64 },
    #[error("lỗi hệ thống: {0}")]
    Unexpected(String),
}

impl AppError {
    pub fn field(name: &'static str, msg: impl Into<String>) -> Self {
        AppError::Validation(vec![(name, msg.into())])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(c) => AppError::Conflict(c),
            StoreError::Unavailable(cause) => AppError::Unavailable { cause, retry: 5 },
            other => AppError::Unexpected(other.to_string()),
        }
    }
}

impl AppError {
    /// A refusal answered as "not found", so that it does not reveal that the object exists
    /// (the refusal itself is logged where it was made); other errors pass.
    pub(crate) fn hiding(self) -> AppError {
        match self {
            AppError::Forbidden => AppError::NotFound,
            e => e,
        }
    }
}

impl From<motcua_domain::Denied> for AppError {
    fn from(d: motcua_domain::Denied) -> Self {
        tracing::warn!(event = "authz_fail", reason = d.0, "authorization refused");
        AppError::Forbidden
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Store answers where a missing row (or a changed one) means something to the caller; every
/// other failure keeps its cause: a storage outage is a 503, never a 404 or a 409.
pub(crate) trait StoreResult<T> {
    /// `e` when the row does not exist.
    fn or_missing(self, e: AppError) -> Result<T>;
    /// A conflict with this message when the row changed meanwhile.
    fn or_changed(self, msg: &str) -> Result<T>;
}

impl<T> StoreResult<T> for std::result::Result<T, StoreError> {
    fn or_missing(self, e: AppError) -> Result<T> {
        self.map_err(|x| match x {
            StoreError::NotFound => e,
            x => x.into(),
        })
    }
    fn or_changed(self, msg: &str) -> Result<T> {
        self.map_err(|x| match x {
            StoreError::Conflict(_) => AppError::Conflict(msg.into()),
            x => x.into(),
        })
    }
}

impl From<motcua_store::DbErr> for AppError {
    fn from(e: motcua_store::DbErr) -> Self {
        StoreError::from(e).into()
    }
}
