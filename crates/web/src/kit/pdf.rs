//! Printable documents as PDF (reports, R14): titles, headings, paragraphs and tables on A4
//! pages, in a serif font embedded whole (DejaVu Serif, which has every Vietnamese letter) as a
//! Type0 font with Identity-H glyph codes and a ToUnicode map, so that the text can be searched
//! and copied. No JavaScript, no forms, no links: only text and lines.
use std::collections::BTreeMap;
use std::sync::LazyLock;

use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSerif.ttf");

/// The font's metrics, read once.
struct Metrics {
    upem: f32,
    /// Glyph and advance (font units) per character.
    glyphs: BTreeMap<char, (u16, u16)>,
    bbox: [i64; 4],
    ascent: i64,
    descent: i64,
    cap: i64,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let face = ttf_parser::Face::parse(FONT, 0).expect("the embedded font parses");
    let mut glyphs = BTreeMap::new();
    for t in face.tables().cmap.iter().flat_map(|c| c.subtables) {
        if !t.is_unicode() {
            continue;
        }
        t.codepoints(|cp| {
            if let (Some(ch), Some(g)) = (char::from_u32(cp), t.glyph_index(cp)) {
                let adv = face.glyph_hor_advance(g).unwrap_or(0);
                glyphs.entry(ch).or_insert((g.0, adv));
            }
        });
    }
    let b = face.global_bounding_box();
    Metrics {
        upem: f32::from(face.units_per_em()),
        glyphs,
        bbox: [b.x_min, b.y_min, b.x_max, b.y_max].map(i64::from),
        ascent: i64::from(face.ascender()),
        descent: i64::from(face.descender()),
        cap: i64::from(face.capital_height().unwrap_or(face.ascender())),
    }
});

/// One block of a document.
#[derive(Debug, Clone)]
pub enum Block {
    Title(String),
    Heading(String),
    Para(String),
    /// Columns' shares of the width, the header and the rows.
    Table {
        widths: Vec<f32>,
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.7;
const PAD: f32 = 3.0;

/// A character's glyph (the replacement glyph when the font lacks it) and advance, in points
/// at `size`.
fn glyph(ch: char, size: f32) -> (u16, f32) {
    let m = &*METRICS;
    let (g, adv) = m
        .glyphs
        .get(&ch)
        .or_else(|| m.glyphs.get(&'?'))
        .copied()
        .unwrap_or((0, 0));
    (g, f32::from(adv) * size / m.upem)
}

fn width(s: &str, size: f32) -> f32 {
    s.chars().map(|c| glyph(c, size).1).sum()
}

/// Breaks text into lines no wider than `max` at `size`: at spaces, and inside a word only
/// when the word alone is wider than a line. Line breaks in the text are kept.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = vec![];
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = match line.is_empty() {
                true => word.to_string(),
                false => format!("{line} {word}"),
            };
            if width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for ch in word.chars() {
                if !line.is_empty() && width(&line, size) + glyph(ch, size).1 > max {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(ch);
            }
        }
        lines.push(line);
    }
    lines
}

/// The pages' content streams being written, and the glyphs used (for the widths and the
/// ToUnicode map).
struct Writer {
    pages: Vec<String>,
    ops: String,
    y: f32,
    used: BTreeMap<u16, (char, f32)>,
}

impl Writer {
    fn new() -> Self {
        Self {
            pages: vec![],
            ops: String::new(),
            y: PAGE_H - MARGIN,
            used: BTreeMap::new(),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = PAGE_H - MARGIN;
    }

    /// Makes room for `h` points, on a new page when this one is full.
    fn room(&mut self, h: f32) {
        if self.y - h < MARGIN && self.y < PAGE_H - MARGIN {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        let mut hex = String::with_capacity(s.len() * 4);
        for ch in s.chars() {
            let (g, adv) = glyph(ch, 1000.0);
            self.used.entry(g).or_insert((ch, adv));
            hex.push_str(&format!("{g:04X}"));
        }
        // Bold by stroking the outline too (one embedded font keeps the file small).
        let mode = if bold { "2 Tr 0.35 w" } else { "0 Tr" };
        self.ops.push_str(&format!(
            "BT /F1 {size:.1} Tf {mode} {x:.2} {y:.2} Td <{hex}> Tj ET\n"
        ));
    }

    fn lines(&mut self, text: &str, size: f32, bold: bool, after: f32) {
        let lh = size * 1.35;
        for l in wrap(text, size, PAGE_W - 2.0 * MARGIN) {
            self.room(lh);
            self.y -= lh;
            self.text(MARGIN, self.y + size * 0.25, size, bold, &l);
        }
        self.y -= after;
    }

    fn table(&mut self, widths: &[f32], head: &[String], rows: &[Vec<String>]) {
        let size = 9.0;
        let lh = size * 1.3;
        let total: f32 = widths.iter().sum::<f32>().max(f32::EPSILON);
        let cols: Vec<f32> = widths
            .iter()
            .map(|w| w / total * (PAGE_W - 2.0 * MARGIN))
            .collect();
        let cells = |row: &[String]| -> Vec<Vec<String>> {
            cols.iter()
                .enumerate()
                .map(|(i, w)| wrap(row.get(i).map_or("", |s| s.as_str()), size, w - 2.0 * PAD))
                .collect()
        };
        let head_cells = cells(head);
        let draw = |w: &mut Writer, cell: &[Vec<String>], bold: bool| {
            let n = cell.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * lh + 2.0 * PAD;
            let mut x = MARGIN;
            for (i, lines) in cell.iter().enumerate() {
                for (k, l) in lines.iter().enumerate() {
                    let y = w.y - PAD - (k as f32 + 1.0) * lh + size * 0.3;
                    w.text(x + PAD, y, size, bold, l);
                }
                w.ops.push_str(&format!(
                    "0.5 w {x:.2} {:.2} {:.2} {h:.2} re S\n",
                    w.y - h,
                    cols[i]
                ));
                x += cols[i];
            }
            w.y -= h;
        };
        let height = |cell: &[Vec<String>]| {
            cell.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * lh + 2.0 * PAD
        };
        self.room(height(&head_cells) + lh);
        draw(self, &head_cells, true);
        for r in rows {
            let c = cells(r);
            if self.y - height(&c) < MARGIN {
                self.new_page();
                draw(self, &head_cells, true);
            }
            draw(self, &c, false);
        }
        self.y -= 8.0;
    }
}

/// Lays out the blocks on A4 pages and writes the PDF.
pub fn render(title: &str, blocks: &[Block]) -> Result<Vec<u8>, String> {
    let mut w = Writer::new();
    for b in blocks {
        match b {
            Block::Title(t) => w.lines(t, 15.0, true, 8.0),
            Block::Heading(t) => {
                w.room(40.0);
                w.y -= 4.0;
                w.lines(t, 12.0, true, 3.0)
            }
            Block::Para(t) => w.lines(t, 11.0, false, 5.0),
            Block::Table { widths, head, rows } => w.table(widths, head, rows),
        }
    }
    // Page numbers, once the count is known.
    w.pages.push(std::mem::take(&mut w.ops));
    let count = w.pages.len();
    let mut pages = std::mem::take(&mut w.pages);
    for (i, p) in pages.iter_mut().enumerate() {
        let label = format!("Trang {}/{count}", i + 1);
        let x = PAGE_W - MARGIN - width(&label, 8.0);
        let before = std::mem::take(&mut w.ops);
        w.text(x, MARGIN / 2.0, 8.0, false, &label);
        p.push_str(&std::mem::replace(&mut w.ops, before));
    }
    write(title, &pages, &w.used)
}

fn write(
    title: &str,
    pages: &[String],
    used: &BTreeMap<u16, (char, f32)>,
) -> Result<Vec<u8>, String> {
    let m = &*METRICS;
    let mut doc = Document::with_version("1.7");
    let mut file = Stream::new(dictionary! {"Length1" => FONT.len() as i64}, FONT.to_vec());
    file.compress().map_err(|e| e.to_string())?;
    let file = doc.add_object(file);
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => "DejaVuSerif",
        "Flags" => 34,
        "FontBBox" => m.bbox.iter().map(|v| Object::Integer(*v)).collect::<Vec<_>>(),
        "ItalicAngle" => 0,
        "Ascent" => m.ascent,
        "Descent" => m.descent,
        "CapHeight" => m.cap,
        "StemV" => 80,
        "FontFile2" => file,
    });
    let mut widths = vec![];
    for (g, (_, adv)) in used {
        widths.push(Object::Integer(i64::from(*g)));
        widths.push(Object::Array(vec![Object::Real(*adv)]));
    }
    let cid = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => "DejaVuSerif",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "DW" => 600,
        "W" => widths,
        "CIDToGIDMap" => "Identity",
    });
    let mut unicode = Stream::new(Dictionary::new(), to_unicode(used).into_bytes());
    unicode.compress().map_err(|e| e.to_string())?;
    let unicode = doc.add_object(unicode);
    let font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "DejaVuSerif",
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![cid.into()],
        "ToUnicode" => unicode,
    });
    let resources = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font}});
    let pages_id = doc.new_object_id();
    let mut kids = vec![];
    for ops in pages {
        let mut content = Stream::new(Dictionary::new(), ops.clone().into_bytes());
        content.compress().map_err(|e| e.to_string())?;
        let content = doc.add_object(content);
        kids.push(Object::Reference(doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()],
        })));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Count" => kids.len() as i64,
            "Kids" => kids,
        }),
    );
    let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
    let info = doc.add_object(dictionary! {
        "Title" => Object::String(utf16(title), StringFormat::Hexadecimal),
        "Producer" => Object::string_literal("motcua"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = vec![];
    doc.save_to(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A text string in UTF-16BE with its byte-order mark (PDF's Unicode text strings).
fn utf16(s: &str) -> Vec<u8> {
    let mut v = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        v.extend_from_slice(&u.to_be_bytes());
    }
    v
}

/// The ToUnicode map of the glyphs used, so that readers can search and copy the text.
fn to_unicode(used: &BTreeMap<u16, (char, f32)>) -> String {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<_> = used.iter().collect();
    for chunk in entries.chunks(100) {
        s.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (g, (ch, _)) in chunk {
            let hex: String = ch
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            s.push_str(&format!("<{g:04X}> <{hex}>\n"));
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every letter of Vietnamese, in both cases, has its own glyph in the embedded font.
    #[test]
    fn the_font_writes_vietnamese() {
        let letters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ";
        for ch in letters.chars().chain(letters.to_uppercase().chars()) {
            assert!(METRICS.glyphs.contains_key(&ch), "no glyph for {ch}");
        }
    }

    #[test]
    fn lines_wrap_within_the_width() {
        let text = "Từ ngày 01/01/2026 đến ngày 30/11/2026, cơ quan tiếp nhận 120 hồ sơ, trong đó 80 hồ sơ trực tuyến.";
        let lines = wrap(text, 11.0, 200.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, 11.0) <= 200.0));
        assert_eq!(lines.join(" "), text, "nothing lost or added");
        let long = "x".repeat(400);
        assert!(
            wrap(&long, 11.0, 100.0)
                .iter()
                .all(|l| width(l, 11.0) <= 100.0)
        );
        assert_eq!(wrap("a\nb", 11.0, 100.0), ["a", "b"]);
    }

    #[test]
    fn a_long_document_breaks_into_numbered_pages() {
        let rows: Vec<Vec<String>> = (0..200)
            .map(|i| {
                vec![
                    format!("{i}"),
                    format!("Cơ quan số {i}"),
                    "Đã gửi đúng hạn".into(),
                ]
            })
            .collect();
        let pdf = render(
            "Báo cáo",
            &[
                Block::Title("Báo cáo tổng hợp năm 2026".into()),
                Block::Para("Kết quả thực hiện.".into()),
                Block::Table {
                    widths: vec![1.0, 4.0, 3.0],
                    head: vec!["TT".into(), "Cơ quan".into(), "Tình trạng".into()],
                    rows,
                },
            ],
        )
        .unwrap();
        let doc = Document::load_mem(&pdf).unwrap();
        let pages = doc.get_pages();
        assert!(pages.len() >= 4, "{} pages", pages.len());
        let text = doc.extract_text(&[1]).unwrap();
        assert!(text.contains("Báo cáo tổng hợp năm 2026"), "{text}");
        let last = doc.extract_text(&[pages.len() as u32]).unwrap();
        assert!(
            last.contains(&format!("Trang {}/{}", pages.len(), pages.len())),
            "{last}"
        );
    }
}
