//! Fees on the pages (R7.1b, R7.2b, R8.2c): the owner pays online and comes back, the cashier
//! records a payment at the desk, receipts are printed, refunds are approved and paid back, and
//! the daily statement is read and downloaded.
use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use motcua_app::AppError;
use motcua_app::payments::refunds::RefundRow;
use motcua_app::payments::{ReturnView, Statement};
use motcua_domain::catalogue::money;
use motcua_domain::clock::format_vn_datetime;
use motcua_domain::fees::{Method, Receipt};
use motcua_domain::record::Dossier;
use serde::Deserialize;
use uuid::Uuid;

use super::PageResult;
use crate::kit::{Choice, Chrome, Page, qr_svg, render};
use crate::routes::{Access, Routes};
use crate::state::AppState;

pub fn routes() -> Routes<AppState> {
    use Access::*;
    use motcua_domain::Action::EnterBackOffice as Office;
    Routes::new()
        .post("/ho-so/{dossier}/thanh-toan", PublicAccount, pay)
        .get("/ho-so/{dossier}/thanh-toan", PublicAccount, came_back)
        .get("/bien-lai/{id}", Signed, receipt)
        .post("/can-bo/ho-so/{dossier}/thu-phi", Staff(Office), record)
        .get("/can-bo/hoan-tra", Staff(Office), refunds)
        .post("/can-bo/hoan-tra/{id}/duyet", Staff(Office), approve)
        .post("/can-bo/hoan-tra/{id}/chi-tra", Staff(Office), pay_back)
        .get("/can-bo/doi-soat", Staff(Office), statement)
        .get("/can-bo/doi-soat/tep/{file}", Staff(Office), statement_file)
}

/// The owner pays what is left online: on to the gateway's page.
pub async fn pay(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let started = p.s.app.start_payment(&p.ctx(), p.session()?, id).await?;
    Ok(Redirect::to(&started.payment_url).into_response())
}

#[derive(Template)]
#[template(path = "payments/return.html")]
struct ReturnPage {
    c: Chrome,
    id: Uuid,
    v: ReturnView,
    amount: String,
}

impl ReturnPage {
    fn paid(&self) -> bool {
        self.v.fee.fees.settled()
    }
    fn gateway_says_paid(&self) -> bool {
        self.v.report.as_ref().is_some_and(|r| r.succeeded())
    }
}

/// Back from the gateway: what it says, shown only; the fee is paid once its server-to-server
/// report arrived.
pub async fn came_back(
    p: Page,
    Path(id): Path<Uuid>,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult {
    let v = p.s.app.payment_return(p.session()?, id, &q).await?;
    Ok(render(&ReturnPage {
        c: p.chrome("Kết quả thanh toán"),
        id,
        amount: money(v.fee.fees.paid),
        v,
    }))
}

#[derive(Template)]
#[template(path = "payments/receipt.html")]
struct ReceiptPage {
    c: Chrome,
    r: Receipt,
    d: Dossier,
    agency: String,
    amount: String,
    issued: String,
    qr: String,
    url: String,
}

/// The printable receipt (biên lai, A5) with a QR code to its page.
pub async fn receipt(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let (r, d) = p.s.app.receipt(p.session()?, id).await?;
    let agency = p.s.app.agency(d.agency_id).await?.name;
    let url = format!(
        "{}/bien-lai/{}",
        p.s.app.config.public_url.trim_end_matches('/'),
        r.id
    );
    Ok(render(&ReceiptPage {
        c: p.chrome(format!("Biên lai {}", r.number())),
        amount: money(r.amount),
        issued: format_vn_datetime(r.issued_at),
        qr: qr_svg(&url),
        url,
        agency,
        r,
        d,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecordForm {
    method: String,
    reference: String,
}

/// The cashier records a payment at the desk and prints its receipt.
pub async fn record(p: Page, Path(id): Path<Uuid>, Form(f): Form<RecordForm>) -> PageResult {
    let done = match Method::parse(&f.method) {
        None => Err(AppError::field("method", "Chọn hình thức thanh toán.")),
        Some(m) => {
            p.s.app
                .record_payment(&p.ctx(), p.session()?, id, m, &f.reference)
                .await
                .map(|(_, r)| match r {
                    Some(r) => format!("/bien-lai/{}", r.id),
                    None => format!("/can-bo/ho-so/{id}"),
                })
        }
    };
    super::work::after_step(&p, id, done).await
}

#[derive(Template)]
#[template(path = "payments/refunds.html")]
struct RefundsPage {
    c: Chrome,
    rows: Vec<RefundRow>,
    notice: Option<String>,
}

impl RefundsPage {
    fn money(&self, m: &i64) -> String {
        money(*m)
    }
}

async fn refunds_page(p: &Page, notice: Option<String>) -> PageResult {
    let rows = p.s.app.open_refunds_for(p.session()?).await?;
    Ok(render(&RefundsPage {
        c: p.chrome("Hoàn trả phí, lệ phí"),
        rows,
        notice,
    }))
}

/// The refunds not yet paid back at the caller's agencies (leader, cashier).
pub async fn refunds(p: Page) -> PageResult {
    refunds_page(&p, None).await
}

/// The leader approves a refund.
pub async fn approve(p: Page, Path(id): Path<Uuid>) -> PageResult {
    let notice = match p.s.app.approve_refund(&p.ctx(), p.session()?, id).await {
        Ok(r) => format!("Đã duyệt: {}.", r.state.label_vi()),
        Err(AppError::Conflict(m)) => m,
        Err(e) => return Err(e.into()),
    };
    refunds_page(&p, Some(notice)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PayBackForm {
    reference: String,
}

/// The cashier pays a refund back.
pub async fn pay_back(p: Page, Path(id): Path<Uuid>, Form(f): Form<PayBackForm>) -> PageResult {
    let notice = match p
        .s
        .app
        .pay_back_refund(&p.ctx(), p.session()?, id, &f.reference)
        .await
    {
        Ok(_) => "Đã hoàn trả.".to_string(),
        Err(AppError::Conflict(m)) => m,
        Err(AppError::Validation(v)) => v.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(" "),
        Err(e) => return Err(e.into()),
    };
    refunds_page(&p, Some(notice)).await
}

#[derive(Deserialize, Default)]
pub struct StatementQ {
    ngay: Option<String>,
    #[serde(rename = "co-quan")]
    co_quan: Option<String>,
}

impl StatementQ {
    fn day(&self, today: jiff::civil::Date) -> Result<jiff::civil::Date, AppError> {
        match self.ngay.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(today),
            Some(s) => match s.parse() {
                Ok(d) => Ok(d),
                Err(_) => Err(AppError::field("ngay", "Ngày phải có dạng YYYY-MM-DD.")),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "payments/statement.html")]
struct StatementPage {
    c: Chrome,
    st: Statement,
    agencies: Vec<Choice>,
    query: String,
}

impl StatementPage {
    fn money(&self, m: &i64) -> String {
        money(*m)
    }
    fn when(&self, t: &jiff::Timestamp) -> String {
        format_vn_datetime(*t)
    }
}

impl StatementQ {
    /// The agency asked for (none: the province, or the caller's first agency on the page).
    fn agency(&self) -> Option<String> {
        self.co_quan.clone().filter(|c| !c.is_empty())
    }
}

/// The daily reconciliation page.
pub async fn statement(p: Page, Query(q): Query<StatementQ>) -> PageResult {
    let s = p.session()?;
    let day = q.day(motcua_domain::clock::vn_date(p.s.app.now()))?;
    let mine = s.actor.agencies_with(&[
        motcua_domain::Role::Cashier,
        motcua_domain::Role::Leader,
        motcua_domain::Role::AgencyAdmin,
    ]);
    let mut agencies = vec![];
    for a in mine {
        let a = p.s.app.agency(a).await?;
        agencies.push(Choice::new(a.code, a.name));
    }
    let code = q
        .agency()
        .or_else(|| agencies.first().map(|c| c.value.clone()));
    let st = p.s.app.statement(s, code.as_deref(), day).await?;
    let query = serde_urlencoded::to_string([
        ("ngay", day.to_string()),
        ("co-quan", code.unwrap_or_default()),
    ])
    .unwrap_or_default();
    Ok(render(&StatementPage {
        c: p.chrome("Đối soát thu phí, lệ phí"),
        st,
        agencies,
        query,
    }))
}

/// The statement as a CSV or XLSX file.
pub async fn statement_file(
    p: Page,
    Path(file): Path<String>,
    Query(q): Query<StatementQ>,
) -> PageResult {
    let day = q.day(motcua_domain::clock::vn_date(p.s.app.now()))?;
    let code = q.agency();
    let st =
        p.s.app
            .statement(p.session()?, code.as_deref(), day)
            .await?;
    match file.as_str() {
        "doi-soat.csv" => Ok(crate::statement::csv_response(&st)),
        "doi-soat.xlsx" => Ok(crate::statement::xlsx_response(&st)?),
        _ => Err(AppError::NotFound.into()),
    }
}
