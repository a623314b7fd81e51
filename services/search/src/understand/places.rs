//! Query understanding: places.

use super::*;

/// What a place marker says the place is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PlaceKind {
    Commune,
    District,
    City,
}

/// "ở", "tại", "từ" (and, in English queries, "in", "at", "from") before a place.
pub(super) static PLACE_BEFORE: LazyLock<Table<When>> = LazyLock::new(|| {
    Table::new(&[
        ("ở", When::Always),
        ("tại", When::Always),
        ("từ", When::Always),
        ("in", When::English),
        ("at", When::English),
        ("from", When::English),
    ])
});

pub(super) static PLACE_KIND_BEFORE: LazyLock<Table<PlaceKind>> = LazyLock::new(|| {
    use PlaceKind::*;
    Table::new(&[
        ("xã", Commune),
        ("phường", Commune),
        ("ward", Commune),
        ("commune", Commune),
        ("huyện", District),
        ("quận", District),
        ("thị xã", District),
        ("tx", District),
        ("district", District),
        ("thành phố", City),
        ("tp", City),
        ("city", City),
    ])
});

pub(super) static PLACE_KIND_AFTER: LazyLock<Table<PlaceKind>> = LazyLock::new(|| {
    use PlaceKind::*;
    Table::new(&[
        ("ward", Commune),
        ("commune", Commune),
        ("district", District),
        ("city", City),
    ])
});

/// Names (folded) that are also ordinary words, given names or brands ("Phúc Lộc Thọ",
/// "hoa hồng", "Bình Minh", "thanh xuân"): places only after a marker ("xã", "ở", …), like
/// every single-syllable name ("Láng" vs "làng").
pub(super) const COMMON_NAMES: [&str; 25] = [
    "hong ha",
    "bo de",
    "phuc loi",
    "phuc loc",
    "phuc thinh",
    "binh minh",
    "lien minh",
    "quang minh",
    "tran phu",
    "hung dao",
    "thuan an",
    "tien thang",
    "kim anh",
    "hong van",
    "hong son",
    "bach mai",
    "hoang mai",
    "thanh xuan",
    "dan hoa",
    "thien loc",
    "tam hung",
    "ngoc ha",
    "kim lien",
    "tay phuong",
    "hoa phu",
];

/// A name of a place: a current ward/commune, an old district, or the city.
#[derive(Debug)]
pub(super) struct Place {
    pub(super) words: Vec<Tok>,
    /// The ward or commune of that name.
    pub(super) commune: Option<String>,
    /// The units that took land from the old district of that name (the namesake unit
    /// included), in the official order.
    pub(super) district: Vec<String>,
    pub(super) needs_marker: bool,
    pub(super) city: bool,
}

/// Places by the folded first syllable of their name, longest name first.
pub(super) static PLACES: LazyLock<HashMap<String, Vec<Place>>> = LazyLock::new(build_places);

pub(super) fn build_places() -> HashMap<String, Vec<Place>> {
    let communes = ketnoi_domain::admin_units::hanoi_communes();
    let mut places: Vec<Place> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut entry = |name: &str| -> usize {
        let words: Vec<Tok> = tokenize(name).into_iter().filter(|t| t.word).collect();
        let key = join(words.iter().enumerate()).to_lowercase();
        let common = COMMON_NAMES.contains(&fold(&key).as_str());
        *index.entry(key).or_insert_with(|| {
            let needs_marker = words.len() < 2 || common;
            places.push(Place {
                words,
                commune: None,
                district: Vec::new(),
                needs_marker,
                city: false,
            });
            places.len() - 1
        })
    };
    let mut marks: Vec<(usize, Option<String>, Option<String>)> = Vec::new();
    for c in communes {
        let mut names = vec![c.short_name.as_str()];
        if c.short_name.contains(" - ") {
            names.extend(c.short_name.split(" - "));
        }
        for name in names {
            marks.push((entry(name), Some(c.code.clone()), None));
        }
        for old in c.legacy_districts.split('|').filter(|d| !d.is_empty()) {
            let short = ["Quận ", "Huyện ", "Thị xã "]
                .iter()
                .find_map(|p| old.strip_prefix(p))
                .unwrap_or(old);
            marks.push((entry(short), None, Some(c.code.clone())));
        }
    }
    let city = [entry("Hà Nội"), entry("Hanoi")];
    for (i, commune, district) in marks {
        if let Some(p) = places.get_mut(i) {
            if commune.is_some() {
                p.commune = commune;
            }
            p.district.extend(district);
        }
    }
    for i in city {
        if let Some(p) = places.get_mut(i) {
            p.city = true;
            p.needs_marker = false;
        }
    }
    let order: HashMap<&str, usize> = communes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();
    let mut by_first: HashMap<String, Vec<Place>> = HashMap::new();
    for mut p in places {
        if !p.district.is_empty()
            && let Some(c) = &p.commune
            && !p.district.contains(c)
        {
            p.district.push(c.clone());
        }
        p.district.sort_by_key(|c| order.get(c.as_str()).copied());
        p.district.dedup();
        if let Some(first) = p.words.first() {
            by_first.entry(first.folded.clone()).or_default().push(p);
        }
    }
    for list in by_first.values_mut() {
        list.sort_by_key(|p| std::cmp::Reverse(p.words.len()));
    }
    by_first
}
