//! Units of sale in the visitor's language. A cooperative types its unit in Vietnamese
//! ("chiếc", "hộp", "vé"); English pages show the usual English word for the units in
//! common use, and the unit as typed for any other (a made-up word is better shown than
//! guessed).

use crate::Locale;

/// The English word for a Vietnamese unit of sale, for the units in common use.
pub fn english(unit: &str) -> Option<&'static str> {
    let u = unit.trim().to_lowercase();
    Some(match u.as_str() {
        "chiếc" | "cái" => "piece",
        "kg" | "ký" | "cân" => "kg",
        "yến" => "10 kg",
        "tạ" => "100 kg",
        "g" | "gam" => "g",
        "vé" => "ticket",
        "hộp" => "box",
        "bộ" => "set",
        "chai" => "bottle",
        "bó" => "bunch",
        "bức" => "picture",
        "túi" => "bag",
        "cành" => "stem",
        "chậu" => "pot",
        "mét" | "m" => "metre",
        "gói" => "pack",
        "đêm" => "night",
        "cây" => "tree",
        "lít" => "litre",
        "lọ" => "jar",
        "suất" => "serving",
        "đôi" => "pair",
        "can" => "can",
        "hũ" => "jar",
        "mâm" => "tray",
        "chục" => "ten",
        "quả" => "fruit",
        "lượt" => "visit",
        "bông" => "flower",
        "bắp" => "cob",
        "nải" => "bunch",
        "chục bắp" => "ten cobs",
        "buổi" => "session",
        "cốc" => "cup",
        "người" | "khách" => "person",
        "tấn" => "tonne",
        "thùng" => "carton",
        "bao" => "sack",
        "cuộn" => "roll",
        "tấm" => "sheet",
        "chiếu" => "mat",
        "gian hàng" => "stall",
        _ => return None,
    })
}

/// `count` of `unit` as a visitor reading `locale` should see the unit: English words take
/// their plural beside any count but one ("2 pieces", "1 box"); Vietnamese has none.
pub fn display_count(unit: &str, count: i64, locale: Locale) -> String {
    let word = display(unit, locale);
    if locale != Locale::En || count == 1 || english(unit).is_none() {
        return word;
    }
    match word.as_str() {
        w if w.ends_with("kg") || w == "g" || w == "ten cobs" => word,
        "person" => "people".to_owned(),
        w if w.ends_with("ch") || w.ends_with('x') || w.ends_with('s') => format!("{w}es"),
        w => format!("{w}s"),
    }
}

/// `unit` as a visitor reading `locale` should see it.
pub fn display(unit: &str, locale: Locale) -> String {
    match locale {
        Locale::En => english(unit).map_or_else(|| unit.to_owned(), str::to_owned),
        _ => unit.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_units_read_in_english_and_others_as_typed() {
        assert_eq!(display("chiếc", Locale::En), "piece");
        assert_eq!(display("Hộp", Locale::En), "box");
        assert_eq!(display("vé", Locale::Vi), "vé");
        assert_eq!(display("bình 5 lít", Locale::En), "bình 5 lít");
        assert_eq!(display_count("chiếc", 2, Locale::En), "pieces");
        assert_eq!(display_count("hộp", 3, Locale::En), "boxes");
        assert_eq!(display_count("bó", 2, Locale::En), "bunches");
        assert_eq!(display_count("kg", 5, Locale::En), "kg");
        assert_eq!(display_count("chiếc", 1, Locale::En), "piece");
        assert_eq!(display_count("chiếc", 2, Locale::Vi), "chiếc");
        assert_eq!(display_count("gian hàng", 120, Locale::En), "stalls");
        assert_eq!(display_count("người", 30, Locale::En), "people");
        assert_eq!(display_count("yến", 3, Locale::En), "10 kg");
        // Every unit the listing form offers reads in English.
        for u in crate::catalog::UNITS {
            assert!(english(u).is_some(), "{u}");
        }
        // Every unit of the demo listings has its English word.
        for u in [
            "chiếc",
            "kg",
            "vé",
            "hộp",
            "bộ",
            "chai",
            "bó",
            "bức",
            "túi",
            "cành",
            "chậu",
            "mét",
            "gói",
            "đêm",
            "cây",
            "lít",
            "lọ",
            "suất",
            "đôi",
            "can",
            "hũ",
            "mâm",
            "chục",
            "quả",
            "lượt",
            "bông",
            "bắp",
            "nải",
            "chục bắp",
            "buổi",
            "cốc",
        ] {
            assert!(english(u).is_some(), "{u}");
        }
    }
}
