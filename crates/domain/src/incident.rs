//! Incidents (R9.2, R10.7, R14.3): reported by an agency or opened by motcua itself when its
//! own checks fail, sent at once to the provincial department, tracked to resolution with a
//! timeline, and, while one disrupts the public service, announced on the public site.
use serde::Serialize;

/// Who or what opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// An agency reported it.
    Reported,
    /// The database did not answer motcua's own checks.
    Health,
    /// A burst of server errors.
    Errors,
    /// The audit log did not verify.
    Audit,
    /// The data folder's disk is nearly full.
    Disk,
    /// A stored file was found infected when scanned again (R4.4).
    Malware,
}

impl Origin {
    pub const ALL: [Origin; 6] = [
        Self::Reported,
        Self::Health,
        Self::Errors,
        Self::Audit,
        Self::Disk,
        Self::Malware,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Health => "health",
            Self::Errors => "errors",
            Self::Audit => "audit",
            Self::Disk => "disk",
            Self::Malware => "malware",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Reported => "Cơ quan báo cáo",
            Self::Health => "Cơ sở dữ liệu không phản hồi",
            Self::Errors => "Lỗi máy chủ tăng đột biến",
            Self::Audit => "Nhật ký kiểm toán không khớp",
            Self::Disk => "Ổ đĩa dữ liệu sắp đầy",
            Self::Malware => "Phát hiện mã độc trong tệp đã lưu",
        }
    }
    /// What an incident motcua opens by itself says, and whether the public is told.
    pub fn summary_vi(self) -> &'static str {
        match self {
            Self::Reported => "",
            Self::Health => {
                "Hệ thống không kết nối được cơ sở dữ liệu; người dân không nộp, tra cứu được hồ sơ."
            }
            Self::Errors => "Nhiều yêu cầu bị lỗi máy chủ trong thời gian ngắn.",
            Self::Audit => {
                "Kiểm tra nhật ký kiểm toán phát hiện bản ghi bị thay đổi, thiếu hoặc sai thứ tự."
            }
            Self::Disk => "Ổ đĩa lưu dữ liệu và giấy tờ còn dưới 5% dung lượng trống.",
            Self::Malware => {
                "Mẫu nhận diện mới phát hiện mã độc trong tệp đã lưu; tệp đã bị cách ly, không ai tải về được."
            }
        }
    }
    /// Whether people cannot use the public service while it lasts.
    pub fn disrupts_public(self) -> bool {
        matches!(self, Self::Health | Self::Errors)
    }
}

/// Server errors within [`ERROR_WINDOW_SECS`] that open an incident.
pub const ERROR_BURST: usize = 20;
pub const ERROR_WINDOW_SECS: i64 = 60;
/// The free share of the data folder's disk, in percent, under which an incident opens.
pub const DISK_FREE_MIN_PERCENT: u64 = 5;

/// Whether the errors seen at `times` (seconds, any order) make a burst at `now`.
pub fn is_burst(times: &[i64], now: i64) -> bool {
    times
        .iter()
        .filter(|t| now - **t < ERROR_WINDOW_SECS && **t <= now)
        .count()
        >= ERROR_BURST
}

/// Whether `free` of `total` bytes is too little.
pub fn disk_low(free: u64, total: u64) -> bool {
    total > 0 && free.saturating_mul(100) < total.saturating_mul(DISK_FREE_MIN_PERCENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_errors_in_a_minute_are_a_burst() {
        let now = 1000;
        let within: Vec<i64> = (0..20).map(|i| now - i).collect();
        assert!(is_burst(&within, now));
        assert!(!is_burst(&within[..19], now));
        let spread: Vec<i64> = (0..20).map(|i| now - i * 4).collect();
        assert!(!is_burst(&spread, now), "over 80 seconds");
    }

    #[test]
    fn five_percent_free_is_the_floor() {
        assert!(disk_low(4, 100));
        assert!(!disk_low(5, 100));
        assert!(!disk_low(0, 0));
    }

    #[test]
    fn origins_round_trip() {
        for o in Origin::ALL {
            assert_eq!(Origin::parse(o.as_str()), Some(o));
        }
        assert!(Origin::Health.disrupts_public() && !Origin::Disk.disrupts_public());
    }
}
