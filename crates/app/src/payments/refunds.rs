//! Refunds (R8.2c): owed when the agency cannot provide the service after a fee was paid, each
//! its own record linked to its payment; approved by the agency's leader; paid back through the
//! gateway's refund call for an online payment, or by the cashier for the others.
use std::collections::HashMap;

use motcua_domain::authz::{Action, Target};
use motcua_domain::catalogue::money;
use motcua_domain::fees::{self, Method, Refund, RefundState, RefundStep};
use motcua_domain::notice::NoticeKind;
use motcua_domain::vnpay::{self, RefundRequest};
use motcua_store::dossiers::{self as ds, Dossier};
use motcua_store::payments as ps;
use serde_json::json;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::{App, AppError, Audit, Ctx, Result, Session};

/// An open refund with what the lists show of it.
#[derive(Debug, Clone)]
pub struct RefundRow {
    pub refund: Refund,
    pub code: String,
    pub method: Method,
}

impl App {
    /// Opens the refunds a dossier now owes, in the caller's transaction (the step that ended
    /// it, a payment that arrived after the end, or one that paid the fee a second time).
    pub(crate) async fn open_refunds(
        &self,
        tx: &motcua_store::Tx,
        d: &Dossier,
        at: jiff::Timestamp,
    ) -> Result<()> {
        let fv = self.fee_view(tx, d).await?;
        let owed = fees::refunds_owed(d.stage, fv.fees.due, &fv.payments, &fv.refunds);
        for (payment_id, amount, cause) in owed {
            let r = Refund {
                id: Uuid::now_v7(),
                payment_id,
                dossier_id: d.id,
                agency_id: d.agency_id,
                amount,
                reason: format!(
                    "Hồ sơ {}: {}",
                    d.code.clone().unwrap_or_default(),
                    cause.label_vi()
                ),
                state: RefundState::Pending,
                created_at: at,
                approved_by: None,
                approved_at: None,
                paid_by: None,
                paid_at: None,
                reference: None,
            };
            ps::insert_refund(tx, &r).await?;
        }
        Ok(())
    }

    /// The refunds not yet paid back at the agencies where the caller is leader or cashier.
    pub async fn open_refunds_for(&self, s: &Session) -> Result<Vec<RefundRow>> {
        use motcua_domain::Role;
        let agencies = s.actor.agencies_with(&[Role::Leader, Role::Cashier]);
        let c = self.db.conn();
        let refunds = ps::open_refunds(c, &agencies).await?;
        let ids = |f: fn(&Refund) -> Uuid| refunds.iter().map(f).collect::<Vec<_>>();
        let codes = ds::codes_of(c, &ids(|r| r.dossier_id)).await?;
        let methods: HashMap<Uuid, Method> = ps::payments_by_ids(c, &ids(|r| r.payment_id))
            .await?
            .into_iter()
            .map(|p| (p.id, p.method))
            .collect();
        Ok(refunds
            .into_iter()
            .filter_map(|r| {
                Some(RefundRow {
                    code: codes.get(&r.dossier_id).cloned().unwrap_or_default(),
                    method: *methods.get(&r.payment_id)?,
                    refund: r,
                })
            })
            .collect())
    }

    /// The leader approves a refund; one of an online payment is then paid back through the
    /// gateway at once.
    pub async fn approve_refund(&self, ctx: &Ctx, s: &Session, id: Uuid) -> Result<Refund> {
        let r = self.refund_for(s, id, Action::ApproveRefund).await?;
        let to = fees::refund_next(r.state, RefundStep::Approve)
            .map_err(|m| AppError::Conflict(m.into()))?;
        let now = self.now();
        let approved = Refund {
            state: to,
            approved_by: Some(s.user.id),
            approved_at: Some(now),
            ..r.clone()
        };
        self.write_refund(ctx, s, &approved, r.state, "refund_approved")
            .await?;
        let p = ps::get_payment(self.db.conn(), r.payment_id).await?;
        if p.method == Method::Vnpay {
            return self.refund_through_gateway(ctx, s, approved).await;
        }
        Ok(approved)
    }

    /// The cashier pays an approved refund back: through the gateway for an online payment,
    /// else in person or by transfer with its reference (the expense voucher's number).
    pub async fn pay_back_refund(
        &self,
        ctx: &Ctx,
        s: &Session,
        id: Uuid,
        reference: &str,
    ) -> Result<Refund> {
        let r = self.refund_for(s, id, Action::TakePayment).await?;
        fees::refund_next(r.state, RefundStep::PayBack)
            .map_err(|m| AppError::Conflict(m.into()))?;
        let p = ps::get_payment(self.db.conn(), r.payment_id).await?;
        if p.method == Method::Vnpay {
            return self.refund_through_gateway(ctx, s, r).await;
        }
        let reference = crate::processing::clean(reference, 100);
        if reference.is_empty() {
            return Err(AppError::field(
                "reference",
                "Ghi số phiếu chi hoặc số tham chiếu của khoản hoàn trả.",
            ));
        }
        self.mark_paid_back(ctx, s, r, reference).await
    }

    /// Asks the gateway to pay an approved refund back; paid when it says so, else still
    /// approved with the gateway's reason (to try again).
    async fn refund_through_gateway(&self, ctx: &Ctx, s: &Session, r: Refund) -> Result<Refund> {
        let Some(gw) = self.gateway.as_deref() else {
            return Err(AppError::Conflict(
                "Chưa có cổng thanh toán trực tuyến để hoàn trả.".into(),
            ));
        };
        let p = ps::get_payment(self.db.conn(), r.payment_id).await?;
        let now = self.now();
        let req = RefundRequest {
            request_id: Uuid::now_v7().simple().to_string(),
            tmn_code: gw.tmn_code().into(),
            txn_ref: p.txn_ref.clone().unwrap_or_default(),
            amount: r.amount,
            transaction_no: p.gateway_txn.clone().unwrap_or_default(),
            transaction_date: vnpay::date(p.confirmed_at.unwrap_or(p.created_at)),
            create_by: s.user.id.simple().to_string(),
            create_date: vnpay::date(now),
            ip_addr: ctx
                .ip
                .map(|i| i.to_string())
                .unwrap_or_else(|| "127.0.0.1".into()),
            order_info: format!(
                "Hoan tra phi, le phi {}",
                r.reason.chars().filter(char::is_ascii).collect::<String>()
            ),
        };
        match gw.refund(&req).await {
            Ok(a) if a.succeeded() => self.mark_paid_back(ctx, s, r, a.transaction_no).await,
            Ok(a) => Err(AppError::Conflict(format!(
                "Cổng thanh toán chưa hoàn trả (mã {}: {}); khoản hoàn trả vẫn chờ, có thể thử lại.",
                a.response_code, a.message
            ))),
            Err(e) => Err(AppError::Conflict(format!(
                "Cổng thanh toán chưa hoàn trả: {e}; khoản hoàn trả vẫn chờ, có thể thử lại."
            ))),
        }
    }

    async fn mark_paid_back(
        &self,
        ctx: &Ctx,
        s: &Session,
        r: Refund,
        reference: String,
    ) -> Result<Refund> {
        let now = self.now();
        let paid = Refund {
            state: RefundState::Paid,
            paid_by: Some(s.user.id),
            paid_at: Some(now),
            reference: Some(reference),
            ..r.clone()
        };
        self.write_refund(ctx, s, &paid, r.state, "refund_paid")
            .await?;
        Ok(paid)
    }

    /// A refund the caller may act on for `action` at its agency (else it does not exist).
    async fn refund_for(&self, s: &Session, id: Uuid, action: Action) -> Result<Refund> {
        let r = ps::get_refund(self.db.conn(), id)
            .await
            .or_missing(AppError::NotFound)?;
        motcua_domain::authorize(&s.actor, action, &Target::Agency(r.agency_id))
            .map_err(|e| AppError::from(e).hiding())?;
        Ok(r)
    }

    /// Writes a refund's new state (refused when someone moved it first), with the refund
    /// notice to the owner once it is paid back.
    async fn write_refund(
        &self,
        ctx: &Ctx,
        s: &Session,
        r: &Refund,
        from: RefundState,
        action: &str,
    ) -> Result<()> {
        let d = ds::get_dossier(self.db.conn(), r.dossier_id).await?;
        let notice = match r.state {
            RefundState::Paid => {
                let extra = json!({"amount": money(r.amount), "note": r.reason});
                self.owner_notice(self.db.conn(), &d, NoticeKind::Refund, extra)
                    .await?
            }
            _ => None,
        };
        let tx = self.db.write().await?;
        if !ps::update_refund(&tx, r, from).await? {
            return Err(AppError::Conflict(
                "Khoản hoàn trả vừa được người khác xử lý.".into(),
            ));
        }
        if let Some((n, rendered)) = notice {
            self.notify_rendered(&tx, &n, rendered).await?;
        }
        self.commit(
            tx,
            ctx,
            Audit {
                actor: Some(s.user.id),
                action,
                object: "refund",
                id: Some(r.id.to_string()),
                agency: Some(r.agency_id),
                detail: json!({"dossier": d.code, "amount": r.amount, "state": r.state.as_str()}),
            },
        )
        .await
    }
}
