//! Payments, receipts, refunds and the gateway's reports (R7.1b, R7.2b, R8.2c): the rows behind
//! a dossier's fee and the daily reconciliation.
use motcua_domain::fees::{
    GatewayReport, Method, Payment, PaymentState, Receipt, Refund, RefundState,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::{gateway_report, payment, receipt, receipt_counter, refund};
use crate::time::{from_db, to_db};
use crate::{Result, StoreError};

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Custom(format!("unknown {what} {v:?}")))
}

fn payment_from(m: payment::Model) -> Result<Payment> {
    Ok(Payment {
        id: m.id,
        dossier_id: m.dossier_id,
        agency_id: m.agency_id,
        amount: m.amount,
        method: Method::parse(&m.method).ok_or_else(|| bad("method", &m.method))?,
        state: PaymentState::parse(&m.state).ok_or_else(|| bad("state", &m.state))?,
        txn_ref: m.txn_ref,
        gateway_txn: m.gateway_txn,
        reference: m.reference,
        created_at: from_db(m.created_at),
        confirmed_at: m.confirmed_at.map(from_db),
        recorded_by: m.recorded_by,
    })
}

pub async fn insert_payment(c: &impl ConnectionTrait, p: &Payment) -> Result<()> {
    payment::Entity::insert(payment::ActiveModel {
        id: Set(p.id),
        dossier_id: Set(p.dossier_id),
        agency_id: Set(p.agency_id),
        amount: Set(p.amount),
        method: Set(p.method.as_str().into()),
        state: Set(p.state.as_str().into()),
        txn_ref: Set(p.txn_ref.clone()),
        gateway_txn: Set(p.gateway_txn.clone()),
        reference: Set(p.reference.clone()),
        created_at: Set(to_db(p.created_at)),
        confirmed_at: Set(p.confirmed_at.map(to_db)),
        recorded_by: Set(p.recorded_by),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// A dossier's payments, oldest first.
pub async fn payments_of(c: &impl ConnectionTrait, dossier: Uuid) -> Result<Vec<Payment>> {
    payment::Entity::find()
        .filter(payment::Column::DossierId.eq(dossier))
        .order_by_asc(payment::Column::CreatedAt)
        .all(c)
        .await?
        .into_iter()
        .map(payment_from)
        .collect()
}

/// Some payments by id (one query).
pub async fn payments_by_ids(c: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Payment>> {
    payment::Entity::find()
        .filter(payment::Column::Id.is_in(ids.iter().copied()))
        .all(c)
        .await?
        .into_iter()
        .map(payment_from)
        .collect()
}

pub async fn payment_by_txn_ref(
    c: &impl ConnectionTrait,
    txn_ref: &str,
) -> Result<Option<Payment>> {
    payment::Entity::find()
        .filter(payment::Column::TxnRef.eq(txn_ref))
        .one(c)
        .await?
        .map(payment_from)
        .transpose()
}

pub async fn get_payment(c: &impl ConnectionTrait, id: Uuid) -> Result<Payment> {
    payment_from(
        payment::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

/// Settles a pending payment with the gateway's word: true when this call settled it, false
/// when it was already settled (a duplicate or a later report never changes a final state).
pub async fn settle_payment(
    c: &impl ConnectionTrait,
    id: Uuid,
    state: PaymentState,
    gateway_txn: &str,
    at: jiff::Timestamp,
) -> Result<bool> {
    let res = payment::Entity::update_many()
        .col_expr(payment::Column::State, Expr::value(state.as_str()))
        .col_expr(payment::Column::GatewayTxn, Expr::value(gateway_txn))
        .col_expr(payment::Column::ConfirmedAt, Expr::value(to_db(at)))
        .filter(payment::Column::Id.eq(id))
        .filter(payment::Column::State.eq(PaymentState::Pending.as_str()))
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Payments of an agency (or all) confirmed in `[from, to)`, by confirmation time.
pub async fn payments_confirmed(
    c: &impl ConnectionTrait,
    agency: Option<Uuid>,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
) -> Result<Vec<Payment>> {
    let mut q = payment::Entity::find()
        .filter(payment::Column::ConfirmedAt.gte(to_db(from)))
        .filter(payment::Column::ConfirmedAt.lt(to_db(to)));
    if let Some(a) = agency {
        q = q.filter(payment::Column::AgencyId.eq(a));
    }
    q.order_by_asc(payment::Column::ConfirmedAt)
        .all(c)
        .await?
        .into_iter()
        .map(payment_from)
        .collect()
}

/// The next receipt number of an agency's year, in the caller's write transaction: gap-free
/// (a rolled-back transaction gives its number back) and unique (the counter row is locked
/// until commit).
pub async fn next_receipt_seq(c: &impl ConnectionTrait, agency: Uuid, year: i32) -> Result<i64> {
    receipt_counter::Entity::insert(receipt_counter::ActiveModel {
        agency_id: Set(agency),
        year: Set(year),
        last: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            receipt_counter::Column::AgencyId,
            receipt_counter::Column::Year,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(c)
    .await?;
    receipt_counter::Entity::update_many()
        .col_expr(
            receipt_counter::Column::Last,
            Expr::col(receipt_counter::Column::Last).add(1),
        )
        .filter(receipt_counter::Column::AgencyId.eq(agency))
        .filter(receipt_counter::Column::Year.eq(year))
        .exec(c)
        .await?;
    Ok(receipt_counter::Entity::find()
        .filter(receipt_counter::Column::AgencyId.eq(agency))
        .filter(receipt_counter::Column::Year.eq(year))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)?
        .last)
}

fn receipt_from(m: receipt::Model) -> Result<Receipt> {
    Ok(Receipt {
        id: m.id,
        payment_id: m.payment_id,
        dossier_id: m.dossier_id,
        agency_id: m.agency_id,
        year: m.year,
        seq: m.seq,
        amount: m.amount,
        method: Method::parse(&m.method).ok_or_else(|| bad("method", &m.method))?,
        issued_at: from_db(m.issued_at),
    })
}

pub async fn insert_receipt(c: &impl ConnectionTrait, r: &Receipt) -> Result<()> {
    receipt::Entity::insert(receipt::ActiveModel {
        id: Set(r.id),
        payment_id: Set(r.payment_id),
        dossier_id: Set(r.dossier_id),
        agency_id: Set(r.agency_id),
        year: Set(r.year),
        seq: Set(r.seq),
        amount: Set(r.amount),
        method: Set(r.method.as_str().into()),
        issued_at: Set(to_db(r.issued_at)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

pub async fn get_receipt(c: &impl ConnectionTrait, id: Uuid) -> Result<Receipt> {
    receipt_from(
        receipt::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

pub async fn receipts_of(c: &impl ConnectionTrait, dossier: Uuid) -> Result<Vec<Receipt>> {
    receipt::Entity::find()
        .filter(receipt::Column::DossierId.eq(dossier))
        .order_by_asc(receipt::Column::Seq)
        .all(c)
        .await?
        .into_iter()
        .map(receipt_from)
        .collect()
}

fn refund_from(m: refund::Model) -> Result<Refund> {
    Ok(Refund {
        id: m.id,
        payment_id: m.payment_id,
        dossier_id: m.dossier_id,
        agency_id: m.agency_id,
        amount: m.amount,
        reason: m.reason,
        state: RefundState::parse(&m.state).ok_or_else(|| bad("refund state", &m.state))?,
        created_at: from_db(m.created_at),
        approved_by: m.approved_by,
        approved_at: m.approved_at.map(from_db),
        paid_by: m.paid_by,
        paid_at: m.paid_at.map(from_db),
        reference: m.reference,
    })
}

fn refund_model(r: &Refund) -> refund::ActiveModel {
    refund::ActiveModel {
        id: Set(r.id),
        payment_id: Set(r.payment_id),
        dossier_id: Set(r.dossier_id),
        agency_id: Set(r.agency_id),
        amount: Set(r.amount),
        reason: Set(r.reason.clone()),
        state: Set(r.state.as_str().into()),
        created_at: Set(to_db(r.created_at)),
        approved_by: Set(r.approved_by),
        approved_at: Set(r.approved_at.map(to_db)),
        paid_by: Set(r.paid_by),
        paid_at: Set(r.paid_at.map(to_db)),
        reference: Set(r.reference.clone()),
    }
}

pub async fn insert_refund(c: &impl ConnectionTrait, r: &Refund) -> Result<()> {
    refund::Entity::insert(refund_model(r))
        .exec_without_returning(c)
        .await?;
    Ok(())
}

/// Writes a refund's new state if it still stood at `from`; false when someone moved it first.
pub async fn update_refund(
    c: &impl ConnectionTrait,
    r: &Refund,
    from: RefundState,
) -> Result<bool> {
    let mut am = refund_model(r);
    am.id = sea_orm::ActiveValue::NotSet;
    let res = refund::Entity::update_many()
        .set(am)
        .filter(refund::Column::Id.eq(r.id))
        .filter(refund::Column::State.eq(from.as_str()))
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn refunds_of(c: &impl ConnectionTrait, dossier: Uuid) -> Result<Vec<Refund>> {
    refund::Entity::find()
        .filter(refund::Column::DossierId.eq(dossier))
        .order_by_asc(refund::Column::CreatedAt)
        .all(c)
        .await?
        .into_iter()
        .map(refund_from)
        .collect()
}

pub async fn get_refund(c: &impl ConnectionTrait, id: Uuid) -> Result<Refund> {
    refund_from(
        refund::Entity::find_by_id(id)
            .one(c)
            .await?
            .ok_or(StoreError::NotFound)?,
    )
}

/// The refunds of some agencies not yet paid back, oldest first.
pub async fn open_refunds(c: &impl ConnectionTrait, agencies: &[Uuid]) -> Result<Vec<Refund>> {
    refund::Entity::find()
        .filter(refund::Column::AgencyId.is_in(agencies.iter().copied()))
        .filter(refund::Column::State.ne(RefundState::Paid.as_str()))
        .order_by_asc(refund::Column::CreatedAt)
        .all(c)
        .await?
        .into_iter()
        .map(refund_from)
        .collect()
}

/// Refunds of an agency (or all) paid back in `[from, to)`.
pub async fn refunds_paid(
    c: &impl ConnectionTrait,
    agency: Option<Uuid>,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
) -> Result<Vec<Refund>> {
    let mut q = refund::Entity::find()
        .filter(refund::Column::PaidAt.gte(to_db(from)))
        .filter(refund::Column::PaidAt.lt(to_db(to)));
    if let Some(a) = agency {
        q = q.filter(refund::Column::AgencyId.eq(a));
    }
    q.order_by_asc(refund::Column::PaidAt)
        .all(c)
        .await?
        .into_iter()
        .map(refund_from)
        .collect()
}

pub async fn insert_report(c: &impl ConnectionTrait, r: &GatewayReport) -> Result<()> {
    gateway_report::Entity::insert(gateway_report::ActiveModel {
        id: Set(r.id),
        txn_ref: Set(r.txn_ref.clone()),
        gateway_txn: Set(r.gateway_txn.clone()),
        amount: Set(r.amount),
        response_code: Set(r.response_code.clone()),
        transaction_status: Set(r.transaction_status.clone()),
        payment_id: Set(r.payment_id),
        answer: Set(r.answer.clone()),
        received_at: Set(to_db(r.received_at)),
    })
    .exec_without_returning(c)
    .await?;
    Ok(())
}

/// The gateway's reports received in `[from, to)`.
pub async fn reports_between(
    c: &impl ConnectionTrait,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
) -> Result<Vec<GatewayReport>> {
    Ok(gateway_report::Entity::find()
        .filter(gateway_report::Column::ReceivedAt.gte(to_db(from)))
        .filter(gateway_report::Column::ReceivedAt.lt(to_db(to)))
        .order_by_asc(gateway_report::Column::ReceivedAt)
        .all(c)
        .await?
        .into_iter()
        .map(|m| GatewayReport {
            id: m.id,
            txn_ref: m.txn_ref,
            gateway_txn: m.gateway_txn,
            amount: m.amount,
            response_code: m.response_code,
            transaction_status: m.transaction_status,
            payment_id: m.payment_id,
            answer: m.answer,
            received_at: from_db(m.received_at),
        })
        .collect())
}
