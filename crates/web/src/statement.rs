//! The daily reconciliation as files (R7.2b, R13.3): JSON for programs, CSV and XLSX for the
//! accountants. Every figure is the app's; this only lays it out.
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use motcua_app::payments::{Statement, StatementRow};
use motcua_domain::calendar::rfc3339_vn;
use serde_json::{Value, json};

const HEAD: [&str; 7] = [
    "Thời điểm",
    "Loại",
    "Mã hồ sơ",
    "Kênh",
    "Hình thức",
    "Số tiền (đồng)",
    "Tham chiếu",
];

fn cells(r: &StatementRow) -> [String; 7] {
    [
        rfc3339_vn(r.at),
        if r.refund { "Chi hoàn trả" } else { "Thu" }.into(),
        r.code.clone(),
        r.method.channel().into(),
        r.method.label_vi().into(),
        r.amount.to_string(),
        r.reference.clone(),
    ]
}

fn name(st: &Statement, ext: &str) -> String {
    let who = st
        .agency
        .as_ref()
        .map_or("toan-tinh".to_string(), |a| a.code.clone());
    format!("doi-soat-{who}-{}.{ext}", st.day)
}

pub fn json(st: &Statement) -> Value {
    json!({
        "day": st.day.to_string(),
        "agency": st.agency.as_ref().map(|a| a.code.clone()),
        "rows": st.rows.iter().map(|r| json!({"at": rfc3339_vn(r.at), "kind": if r.refund {"refund"} else {"payment"},
            "dossier": r.code, "channel": r.method.channel(), "method": r.method.as_str(), "amount": r.amount, "reference": r.reference})).collect::<Vec<_>>(),
        "totals": st.totals.iter().map(|t| json!({"channel": t.channel, "label": t.label, "count": t.count, "taken": t.taken, "paid_back": t.paid_back})).collect::<Vec<_>>(),
        "unmatched_reports": st.unmatched.iter().map(|g| json!({"txn_ref": g.txn_ref, "gateway_txn": g.gateway_txn, "amount": g.amount, "received_at": rfc3339_vn(g.received_at)})).collect::<Vec<_>>(),
        "paid_without_transaction": st.unbacked.iter().map(|r| json!({"dossier": r.code, "amount": r.amount, "at": rfc3339_vn(r.at)})).collect::<Vec<_>>(),
    })
}

/// A CSV cell: quoted when it holds a separator, a quote or a line break; a leading `=`, `+`,
/// `-` or `@` of text is neutralised so that a spreadsheet never runs it as a formula.
pub(crate) fn csv_cell(s: &str, numeric: bool) -> String {
    let s = match !numeric && s.starts_with(['=', '+', '-', '@']) {
        true => format!("'{s}"),
        false => s.to_string(),
    };
    match s.contains([',', '"', '\n', '\r']) {
        true => format!("\"{}\"", s.replace('"', "\"\"")),
        false => s,
    }
}

pub fn csv(st: &Statement) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HEAD.join(","));
    out.push_str("\r\n");
    for r in st.rows.iter().chain(st.unbacked.iter()) {
        let c = cells(r);
        let line: Vec<String> = c
            .iter()
            .enumerate()
            .map(|(i, v)| csv_cell(v, i == 5))
            .collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

pub(crate) fn attachment(body: impl IntoResponse, kind: &'static str, file: String) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

pub fn csv_response(st: &Statement) -> Response {
    attachment(csv(st), "text/csv; charset=utf-8", name(st, "csv"))
}

pub fn xlsx(st: &Statement) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("Doi soat")?;
    for (i, h) in HEAD.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    for (n, r) in st.rows.iter().enumerate() {
        let row = n as u32 + 1;
        for (i, v) in cells(r).iter().enumerate() {
            match i {
                5 => ws.write_number(row, 5, r.amount as f64)?,
                _ => ws.write_string(row, i as u16, v)?,
            };
        }
    }
    let t = wb.add_worksheet().set_name("Tong theo kenh")?;
    for (i, h) in ["Kênh", "Số giao dịch", "Đã thu", "Đã hoàn trả"]
        .iter()
        .enumerate()
    {
        t.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    for (n, c) in st.totals.iter().enumerate() {
        let row = n as u32 + 1;
        t.write_string(row, 0, c.label)?;
        t.write_number(row, 1, c.count as f64)?;
        t.write_number(row, 2, c.taken as f64)?;
        t.write_number(row, 3, c.paid_back as f64)?;
    }
    let u = wb.add_worksheet().set_name("Chenh lech")?;
    u.write_string_with_format(0, 0, "Giao dịch cổng thanh toán không gắn hồ sơ", &bold)?;
    for (n, g) in st.unmatched.iter().enumerate() {
        u.write_string(n as u32 + 1, 0, &g.txn_ref)?;
        u.write_number(n as u32 + 1, 1, g.amount as f64)?;
    }
    u.write_string_with_format(0, 3, "Hồ sơ ghi đã nộp không có giao dịch tương ứng", &bold)?;
    for (n, r) in st.unbacked.iter().enumerate() {
        u.write_string(n as u32 + 1, 3, &r.code)?;
        u.write_number(n as u32 + 1, 4, r.amount as f64)?;
    }
    wb.save_to_buffer()
}

pub fn xlsx_response(st: &Statement) -> Result<Response, motcua_app::AppError> {
    let bytes = xlsx(st).map_err(|e| motcua_app::AppError::Unexpected(format!("xlsx: {e}")))?;
    Ok(attachment(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        name(st, "xlsx"),
    ))
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell("abc", false), "abc");
        assert_eq!(csv_cell("a,b", false), "\"a,b\"");
        assert_eq!(csv_cell("say \"x\"", false), "\"say \"\"x\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)", false), "'=HYPERLINK(1)");
        for lead in ["+", "-", "@"] {
            assert_eq!(csv_cell(&format!("{lead}1"), false), format!("'{lead}1"));
        }
        assert_eq!(
            csv_cell("-50000", true),
            "-50000",
            "a number stays a number"
        );
        assert_eq!(csv_cell("line\nbreak", false), "\"line\nbreak\"");
    }
}
