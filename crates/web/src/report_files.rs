//! A yearly or ad hoc report as files (R14): PDF to print and file, XLSX for spreadsheet
//! software, CSV for other programs. Every figure and word is the report's; this only lays it
//! out, in the same parts as its page.
use axum::response::Response;
use motcua_app::AppError;
use motcua_app::oversight::yearly::ReportView;
use motcua_domain::clock::{format_vn_date, format_vn_datetime};
use motcua_domain::report::{ReportKind, SECTIONS};

use crate::kit::pdf::{self, Block};
use crate::statement::{attachment, csv_cell};

/// One cell: text, or a number (kept a number in a spreadsheet).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    T(String),
    N(f64),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::T(s) => s.clone(),
            Cell::N(v) => motcua_domain::text::decimal(*v),
        }
    }
}

/// The parts' worksheet names, by which the page and the PDF pick them.
pub const INFO: &str = "Thong tin";
pub const TEXT: &str = "Noi dung";
pub const ROADMAP: &str = "Lo trinh";

/// One part of the report as a table.
pub struct Sheet {
    /// The worksheet's name (no diacritics: some spreadsheet programs mangle them there).
    pub name: &'static str,
    pub title: &'static str,
    pub head: Vec<&'static str>,
    /// Columns' shares of a printed page's width.
    pub widths: Vec<f32>,
    pub rows: Vec<Vec<Cell>>,
}

fn t(s: impl Into<String>) -> Cell {
    Cell::T(s.into())
}

/// The report's general facts: (label, value).
pub fn facts(v: &ReportView) -> Vec<(&'static str, String)> {
    let r = &v.report;
    vec![
        ("Tên báo cáo", r.title.clone()),
        ("Loại báo cáo", r.kind.label_vi().into()),
        ("Cơ quan", v.agency.name.clone()),
        (
            "Kỳ báo cáo",
            format!("{} – {}", format_vn_date(r.from), format_vn_date(r.to)),
        ),
        (
            "Hạn gửi",
            v.due_on.map(format_vn_date).unwrap_or("—".into()),
        ),
        ("Tình trạng", r.state.label_vi().into()),
        (
            "Thời điểm gửi",
            r.submitted_at.map(format_vn_datetime).unwrap_or("—".into()),
        ),
    ]
}

/// The report's parts, in the order the page shows them.
pub fn sheets(v: &ReportView) -> Vec<Sheet> {
    let r = &v.report;
    let mut out = vec![
        Sheet {
            name: INFO,
            title: "Thông tin chung",
            head: vec!["Mục", "Nội dung"],
            widths: vec![1.0, 3.0],
            rows: facts(v)
                .into_iter()
                .map(|(k, x)| vec![t(k), t(x)])
                .collect(),
        },
        Sheet {
            name: "So lieu",
            title: "Số liệu",
            head: vec!["Chỉ tiêu", "Số liệu"],
            widths: vec![3.0, 1.0],
            rows: r
                .body
                .figures
                .lines()
                .into_iter()
                .map(|(k, x)| vec![t(k), x.map_or(t("—"), Cell::N)])
                .collect(),
        },
        Sheet {
            name: TEXT,
            title: "Nội dung báo cáo",
            head: vec!["Phần", "Nội dung"],
            widths: vec![1.0, 4.0],
            rows: SECTIONS
                .iter()
                .map(|(k, title)| vec![t(*title), t(r.body.section(k))])
                .collect(),
        },
    ];
    if r.kind == ReportKind::AgencyYearly {
        out.push(Sheet {
            name: ROADMAP,
            title: "Lộ trình cung cấp dịch vụ công trực tuyến năm sau",
            head: vec![
                "TT",
                "Mã thủ tục",
                "Tên thủ tục",
                "Mức hiện nay",
                "Mức dự kiến",
                "Thời điểm",
            ],
            widths: vec![0.5, 1.3, 4.0, 1.3, 1.3, 1.2],
            rows: r
                .body
                .roadmap
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    vec![
                        Cell::N(i as f64 + 1.0),
                        t(&x.code),
                        t(&x.name),
                        t(x.now.label_vi()),
                        t(x.target.label_vi()),
                        t(format_vn_date(x.by)),
                    ]
                })
                .collect(),
        });
    }
    if !r.body.figures.agencies.is_empty() {
        out.push(Sheet {
            name: "Co quan",
            title: "Các cơ quan",
            head: vec![
                "Mã",
                "Cơ quan",
                "Báo cáo năm",
                "Tiếp nhận",
                "Đã giải quyết",
                "Đúng hạn",
                "Dịch vụ trong lộ trình",
            ],
            widths: vec![1.3, 3.0, 1.8, 1.0, 1.0, 1.0, 1.0],
            rows: r
                .body
                .figures
                .agencies
                .iter()
                .map(|a| {
                    vec![
                        t(&a.code),
                        t(&a.name),
                        t(&a.standing),
                        Cell::N(a.received as f64),
                        Cell::N(a.finished as f64),
                        Cell::N(a.on_time as f64),
                        Cell::N(a.roadmap as f64),
                    ]
                })
                .collect(),
        });
    }
    out
}

fn name(v: &ReportView, ext: &str) -> String {
    let r = &v.report;
    format!(
        "bao-cao-{}-{}-{}.{ext}",
        r.kind.as_str().replace('_', "-"),
        v.agency.code,
        r.year
    )
}

/// The report as a PDF: its title, then each part; the text sections as paragraphs.
pub fn pdf(v: &ReportView) -> Result<Vec<u8>, AppError> {
    let r = &v.report;
    let mut blocks = vec![
        Block::Title(r.title.clone()),
        Block::Para(format!(
            "{} – kỳ báo cáo từ {} đến {} – {}",
            v.agency.name,
            format_vn_date(r.from),
            format_vn_date(r.to),
            r.state.label_vi()
        )),
    ];
    for (i, (key, title)) in SECTIONS.iter().enumerate() {
        blocks.push(Block::Heading(format!("{}. {title}", i + 1)));
        let text = r.body.section(key);
        blocks.push(Block::Para(if text.is_empty() {
            "—".into()
        } else {
            text.into()
        }));
    }
    for s in sheets(v).into_iter().filter(|s| s.name != TEXT) {
        blocks.push(Block::Heading(s.title.into()));
        blocks.push(Block::Table {
            widths: s.widths,
            head: s.head.iter().map(|h| h.to_string()).collect(),
            rows: s
                .rows
                .iter()
                .map(|row| row.iter().map(Cell::text).collect())
                .collect(),
        });
    }
    pdf::render(&r.title, &blocks).map_err(|e| AppError::Unexpected(format!("pdf: {e}")))
}

/// The report as CSV: each part under a line with its title, parts apart by an empty line.
pub fn csv(v: &ReportView) -> String {
    let mut out = String::from("\u{feff}");
    for s in sheets(v) {
        out.push_str(&csv_cell(s.title, false));
        out.push_str("\r\n");
        out.push_str(
            &s.head
                .iter()
                .map(|h| csv_cell(h, false))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
        for row in &s.rows {
            let line: Vec<String> = row
                .iter()
                .map(|c| csv_cell(&c.text(), matches!(c, Cell::N(_))))
                .collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
    }
    out
}

/// The report as XLSX: one worksheet per part, numbers as numbers.
pub fn xlsx(v: &ReportView) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for s in sheets(v) {
        let ws = wb.add_worksheet().set_name(s.name)?;
        for (i, h) in s.head.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, *h, &bold)?;
            let w = f64::from(s.widths.get(i).copied().unwrap_or(1.0)) * 18.0;
            ws.set_column_width(i as u16, w.min(120.0))?;
        }
        for (n, row) in s.rows.iter().enumerate() {
            for (i, c) in row.iter().enumerate() {
                let (r, col) = (n as u32 + 1, i as u16);
                match c {
                    Cell::N(x) => ws.write_number(r, col, *x)?,
                    Cell::T(x) => ws.write_string_with_format(r, col, x, &wrap)?,
                };
            }
        }
    }
    wb.save_to_buffer()
}

/// The report in one of its file formats: `pdf`, `xlsx` or `csv`.
pub fn respond(v: &ReportView, format: &str) -> Result<Response, AppError> {
    Ok(match format {
        "pdf" => attachment(pdf(v)?, "application/pdf", name(v, "pdf")),
        "xlsx" => attachment(
            xlsx(v).map_err(|e| AppError::Unexpected(format!("xlsx: {e}")))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            name(v, "xlsx"),
        ),
        "csv" => attachment(csv(v), "text/csv; charset=utf-8", name(v, "csv")),
        _ => return Err(AppError::field("format", "Định dạng: pdf, xlsx hoặc csv.")),
    })
}
