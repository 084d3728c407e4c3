//! Online payment through the gateway (R7.2b). The owner starts a payment and is sent to the
//! gateway; the gateway's signed server-to-server report (the IPN) alone makes it final, once,
//! whatever arrives again or out of order. The browser's return only shows what is known.
use std::collections::BTreeMap;

use motcua_domain::fees::{self, GatewayReport, Payment, PaymentState};
use motcua_domain::vnpay::{self, IpnAnswer, Order, PaymentRequest, Report};
use motcua_store::dossiers as ds;
use motcua_store::payments as ps;
use serde_json::json;
use uuid::Uuid;

use super::FeeView;
use crate::{App, AppError, Audit, Ctx, Result, Session};

/// A payment sent to the gateway: where to send the person.
#[derive(Debug, Clone)]
pub struct PaymentStarted {
    pub id: Uuid,
    pub amount: i64,
    pub txn_ref: String,
    pub payment_url: String,
}

/// What the browser's return shows: whether the gateway's signature holds, what it says, and the
/// fee as the IPN left it.
#[derive(Debug, Clone)]
pub struct ReturnView {
    pub signature_ok: bool,
    pub report: Option<Report>,
    pub fee: FeeView,
}

/// How long the gateway keeps the payment page open.
const PAYMENT_WINDOW_MINS: i64 = 15;

impl App {
    /// The owner starts paying what is left of the fee online (R7.2b).
    pub async fn start_payment(
        &self,
        ctx: &Ctx,
        s: &Session,
        dossier: Uuid,
    ) -> Result<PaymentStarted> {
        let d = self.own(s, dossier).await?;
        let Some(gw) = self.gateway.as_deref() else {
            return Err(AppError::Conflict(
                "Chưa có cổng thanh toán trực tuyến: xin nộp phí, lệ phí tại bộ phận một cửa."
                    .into(),
            ));
        };
        let fv = self.fee_view(self.db.conn(), &d).await?;
        let amount = fees::payable(d.stage, &fv.fees).map_err(|m| AppError::Conflict(m.into()))?;
        let now = self.now();
        let p = Payment {
            id: Uuid::now_v7(),
            dossier_id: d.id,
            agency_id: d.agency_id,
            amount,
            method: fees::Method::Vnpay,
            state: PaymentState::Pending,
            txn_ref: Some(Uuid::now_v7().simple().to_string()),
            gateway_txn: None,
            reference: None,
            created_at: now,
            confirmed_at: None,
            recorded_by: None,
        };
        let txn_ref = p.txn_ref.clone().unwrap_or_default();
        let req = PaymentRequest {
            tmn_code: gw.tmn_code().into(),
            amount,
            txn_ref: txn_ref.clone(),
            order_info: format!(
                "Thanh toan phi, le phi ho so {}",
                d.code.clone().unwrap_or_default()
            ),
            return_url: format!(
                "{}/ho-so/{}/thanh-toan",
                self.config.public_url.trim_end_matches('/'),
                d.id
            ),
            ip_addr: ctx
                .ip
                .map(|i| i.to_string())
                .unwrap_or_else(|| "127.0.0.1".into()),
            create_date: vnpay::date(now),
            expire_date: vnpay::date(now + jiff::SignedDuration::from_mins(PAYMENT_WINDOW_MINS)),
        };
        let tx = self.db.write().await?;
        ps::insert_payment(&tx, &p).await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action: "payment_started",
                object: "dossier",
                id: Some(d.id.to_string()),
                agency: Some(d.agency_id),
                detail: json!({"payment": p.id, "amount": amount, "txn_ref": txn_ref}),
            },
        )
        .await?;
        Ok(PaymentStarted {
            id: p.id,
            amount,
            payment_url: gw.payment_url(&req),
            txn_ref,
        })
    }

    /// The gateway's server-to-server report (IPN): verified, matched to its payment by
    /// reference and amount, and taken once. A bad signature writes nothing; every signed
    /// report is kept for the reconciliation, whatever it matched.
    pub async fn payment_report(&self, ctx: &Ctx, params: &BTreeMap<String, String>) -> IpnAnswer {
        match self.take_report(ctx, params).await {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(event = "payment_ipn_failed", error = %e, "IPN not taken");
                IpnAnswer::Unknown
            }
        }
    }

    async fn take_report(&self, ctx: &Ctx, params: &BTreeMap<String, String>) -> Result<IpnAnswer> {
        let Some(gw) = self.gateway.as_deref() else {
            return Ok(IpnAnswer::Unknown);
        };
        let (signature_ok, report) = gw.read_report(params);
        if !signature_ok {
            tracing::warn!(event = "payment_ipn_forged", "IPN with a bad signature");
            return Ok(IpnAnswer::InvalidSignature);
        }
        let Some(report) = report else {
            return Ok(IpnAnswer::Unknown);
        };
        // The notice of a payment this report may confirm is rendered before the transaction.
        let conn = self.db.conn();
        let notice = match ps::payment_by_txn_ref(conn, &report.txn_ref).await? {
            Some(p) if p.state == PaymentState::Pending && report.succeeded() => {
                let d = ds::get_dossier(conn, p.dossier_id).await?;
                self.payment_notice(conn, &d, p.amount).await?
            }
            _ => None,
        };
        let now = self.now();
        let tx = self.db.write().await?;
        let payment = ps::payment_by_txn_ref(&tx, &report.txn_ref).await?;
        let order = payment.as_ref().map(|p| Order {
            amount: p.amount,
            settled: p.state != PaymentState::Pending,
        });
        let (answer, receipt) = match (vnpay::ipn_answer(true, Some(&report), order), &payment) {
            (IpnAnswer::Confirmed, Some(p)) => self.settle(&tx, p, &report, notice, now).await?,
            (answer, _) => (answer, None),
        };
        ps::insert_report(
            &tx,
            &GatewayReport {
                id: Uuid::now_v7(),
                txn_ref: report.txn_ref.clone(),
                gateway_txn: report.transaction_no.clone(),
                amount: report.amount,
                response_code: report.response_code.clone(),
                transaction_status: report.transaction_status.clone(),
                payment_id: payment.as_ref().map(|p| p.id),
                answer: answer.rsp_code().into(),
                received_at: now,
            },
        )
        .await?;
        self.commit(
            tx,
            ctx,
            Audit {
                actor: None,
                action: "payment_report",
                object: "payment",
                id: Some(report.txn_ref.clone()),
                agency: payment.as_ref().map(|p| p.agency_id),
                detail: json!({"answer": answer.rsp_code(), "response_code": report.response_code,
                "amount": report.amount, "receipt": receipt}),
            },
        )
        .await?;
        if answer == IpnAnswer::InvalidAmount {
            tracing::warn!(event = "payment_amount_mismatch", txn_ref = %report.txn_ref, "IPN amount differs from the order");
        }
        Ok(answer)
    }

    /// Settles a pending payment by the gateway's report, in the IPN's transaction: once (a
    /// report that finds it settled meanwhile answers "already confirmed"); on success with its
    /// receipt, the owner's notice, and a refund when the dossier had ended or was already paid.
    async fn settle(
        &self,
        tx: &motcua_store::Tx,
        p: &Payment,
        report: &Report,
        notice: Option<(crate::notices::NewNotice<'static>, crate::notices::Rendered)>,
        now: jiff::Timestamp,
    ) -> Result<(IpnAnswer, Option<String>)> {
        // The dossier's row is held until commit, so that a step ending the dossier and this
        // payment see each other (a payment after the end is owed back at once).
        let d = ds::lock_dossier(tx, p.dossier_id).await?;
        let state = match report.succeeded() {
            true => PaymentState::Succeeded,
            false => PaymentState::Failed,
        };
        if !ps::settle_payment(tx, p.id, state, &report.transaction_no, now).await? {
            return Ok((IpnAnswer::AlreadyConfirmed, None));
        }
        if state == PaymentState::Failed {
            return Ok((IpnAnswer::Confirmed, None));
        }
        let paid = Payment {
            state,
            confirmed_at: Some(now),
            gateway_txn: Some(report.transaction_no.clone()),
            ..p.clone()
        };
        let receipt = self.issue_receipt(tx, &paid).await?.map(|r| r.number());
        self.tell_portal_paid(tx, &d, &paid).await?;
        if let Some((n, r)) = notice {
            self.notify_rendered(tx, &n, r).await?;
        }
        if fees::refund_possible(d.stage, &ps::payments_of(tx, d.id).await?) {
            self.open_refunds(tx, &d, now).await?;
        }
        Ok((IpnAnswer::Confirmed, receipt))
    }

    /// What the browser's return from the gateway shows the owner: never a change of state.
    pub async fn payment_return(
        &self,
        s: &Session,
        dossier: Uuid,
        params: &BTreeMap<String, String>,
    ) -> Result<ReturnView> {
        let d = self.own(s, dossier).await?;
        let (signature_ok, report) = match self.gateway.as_deref() {
            Some(gw) => gw.read_report(params),
            None => (false, None),
        };
        Ok(ReturnView {
            signature_ok,
            report: report.filter(|_| signature_ok),
            fee: self.fee_view(self.db.conn(), &d).await?,
        })
    }
}
