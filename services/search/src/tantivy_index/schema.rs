//! The index schema: the fields a document is indexed, stored and filtered by, and the
//! stored key that names it.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analysis::{
    TOKENIZER_EN, TOKENIZER_EXACT, TOKENIZER_FOLDED, TOKENIZER_PAIRS, TOKENIZER_PREFIXES,
};
use crate::{DocKey, DocKind};

// Field names (fast fields are read by name).
pub(super) const F_KEY: &str = "key";
pub(super) const F_KIND: &str = "kind";
pub(super) const F_ID: &str = "id";
pub(super) const F_GROUP: &str = "category_group";
pub(super) const F_OFFER: &str = "offer_kind";
pub(super) const F_COMMUNE: &str = "commune";
pub(super) const F_CERT: &str = "certification";
pub(super) const F_STARS: &str = "stars";
pub(super) const F_PRICE: &str = "min_price";
pub(super) const F_WOMEN: &str = "women_managed";
pub(super) const F_LAT: &str = "lat";
pub(super) const F_LON: &str = "lon";
pub(super) const F_PUBLISHED: &str = "published_at";

/// The schema's fields.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fields {
    pub(super) key: Field,
    pub(super) kind: Field,
    pub(super) id: Field,
    pub(super) title_x: Field,
    pub(super) title_f: Field,
    pub(super) meta_x: Field,
    pub(super) meta_f: Field,
    pub(super) body_x: Field,
    pub(super) body_f: Field,
    pub(super) title_pairs: Field,
    pub(super) meta_pairs: Field,
    pub(super) body_pairs: Field,
    pub(super) title_prefixes: Field,
    pub(super) meta_prefixes: Field,
    pub(super) en_title: Field,
    pub(super) en_body: Field,
    pub(super) s_title_vi: Field,
    pub(super) s_title_en: Field,
    pub(super) s_org_name: Field,
    pub(super) s_org_slug: Field,
    pub(super) s_external_id: Field,
    pub(super) s_unit: Field,
    pub(super) s_image: Field,
    pub(super) category_id: Field,
    pub(super) category_group: Field,
    pub(super) offer: Field,
    pub(super) commune: Field,
    pub(super) cert: Field,
    pub(super) stars: Field,
    pub(super) price: Field,
    pub(super) min_order: Field,
    pub(super) months: Field,
    pub(super) women: Field,
    pub(super) lat: Field,
    pub(super) lon: Field,
    pub(super) published: Field,
}

pub(super) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str, positions: bool| {
        let record = if positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::WithFreqs
        };
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record),
        )
    };
    let stored = TextOptions::default().set_stored();
    let fields = Fields {
        key: b.add_text_field(F_KEY, STRING | STORED),
        kind: b.add_text_field(F_KIND, STRING | FAST),
        id: b.add_i64_field(F_ID, FAST),
        title_x: b.add_text_field("title_x", text(TOKENIZER_EXACT, false)),
        title_f: b.add_text_field("title_f", text(TOKENIZER_FOLDED, true)),
        meta_x: b.add_text_field("meta_x", text(TOKENIZER_EXACT, false)),
        meta_f: b.add_text_field("meta_f", text(TOKENIZER_FOLDED, false)),
        body_x: b.add_text_field("body_x", text(TOKENIZER_EXACT, false)),
        body_f: b.add_text_field("body_f", text(TOKENIZER_FOLDED, false)),
        title_pairs: b.add_text_field("title_pairs", text(TOKENIZER_PAIRS, false)),
        meta_pairs: b.add_text_field("meta_pairs", text(TOKENIZER_PAIRS, false)),
        body_pairs: b.add_text_field("body_pairs", text(TOKENIZER_PAIRS, false)),
        title_prefixes: b.add_text_field("title_prefixes", text(TOKENIZER_PREFIXES, false)),
        meta_prefixes: b.add_text_field("meta_prefixes", text(TOKENIZER_PREFIXES, false)),
        en_title: b.add_text_field("en_title", text(TOKENIZER_EN, false)),
        en_body: b.add_text_field("en_body", text(TOKENIZER_EN, false)),
        s_title_vi: b.add_text_field("s_title_vi", stored.clone()),
        s_title_en: b.add_text_field("s_title_en", stored.clone()),
        s_org_name: b.add_text_field("s_org_name", stored.clone()),
        s_org_slug: b.add_text_field("s_org_slug", stored.clone()),
        s_external_id: b.add_text_field("s_external_id", stored.clone()),
        s_unit: b.add_text_field("s_unit", stored.clone()),
        s_image: b.add_text_field("s_image", stored),
        category_id: b.add_text_field("category_id", STRING | STORED),
        category_group: b.add_text_field(F_GROUP, STRING | FAST),
        offer: b.add_text_field(F_OFFER, STRING | FAST),
        commune: b.add_text_field(F_COMMUNE, STRING | FAST),
        cert: b.add_text_field(F_CERT, STRING | FAST),
        stars: b.add_u64_field(F_STARS, INDEXED | FAST | STORED),
        price: b.add_i64_field(F_PRICE, INDEXED | FAST | STORED),
        min_order: b.add_i64_field("min_order", INDEXED | FAST),
        months: b.add_u64_field("months", INDEXED),
        women: b.add_u64_field(F_WOMEN, INDEXED | FAST),
        lat: b.add_f64_field(F_LAT, FAST),
        lon: b.add_f64_field(F_LON, FAST),
        published: b.add_i64_field(F_PUBLISHED, INDEXED | FAST),
    };
    (b.build(), fields)
}

pub(super) fn key_string(key: DocKey) -> String {
    format!("{}:{}", key.kind.as_str(), key.id)
}

pub(super) fn parse_key(s: &str) -> Option<DocKey> {
    let (kind, id) = s.split_once(':')?;
    Some(DocKey {
        kind: DocKind::parse(kind)?,
        id: id.parse().ok()?,
    })
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let key = DocKey {
            kind: DocKind::Cooperative,
            id: 42,
        };
        assert_eq!(parse_key(&key_string(key)), Some(key));
        assert_eq!(parse_key("nope:1"), None);
    }
}
