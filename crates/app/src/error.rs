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
            other => AppError::Unexpected(other.to_string()),
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

impl From<motcua_store::DbErr> for AppError {
    fn from(e: motcua_store::DbErr) -> Self {
        StoreError::from(e).into()
    }
}
