//! The error page: what went wrong in words a person understands, and where to go next.
//! Internal details go to the log, never the page.
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::AppError;

use super::{Chrome, Link, render_status};

#[derive(Template)]
#[template(path = "kit/error.html")]
pub struct ErrorPage {
    c: Chrome,
    heading: String,
    message: String,
    next: Vec<Link>,
}

impl ErrorPage {
    pub fn for_error(e: &AppError) -> Self {
        let (heading, message, next): (&str, String, Vec<(&'static str, &'static str)>) = match e {
            AppError::NotFound => ("Không tìm thấy trang", "Trang bạn tìm không có hoặc đã được chuyển đi. Hãy kiểm tra lại địa chỉ.".into(), vec![("/", "Về trang chủ")]),
            AppError::Forbidden => ("Bạn không có quyền xem trang này", "Tài khoản của bạn chưa được giao quyền cho việc này. Nếu cần, hãy liên hệ quản trị viên của cơ quan.".into(), vec![("/", "Về trang chủ"), ("/tai-khoan", "Xem tài khoản")]),
            AppError::Unauthenticated => ("Cần đăng nhập", "Hãy đăng nhập để tiếp tục.".into(), vec![("/dang-nhap", "Đăng nhập")]),
            AppError::Throttled(s) => ("Tạm dừng vì có quá nhiều lần thử", format!("Đã có quá nhiều lần thử từ bạn hoặc cho tài khoản, hồ sơ này. Hãy thử lại sau khoảng {} phút (nếu quên mật khẩu, hãy đặt lại mật khẩu).", s.div_ceil(60)), vec![("/quen-mat-khau", "Đặt lại mật khẩu")]),
            AppError::Unavailable { .. } => ("Hệ thống tạm thời chưa phục vụ được", "Yêu cầu của bạn chưa được thực hiện và không có dữ liệu nào bị mất. Hệ thống đang quá tải hoặc đang bảo trì; hãy thử lại sau ít phút.".into(), vec![("/", "Về trang chủ")]),
            AppError::Validation(v) => ("Thông tin chưa hợp lệ", v.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" "), vec![("/", "Về trang chủ")]),
            AppError::Conflict(m) => ("Không thực hiện được", m.clone(), vec![("/", "Về trang chủ")]),
            AppError::Unexpected(_) => ("Hệ thống đang gặp sự cố", "Yêu cầu của bạn chưa được thực hiện và không có dữ liệu nào bị mất. Hãy thử lại sau ít phút; nếu vẫn lỗi, hãy báo bộ phận hỗ trợ kèm thời điểm xảy ra.".into(), vec![("/", "Về trang chủ")]),
        };
        ErrorPage {
            c: Chrome::bare(heading),
            heading: heading.into(),
            message,
            next: next.into_iter().map(|(h, l)| Link::new(h, l)).collect(),
        }
    }
    pub fn csrf() -> Self {
        ErrorPage {
            c: Chrome::bare("Phiên làm việc đã thay đổi"),
            heading: "Phiên làm việc đã thay đổi".into(),
            message: "Biểu mẫu đã hết hạn hoặc không được gửi từ trang này. Hãy quay lại trang trước, tải lại và gửi lại.".into(),
            next: vec![Link::new("/", "Về trang chủ")],
        }
    }
    pub fn into_response_with(self, status: StatusCode) -> Response {
        render_status(&self, status)
    }
}
