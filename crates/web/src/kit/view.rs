//! Small views and helpers the pages share.
use motcua_domain::clock::format_vn_datetime;

/// A link to go on with: where it leads, and what it says.
pub struct Link {
    pub href: String,
    pub label: String,
}

impl Link {
    pub fn new(href: impl Into<String>, label: impl Into<String>) -> Self {
        Link {
            href: href.into(),
            label: label.into(),
        }
    }
}

/// One option of a choice: the value sent, and what the person reads.
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Choice {
            value: value.into(),
            label: label.into(),
        }
    }
}

/// A moment as Vietnamese pages show it.
pub fn when(t: jiff::Timestamp) -> String {
    format_vn_datetime(t)
}

/// A file size in whole kilobytes, rounded up.
pub fn kb(n: i64) -> String {
    format!("{} KB", (n + 1023) / 1024)
}

/// The text with its first letter in lower case (a name used inside a sentence).
pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// A QR code as inline SVG (no script, no external resource).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(q) => q
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(160, 160)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}
