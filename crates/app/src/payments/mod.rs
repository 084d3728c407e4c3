//! Fees and payments on a dossier (R3.2, R7.1b, R7.2b, R8.2c): what it owes by the one rule of
//! `motcua_domain::fees`, the step its fee holds, payments at the desk with their receipts,
//! online payments through the gateway (final only from its server-to-server report), refunds
//! and the daily reconciliation.
pub mod gateway;
mod online;
pub mod refunds;
mod statement;

use motcua_domain::authz::{Action, Target};
use motcua_domain::catalogue::money;
use motcua_domain::fees::{self, FeeDue, Fees, Method, Payment, PaymentState, Receipt, Refund};
use motcua_domain::lifecycle::Act;
use motcua_domain::notice::NoticeKind;
use motcua_store::catalogue as cat;
use motcua_store::dossiers::{self as ds, Dossier};
use motcua_store::payments as ps;
use serde_json::json;
use uuid::Uuid;

pub use online::{PaymentStarted, ReturnView};
pub use statement::{Statement, StatementRow};

use crate::error::StoreResult;
use crate::processing::channel;
use crate::{App, AppError, Audit, Ctx, Result, Session};

/// A dossier's fee with everything behind it, as pages and the API show it.
#[derive(Debug, Clone)]
pub struct FeeView {
    pub fees: Fees,
    pub fee_due: FeeDue,
    pub payments: Vec<Payment>,
    pub receipts: Vec<Receipt>,
    pub refunds: Vec<Refund>,
    /// What may be paid now (none when nothing may).
    pub payable: Option<i64>,
}

impl FeeView {
    /// An amount as people read it (for pages).
    pub fn money(&self, m: &i64) -> String {
        money(*m)
    }

    /// The methods the cashier may record, with their names.
    pub fn desk_methods(&self) -> Vec<(&'static str, &'static str)> {
        Method::AT_DESK
            .iter()
            .map(|m| (m.as_str(), m.label_vi()))
            .collect()
    }
}

/// What the cashier must say of a desk payment: the outside reference of a payment made
/// elsewhere, or an exemption's ground (none for cash and card); the gateway's own payments are
/// never recorded at the desk.
fn desk_reference(method: Method, reference: &str) -> Result<Option<String>> {
    if !Method::AT_DESK.contains(&method) {
        return Err(AppError::field(
            "method",
            "Thanh toán trực tuyến do cổng thanh toán xác nhận, không ghi tại quầy.",
        ));
    }
    let reference = crate::processing::clean(reference, 100);
    if method.needs_reference() && reference.is_empty() {
        return Err(AppError::field(
            "reference",
            match method {
                Method::Exemption => {
                    "Ghi căn cứ miễn phí, lệ phí (đối tượng được miễn theo thủ tục)."
                }
                _ => "Ghi số tham chiếu của giao dịch.",
            },
        ));
    }
    Ok((!reference.is_empty()).then_some(reference))
}

/// Who records a payment: the agency's cashier, or the national portal reporting a payment
/// made there, with the amount it took (R7.2b).
pub(crate) enum Taker {
    Cashier(Uuid),
    Portal(Uuid, i64),
}

impl App {
    /// What the dossier owes by its pinned procedure version's fee for its channel.
    async fn owed(&self, c: &impl motcua_store::Conn, d: &Dossier) -> Result<(i64, FeeDue)> {
        let version = cat::get_version(c, d.procedure_version_id).await?;
        let service = cat::get_service(c, d.service_id).await?;
        Ok((
            fees::channel_fee(&version.body.fees, channel(d.intake)),
            service.fee_due,
        ))
    }

    /// A dossier's fee (one query per kind of row).
    pub(crate) async fn fee_view(
        &self,
        c: &impl motcua_store::Conn,
        d: &Dossier,
    ) -> Result<FeeView> {
        let (owed, fee_due) = self.owed(c, d).await?;
        let payments = ps::payments_of(c, d.id).await?;
        let refunds = ps::refunds_of(c, d.id).await?;
        let receipts = ps::receipts_of(c, d.id).await?;
        let f = fees::fees(owed, &payments, &refunds);
        Ok(FeeView {
            payable: fees::payable(d.stage, &f).ok(),
            fees: f,
            fee_due,
            payments,
            receipts,
            refunds,
        })
    }

    /// Refuses a step the unpaid fee holds (acceptance of a dossier whose fee is due with it,
    /// the handing over of a result), saying what is left to pay.
    pub(crate) fn fee_hold(fv: &FeeView, act: Act) -> Result<()> {
        if fv.fee_due.holds(act) && !fv.fees.settled() {
            return Err(AppError::Conflict(format!(
                "Hồ sơ chưa nộp đủ phí, lệ phí: còn {}.",
                money(fv.fees.outstanding())
            )));
        }
        Ok(())
    }

    /// The cashier records a payment at the desk (R7.1b, R7.2b): cash or card, a payment on the
    /// national portal's platform, a postal order or a transfer (each with its reference), or an
    /// exemption with its ground. The amount is what is left to pay; a receipt is issued in the
    /// same transaction when money moved.
    pub async fn record_payment(
        &self,
        ctx: &Ctx,
        s: &Session,
        dossier: Uuid,
        method: Method,
        reference: &str,
    ) -> Result<(Payment, Option<Receipt>)> {
        let conn = self.db.conn();
        let d = ds::get_dossier(conn, dossier)
            .await
            .or_missing(AppError::NotFound)?;
        motcua_domain::authorize(&s.actor, Action::TakePayment, &Target::Agency(d.agency_id))
            .map_err(|e| AppError::from(e).hiding())?;
        let reference = desk_reference(method, reference)?;
        self.take_payment(ctx, Taker::Cashier(s.user.id), d, method, reference)
            .await
    }

    /// Records a payment of what the dossier owes now, with its receipt when money moved, the
    /// owner's notice, and the portal's message (unless the portal reported it), in one
    /// transaction.
    pub(crate) async fn take_payment(
        &self,
        ctx: &Ctx,
        by: Taker,
        d: Dossier,
        method: Method,
        reference: Option<String>,
    ) -> Result<(Payment, Option<Receipt>)> {
        let conn = self.db.conn();
        // Decided and rendered before the transaction; the transaction checks that nobody paid
        // meanwhile.
        let amount = fees::payable(d.stage, &self.fee_view(conn, &d).await?.fees)
            .map_err(|m| AppError::Conflict(m.into()))?;
        let (actor, from_portal) = match by {
            Taker::Cashier(id) => (id, false),
            Taker::Portal(id, paid) if paid == amount => (id, true),
            Taker::Portal(_, paid) => {
                return Err(AppError::Conflict(format!(
                    "Số tiền cổng báo đã thu ({}) khác số hồ sơ phải nộp ({}).",
                    money(paid),
                    money(amount)
                )));
            }
        };
        let notice = match method.moves_money() {
            true => self.payment_notice(conn, &d, amount).await?,
            false => None,
        };
        let now = self.now();
        let tx = self.db.write().await?;
        // The dossier's row is held until commit: two cashiers cannot both take the last fee.
        let d = ds::lock_dossier(&tx, d.id).await?;
        if fees::payable(d.stage, &self.fee_view(&tx, &d).await?.fees) != Ok(amount) {
            return Err(AppError::Conflict(
                "Phí, lệ phí của hồ sơ vừa được thu ở nơi khác. Hãy tải lại trang.".into(),
            ));
        }
        let p = Payment {
            id: Uuid::now_v7(),
            dossier_id: d.id,
            agency_id: d.agency_id,
            amount,
            method,
            state: PaymentState::Succeeded,
            txn_ref: None,
            gateway_txn: None,
            reference,
            created_at: now,
            confirmed_at: Some(now),
            recorded_by: Some(actor),
        };
        ps::insert_payment(&tx, &p).await?;
        let receipt = self.issue_receipt(&tx, &p).await?;
        if let Some((n, r)) = notice {
            self.notify_rendered(&tx, &n, r).await?;
        }
        if !from_portal {
            self.tell_portal_paid(&tx, &d, &p).await?;
        }
        let number = receipt.as_ref().map(Receipt::number);
        self.commit(tx, ctx, Audit {
            actor: Some(actor),
            action: "payment_recorded",
            object: "dossier",
            id: Some(d.id.to_string()),
            agency: Some(d.agency_id),
            detail: json!({"payment": p.id, "amount": amount, "method": method.as_str(), "receipt": number, "reported_by_portal": from_portal}),
        })
        .await?;
        Ok((p, receipt))
    }

    /// Issues the receipt of a payment that moved money, numbered in the caller's transaction.
    pub(crate) async fn issue_receipt(
        &self,
        tx: &motcua_store::Tx,
        p: &Payment,
    ) -> Result<Option<Receipt>> {
        if !p.method.moves_money() {
            return Ok(None);
        }
        let at = p.confirmed_at.unwrap_or_else(|| self.now());
        let year = i32::from(jiff::tz::offset(7).to_datetime(at).year());
        let seq = ps::next_receipt_seq(tx, p.agency_id, year).await?;
        let r = Receipt {
            id: Uuid::now_v7(),
            payment_id: p.id,
            dossier_id: p.dossier_id,
            agency_id: p.agency_id,
            year,
            seq,
            amount: p.amount,
            method: p.method,
            issued_at: at,
        };
        ps::insert_receipt(tx, &r).await?;
        Ok(Some(r))
    }

    /// The notice that tells the owner a payment was received, rendered before the transaction
    /// that records it.
    pub(crate) async fn payment_notice(
        &self,
        c: &impl motcua_store::Conn,
        d: &Dossier,
        amount: i64,
    ) -> Result<Option<(crate::notices::NewNotice<'static>, crate::notices::Rendered)>> {
        let extra = json!({"amount": money(amount)});
        self.owner_notice(c, d, NoticeKind::PaymentReceived, extra)
            .await
    }

    /// The fee-due notice a step sends when the fee falls due at it and is not yet paid.
    pub(crate) async fn fee_due_notice(
        &self,
        c: &impl motcua_store::Conn,
        d: &Dossier,
        act: Act,
    ) -> Result<Option<(crate::notices::NewNotice<'static>, crate::notices::Rendered)>> {
        if !FeeDue::falls_due_at_any(act) {
            return Ok(None);
        }
        let fv = self.fee_view(c, d).await?;
        if !fv.fee_due.falls_due_at(act) || fv.fees.settled() {
            return Ok(None);
        }
        let extra = json!({"amount": money(fv.fees.outstanding())});
        self.owner_notice(c, d, NoticeKind::FeeDue, extra).await
    }

    /// A receipt with its dossier, for its printable page: the dossier's owner and the staff who
    /// may read the dossier.
    pub async fn receipt(&self, s: &Session, id: Uuid) -> Result<(Receipt, Dossier)> {
        let c = self.db.conn();
        let r = ps::get_receipt(c, id)
            .await
            .or_missing(AppError::NotFound)?;
        let d = self.visible(s, r.dossier_id).await?;
        Ok((r, d))
    }
}
