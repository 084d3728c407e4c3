//! The daily reconciliation (R7.2b): per agency and channel, the money taken and paid
//! back on a day (Vietnam's time), the gateway's reports that match no payment, and online
//! payments marked paid that no successful report of the gateway backs.
use std::collections::HashMap;

use motcua_domain::agency::Agency;
use motcua_domain::authz::{Action, Target};
use motcua_domain::fees::{self, GatewayReport, Method, PaymentState};
use motcua_store::dossiers as ds;
use motcua_store::payments as ps;
use uuid::Uuid;

use crate::{App, AppError, Result, Session};

/// One movement of money on the statement.
#[derive(Debug, Clone)]
pub struct StatementRow {
    pub at: jiff::Timestamp,
    /// Thu (a payment) or Chi (a refund paid back).
    pub refund: bool,
    pub code: String,
    pub method: Method,
    /// Đồng: positive taken, negative paid back.
    pub amount: i64,
    pub reference: String,
}

/// One channel's totals.
#[derive(Debug, Clone)]
pub struct ChannelTotal {
    pub channel: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub taken: i64,
    pub paid_back: i64,
}

#[derive(Debug, Clone)]
pub struct Statement {
    pub day: jiff::civil::Date,
    /// None: every agency (the province).
    pub agency: Option<Agency>,
    pub rows: Vec<StatementRow>,
    pub totals: Vec<ChannelTotal>,
    /// Signed reports of a successful payment that match no payment of motcua.
    pub unmatched: Vec<GatewayReport>,
    /// Online payments marked paid without the gateway's successful report for them.
    pub unbacked: Vec<StatementRow>,
}

impl App {
    /// The statement of a day for an agency (its cashier, leader, administrator; the province's
    /// administrators and inspectors) or for every agency (the province).
    pub async fn statement(
        &self,
        s: &Session,
        agency: Option<&str>,
        day: jiff::civil::Date,
    ) -> Result<Statement> {
        let agency = match agency {
            Some(code) => Some(self.agency_by_code(code).await?),
            None => None,
        };
        let target = agency
            .as_ref()
            .map_or(Target::None, |a| Target::Agency(a.id));
        motcua_domain::authorize(&s.actor, Action::ViewStatement, &target)
            .map_err(|e| AppError::from(e).hiding())?;
        let (from, to) = day_bounds(day)?;
        let c = self.db.conn();
        let aid = agency.as_ref().map(|a| a.id);
        let payments: Vec<_> = ps::payments_confirmed(c, aid, from, to)
            .await?
            .into_iter()
            .filter(|p| p.state == PaymentState::Succeeded && p.method.moves_money())
            .collect();
        let refunds = ps::refunds_paid(c, aid, from, to).await?;
        let reports = ps::reports_between(c, from, to).await?;
        let mut ids: Vec<Uuid> = payments.iter().map(|p| p.dossier_id).collect();
        ids.extend(refunds.iter().map(|r| r.dossier_id));
        let codes = ds::codes_of(c, &ids).await?;
        let code = |id: &Uuid| codes.get(id).cloned().unwrap_or_default();
        // The methods of the payments refunded (some were paid on another day).
        let refunded: Vec<Uuid> = refunds.iter().map(|r| r.payment_id).collect();
        let methods: HashMap<Uuid, Method> = ps::payments_by_ids(c, &refunded)
            .await?
            .into_iter()
            .map(|p| (p.id, p.method))
            .collect();
        let payment_row = |p: &fees::Payment| StatementRow {
            at: p.confirmed_at.unwrap_or(p.created_at),
            refund: false,
            code: code(&p.dossier_id),
            method: p.method,
            amount: p.amount,
            reference: p
                .gateway_txn
                .clone()
                .or(p.reference.clone())
                .unwrap_or_default(),
        };
        let mut rows: Vec<StatementRow> = payments.iter().map(payment_row).collect();
        rows.extend(refunds.iter().filter_map(|r| {
            Some(StatementRow {
                at: r.paid_at.unwrap_or(r.created_at),
                refund: true,
                code: code(&r.dossier_id),
                method: *methods.get(&r.payment_id)?,
                amount: -r.amount,
                reference: r.reference.clone().unwrap_or_default(),
            })
        }));
        rows.sort_by_key(|r| r.at);
        let (unbacked, unmatched) = fees::differences(&payments, &reports);
        let unbacked = unbacked.into_iter().map(payment_row).collect();
        let unmatched = unmatched.into_iter().cloned().collect();
        Ok(Statement {
            day,
            totals: totals(&rows),
            agency,
            rows,
            unmatched,
            unbacked,
        })
    }
}

/// A day in Vietnam's time, as the instants it runs between.
fn day_bounds(day: jiff::civil::Date) -> Result<(jiff::Timestamp, jiff::Timestamp)> {
    let from = jiff::tz::offset(7)
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| AppError::Unexpected(format!("the day {day}: {e}")))?;
    Ok((from, from + jiff::SignedDuration::from_hours(24)))
}

fn totals(rows: &[StatementRow]) -> Vec<ChannelTotal> {
    fees::CHANNELS
        .iter()
        .map(|(channel, label)| {
            let of: Vec<&StatementRow> = rows
                .iter()
                .filter(|r| r.method.channel() == *channel)
                .collect();
            ChannelTotal {
                channel,
                label,
                count: of.len(),
                taken: of.iter().filter(|r| !r.refund).map(|r| r.amount).sum(),
                paid_back: of.iter().filter(|r| r.refund).map(|r| -r.amount).sum(),
            }
        })
        .collect()
}
