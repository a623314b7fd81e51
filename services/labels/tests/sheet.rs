//! The label sheets read back by independent tools: poppler's `pdftoppm` rasterises them and
//! zbar's `zbarimg` decodes the QR codes; `pdftotext` extracts the text; lopdf counts pages.
//!
//! Without poppler-utils or zbar-tools the tests that need them are skipped with a note on
//! standard error, unless `KETNOI_REQUIRE_ZBAR=1` (as in CI), where they fail instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use ketnoi_labels::{Error, Label, Layout, sheet};

const PRODUCTS: [&str; 4] = [
    "Gạo nếp cái hoa vàng",
    "Trà shan tuyết cổ thụ Hà Giang thượng hạng hộp quà Tết 200g",
    "Mật ong hoa nhãn",
    "Nước mắm Cát Hải nguyên chất 40 độ đạm",
];

/// `n` labels with distinct URIs, lots and serial numbers.
fn labels(n: usize) -> Vec<Label> {
    (0..n)
        .map(|i| {
            let lot = format!("L2026-{:02}", i % 12 + 1);
            let serial = format!("{:06}", 123 + i);
            Label {
                uri: format!("https://ketnoi.example.vn/01/08930000000017/10/{lot}/21/{serial}"),
                product: PRODUCTS[i % PRODUCTS.len()].to_owned(),
                lot: format!("Lô {lot} · HSD 01/03/2027"),
                code: format!("(01)08930000000017(10){lot}(21){serial}"),
                check: format!("{}K{:02}", char::from(b'A' + (i % 26) as u8), i % 100),
            }
        })
        .collect()
}

/// Whether the named programs run; if one does not, the test is skipped (or fails when
/// `KETNOI_REQUIRE_ZBAR=1`).
fn have(test: &str, programs: &[&str]) -> bool {
    for program in programs {
        let runs = Command::new(program)
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success() || !o.stderr.is_empty() || !o.stdout.is_empty());
        if !runs {
            assert!(
                std::env::var("KETNOI_REQUIRE_ZBAR").as_deref() != Ok("1"),
                "{program} is missing and KETNOI_REQUIRE_ZBAR=1 (apt-get install poppler-utils zbar-tools)"
            );
            eprintln!(
                "skipping {test}: {program} is missing (apt-get install poppler-utils zbar-tools)"
            );
            return false;
        }
    }
    true
}

/// Where the labels sit on a page, in millimetres: (left, top, width, height) of each cell in
/// the order the labels fill them. Written out here from the label stock's specifications,
/// not taken from the crate, so that the tests also check the placement.
fn cells(layout: Layout) -> Vec<(f32, f32, f32, f32)> {
    let grid = |cols: usize, rows: usize, left: f32, top: f32, pitch: (f32, f32), w, h| {
        (0..rows)
            .flat_map(|r| (0..cols).map(move |c| (c, r)))
            .map(|(c, r)| (left + c as f32 * pitch.0, top + r as f32 * pitch.1, w, h))
            .collect()
    };
    match layout {
        Layout::A4_40 => grid(4, 10, 0.0, 0.0, (52.5, 29.7), 52.5, 29.7),
        Layout::A4_65 => grid(5, 13, 4.75, 10.7, (40.6, 21.2), 38.1, 21.2),
        Layout::Roll => grid(1, 1, 0.0, 0.0, (50.0, 30.0), 50.0, 30.0),
    }
}

const DPI: f32 = 300.0;

/// A greyscale page as pdftoppm writes it (binary PGM).
struct Gray {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Gray {
    fn read(path: &Path) -> Gray {
        let bytes = std::fs::read(path).unwrap();
        // "P5", width, height, maxval, each followed by one white space character.
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(std::str::from_utf8(&bytes[start..at]).unwrap().to_owned());
        }
        assert_eq!(fields[0], "P5");
        assert_eq!(fields[3], "255");
        let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        let pixels = bytes[at + 1..].to_vec();
        assert_eq!(pixels.len(), width * height);
        Gray {
            width,
            height,
            pixels,
        }
    }

    /// Writes the part of the page in the cell (millimetres) as a PGM file.
    fn crop(&self, (x, y, w, h): (f32, f32, f32, f32), path: &Path) {
        let px = |mm: f32| (mm * DPI / 25.4).round() as usize;
        let (left, top) = (px(x), px(y));
        let right = px(x + w).min(self.width);
        let bottom = px(y + h).min(self.height);
        let mut out = format!("P5\n{} {}\n255\n", right - left, bottom - top).into_bytes();
        for row in top..bottom {
            out.extend_from_slice(&self.pixels[row * self.width + left..row * self.width + right]);
        }
        std::fs::write(path, out).unwrap();
    }
}

/// Rasterises `pdf` at 300 dpi, cuts each page into its layout's label cells, and returns
/// what zbarimg decodes in each cell, cell by cell (an empty string where it found nothing).
///
/// Each cell is decoded alone, as a scanner sees one label: zbar's QR finder mixes up the
/// finder patterns of dozens of codes aligned in a grid on one image (it decoded 1 to 57 of
/// the 65 codes of a whole page, depending on the resolution).
fn decode(pdf: &[u8], layout: Layout, count: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("labels.pdf");
    std::fs::write(&file, pdf).unwrap();
    let prefix = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "300", "-gray"])
        .arg(&file)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success(), "pdftoppm: {status}");
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    pages.sort_by_key(|p| {
        let stem = p.file_stem().unwrap().to_str().unwrap();
        stem.rsplit('-').next().unwrap().parse::<usize>().unwrap()
    });
    assert_eq!(pages.len(), count.div_ceil(layout.per_page()));
    let cells = cells(layout);
    let mut decoded = Vec::new();
    for page in &pages {
        let gray = Gray::read(page);
        for &cell in cells.iter().take(count - decoded.len()) {
            let crop = dir.path().join("cell.pgm");
            gray.crop(cell, &crop);
            decoded.push(zbar(&crop).join("\n"));
        }
    }
    decoded
}

fn zbar(image: &Path) -> Vec<String> {
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(image)
        .output()
        .unwrap();
    // Exit status 4: no symbol found, which the comparison reports better.
    assert!(
        out.status.success() || out.status.code() == Some(4),
        "zbarimg: {} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every label's QR code decodes to its URI, in its own cell on the page.
fn assert_decodes(labels: &[Label], layout: Layout) {
    let pdf = sheet(labels, layout).unwrap();
    let decoded = decode(&pdf, layout, labels.len());
    let want: Vec<&str> = labels.iter().map(|l| l.uri.as_str()).collect();
    assert_eq!(decoded, want, "{layout:?}");
    let set: BTreeSet<&str> = decoded.iter().map(String::as_str).collect();
    assert_eq!(set, want.iter().copied().collect(), "{layout:?}");
}

#[test]
fn a_few_labels_decode_in_every_layout() {
    if !have(
        "a_few_labels_decode_in_every_layout",
        &["pdftoppm", "zbarimg"],
    ) {
        return;
    }
    for layout in Layout::ALL {
        assert_decodes(&labels(3), layout);
    }
}

#[test]
fn a_full_a4_40_page_decodes() {
    if !have("a_full_a4_40_page_decodes", &["pdftoppm", "zbarimg"]) {
        return;
    }
    assert_decodes(&labels(40), Layout::A4_40);
}

#[test]
fn a_full_a4_65_page_decodes() {
    if !have("a_full_a4_65_page_decodes", &["pdftoppm", "zbarimg"]) {
        return;
    }
    assert_decodes(&labels(65), Layout::A4_65);
}

#[test]
fn long_uris_still_decode_on_the_smallest_labels() {
    if !have(
        "long_uris_still_decode_on_the_smallest_labels",
        &["pdftoppm", "zbarimg"],
    ) {
        return;
    }
    let mut labels = labels(5);
    for (i, l) in labels.iter_mut().enumerate() {
        l.uri = format!(
            "https://ketnoi.example.vn/01/08930000000017/10/HTX-SON-LA-2026-03-{i}/21/000000000{i}?17=270301"
        );
    }
    assert_decodes(&labels, Layout::A4_65);
}

/// The text pdftotext extracts from `pdf`, white space runs made one space.
fn text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("labels.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext: {}", out.status);
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_text_is_real_text() {
    if !have("the_text_is_real_text", &["pdftotext"]) {
        return;
    }
    let label = Label {
        uri: "https://ketnoi.example.vn/01/08930000000017/10/L2026-03/21/000123".into(),
        product: "Gạo nếp cái hoa vàng".into(),
        lot: "Lô L2026-03 · HSD 01/03/2027".into(),
        code: "(01)08930000000017(10)L2026-03(21)000123".into(),
        check: "7K3Q".into(),
    };
    for layout in Layout::ALL {
        let text = text(&sheet(std::slice::from_ref(&label), layout).unwrap());
        for want in [&label.product, &label.lot, &label.code, &label.check] {
            assert!(
                text.contains(want.as_str()),
                "{layout:?}: {want:?} in {text:?}"
            );
        }
    }
}

#[test]
fn a_long_product_name_ends_in_an_ellipsis() {
    if !have("a_long_product_name_ends_in_an_ellipsis", &["pdftotext"]) {
        return;
    }
    let mut label = labels(1).remove(0);
    label.product = "Trà shan tuyết cổ thụ Hà Giang thượng hạng hộp quà Tết 200g".into();
    let text = text(&sheet(&[label], Layout::A4_65).unwrap());
    assert!(text.contains("Trà shan tuyết"), "{text:?}");
    assert!(text.contains('…'), "{text:?}");
    assert!(!text.contains("200g"), "{text:?}");
}

fn pages(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).unwrap().get_pages().len()
}

#[test]
fn pages_hold_their_layouts_labels() {
    let many = labels(1000);
    assert_eq!(pages(&sheet(&many, Layout::A4_40).unwrap()), 25);
    assert_eq!(pages(&sheet(&many[..66], Layout::A4_65).unwrap()), 2);
    assert_eq!(pages(&sheet(&many[..65], Layout::A4_65).unwrap()), 1);
    assert_eq!(pages(&sheet(&many[..41], Layout::A4_40).unwrap()), 2);
    assert_eq!(pages(&sheet(&many[..3], Layout::Roll).unwrap()), 3);
}

#[test]
fn pages_are_a4_or_the_roll_label() {
    let points = |mm: f32| mm * 72.0 / 25.4;
    for (layout, w, h) in [
        (Layout::A4_40, 210.0, 297.0),
        (Layout::A4_65, 210.0, 297.0),
        (Layout::Roll, 50.0, 30.0),
    ] {
        let doc = lopdf::Document::load_mem(&sheet(&labels(2), layout).unwrap()).unwrap();
        for id in doc.get_pages().values() {
            let page = doc.get_dictionary(*id).unwrap();
            let media = page.get(b"MediaBox").unwrap().as_array().unwrap();
            let n: Vec<f32> = media.iter().map(|o| o.as_float().unwrap()).collect();
            assert!((n[2] - n[0] - points(w)).abs() < 0.5, "{layout:?}: {n:?}");
            assert!((n[3] - n[1] - points(h)).abs() < 0.5, "{layout:?}: {n:?}");
        }
    }
}

#[test]
fn the_font_is_embedded() {
    let doc = lopdf::Document::load_mem(&sheet(&labels(1), Layout::Roll).unwrap()).unwrap();
    let embedded = doc.objects.values().any(|o| {
        o.as_dict()
            .is_ok_and(|d| d.has(b"FontFile2") || d.has(b"FontFile3"))
    });
    assert!(embedded, "no embedded font program");
}

#[test]
fn a_uri_too_long_for_a_qr_code_is_an_error() {
    let mut labels = labels(3);
    labels[1].uri = format!("https://ketnoi.example.vn/{}", "x".repeat(4000));
    match sheet(&labels, Layout::A4_40) {
        Err(Error::Qr { index, .. }) => assert_eq!(index, 1),
        other => panic!("{:?}", other.map(|pdf| pdf.len())),
    }
}
