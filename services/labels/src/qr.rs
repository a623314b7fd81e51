//! QR codes at error correction level M, made with the `qrcode` crate's encoder and canvas.
//!
//! `QrCode::with_error_correction_level` spends most of its time (0.7 ms a code, most of a
//! 1,000-label sheet) choosing the mask: its penalty scoring allocates for every module.
//! [`encode`] runs the same steps through the crate's public parts (bits, error correction
//! codewords, canvas, masks) and scores the eight masks itself with the same rules, so it
//! chooses the same mask and yields the same matrix (a test checks that), several times faster.

use qrcode::EcLevel;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::{Color, QrResult};

/// A QR symbol without its quiet zone: `width` x `width` modules, row by row.
pub(crate) struct Matrix {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl Matrix {
    fn is_dark(&self, x: isize, y: isize) -> bool {
        let w = self.width as isize;
        (0..w).contains(&x) && (0..w).contains(&y) && self.dark[(y * w + x) as usize]
    }

    /// The outlines of the dark areas as closed polygons of corner points (module units, y
    /// down), each going round with the dark side on its right: filled with the non-zero rule
    /// they give exactly the dark modules, in about half the points of a rectangle per run.
    pub(crate) fn outlines(&self) -> Vec<Vec<(u16, u16)>> {
        let w = self.width;
        let n = w + 1;
        // Each grid point has at most two boundary edges leaving it (two when dark modules
        // touch only at a corner there).
        let mut out: Vec<[Option<u32>; 2]> = vec![[None; 2]; n * n];
        let mut add = |from: (usize, usize), to: (usize, usize)| {
            let slot = &mut out[from.1 * n + from.0];
            let free = if slot[0].is_none() { 0 } else { 1 };
            slot[free] = u32::try_from(to.1 * n + to.0).ok();
        };
        for y in 0..=w {
            for x in 0..=w {
                let (xi, yi) = (x as isize, y as isize);
                if x < w {
                    // The horizontal edge from (x, y) to (x + 1, y).
                    match (self.is_dark(xi, yi - 1), self.is_dark(xi, yi)) {
                        (false, true) => add((x, y), (x + 1, y)),
                        (true, false) => add((x + 1, y), (x, y)),
                        _ => {}
                    }
                }
                if y < w {
                    // The vertical edge from (x, y) to (x, y + 1).
                    match (self.is_dark(xi - 1, yi), self.is_dark(xi, yi)) {
                        (false, true) => add((x, y + 1), (x, y)),
                        (true, false) => add((x, y), (x, y + 1)),
                        _ => {}
                    }
                }
            }
        }
        let point = |v: usize| ((v % n) as u16, (v / n) as u16);
        let mut loops = Vec::new();
        for start in 0..n * n {
            while out[start][0].is_some() || out[start][1].is_some() {
                let mut corners = Vec::new();
                let mut at = start;
                let mut heading = None;
                loop {
                    let slot = &mut out[at];
                    let Some(next) = slot[0].take().or_else(|| slot[1].take()) else {
                        break;
                    };
                    let next = next as usize;
                    let (a, b) = (point(at), point(next));
                    let dir = (b.0 as i32 - a.0 as i32, b.1 as i32 - a.1 as i32);
                    if heading != Some(dir) {
                        corners.push(a);
                        heading = Some(dir);
                    }
                    at = next;
                    if at == start {
                        break;
                    }
                }
                // The start may lie inside a straight side.
                if corners.len() > 2 {
                    let (first, second, last) =
                        (corners[0], corners[1], corners[corners.len() - 1]);
                    let straight = (last.0 == first.0 && first.0 == second.0)
                        || (last.1 == first.1 && first.1 == second.1);
                    if straight {
                        corners.remove(0);
                    }
                }
                loops.push(corners);
            }
        }
        loops
    }
}

const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The smallest QR code at level M holding `data`, with the mask of lowest penalty.
pub(crate) fn encode(data: &[u8]) -> QrResult<Matrix> {
    let bits = qrcode::bits::encode_auto(data, EcLevel::M)?;
    let version = bits.version();
    let (codewords, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&codewords, &ec);
    let width = usize::try_from(version.width()).unwrap_or(0);
    let mut best: Option<(u32, Vec<bool>)> = None;
    for mask in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let dark: Vec<bool> = masked
            .into_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        let score = penalty(&dark, width);
        // The first of equal scores, as `qrcode` chooses.
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, dark));
        }
    }
    let dark = best.map(|(_, d)| d).unwrap_or_default();
    Ok(Matrix { width, dark })
}

/// The mask penalty of ISO/IEC 18004 (N1 to N4) as `qrcode` computes it: runs of five or more
/// modules of one colour, 2 x 2 blocks of one colour, finder-like 1:1:3:1:1 patterns with
/// four light modules on one side (less the 9 rows and 9 columns of the three finder patterns
/// themselves), and the dark/light imbalance.
fn penalty(dark: &[bool], w: usize) -> u32 {
    const FINDER: [bool; 7] = [true, false, true, true, true, false, true];
    if w == 0 {
        return 0;
    }
    let mut columns = vec![false; dark.len()];
    for (y, row) in dark.chunks(w).enumerate() {
        for (x, &d) in row.iter().enumerate() {
            columns[x * w + y] = d;
        }
    }
    let mut score: usize = 0;
    for lines in [dark, &columns] {
        let mut finders: usize = 0;
        for line in lines.chunks(w) {
            // N1: runs.
            let mut run = 1;
            for j in 1..=w {
                if j < w && line[j] == line[j - 1] {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += run - 2;
                    }
                    run = 1;
                }
            }
            // N3: dark, light, dark x 3, light, dark with four light modules on either side
            // (modules off the symbol count as light).
            for j in 0..w.saturating_sub(6) {
                if line[j..j + 7] != FINDER {
                    continue;
                }
                let before = line[j.saturating_sub(4)..j].contains(&true);
                let after = line[j + 7..(j + 11).min(w)].contains(&true);
                if !before || !after {
                    finders += 40;
                }
            }
        }
        score += finders.saturating_sub(360);
    }
    // N2: 2 x 2 blocks.
    for (top, bottom) in dark.chunks(w).zip(dark.chunks(w).skip(1)) {
        for x in 0..w - 1 {
            let c = top[x];
            if top[x + 1] == c && bottom[x] == c && bottom[x + 1] == c {
                score += 3;
            }
        }
    }
    // N4: balance, linear in the deviation from half dark.
    let ratio = dark.iter().filter(|&&d| d).count() * 200 / dark.len();
    score += ratio.abs_diff(100);
    u32::try_from(score).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::QrCode;

    #[test]
    fn same_matrix_as_the_qrcode_crate() {
        let mut uris: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    "https://ketnoi.example.vn/01/0893000000{:04}/10/L2026-{:02}/21/{:06}",
                    i * 7,
                    i % 12 + 1,
                    i * 7919 % 1_000_000
                )
            })
            .collect();
        uris.extend(["", "1", "HELLO WORLD", "Gạo nếp cái hoa vàng"].map(String::from));
        uris.push("x".repeat(500));
        for uri in uris {
            let ours = encode(uri.as_bytes()).unwrap();
            let theirs = QrCode::with_error_correction_level(&uri, EcLevel::M).unwrap();
            assert_eq!(ours.width, theirs.width(), "{uri}");
            let theirs: Vec<bool> = theirs
                .to_colors()
                .iter()
                .map(|&c| c == Color::Dark)
                .collect();
            assert!(ours.dark == theirs, "{uri}");
        }
    }

    #[test]
    fn outlines_cover_exactly_the_dark_modules() {
        for uri in [
            "https://ketnoi.example.vn/01/08930000000017/10/L1/21/000123",
            "",
            "x",
        ] {
            let m = encode(uri.as_bytes()).unwrap();
            let loops = m.outlines();
            // Twice the signed area of each loop (shoelace); with the dark side on the right
            // in y-down coordinates, dark areas are positive and holes negative.
            let area: i64 = loops
                .iter()
                .map(|l| {
                    (0..l.len())
                        .map(|i| {
                            let (a, b) = (l[i], l[(i + 1) % l.len()]);
                            i64::from(a.0) * i64::from(b.1) - i64::from(b.0) * i64::from(a.1)
                        })
                        .sum::<i64>()
                })
                .sum();
            let dark = m.dark.iter().filter(|&&d| d).count() as i64;
            assert_eq!(area, 2 * dark, "{uri}");
            for l in &loops {
                assert!(l.len() >= 4 && l.len() % 2 == 0, "{l:?}");
                // Sides alternate between horizontal and vertical.
                for i in 0..l.len() {
                    let (a, b) = (l[i], l[(i + 1) % l.len()]);
                    assert!((a.0 == b.0) != (a.1 == b.1), "{l:?}");
                }
            }
            // Each point of a non-zero-rule fill is inside exactly when its module is dark.
            for y in 0..m.width {
                for x in 0..m.width {
                    let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                    let mut winding = 0;
                    for l in &loops {
                        for i in 0..l.len() {
                            let (a, b) = (l[i], l[(i + 1) % l.len()]);
                            // Vertical sides crossing the ray to the right of the point.
                            if a.0 == b.0 && f64::from(a.0) > px {
                                let (lo, hi) = (a.1.min(b.1), a.1.max(b.1));
                                if f64::from(lo) < py && py < f64::from(hi) {
                                    winding += if b.1 > a.1 { 1 } else { -1 };
                                }
                            }
                        }
                    }
                    assert_eq!(winding != 0, m.dark[y * m.width + x], "({x}, {y}) in {uri}");
                }
            }
        }
    }

    #[test]
    fn data_too_long_is_an_error() {
        assert!(encode("x".repeat(4000).as_bytes()).is_err());
    }
}
