//! A query's parts in Meilisearch's terms: the filter expression, the sort and the text.

use crate::{SearchQuery, Sort, text};

/// `"value"` for a filter expression: backslashes and double quotes escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The Meilisearch filter expression of a query's filters; `None` when it has none.
pub fn filter_expression(q: &SearchQuery) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(kind) = q.kind {
        parts.push(format!("kind = {}", quote(kind.as_str())));
    }
    if let Some(v) = &q.offer_kind {
        parts.push(format!("offer_kinds = {}", quote(v)));
    }
    if let Some(v) = &q.category {
        let v = quote(v);
        parts.push(format!("(category_id = {v} OR category_group = {v})"));
    }
    if let Some(v) = &q.commune_code {
        parts.push(format!("commune_code = {}", quote(v)));
    }
    if !q.communes.is_empty() {
        let any: Vec<String> = q.communes.iter().map(|v| quote(v)).collect();
        parts.push(format!("commune_code IN [{}]", any.join(", ")));
    }
    if let Some(n) = q.min_stars.filter(|&n| n > 0) {
        parts.push(format!("ocop_stars >= {n}"));
    }
    if let Some(v) = &q.certification {
        parts.push(format!("certifications = {}", quote(v)));
    }
    if let Some(n) = q.price_min {
        parts.push(format!("min_price >= {n}"));
    }
    if let Some(n) = q.price_max {
        parts.push(format!("min_price <= {n}"));
    }
    if let Some(n) = q.max_min_order {
        parts.push(format!("min_order_qty <= {n}"));
    }
    if let Some(m) = q.in_season.filter(|m| (1..=12).contains(m)) {
        parts.push(format!("months_list = {m}"));
    }
    if q.women_managed {
        parts.push("women_managed = true".to_owned());
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// The filter expressions of the documents a query prefers, not a filter but a hint
/// ([`SearchQuery::prefer_categories`], [`SearchQuery::prefer_stars`]): one per hint, in
/// that order; empty when it has none.
pub fn preference_filters(q: &SearchQuery) -> Vec<String> {
    let mut out = Vec::new();
    if !q.prefer_categories.is_empty() {
        let any: Vec<String> = q.prefer_categories.iter().map(|v| quote(v)).collect();
        let any = any.join(", ");
        out.push(format!(
            "(category_id IN [{any}] OR category_group IN [{any}])"
        ));
    }
    if let Some(n) = q.prefer_stars {
        out.push(format!("ocop_stars = {n}"));
    }
    out
}

/// The Meilisearch sort of a query (empty: relevance).
pub fn sort_expression(sort: Sort) -> Vec<String> {
    match sort {
        Sort::Relevance => Vec::new(),
        Sort::PriceAsc => vec!["min_price:asc".into(), "published_at:desc".into()],
        Sort::PriceDesc => vec!["min_price:desc".into(), "published_at:desc".into()],
        Sort::Newest => vec!["published_at:desc".into()],
        Sort::Distance { lat, lon } if lat.is_finite() && lon.is_finite() => {
            vec![format!("_geoPoint({lat}, {lon}):asc")]
        }
        Sort::Distance { .. } => Vec::new(),
    }
}

/// The query text as the tantivy backend sees it: its syllables ([`text::for_each_syllable`]
/// on the NFC text: runs of letters and digits, lower case), separated by one space, and a
/// trailing space when the text does not end inside a word (the last word is then complete,
/// not a prefix). This also keeps Meilisearch's operators (`"phrase"`, `-word`) out of
/// visitors' queries.
pub fn clean_text(query: &str) -> String {
    let normalized = text::nfc(query);
    let mut out = String::with_capacity(normalized.len() + 1);
    text::for_each_syllable(&normalized, false, |_, _, syllable| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(syllable);
    });
    let typing = normalized
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c));
    if !typing && !out.is_empty() {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DocKind;

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote("gom-su"), r#""gom-su""#);
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn preferences_are_their_own_filters() {
        assert!(preference_filters(&SearchQuery::default()).is_empty());
        let q = SearchQuery {
            prefer_categories: vec!["gom-su".into(), "det-may".into()],
            prefer_stars: Some(4),
            min_stars: Some(4),
            ..SearchQuery::default()
        };
        assert_eq!(
            preference_filters(&q),
            [
                r#"(category_id IN ["gom-su", "det-may"] OR category_group IN ["gom-su", "det-may"])"#,
                "ocop_stars = 4"
            ]
        );
        // Hints are no filters.
        assert_eq!(filter_expression(&q).as_deref(), Some("ocop_stars >= 4"));
    }

    #[test]
    fn filters_follow_the_query() {
        assert_eq!(filter_expression(&SearchQuery::default()), None);
        let q = SearchQuery {
            kind: Some(DocKind::Listing),
            offer_kind: Some("wholesale".into()),
            category: Some("gom-su".into()),
            commune_code: Some("00004".into()),
            min_stars: Some(4),
            certification: Some("vietgap".into()),
            price_min: Some(10_000),
            price_max: Some(500_000),
            max_min_order: Some(50),
            in_season: Some(6),
            women_managed: true,
            ..SearchQuery::default()
        };
        assert_eq!(
            filter_expression(&q).as_deref(),
            Some(
                "kind = \"listing\" AND offer_kinds = \"wholesale\" AND \
                 (category_id = \"gom-su\" OR category_group = \"gom-su\") AND \
                 commune_code = \"00004\" AND ocop_stars >= 4 AND \
                 certifications = \"vietgap\" AND min_price >= 10000 AND \
                 min_price <= 500000 AND min_order_qty <= 50 AND months_list = 6 AND \
                 women_managed = true"
            )
        );
        let q = SearchQuery {
            in_season: Some(13),
            min_stars: Some(0),
            ..SearchQuery::default()
        };
        assert_eq!(filter_expression(&q), None);
    }

    #[test]
    fn sorts() {
        assert!(sort_expression(Sort::Relevance).is_empty());
        assert_eq!(
            sort_expression(Sort::PriceAsc),
            ["min_price:asc", "published_at:desc"]
        );
        assert_eq!(sort_expression(Sort::Newest), ["published_at:desc"]);
        assert_eq!(
            sort_expression(Sort::Distance {
                lat: 21.0285,
                lon: 105.8542
            }),
            ["_geoPoint(21.0285, 105.8542):asc"]
        );
        assert!(
            sort_expression(Sort::Distance {
                lat: f64::NAN,
                lon: 1.0
            })
            .is_empty()
        );
    }

    #[test]
    fn query_text_keeps_words_only() {
        assert_eq!(clean_text("Gốm sứ"), "gốm sứ");
        assert_eq!(clean_text("go\u{302}\u{301}m su\u{31b}\u{301}"), "gốm sứ");
        assert_eq!(clean_text("  \"khăn -lụa\"  "), "khăn lụa ");
        assert_eq!(clean_text("bát "), "bát ");
        assert_eq!(clean_text("?!"), "");
    }
}
