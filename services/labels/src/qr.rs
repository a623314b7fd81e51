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
    let at = |x: usize, y: usize| dark[y * w + x];
    let mut score: usize = 0;
    for horizontal in [true, false] {
        let mut finders: usize = 0;
        let get = |i: usize, j: usize| if horizontal { at(j, i) } else { at(i, j) };
        for i in 0..w {
            // N1: runs.
            let mut run = 1;
            for j in 1..=w {
                if j < w && get(i, j) == get(i, j - 1) {
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
                let finder = get(i, j)
                    && !get(i, j + 1)
                    && get(i, j + 2)
                    && get(i, j + 3)
                    && get(i, j + 4)
                    && !get(i, j + 5)
                    && get(i, j + 6);
                if !finder {
                    continue;
                }
                let before = (j.saturating_sub(4)..j).any(|k| get(i, k));
                let after = (j + 7..(j + 11).min(w)).any(|k| get(i, k));
                if !before || !after {
                    finders += 40;
                }
            }
        }
        score += finders.saturating_sub(360);
    }
    // N2: 2 x 2 blocks.
    for y in 0..w.saturating_sub(1) {
        for x in 0..w - 1 {
            let c = at(x, y);
            if at(x + 1, y) == c && at(x, y + 1) == c && at(x + 1, y + 1) == c {
                score += 3;
            }
        }
    }
    // N4: balance, linear in the deviation from half dark.
    let total = dark.len().max(1);
    let ratio = dark.iter().filter(|&&d| d).count() * 200 / total;
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
    fn data_too_long_is_an_error() {
        assert!(encode("x".repeat(4000).as_bytes()).is_err());
    }
}
