//! Fees and charges on a dossier (R3.2, R7.1b, R7.2b, R8.2c, R13.3): what a dossier owes and from when,
//! which step waits for it, what its payments and refunds leave it at, when a refund is owed,
//! and who may move a refund on. Pure: the app reads the payments and applies these rules.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalogue::{Channel, ChannelFee};
use crate::lifecycle::{Act, Stage};

/// When a service's fee falls due (published with the service, R3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeDue {
    /// Paid with the dossier: reception accepts it once paid.
    Submission,
    /// Owed once the dossier is accepted; the result is handed over once paid.
    #[default]
    Acceptance,
    /// Owed when the result is ready; handed over once paid.
    Collection,
}

impl FeeDue {
    pub const ALL: [FeeDue; 3] = [Self::Submission, Self::Acceptance, Self::Collection];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submission => "submission",
            Self::Acceptance => "acceptance",
            Self::Collection => "collection",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Submission => "Nộp khi nộp hồ sơ",
            Self::Acceptance => "Nộp khi hồ sơ được tiếp nhận",
            Self::Collection => "Nộp khi nhận kết quả",
        }
    }

    /// Whether the step tells the person the fee is now owed (the fee-due notice).
    pub fn falls_due_at(self, act: Act) -> bool {
        match self {
            Self::Submission => matches!(
                act,
                Act::Submit | Act::RegisterInPerson | Act::RegisterPostal
            ),
            Self::Acceptance => act == Act::Accept,
            Self::Collection => act == Act::Approve,
        }
    }

    /// Whether some service's fee falls due at the step (so that others need not read the fee).
    pub fn falls_due_at_any(act: Act) -> bool {
        Self::ALL.iter().any(|d| d.falls_due_at(act))
    }

    /// Whether some service's fee holds the step.
    pub fn holds_any(act: Act) -> bool {
        Self::ALL.iter().any(|d| d.holds(act))
    }

    /// Whether the step waits until the fee is paid: acceptance for a fee due with the dossier,
    /// the handing over of the result otherwise.
    pub fn holds(self, act: Act) -> bool {
        match self {
            Self::Submission => act == Act::Accept,
            Self::Acceptance | Self::Collection => matches!(
                act,
                Act::ReturnAtOffice | Act::ReturnOnline | Act::ReturnByPost
            ),
        }
    }
}

/// The fee a channel's dossier owes by the procedure's published fees: every fee and charge of
/// that channel, in đồng.
pub fn channel_fee(fees: &[ChannelFee], channel: Channel) -> i64 {
    fees.iter()
        .filter(|f| f.channel == channel)
        .map(|f| f.amount.max(0))
        .sum()
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Tiền mặt at the cashier's desk (R7.1b).
    Cash,
    /// Thẻ (card terminal) at the desk.
    Card,
    /// Online through the VNPay gateway (R7.2b).
    Vnpay,
    /// On the National Public Service Portal's payment platform, with its reference.
    NationalPortal,
    /// A postal money order (R7.2b).
    PostalOrder,
    /// A bank transfer into the agency's published account (R7.2b).
    BankTransfer,
    /// Not paid: the person is exempt by the procedure's published exemptions.
    Exemption,
}

impl Method {
    pub const ALL: [Method; 7] = [
        Self::Cash,
        Self::Card,
        Self::Vnpay,
        Self::NationalPortal,
        Self::PostalOrder,
        Self::BankTransfer,
        Self::Exemption,
    ];
    /// What the cashier records at the desk (the gateway's payments come from the gateway).
    pub const AT_DESK: [Method; 6] = [
        Self::Cash,
        Self::Card,
        Self::NationalPortal,
        Self::PostalOrder,
        Self::BankTransfer,
        Self::Exemption,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Card => "card",
            Self::Vnpay => "vnpay",
            Self::NationalPortal => "national_portal",
            Self::PostalOrder => "postal_order",
            Self::BankTransfer => "bank_transfer",
            Self::Exemption => "exemption",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Cash => "Tiền mặt",
            Self::Card => "Thẻ ngân hàng",
            Self::Vnpay => "Trực tuyến (VNPay)",
            Self::NationalPortal => "Cổng Dịch vụ công quốc gia",
            Self::PostalOrder => "Bưu điện (thư chuyển tiền)",
            Self::BankTransfer => "Chuyển khoản",
            Self::Exemption => "Miễn phí, lệ phí",
        }
    }

    /// The reconciliation's channel: the office, the gateway, the national platform, the post
    /// and bank (an exemption moves no money).
    pub fn channel(self) -> &'static str {
        match self {
            Self::Cash | Self::Card => "office",
            Self::Vnpay => "vnpay",
            Self::NationalPortal => "national_portal",
            Self::PostalOrder | Self::BankTransfer => "post_bank",
            Self::Exemption => "exemption",
        }
    }

    /// Whether the cashier must give the outside reference (the platform's transaction, the
    /// money order, the transfer) or, for an exemption, its ground.
    pub fn needs_reference(self) -> bool {
        !matches!(self, Self::Cash | Self::Card)
    }

    /// Whether money moved, so that a receipt (biên lai) is issued and a refund may be owed.
    pub fn moves_money(self) -> bool {
        self != Self::Exemption
    }
}

/// The reconciliation's channels, in the order its statement lists them, with their names.
pub const CHANNELS: [(&str, &str); 4] = [
    ("office", "Tại bộ phận một cửa"),
    ("vnpay", "Trực tuyến qua cổng VNPay"),
    ("national_portal", "Cổng Dịch vụ công quốc gia"),
    ("post_bank", "Bưu điện, chuyển khoản"),
];

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Sent to the gateway; final only from the gateway's IPN.
    Pending,
    Succeeded,
    Failed,
}

impl PaymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Pending => "Đang chờ cổng thanh toán xác nhận",
            Self::Succeeded => "Thành công",
            Self::Failed => "Không thành công",
        }
    }
}

/// One payment towards a dossier's fee.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub agency_id: Uuid,
    /// Đồng.
    pub amount: i64,
    pub method: Method,
    pub state: PaymentState,
    /// The reference sent to the gateway (`vnp_TxnRef`), unique.
    pub txn_ref: Option<String>,
    /// The gateway's own transaction number, from its IPN.
    pub gateway_txn: Option<String>,
    /// The outside reference the cashier recorded, or an exemption's ground.
    pub reference: Option<String>,
    pub created_at: jiff::Timestamp,
    pub confirmed_at: Option<jiff::Timestamp>,
    /// The cashier who recorded it (none for the gateway's).
    pub recorded_by: Option<Uuid>,
}

/// A receipt (biên lai thu phí, lệ phí), numbered without gaps per agency and year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Receipt {
    pub id: Uuid,
    pub payment_id: Uuid,
    pub dossier_id: Uuid,
    pub agency_id: Uuid,
    pub year: i32,
    pub seq: i64,
    pub amount: i64,
    pub method: Method,
    pub issued_at: jiff::Timestamp,
}

impl Receipt {
    /// The number printed on the receipt: the year's sequence, seven digits, and the year.
    pub fn number(&self) -> String {
        receipt_number(self.year, self.seq)
    }
}

pub fn receipt_number(year: i32, seq: i64) -> String {
    format!("{seq:07}/{year}")
}

/// A signed report the gateway sent to the IPN, kept whatever it matched (what the daily
/// reconciliation compares with the payments).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatewayReport {
    pub id: Uuid,
    pub txn_ref: String,
    pub gateway_txn: String,
    pub amount: i64,
    pub response_code: String,
    pub transaction_status: String,
    /// The payment it matched by reference, if any.
    pub payment_id: Option<Uuid>,
    /// The IPN's answer (`RspCode`).
    pub answer: String,
    pub received_at: jiff::Timestamp,
}

impl GatewayReport {
    /// The gateway says the money was taken.
    pub fn succeeded(&self) -> bool {
        self.response_code == "00" && self.transaction_status == "00"
    }
}

/// The reconciliation's two differences: online payments marked paid that no successful report
/// of the gateway backs (same payment, same gateway transaction), and successful reports that
/// match no payment of ours.
pub fn differences<'a>(
    payments: &'a [Payment],
    reports: &'a [GatewayReport],
) -> (Vec<&'a Payment>, Vec<&'a GatewayReport>) {
    let backed = |p: &Payment| {
        reports.iter().any(|g| {
            g.succeeded()
                && g.payment_id == Some(p.id)
                && Some(&g.gateway_txn) == p.gateway_txn.as_ref()
        })
    };
    let unbacked = payments
        .iter()
        .filter(|p| p.method == Method::Vnpay && p.state == PaymentState::Succeeded && !backed(p))
        .collect();
    let unmatched = reports
        .iter()
        .filter(|g| g.payment_id.is_none() && g.succeeded())
        .collect();
    (unbacked, unmatched)
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// Owed, waiting for the leader's approval.
    Pending,
    /// Approved, to be paid back (by the gateway, or by the cashier).
    Approved,
    /// Paid back.
    Paid,
}

impl RefundState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Paid => "paid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Paid]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Pending => "Chờ lãnh đạo duyệt",
            Self::Approved => "Đã duyệt, chờ hoàn trả",
            Self::Paid => "Đã hoàn trả",
        }
    }
}

/// A refund of one payment (R8.2c), its own record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refund {
    pub id: Uuid,
    pub payment_id: Uuid,
    pub dossier_id: Uuid,
    pub agency_id: Uuid,
    pub amount: i64,
    pub reason: String,
    pub state: RefundState,
    pub created_at: jiff::Timestamp,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<jiff::Timestamp>,
    pub paid_by: Option<Uuid>,
    pub paid_at: Option<jiff::Timestamp>,
    /// The gateway's refund transaction, or the cashier's reference.
    pub reference: Option<String>,
}

/// A step on a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStep {
    /// The leader approves it.
    Approve,
    /// The money went back: the gateway's refund succeeded, or the cashier paid it out.
    PayBack,
}

/// Where a refund step leads, or why it cannot be taken now.
pub fn refund_next(state: RefundState, step: RefundStep) -> Result<RefundState, &'static str> {
    match (state, step) {
        (RefundState::Pending, RefundStep::Approve) => Ok(RefundState::Approved),
        (RefundState::Approved, RefundStep::PayBack) => Ok(RefundState::Paid),
        (RefundState::Pending, RefundStep::PayBack) => {
            Err("Khoản hoàn trả chưa được lãnh đạo phê duyệt.")
        }
        (_, RefundStep::Approve) => Err("Khoản hoàn trả đã được phê duyệt."),
        (RefundState::Paid, RefundStep::PayBack) => Err("Khoản hoàn trả đã được chi trả."),
    }
}

/// How the fee stands, as the dossier shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeStatus {
    /// Nothing is owed (no fee, or exempt).
    None,
    Due,
    Paid,
    RefundPending,
    Refunded,
}

impl FeeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Due => "due",
            Self::Paid => "paid",
            Self::RefundPending => "refund_pending",
            Self::Refunded => "refunded",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::None => "Không phải nộp",
            Self::Due => "Chưa nộp",
            Self::Paid => "Đã nộp",
            Self::RefundPending => "Đang hoàn trả",
            Self::Refunded => "Đã hoàn trả",
        }
    }
}

/// A dossier's fee from its payments and refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fees {
    /// What it owes after exemptions, đồng.
    pub due: i64,
    /// What it paid (succeeded payments that moved money).
    pub paid: i64,
    /// What was paid back.
    pub refunded: i64,
    pub status: FeeStatus,
}

impl Fees {
    /// What is still to pay (0 once paid or nothing owed).
    pub fn outstanding(&self) -> i64 {
        (self.due - self.paid).max(0)
    }

    /// Whether a step the fee holds may be taken (see [`FeeDue::holds`]).
    pub fn settled(&self) -> bool {
        self.outstanding() == 0
    }
}

/// The one rule for a dossier's fee: `owed` by the channel's published fee, less exemptions;
/// what succeeded payments paid; what refunds paid back; and the status people see.
pub fn fees(owed: i64, payments: &[Payment], refunds: &[Refund]) -> Fees {
    let ok = payments
        .iter()
        .filter(|p| p.state == PaymentState::Succeeded);
    let exempted: i64 = ok
        .clone()
        .filter(|p| !p.method.moves_money())
        .map(|p| p.amount)
        .sum();
    let paid: i64 = ok
        .filter(|p| p.method.moves_money())
        .map(|p| p.amount)
        .sum();
    let refunded: i64 = refunds
        .iter()
        .filter(|r| r.state == RefundState::Paid)
        .map(|r| r.amount)
        .sum();
    let due = (owed - exempted).max(0);
    let status = if refunds.iter().any(|r| r.state != RefundState::Paid) {
        FeeStatus::RefundPending
    } else if refunded > 0 && refunded >= paid {
        FeeStatus::Refunded
    } else if due == 0 {
        FeeStatus::None
    } else if paid >= due {
        FeeStatus::Paid
    } else {
        FeeStatus::Due
    };
    Fees {
        due,
        paid,
        refunded,
        status,
    }
}

/// Why a refund is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundCause {
    /// The agency cannot provide the service (R8.2c).
    NotProvided,
    /// The fee was already paid when this payment arrived (two online payments both paid).
    Duplicate,
}

impl RefundCause {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::NotProvided => "cơ quan không thực hiện được dịch vụ",
            Self::Duplicate => "nộp trùng, phí đã được nộp trước đó",
        }
    }
}

/// Whether a dossier at this stage ended without the service being provided (refused at
/// intake, or processing stopped): what it paid is owed back (R8.2c).
pub fn not_provided(stage: Stage) -> bool {
    matches!(stage, Stage::Refused | Stage::Declined)
}

/// Whether a dossier may owe a refund at all: it ended unprovided, or more than one payment
/// moved money for it (so that a payment's usual path need not read the whole fee).
pub fn refund_possible(stage: Stage, payments: &[Payment]) -> bool {
    not_provided(stage)
        || payments
            .iter()
            .filter(|p| p.state == PaymentState::Succeeded && p.method.moves_money())
            .count()
            > 1
}

/// The refunds a dossier owes, each for one payment that moved money and has no refund yet,
/// in full:
/// - every such payment when the agency cannot provide the service: refused at intake, or
///   processing stopped (R8.2c). A result produced and not collected owes none, nor a dossier
///   the person withdrew: the agency did not fail to provide it;
/// - otherwise, a payment confirmed when the fee `due` was already paid (a duplicate).
pub fn refunds_owed(
    stage: Stage,
    due: i64,
    payments: &[Payment],
    refunds: &[Refund],
) -> Vec<(Uuid, i64, RefundCause)> {
    let mut paid: Vec<&Payment> = payments
        .iter()
        .filter(|p| p.state == PaymentState::Succeeded && p.method.moves_money())
        .collect();
    paid.sort_by_key(|p| (p.confirmed_at, p.id));
    let ended = not_provided(stage);
    let mut before = 0;
    let mut out = vec![];
    for p in paid {
        let cause = match (ended, before >= due) {
            (true, _) => Some(RefundCause::NotProvided),
            (false, true) => Some(RefundCause::Duplicate),
            (false, false) => None,
        };
        before += p.amount;
        if let Some(c) = cause
            && !refunds.iter().any(|r| r.payment_id == p.id)
        {
            out.push((p.id, p.amount, c));
        }
    }
    out
}

/// How much a new payment may be: what is still to pay, on a dossier submitted and not ended.
/// The cashier records exactly that; an online payment asks the gateway for exactly that.
pub fn payable(stage: Stage, f: &Fees) -> Result<i64, &'static str> {
    if stage == Stage::Draft || stage.is_final() {
        return Err("Hồ sơ chưa nộp hoặc đã kết thúc: không nhận thanh toán.");
    }
    match f.status {
        FeeStatus::RefundPending | FeeStatus::Refunded => {
            Err("Phí, lệ phí của hồ sơ này đang hoặc đã được hoàn trả.")
        }
        _ if f.outstanding() == 0 => Err("Hồ sơ không còn phí, lệ phí phải nộp."),
        _ => Ok(f.outstanding()),
    }
}

#[cfg(test)]
mod tests;
