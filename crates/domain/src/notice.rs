//! Electronic notices (R6.2, R8.2, R11.2, R11.3, R12.2): what the agency and the system tell a
//! person, and the channels they travel by.
use serde::{Deserialize, Serialize};

/// A kind of notice. Each has its template (editable by provincial administrators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Yêu cầu bổ sung, hoàn thiện hồ sơ (R11.2, R12.2).
    SupplementRequest,
    /// Từ chối tiếp nhận / giải quyết, with reasons.
    Refusal,
    /// Tiếp nhận, with the appointment date, papers to bring and fee (R11.3).
    Acceptance,
    /// Xin lỗi và hẹn lại ngày trả kết quả.
    Apology,
    /// Đã có kết quả (R8.2).
    ResultReady,
    /// Thông báo nộp phí, lệ phí.
    FeeDue,
    /// Đã nhận thanh toán.
    PaymentReceived,
    /// Hoàn trả phí (R8.2c).
    Refund,
    /// Đã nhận hồ sơ nộp trực tuyến.
    Submitted,
    /// Xác nhận địa chỉ thư điện tử.
    EmailConfirmation,
    /// Đặt lại mật khẩu.
    PasswordReset,
    /// Có người đăng ký bằng thông tin của bạn.
    AccountExists,
    /// Yêu cầu đổi địa chỉ thư điện tử.
    EmailChanged,
    /// Sự cố (R10.7): to the provincial department's administrators and inspectors.
    Incident,
    /// Staff: a dossier arrived in their worklist (at the desk, forwarded to their unit, back
    /// from a step) (R10.6, R11.4).
    NewWork,
    /// Staff: a dossier was assigned to them (R12).
    Assigned,
    /// Staff: a proposal awaits their approval (R12.1, R12.2).
    ApprovalAwaited,
    /// Staff: another agency asks their opinion on a dossier (R8.1b).
    ConsultationRequested,
    /// Staff: a dossier they hold is due within a working day.
    DeadlineNear,
    /// Agency administrators: a working day on which nobody is on the desk's duty roster (R10.6).
    UnstaffedDesk,
    /// A yearly report falls due and has not been submitted (R14.1, R14.2).
    ReportDue,
    /// A dossier received at the counter was claimed into an account: to the phone and e-mail
    /// given there, so that a claim by someone else does not go unnoticed (R6.2, R10.5).
    Claimed,
    /// The one-time code that proves a person holds the phone given at the counter, when they
    /// claim the dossier (R6.2): to that phone only, never to an inbox.
    ClaimCode,
    /// Reception changed how the person receives the result, at their request (R8.2): to the
    /// person, so that a change they did not ask for does not go unnoticed.
    ResultWayChanged,
    /// A stored paper a later malware scan found infected, quarantined (R4.4): to the person
    /// and the agency's administrators.
    FileQuarantined,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 25] = [
        Self::SupplementRequest,
        Self::Refusal,
        Self::Acceptance,
        Self::Apology,
        Self::ResultReady,
        Self::FeeDue,
        Self::PaymentReceived,
        Self::Refund,
        Self::Submitted,
        Self::EmailConfirmation,
        Self::PasswordReset,
        Self::AccountExists,
        Self::EmailChanged,
        Self::Incident,
        Self::NewWork,
        Self::Assigned,
        Self::ApprovalAwaited,
        Self::ConsultationRequested,
        Self::DeadlineNear,
        Self::UnstaffedDesk,
        Self::ReportDue,
        Self::Claimed,
        Self::ClaimCode,
        Self::ResultWayChanged,
        Self::FileQuarantined,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SupplementRequest => "supplement_request",
            Self::Refusal => "refusal",
            Self::Acceptance => "acceptance",
            Self::Apology => "apology",
            Self::ResultReady => "result_ready",
            Self::FeeDue => "fee_due",
            Self::PaymentReceived => "payment_received",
            Self::Refund => "refund",
            Self::Submitted => "submitted",
            Self::EmailConfirmation => "email_confirmation",
            Self::PasswordReset => "password_reset",
            Self::AccountExists => "account_exists",
            Self::EmailChanged => "email_changed",
            Self::Incident => "incident",
            Self::NewWork => "new_work",
            Self::Assigned => "assigned",
            Self::ApprovalAwaited => "approval_awaited",
            Self::ConsultationRequested => "consultation_requested",
            Self::DeadlineNear => "deadline_near",
            Self::UnstaffedDesk => "unstaffed_desk",
            Self::ReportDue => "report_due",
            Self::Claimed => "claimed",
            Self::ClaimCode => "claim_code",
            Self::ResultWayChanged => "result_way_changed",
            Self::FileQuarantined => "file_quarantined",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::SupplementRequest => "Yêu cầu bổ sung, hoàn thiện hồ sơ",
            Self::Refusal => "Từ chối tiếp nhận, giải quyết hồ sơ",
            Self::Acceptance => "Tiếp nhận hồ sơ và hẹn trả kết quả",
            Self::Apology => "Xin lỗi và hẹn lại ngày trả kết quả",
            Self::ResultReady => "Đã có kết quả giải quyết",
            Self::FeeDue => "Thông báo nộp phí, lệ phí",
            Self::PaymentReceived => "Đã nhận thanh toán phí, lệ phí",
            Self::Refund => "Hoàn trả phí, lệ phí",
            Self::Submitted => "Đã nhận hồ sơ nộp trực tuyến",
            Self::EmailConfirmation => "Xác nhận địa chỉ thư điện tử",
            Self::PasswordReset => "Đặt lại mật khẩu",
            Self::AccountExists => "Đăng ký trùng thông tin",
            Self::EmailChanged => "Đổi địa chỉ thư điện tử",
            Self::Incident => "Sự cố hệ thống",
            Self::NewWork => "Hồ sơ mới chuyển đến",
            Self::Assigned => "Được phân công xử lý hồ sơ",
            Self::ApprovalAwaited => "Hồ sơ chờ phê duyệt",
            Self::ConsultationRequested => "Đề nghị cho ý kiến phối hợp",
            Self::DeadlineNear => "Hồ sơ sắp đến hạn",
            Self::UnstaffedDesk => "Bộ phận tiếp nhận chưa có người trực",
            Self::ReportDue => "Nhắc hạn báo cáo",
            Self::Claimed => "Hồ sơ đã gắn vào tài khoản",
            Self::ClaimCode => "Mã xác nhận gắn hồ sơ vào tài khoản",
            Self::ResultWayChanged => "Đổi cách nhận kết quả",
            Self::FileQuarantined => "Giấy tờ bị cách ly do có mã độc",
        }
    }
    /// Account notices go to the given address only, never to SMS, and are not kept in the inbox
    /// (they carry single-use links).
    pub fn is_account(self) -> bool {
        matches!(
            self,
            Self::EmailConfirmation
                | Self::PasswordReset
                | Self::AccountExists
                | Self::EmailChanged
        )
    }
}

/// A delivery channel. The portal inbox is always on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeChannel {
    Inbox,
    Email,
    Sms,
}

impl NoticeChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbox => "inbox",
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Inbox, Self::Email, Self::Sms]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Inbox => "Hộp thư trên cổng",
            Self::Email => "Thư điện tử",
            Self::Sms => "Tin nhắn SMS",
        }
    }
}

/// The state of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Sent,
    /// Gave up after the retry limit (dead letter); an administrator may retry it.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Dead]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Pending => "Đang gửi",
            Self::Sent => "Đã gửi",
            Self::Dead => "Gửi không thành công",
        }
    }
}

/// Seconds to wait before attempt `n` (1-based) of a failed delivery: 30 s doubling, at most 1 h.
pub fn backoff_secs(attempt: u32) -> i64 {
    (30_i64 << attempt.saturating_sub(1).min(7)).min(3600)
}

/// Attempts before a delivery becomes a dead letter.
pub const MAX_ATTEMPTS: u32 = 8;

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored names never change (templates and deliveries in the database hold them); the
    /// labels are the Vietnamese terms the pages show.
    #[test]
    fn stored_names_and_labels() {
        assert_eq!(
            NoticeKind::ALL.map(NoticeKind::as_str),
            [
                "supplement_request",
                "refusal",
                "acceptance",
                "apology",
                "result_ready",
                "fee_due",
                "payment_received",
                "refund",
                "submitted",
                "email_confirmation",
                "password_reset",
                "account_exists",
                "email_changed",
                "incident",
                "new_work",
                "assigned",
                "approval_awaited",
                "consultation_requested",
                "deadline_near",
                "unstaffed_desk",
                "report_due",
                "claimed",
                "claim_code",
                "result_way_changed",
                "file_quarantined"
            ]
        );
        assert_eq!(
            NoticeKind::ALL.map(NoticeKind::label_vi),
            [
                "Yêu cầu bổ sung, hoàn thiện hồ sơ",
                "Từ chối tiếp nhận, giải quyết hồ sơ",
                "Tiếp nhận hồ sơ và hẹn trả kết quả",
                "Xin lỗi và hẹn lại ngày trả kết quả",
                "Đã có kết quả giải quyết",
                "Thông báo nộp phí, lệ phí",
                "Đã nhận thanh toán phí, lệ phí",
                "Hoàn trả phí, lệ phí",
                "Đã nhận hồ sơ nộp trực tuyến",
                "Xác nhận địa chỉ thư điện tử",
                "Đặt lại mật khẩu",
                "Đăng ký trùng thông tin",
                "Đổi địa chỉ thư điện tử",
                "Sự cố hệ thống",
                "Hồ sơ mới chuyển đến",
                "Được phân công xử lý hồ sơ",
                "Hồ sơ chờ phê duyệt",
                "Đề nghị cho ý kiến phối hợp",
                "Hồ sơ sắp đến hạn",
                "Bộ phận tiếp nhận chưa có người trực",
                "Nhắc hạn báo cáo",
                "Hồ sơ đã gắn vào tài khoản",
                "Mã xác nhận gắn hồ sơ vào tài khoản",
                "Đổi cách nhận kết quả",
                "Giấy tờ bị cách ly do có mã độc"
            ]
        );
        // Only the account notices: e-mail only, never kept in the inbox.
        assert_eq!(
            NoticeKind::ALL.map(NoticeKind::is_account),
            [
                false, false, false, false, false, false, false, false, false, true, true, true,
                true, false, false, false, false, false, false, false, false, false, false, false,
                false
            ]
        );
        for k in NoticeKind::ALL {
            assert_eq!(
                serde_json::json!(k),
                k.as_str(),
                "the serde name is the stored one"
            );
        }
        assert_eq!(NoticeKind::parse("Refusal"), None);
        assert_eq!(NoticeKind::parse(""), None);

        let channels = [
            NoticeChannel::Inbox,
            NoticeChannel::Email,
            NoticeChannel::Sms,
        ];
        assert_eq!(
            channels.map(NoticeChannel::as_str),
            ["inbox", "email", "sms"]
        );
        assert_eq!(
            channels.map(NoticeChannel::label_vi),
            ["Hộp thư trên cổng", "Thư điện tử", "Tin nhắn SMS"]
        );
        for c in channels {
            assert_eq!(NoticeChannel::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::json!(c),
                c.as_str(),
                "the serde name is the stored one"
            );
        }
        assert_eq!(NoticeChannel::parse("SMS"), None);
        assert_eq!(NoticeChannel::parse(""), None);

        let states = [
            DeliveryState::Pending,
            DeliveryState::Sent,
            DeliveryState::Dead,
        ];
        assert_eq!(
            states.map(DeliveryState::as_str),
            ["pending", "sent", "dead"]
        );
        assert_eq!(
            states.map(DeliveryState::label_vi),
            ["Đang gửi", "Đã gửi", "Gửi không thành công"]
        );
        for d in states {
            assert_eq!(DeliveryState::parse(d.as_str()), Some(d));
            assert_eq!(
                serde_json::json!(d),
                d.as_str(),
                "the serde name is the stored one"
            );
        }
        assert_eq!(DeliveryState::parse("Sent"), None);
        assert_eq!(DeliveryState::parse(""), None);
    }

    /// 30 s doubling from the first retry, capped at an hour.
    #[test]
    fn backoff_for_every_attempt() {
        assert_eq!(
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, MAX_ATTEMPTS].map(backoff_secs),
            [30, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
        );
        assert_eq!(backoff_secs(u32::MAX), 3600);
    }

    #[test]
    fn kinds_round_trip_and_backoff_grows_to_a_cap() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(5), 480);
        assert_eq!(backoff_secs(20), 3600);
    }
}
