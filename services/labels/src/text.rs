//! Shaping, wrapping and truncating the label text.
//!
//! Text is shaped once with rustybuzz (so Vietnamese marks sit where the font puts them and
//! clusters are never split), measured from the shaped advances, broken at spaces (inside a
//! word only when the word alone is too long), shrunk down to the block's smallest size, and
//! when it still does not fit, its last line ends in "…".

use std::ops::Range;

use krilla::text::{GlyphId, KrillaGlyph};
use rustybuzz::{Direction, Face, ShapePlan, UnicodeBuffer, script};

const ELLIPSIS: &str = "…";

/// How one piece of text may be set.
pub(crate) struct Block {
    /// The preferred font size, in points.
    pub size: f32,
    /// The smallest size the text may shrink to before it is truncated.
    pub min_size: f32,
    pub max_lines: usize,
    /// Drawn with a thin outline, to stand out.
    pub bold: bool,
}

impl Block {
    pub(crate) const fn new(size: f32, min_size: f32, max_lines: usize, bold: bool) -> Block {
        Block {
            size,
            min_size,
            max_lines,
            bold,
        }
    }
}

/// A line ready to draw.
pub(crate) struct Line {
    pub text: String,
    /// Glyphs with advances in em and text ranges into `text`.
    pub glyphs: Vec<KrillaGlyph>,
    /// Width in em.
    #[cfg_attr(not(test), allow(dead_code))]
    pub width: f32,
}

/// The lines of a block and the size they are set in.
pub(crate) struct Set {
    pub size: f32,
    pub lines: Vec<Line>,
}

/// A shaped glyph, lengths in em.
#[derive(Clone, Copy)]
struct Glyph {
    id: u32,
    /// Byte offset of the glyph's cluster in the text.
    cluster: usize,
    x_advance: f32,
    x_offset: f32,
    y_offset: f32,
    y_advance: f32,
}

/// A shaped text with the widths before each cluster boundary.
struct Shaped {
    text: String,
    glyphs: Vec<Glyph>,
    /// (byte offset of a cluster start or the text's end, width in em of everything before it),
    /// ascending.
    bounds: Vec<(usize, f32)>,
}

impl Shaped {
    /// Width in em of the text between two cluster boundaries.
    fn width(&self, a: usize, b: usize) -> f32 {
        self.before(b) - self.before(a)
    }

    fn before(&self, at: usize) -> f32 {
        match self.bounds.binary_search_by(|&(o, _)| o.cmp(&at)) {
            Ok(i) => self.bounds[i].1,
            // Not a boundary (cannot happen for the offsets used here): the one before it.
            Err(i) => self.bounds[i.saturating_sub(1)].1,
        }
    }

    /// Cluster boundaries after `at`, ascending.
    fn boundaries_after(&self, at: usize) -> impl Iterator<Item = usize> + '_ {
        self.bounds
            .iter()
            .map(|&(o, _)| o)
            .skip_while(move |&o| o <= at)
    }
}

/// Shapes text in the embedded font.
pub(crate) struct Shaper {
    face: Face<'static>,
    plan: ShapePlan,
    upem: f32,
    cap_height: f32,
    descent: f32,
    ellipsis: Vec<Glyph>,
    ellipsis_width: f32,
}

impl Shaper {
    pub(crate) fn new(font: &'static [u8]) -> Option<Shaper> {
        let face = Face::from_slice(font, 0)?;
        let plan = ShapePlan::new(
            &face,
            Direction::LeftToRight,
            Some(script::LATIN),
            None,
            &[],
        );
        let upem = face.units_per_em() as f32;
        let cap_height = f32::from(face.capital_height().unwrap_or(face.ascender())) / upem;
        let descent = -f32::from(face.descender()) / upem;
        let mut shaper = Shaper {
            face,
            plan,
            upem,
            cap_height,
            descent,
            ellipsis: Vec::new(),
            ellipsis_width: 0.0,
        };
        let e = shaper.shape(ELLIPSIS.to_owned());
        shaper.ellipsis_width = e.width(0, ELLIPSIS.len());
        shaper.ellipsis = e.glyphs;
        Some(shaper)
    }

    /// Height of capitals above the baseline, in points at `size`.
    pub(crate) fn cap_height(&self, size: f32) -> f32 {
        self.cap_height * size
    }

    /// Depth of descenders below the baseline, in points at `size`.
    pub(crate) fn descent(&self, size: f32) -> f32 {
        self.descent * size
    }

    /// Distance between baselines, in points at `size`.
    pub(crate) fn line_height(&self, size: f32) -> f32 {
        1.18 * size
    }

    fn shape(&self, text: String) -> Shaped {
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(&text);
        buffer.set_direction(Direction::LeftToRight);
        buffer.set_script(script::LATIN);
        let out = rustybuzz::shape_with_plan(&self.face, &self.plan, buffer);
        let glyphs: Vec<Glyph> = out
            .glyph_infos()
            .iter()
            .zip(out.glyph_positions())
            .map(|(info, pos)| Glyph {
                id: info.glyph_id,
                cluster: info.cluster as usize,
                x_advance: pos.x_advance as f32 / self.upem,
                x_offset: pos.x_offset as f32 / self.upem,
                y_offset: pos.y_offset as f32 / self.upem,
                y_advance: pos.y_advance as f32 / self.upem,
            })
            .collect();
        let mut bounds: Vec<(usize, f32)> = Vec::with_capacity(glyphs.len() + 1);
        let mut sum = 0.0;
        for g in &glyphs {
            if bounds.last().is_none_or(|&(o, _)| o < g.cluster) {
                bounds.push((g.cluster, sum));
            }
            sum += g.x_advance;
        }
        if bounds.last().is_none_or(|&(o, _)| o < text.len()) {
            bounds.push((text.len(), sum));
        }
        if bounds.first().is_none_or(|&(o, _)| o > 0) {
            bounds.insert(0, (0, 0.0));
        }
        Shaped {
            text,
            glyphs,
            bounds,
        }
    }

    /// Sets `text` in `block` on lines `width` points wide.
    pub(crate) fn fit(&self, text: &str, block: &Block, width: f32) -> Set {
        let shaped = self.shape(clean(text));
        if shaped.text.is_empty() || block.max_lines == 0 {
            return Set {
                size: block.size,
                lines: Vec::new(),
            };
        }
        let mut size = block.size;
        loop {
            let max = width / size;
            let (ranges, overflow) = wrap(&shaped, max, block.max_lines);
            if !overflow || size <= block.min_size {
                let mut lines: Vec<Line> = ranges
                    .iter()
                    .map(|r| self.line(&shaped, r.clone(), false))
                    .collect();
                if overflow && let (Some(last), Some(r)) = (lines.last_mut(), ranges.last()) {
                    *last = self.truncated(&shaped, r.start, max);
                }
                return Set { size, lines };
            }
            size = (size - 0.25).max(block.min_size);
        }
    }

    /// The text from `start` to the end cut so that it and "…" fit in `max` em.
    fn truncated(&self, s: &Shaped, start: usize, max: f32) -> Line {
        let room = max - self.ellipsis_width;
        let mut end = start;
        for b in s.boundaries_after(start) {
            if s.width(start, b) > room {
                break;
            }
            end = b;
        }
        // Do not end on a space before the ellipsis.
        let kept = s.text[start..end].trim_end();
        self.line(s, start..start + kept.len(), true)
    }

    /// The glyphs of `range` (cluster boundaries) as a line, optionally followed by "…".
    fn line(&self, s: &Shaped, range: Range<usize>, ellipsis: bool) -> Line {
        let mut text = s.text[range.clone()].to_owned();
        let mut glyphs = Vec::new();
        let mut width = 0.0;
        let in_range: Vec<&Glyph> = s
            .glyphs
            .iter()
            .filter(|g| range.contains(&g.cluster))
            .collect();
        for (i, g) in in_range.iter().enumerate() {
            let end = in_range[i..]
                .iter()
                .map(|n| n.cluster)
                .find(|&c| c > g.cluster)
                .unwrap_or(range.end);
            glyphs.push(krilla_glyph(g, g.cluster - range.start..end - range.start));
            width += g.x_advance;
        }
        if ellipsis {
            let at = text.len();
            text.push_str(ELLIPSIS);
            for g in &self.ellipsis {
                glyphs.push(krilla_glyph(g, at..text.len()));
            }
            width += self.ellipsis_width;
        }
        Line {
            text,
            glyphs,
            width,
        }
    }
}

fn krilla_glyph(g: &Glyph, range: Range<usize>) -> KrillaGlyph {
    KrillaGlyph::new(
        GlyphId::new(g.id),
        g.x_advance,
        g.x_offset,
        g.y_offset,
        g.y_advance,
        range,
        None,
    )
}

/// Breaks `s` greedily into lines of at most `max` em at spaces (inside a word only when the
/// word alone is wider than a line). Returns at most `max_lines` lines, and whether text was
/// left over.
fn wrap(s: &Shaped, max: f32, max_lines: usize) -> (Vec<Range<usize>>, bool) {
    let text = s.text.as_str();
    let len = text.len();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < len {
        if lines.len() == max_lines {
            return (lines, true);
        }
        let mut end = None;
        let spaces = text[start..].match_indices(' ').map(|(i, _)| start + i);
        for candidate in spaces.chain([len]) {
            if s.width(start, candidate) > max {
                break;
            }
            end = Some(candidate);
        }
        let end = end.unwrap_or_else(|| {
            // The word alone is too wide: as many clusters as fit, at least one.
            let mut after = s.boundaries_after(start);
            let mut end = after.next().unwrap_or(len);
            for b in after {
                if s.width(start, b) > max {
                    break;
                }
                end = b;
            }
            end
        });
        lines.push(start..end);
        start = end;
        while text[start..].starts_with(' ') {
            start += 1;
        }
    }
    (lines, false)
}

/// One line of text: control characters and runs of white space become one space, and the
/// ends are trimmed.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shaper() -> Shaper {
        Shaper::new(crate::FONT).unwrap()
    }

    fn texts(set: &Set) -> Vec<&str> {
        set.lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn short_text_stays_on_one_line_at_full_size() {
        let s = shaper();
        let set = s.fit("7K3Q", &Block::new(9.0, 7.0, 1, true), 100.0);
        assert_eq!(set.size, 9.0);
        assert_eq!(texts(&set), ["7K3Q"]);
        assert_eq!(set.lines[0].glyphs.len(), 4);
    }

    #[test]
    fn white_space_is_cleaned() {
        assert_eq!(clean("  Gạo\tnếp\n\n cái  "), "Gạo nếp cái");
        let set = shaper().fit(" \n\t", &Block::new(8.0, 6.0, 2, false), 100.0);
        assert!(set.lines.is_empty());
    }

    #[test]
    fn long_text_wraps_at_spaces_then_ends_in_an_ellipsis() {
        let s = shaper();
        let block = Block::new(8.0, 6.0, 2, false);
        let text = "Trà shan tuyết cổ thụ Hà Giang thượng hạng đóng hộp quà tặng Tết";
        let width = 70.0;
        let set = s.fit(text, &block, width);
        assert_eq!(set.size, 6.0);
        assert_eq!(set.lines.len(), 2);
        assert!(set.lines[1].text.ends_with('…'), "{:?}", texts(&set));
        assert!(text.starts_with(&set.lines[0].text));
        assert!(!set.lines[0].text.ends_with(' '));
        for line in &set.lines {
            assert!(line.width * set.size <= width + 0.01, "{}", line.text);
        }
        // Every character of the drawn text is covered by a glyph's range.
        for line in &set.lines {
            let covered: usize = line.glyphs.iter().map(|g| g.text_range.len()).sum();
            assert!(covered >= line.text.len(), "{}", line.text);
        }
    }

    #[test]
    fn text_shrinks_before_it_is_truncated() {
        let s = shaper();
        let block = Block::new(8.0, 5.0, 1, false);
        let text = "(01)08930000000017(10)L1(21)000123";
        let natural = s.fit(text, &Block::new(8.0, 8.0, 1, false), 1000.0).lines[0].width;
        let set = s.fit(text, &block, natural * 6.0);
        assert!(set.size < 8.0 && set.size >= 6.0, "{}", set.size);
        assert_eq!(texts(&set), [text]);
    }

    #[test]
    fn a_word_wider_than_a_line_is_broken() {
        let s = shaper();
        let set = s.fit(
            "KN0000123000017KN0000123000017",
            &Block::new(6.0, 6.0, 3, false),
            60.0,
        );
        assert!(set.lines.len() >= 2);
        let joined: String = set.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, "KN0000123000017KN0000123000017");
    }

    #[test]
    fn vietnamese_marks_stay_with_their_letters() {
        // Decomposed "ệ" (e + dot below + circumflex) is one cluster: never cut inside.
        let s = shaper();
        let text = "Le\u{0323}\u{0302}";
        let shaped = s.shape(text.to_owned());
        let offsets: Vec<usize> = shaped.bounds.iter().map(|b| b.0).collect();
        assert_eq!(offsets, [0, 1, text.len()]);
    }
}
