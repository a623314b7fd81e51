//! Printable traceability stamp sheets as PDF.
//!
//! Each label carries a QR code (error correction level M, quiet zone of 2 modules) holding the
//! product's GS1 Digital Link, the product name, the lot line, the human-readable code and a
//! short check code. [`sheet`] lays the labels out on A4 sheets of 40 or 65 labels, or one per
//! 50 x 30 mm page for roll printers ([`Layout`]).
//!
//! Text is real text in DejaVu Sans Condensed, which the crate embeds (`fonts/`, licence in
//! `fonts/LICENSE-DejaVu.txt`) and writes as a subset into each PDF, so that Vietnamese prints
//! and copies the same on every machine; no system font is read.
//!
//! ```
//! use ketnoi_labels::{Label, Layout, sheet};
//!
//! let label = Label {
//!     uri: "https://ketnoi.example.vn/01/08930000000017/10/L1/21/000123".into(),
//!     product: "Gạo nếp cái hoa vàng".into(),
//!     lot: "Lô L1 · HSD 01/03/2027".into(),
//!     code: "(01)08930000000017(10)L1(21)000123".into(),
//!     check: "7K3Q".into(),
//! };
//! let pdf = sheet(&[label], Layout::A4_40)?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! # Ok::<(), ketnoi_labels::Error>(())
//! ```

mod qr;
mod text;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::Font;

use qr::Matrix;
use text::{Block, Shaper};

/// The embedded font: DejaVu Sans Condensed 2.37 (Latin with Vietnamese, Bitstream Vera licence).
static FONT: &[u8] = include_bytes!("../fonts/DejaVuSansCondensed.ttf");

/// Points per millimetre.
const MM: f32 = 72.0 / 25.4;

/// Light modules around the QR symbol, on each side (the standard asks for 4; 2 is what
/// decoders need in practice, and the label's white margin adds to it).
const QUIET: usize = 2;

/// Space between the QR box and the text beside it, in millimetres.
const GAP: f32 = 0.4;

/// One label to print.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Label {
    /// The QR content: a GS1 Digital Link such as
    /// `https://ketnoi.example.vn/01/08930000000017/10/L1/21/000123`.
    pub uri: String,
    /// The product name; wrapped onto two lines and truncated with "…" to fit.
    pub product: String,
    /// The lot line as the caller formatted it, e.g. "Lô L1 · HSD 01/03/2027".
    pub lot: String,
    /// The human-readable code, e.g. "(01)08930000000017(10)L1(21)000123".
    pub code: String,
    /// The short check code printed beside the QR code, e.g. "7K3Q".
    pub check: String,
}

/// How labels are placed on pages.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// 4 x 10 labels of 52.5 x 29.7 mm on A4, edge to edge.
    A4_40,
    /// 5 x 13 labels of 38.1 x 21.2 mm on A4 (Avery L7651-style: 10.7 mm top and bottom
    /// margins, 4.75 mm side margins, 2.5 mm between columns).
    A4_65,
    /// One 50 x 30 mm label per page, for roll label printers.
    Roll,
}

impl Layout {
    /// Every layout, in the order of their names in forms.
    pub const ALL: [Layout; 3] = [Layout::A4_40, Layout::A4_65, Layout::Roll];

    /// Labels on one page.
    pub fn per_page(self) -> usize {
        let g = self.geometry();
        g.cols * g.rows
    }

    /// The layout named `s` ("a4-40", "a4-65" or "roll").
    pub fn parse(s: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The layout's name, as [`Layout::parse`] reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::A4_40 => "a4-40",
            Layout::A4_65 => "a4-65",
            Layout::Roll => "roll",
        }
    }

    fn geometry(self) -> &'static Geometry {
        match self {
            Layout::A4_40 => &A4_40,
            Layout::A4_65 => &A4_65,
            Layout::Roll => &ROLL,
        }
    }
}

/// Why a sheet could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// There was no label to print.
    #[error("no labels to print")]
    NoLabels,
    /// A label's URI does not fit in a QR code.
    #[error("label {index}: the URI cannot be encoded as a QR code: {source}")]
    Qr {
        /// The label's index in the slice given to [`sheet`].
        index: usize,
        /// The QR encoder's error.
        #[source]
        source: qrcode::types::QrError,
    },
    /// The embedded font could not be read.
    #[error("the embedded font could not be read")]
    Font,
    /// The layout's page size is not a valid PDF page size.
    #[error("invalid page size")]
    PageSize,
    /// The PDF writer failed.
    #[error("writing the PDF failed: {0}")]
    Pdf(#[from] krilla::error::KrillaError),
}

/// The page and label geometry of a layout; lengths in millimetres.
struct Geometry {
    page_w: f32,
    page_h: f32,
    cols: usize,
    rows: usize,
    /// The left edge of the first column and the top edge of the first row.
    left: f32,
    top: f32,
    /// Distances between the left (top) edges of neighbouring labels.
    pitch_x: f32,
    pitch_y: f32,
    style: Style,
}

/// What goes where inside one label; lengths in millimetres, font sizes in points.
struct Style {
    w: f32,
    h: f32,
    /// Space between the label's edges and the QR box (which holds its own quiet zone) and
    /// between the text and the label's right and bottom edges.
    pad: f32,
    /// Side of the QR box, quiet zone included.
    qr_box: f32,
    product: Block,
    lot: Block,
    check: Block,
    code: Block,
}

static A4_40: Geometry = Geometry {
    page_w: 210.0,
    page_h: 297.0,
    cols: 4,
    rows: 10,
    left: 0.0,
    top: 0.0,
    pitch_x: 52.5,
    pitch_y: 29.7,
    style: Style {
        w: 52.5,
        h: 29.7,
        pad: 1.5,
        qr_box: 21.5,
        product: Block::new(8.0, 6.5, 2, true),
        lot: Block::new(6.5, 5.5, 2, false),
        check: Block::new(9.0, 7.0, 1, true),
        code: Block::new(6.0, 4.5, 1, false),
    },
};

static A4_65: Geometry = Geometry {
    page_w: 210.0,
    page_h: 297.0,
    cols: 5,
    rows: 13,
    left: 4.75,
    top: 10.7,
    pitch_x: 40.6,
    pitch_y: 21.2,
    style: Style {
        w: 38.1,
        h: 21.2,
        pad: 0.8,
        qr_box: 17.6,
        product: Block::new(6.5, 5.5, 2, true),
        lot: Block::new(5.0, 4.5, 2, false),
        check: Block::new(7.0, 6.0, 1, true),
        code: Block::new(5.0, 4.0, 1, false),
    },
};

static ROLL: Geometry = Geometry {
    page_w: 50.0,
    page_h: 30.0,
    cols: 1,
    rows: 1,
    left: 0.0,
    top: 0.0,
    pitch_x: 50.0,
    pitch_y: 30.0,
    style: Style {
        w: 50.0,
        h: 30.0,
        pad: 1.5,
        qr_box: 21.5,
        product: Block::new(8.0, 6.5, 2, true),
        lot: Block::new(6.5, 5.5, 2, false),
        check: Block::new(9.0, 7.0, 1, true),
        code: Block::new(6.0, 4.5, 1, false),
    },
};

/// Writes `labels` as a PDF in `layout`, filling each page row by row; the last page may be
/// partly empty.
pub fn sheet(labels: &[Label], layout: Layout) -> Result<Vec<u8>, Error> {
    if labels.is_empty() {
        return Err(Error::NoLabels);
    }
    // Encode every QR code first so that a bad URI fails before any drawing.
    let codes = labels
        .iter()
        .enumerate()
        .map(|(index, l)| {
            qr::encode(l.uri.as_bytes()).map_err(|source| Error::Qr { index, source })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let font = Font::new(FONT.into(), 0).ok_or(Error::Font)?;
    let shaper = Shaper::new(FONT).ok_or(Error::Font)?;
    let g = layout.geometry();
    let settings = PageSettings::from_wh(g.page_w * MM, g.page_h * MM).ok_or(Error::PageSize)?;

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title("Ketnoi labels".to_owned())
            .language("vi".to_owned())
            .creator("Ketnoi".to_owned()),
    );
    for (page_labels, page_codes) in labels
        .chunks(layout.per_page())
        .zip(codes.chunks(layout.per_page()))
    {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        surface.set_fill(Some(black()));
        for (i, (label, code)) in page_labels.iter().zip(page_codes).enumerate() {
            let x = g.left + (i % g.cols) as f32 * g.pitch_x;
            let y = g.top + (i / g.cols) as f32 * g.pitch_y;
            draw_label(&mut surface, &font, &shaper, &g.style, x, y, label, code);
        }
        surface.finish();
        page.finish();
    }
    Ok(document.finish()?)
}

fn black() -> Fill {
    Fill {
        paint: rgb::Color::black().into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// Draws one label whose top left corner is at (`x`, `y`) mm.
#[allow(clippy::too_many_arguments)]
fn draw_label(
    surface: &mut Surface<'_>,
    font: &Font,
    shaper: &Shaper,
    s: &Style,
    x: f32,
    y: f32,
    label: &Label,
    code: &Matrix,
) {
    // The QR symbol, with its quiet zone inside the box.
    let modules = code.width;
    let module = s.qr_box / (modules + 2 * QUIET) as f32;
    let quiet = QUIET as f32 * module;
    let sym_x = x + s.pad + quiet;
    let sym_y = y + s.pad + quiet;
    draw_qr(surface, code, sym_x, sym_y, module);
    let sym_bottom = sym_y + modules as f32 * module;

    // Beside it: the product, the lot line, and the check code level with the symbol's foot.
    let col_x = x + s.pad + s.qr_box + GAP;
    let col_w = x + s.w - s.pad - col_x;
    // The last baseline drawn and its size.
    let mut prev: Option<(f32, f32)> = None;
    for (text, block) in [(&label.product, &s.product), (&label.lot, &s.lot)] {
        let set = shaper.fit(text, block, col_w * MM);
        for (n, line) in set.lines.iter().enumerate() {
            let baseline = match prev {
                None => sym_y + shaper.cap_height(set.size) / MM,
                // A new block: clear the descenders above and leave room for marks.
                Some((b, size)) if n == 0 => {
                    b + (shaper.descent(size) + shaper.cap_height(set.size) + 0.3 * set.size) / MM
                }
                Some((b, _)) => b + shaper.line_height(set.size) / MM,
            };
            draw_line(surface, font, col_x, baseline, set.size, line, block.bold);
            prev = Some((baseline, set.size));
        }
    }
    let set = shaper.fit(&label.check, &s.check, col_w * MM);
    let baseline = match prev {
        Some((b, size)) => sym_bottom
            .max(b + (shaper.descent(size) + shaper.cap_height(set.size) + 0.3 * set.size) / MM),
        None => sym_bottom,
    };
    for line in &set.lines {
        draw_line(surface, font, col_x, baseline, set.size, line, s.check.bold);
    }

    // Under both: the human-readable code, from the symbol's left edge.
    let code_w = x + s.w - s.pad - sym_x;
    let set = shaper.fit(&label.code, &s.code, code_w * MM);
    let baseline = y + s.h - s.pad - shaper.descent(set.size) / MM;
    for line in &set.lines {
        draw_line(surface, font, sym_x, baseline, set.size, line, s.code.bold);
    }
}

/// Draws the dark modules of `code` as one path, the outlines of its dark areas, in module
/// units (small integers, which compress well) scaled to `module` mm at (`x`, `y`) mm. Being
/// one fill, neighbouring modules leave no seams between them when rasterised.
fn draw_qr(surface: &mut Surface<'_>, code: &Matrix, x: f32, y: f32, module: f32) {
    let mut pb = PathBuilder::new();
    for outline in code.outlines() {
        let mut points = outline
            .iter()
            .map(|&(px, py)| (f32::from(px), f32::from(py)));
        if let Some((px, py)) = points.next() {
            pb.move_to(px, py);
            for (px, py) in points {
                pb.line_to(px, py);
            }
            pb.close();
        }
    }
    if let Some(path) = pb.finish() {
        let m = module * MM;
        surface.push_transform(&Transform::from_row(m, 0.0, 0.0, m, x * MM, y * MM));
        surface.draw_path(&path);
        surface.pop();
    }
}

/// Draws a shaped line with its left end at (`x`, `baseline`) mm; `bold` adds a thin outline.
fn draw_line(
    surface: &mut Surface<'_>,
    font: &Font,
    x: f32,
    baseline: f32,
    size: f32,
    line: &text::Line,
    bold: bool,
) {
    if bold {
        surface.set_stroke(Some(Stroke {
            width: size * 0.04,
            ..Stroke::default()
        }));
    }
    surface.draw_glyphs(
        Point::from_xy(x * MM, baseline * MM),
        &line.glyphs,
        font.clone(),
        &line.text,
        size,
        false,
    );
    if bold {
        surface.set_stroke(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_parse_their_names() {
        for l in Layout::ALL {
            assert_eq!(Layout::parse(l.as_str()), Some(l));
        }
        assert_eq!(Layout::parse("A4-40"), None);
        assert_eq!(Layout::parse(""), None);
        assert_eq!(Layout::A4_40.per_page(), 40);
        assert_eq!(Layout::A4_65.per_page(), 65);
        assert_eq!(Layout::Roll.per_page(), 1);
    }

    #[test]
    fn labels_fit_their_pages() {
        for l in Layout::ALL {
            let g = l.geometry();
            let right = g.left + (g.cols - 1) as f32 * g.pitch_x + g.style.w;
            let bottom = g.top + (g.rows - 1) as f32 * g.pitch_y + g.style.h;
            assert!(right <= g.page_w + 0.01, "{l:?}: {right}");
            assert!(bottom <= g.page_h + 0.01, "{l:?}: {bottom}");
            assert!(g.style.pad + g.style.qr_box < g.style.h, "{l:?}");
        }
    }

    #[test]
    fn the_qr_code_is_about_16_mm_on_a4_65() {
        let code =
            qr::encode(b"https://ketnoi.example.vn/01/08930000000017/10/L1/21/000123").unwrap();
        let s = &A4_65.style;
        let symbol = s.qr_box * code.width as f32 / (code.width + 2 * QUIET) as f32;
        assert!((15.0..=17.0).contains(&symbol), "{symbol} mm");
    }

    #[test]
    fn errors_cross_threads() {
        // Callers run `sheet` on a blocking thread and wrap its error (anyhow, Box<dyn Error>).
        fn send_sync<T: std::error::Error + Send + Sync + 'static>() {}
        send_sync::<Error>();
    }

    #[test]
    fn no_labels_is_an_error() {
        assert!(matches!(sheet(&[], Layout::A4_40), Err(Error::NoLabels)));
    }
}
