//! Charts drawn on the server (R9.6): plain SVG, readable without scripts, each bar a link to
//! the dossiers it counts; the page shows the same figures in a table beside it.
use std::fmt::Write;

/// One bar: what it counts, how many, and where the dossiers behind it are.
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub href: String,
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart titled `title`.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    const ROW: u64 = 28;
    const LABEL: u64 = 190;
    const WIDTH: u64 = 640;
    let span = WIDTH - LABEL - 60;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1) as u64 + 8;
    let mut out = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"{t}\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>",
        t = xml(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as u64 * ROW + 4;
        let w = (b.value * span).div_ceil(max).max(u64::from(b.value > 0));
        let _ = write!(
            out,
            "<a href=\"{href}\"><text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{w}\" height=\"{bh}\"></rect>\
             <text x=\"{vx}\" y=\"{ty}\">{value}</text></a>",
            href = xml(&b.href),
            lx = LABEL - 8,
            ty = y + 16,
            label = xml(&b.label),
            bh = ROW - 8,
            vx = LABEL + w + 6,
            value = b.value,
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_link_their_dossiers() {
        let svg = bars(
            "Hồ sơ <theo> kênh",
            &[
                Bar {
                    label: "Trực tuyến".into(),
                    value: 6,
                    href: "/a?x=1&y=2".into(),
                },
                Bar {
                    label: "Trực tiếp".into(),
                    value: 3,
                    href: "/b".into(),
                },
                Bar {
                    label: "Bưu chính".into(),
                    value: 0,
                    href: "/c".into(),
                },
            ],
        );
        assert!(svg.contains("<title>Hồ sơ &lt;theo&gt; kênh</title>"));
        assert!(svg.contains("href=\"/a?x=1&amp;y=2\""));
        assert!(
            svg.contains("width=\"390\""),
            "the largest spans the chart: {svg}"
        );
        assert!(svg.contains("width=\"195\""), "half of it");
        assert!(svg.contains("width=\"0\""), "none, no bar");
        assert_eq!(svg.matches("<a ").count(), 3);
    }
}
