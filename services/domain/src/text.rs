//! Text at the boundary: NFC normalisation, trimming and length limits counted in characters.

use unicode_normalization::UnicodeNormalization;

/// Returns `s` trimmed and NFC-normalised, so "ố" typed as o + combining marks (macOS, some
/// Android keyboards) is stored and compared as the single precomposed character.
/// Bidirectional overrides, embeddings and isolates are dropped: Vietnamese text never
/// needs them, and they make "gpj.exe" display as "exe.jpg" or a name look like another.
pub fn clean(s: &str) -> String {
    let v: String = s.nfc().filter(|c| !is_bidi_control(*c)).collect();
    match v.trim() {
        t if t.len() == v.len() => v,
        t => t.to_owned(),
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing (zero-width spaces and joiners, direction marks, variation
/// selectors, fillers, tags): harmless in a message, a disguise in a name.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// A person's or an organisation's display name: a required line without invisible or
/// direction-changing characters, runs of spaces made one.
pub fn display_name(s: &str, max: usize) -> Result<String, TextError> {
    if s.chars().any(is_invisible) {
        return Err(TextError::ControlCharacters);
    }
    let v = required_line(s, max)?;
    Ok(v.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Whether two names read the same to a person: case, diacritics and spacing ignored.
pub fn same_name(a: &str, b: &str) -> bool {
    fold(a).split_whitespace().eq(fold(b).split_whitespace())
}

/// Lower-cased, NFC text without diacritics; `đ`/`Đ` become `d`: what text typed without
/// accents is matched against (search, message search).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        match c {
            'đ' | 'Đ' => out.push('d'),
            c if unicode_normalization::char::is_combining_mark(c) => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out.nfc().collect()
}

/// A key that sorts Vietnamese words in dictionary order: letters by the Vietnamese alphabet
/// (a ă â b c d đ e ê g … o ô ơ … u ư v x y), then tones (none, grave, hook, tilde, acute,
/// dot below) only where the letters are the same; case ignored.
pub fn vietnamese_sort_key(s: &str) -> (Vec<u32>, Vec<u8>) {
    const ALPHABET: &str = "aăâbcdđeêghiklmnoôơpqrstuưvxy";
    let mut letters = Vec::with_capacity(s.len());
    let mut tones = Vec::new();
    for c in s.to_lowercase().nfd() {
        let tone = match c {
            '\u{0300}' => 1,
            '\u{0309}' => 2,
            '\u{0303}' => 3,
            '\u{0301}' => 4,
            '\u{0323}' => 5,
            _ => 0,
        };
        if tone > 0 {
            if let Some(last) = tones.last_mut() {
                *last = tone;
            }
            continue;
        }
        // A letter's own mark (breve, circumflex, horn) makes it the next letter.
        let modified = match (letters.last().copied(), c) {
            (Some(l), '\u{0306}' | '\u{0302}' | '\u{031B}') => Some(l),
            _ => None,
        };
        if let Some(base) = modified {
            let step = match (base, c) {
                (1, '\u{0302}') | (17, '\u{031B}') => 2, // â after ă, ơ after ô
                _ => 1,
            };
            if let Some(last) = letters.last_mut() {
                *last = base + step;
            }
            continue;
        }
        // A space before any letter: "Ba Vì" before "Bát Tràng".
        let rank = if c.is_whitespace() {
            0
        } else {
            ALPHABET
                .chars()
                .position(|a| a == c)
                .and_then(|p| u32::try_from(p + 1).ok())
                .unwrap_or_else(|| 1000 + u32::from(c))
        };
        letters.push(rank);
        tones.push(0);
    }
    (letters, tones)
}

/// What is wrong with a piece of user text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("required")]
    Required,
    #[error("too long")]
    TooLong { max: usize },
    #[error("control characters")]
    ControlCharacters,
}

/// Cleans a single-line field and checks it is present and at most `max` characters.
pub fn required_line(s: &str, max: usize) -> Result<String, TextError> {
    let v = optional_line(s, max)?;
    v.ok_or(TextError::Required)
}

/// Cleans an optional single-line field: empty becomes `None`.
pub fn optional_line(s: &str, max: usize) -> Result<Option<String>, TextError> {
    let v = clean(s);
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if v.chars().any(char::is_control) {
        return Err(TextError::ControlCharacters);
    }
    Ok(Some(v))
}

/// Cleans an optional multi-line field (newlines and tabs allowed).
pub fn optional_block(s: &str, max: usize) -> Result<Option<String>, TextError> {
    let v: String = clean(&s.replace("\r\n", "\n"));
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(TextError::ControlCharacters);
    }
    Ok(Some(v))
}

/// A URL path segment made from a name: lower-case ASCII, diacritics folded, `đ` → `d`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c if unicode_normalization::char::is_combining_mark(c) => continue,
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn vietnamese_words_sort_in_dictionary_order() {
        let mut words = vec![
            "Đông Anh",
            "Yên Bài",
            "Ô Chợ Dừa",
            "Ba Vì",
            "Ơn",
            "Bát Tràng",
            "Dân Hòa",
            "Ân Thi",
            "An Khánh",
            "Ăn",
            "Ứng Hòa",
            "Uy Nỗ",
            "bà",
            "ba",
            "bá",
        ];
        words.sort_by_key(|w| vietnamese_sort_key(w));
        assert_eq!(
            words,
            [
                "An Khánh",
                "Ăn",
                "Ân Thi",
                "ba",
                "bà",
                "bá",
                "Ba Vì",
                "Bát Tràng",
                "Dân Hòa",
                "Đông Anh",
                "Ô Chợ Dừa",
                "Ơn",
                "Uy Nỗ",
                "Ứng Hòa",
                "Yên Bài",
            ]
        );
    }

    use super::*;

    #[test]
    fn decomposed_input_is_stored_precomposed() {
        let nfd = "Go\u{302}\u{301}m su\u{31b}\u{301}";
        assert_eq!(clean(nfd), "Gốm sứ");
    }

    #[test]
    fn line_length_is_counted_in_characters_not_bytes() {
        let s = "đ".repeat(10);
        assert!(required_line(&s, 10).is_ok());
        assert_eq!(required_line(&s, 9), Err(TextError::TooLong { max: 9 }));
    }

    #[test]
    fn blank_required_line_is_rejected() {
        assert_eq!(required_line("   ", 10), Err(TextError::Required));
    }

    #[test]
    fn control_characters_are_rejected_in_lines() {
        assert_eq!(
            required_line("a\u{0}b", 10),
            Err(TextError::ControlCharacters)
        );
        assert!(optional_block("a\nb", 10).is_ok());
    }

    #[test]
    fn names_refuse_invisible_and_direction_characters() {
        for disguised in [
            "Quản\u{200B}trị",
            "Quản trị\u{FEFF}",
            "\u{202E}ịrt nảuQ",
            "Lan\u{2066}",
        ] {
            assert_eq!(
                display_name(disguised, 100),
                Err(TextError::ControlCharacters),
                "{disguised:?}"
            );
        }
        assert_eq!(
            display_name("  Nguyễn   Thị  Lan ", 100).unwrap(),
            "Nguyễn Thị Lan"
        );
        assert!(same_name("Quản trị Ketnoi", "quan  tri KETNOI"));
        assert!(!same_name("Quản trị Ketnoi", "Quản trị Ketnoi 2"));
    }

    #[test]
    fn direction_overrides_are_dropped_from_any_text() {
        assert_eq!(clean("\u{202E}gpj.exe"), "gpj.exe");
        assert_eq!(
            optional_block("xem \u{2067}tệp\u{2069}\nnhé", 100)
                .unwrap()
                .as_deref(),
            Some("xem tệp\nnhé")
        );
    }

    #[test]
    fn slug_folds_vietnamese() {
        assert_eq!(
            slugify("HTX Gốm sứ Men Lam Bát Tràng"),
            "htx-gom-su-men-lam-bat-trang"
        );
        assert_eq!(slugify("Đường Láng -- Đống Đa!"), "duong-lang-dong-da");
    }
}
