//! Entered values and the messages about them; where a page may send the person next; what a
//! page says after a redirect.
use motcua_app::AppError;
use serde::Deserialize;

/// Entered values and the messages about them.
#[derive(Default)]
pub struct FormState {
    values: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
}

impl FormState {
    pub fn with(values: &[(&str, &str)]) -> Self {
        FormState {
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            errors: Vec::new(),
        }
    }
    /// A state with one message about one field.
    pub fn refused(field: &str, message: &str) -> Self {
        FormState {
            values: Vec::new(),
            errors: vec![(field.into(), message.into())],
        }
    }
    pub fn v(&self, k: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn e(&self, k: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, m)| m.as_str())
    }
    /// Takes validation messages from an error; other errors are passed back.
    pub fn absorb(&mut self, e: AppError) -> Result<(), AppError> {
        match e {
            AppError::Validation(v) => {
                self.errors = v.into_iter().map(|(f, m)| (f.to_string(), m)).collect();
                Ok(())
            }
            AppError::Conflict(m) => {
                self.errors = vec![("form".into(), m)];
                Ok(())
            }
            e => Err(e),
        }
    }
}

/// Where to go after logging in: only a path of this site, a same-origin relative reference.
/// One leading slash and no second one or backslash after it (a host would follow); no
/// backslash, whitespace or control character anywhere (browsers drop a TAB or a newline, and
/// turn a backslash into a slash, making `/\t/evil.example` a host); and it must parse as a path.
pub fn local_path(p: &str) -> String {
    let safe = p.starts_with('/')
        && !p[1..].starts_with(['/', '\\'])
        && !p
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && p.parse::<axum::http::uri::PathAndQuery>().is_ok();
    if safe { p.to_string() } else { "/".into() }
}

/// Notices shown after a redirect, chosen by code (never text from the URL).
pub fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "da-luu" => "Đã lưu thay đổi.",
        "email-moi" => {
            "Đã lưu. Chúng tôi đã gửi thư xác nhận tới địa chỉ mới; địa chỉ chỉ được đổi sau khi bạn xác nhận."
        }
        "doi-mat-khau" => "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.",
        "dang-xuat-khac" => "Đã đăng xuất khỏi các thiết bị khác.",
        "da-cap-quyen" => "Đã giao quyền.",
        "da-thu-hoi" => "Đã thu hồi quyền.",
        "da-khoa" => "Đã khóa tài khoản; mọi phiên đăng nhập của tài khoản đã kết thúc.",
        "da-mo-khoa" => "Đã mở khóa tài khoản.",
        "dat-lai-xac-thuc" => {
            "Đã đặt lại xác thực hai lớp; mọi phiên đăng nhập và mã truy cập API của tài khoản đã kết thúc. Lần đăng nhập tới, người dùng đăng ký lại."
        }
        "da-them" => "Đã thêm vào lịch trực.",
        "da-xoa" => "Đã xóa khỏi lịch trực.",
        "dat-lai" => "Đã đặt mật khẩu mới. Hãy đăng nhập.",
        "xac-nhan" => "Đã xác nhận địa chỉ thư điện tử. Bạn có thể đăng nhập.",
        "da-xuat-ban" => "Đã xuất bản phiên bản mới của thủ tục.",
        "da-gui-yeu-cau" => "Đã gửi yêu cầu. Kết quả được trả lời trong 72 giờ.",
        "da-gui-phan-anh" => "Đã gửi. Cơ quan trả lời trong 15 ngày làm việc.",
        "da-lap-bao-cao" => {
            "Đã lập dự thảo báo cáo từ số liệu. Hãy xem lại, bổ sung rồi trình duyệt."
        }
        "da-gui-bao-cao" => "Đã duyệt và gửi báo cáo.",
        _ => return None,
    })
}

/// The `tb` code of a notice, on the page a redirect lands on.
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    pub tb: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site() {
        for ok in [
            "/",
            "/ho-so",
            "/ho-so/1?tb=da-nop",
            "/tra-cuu?ma=000.01.01.H53-260302-0001",
        ] {
            assert_eq!(local_path(ok), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\r\n/evil.example",
            "https://evil.example/",
            "evil.example",
            "/ /evil.example",
            "/a\\b",
            "",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }
}
