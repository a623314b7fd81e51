//! The index settings this backend relies on: searchable, filterable and sortable
//! attributes, ranking rules, typo tolerance and the shared synonyms.

use std::collections::HashMap;

use meilisearch_sdk::settings::{
    FacetingSettings, MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings,
};
use serde::Deserialize;

use super::tasks::meili_err;
use super::{MAX_TOTAL_HITS, MeiliIndex};
use crate::Result;

/// In order of importance. The stems of English words come after the words; an experience's
/// crafts (`craft_names`) with the description, after it; the marked forms of Vietnamese
/// syllables (see [`super::forms`]) last: only the query for exact marks searches them.
pub(super) const SEARCHABLE: [&str; 11] = [
    "title_vi",
    "title_en",
    "en_stems",
    "org_name",
    "category_names",
    "body_vi",
    "body_en",
    "body_en_stems",
    "craft_names",
    "title_marks",
    "meta_marks",
];
const FILTERABLE: [&str; 11] = [
    "kind",
    "offer_kinds",
    "category_id",
    "category_group",
    "commune_code",
    "ocop_stars",
    "certifications",
    "min_price",
    "min_order_qty",
    "months_list",
    "women_managed",
];
const SORTABLE: [&str; 3] = ["min_price", "published_at", "_geo"];
/// `sort` first: an explicit order is strict; relevance ties go to the newest. The attribute
/// a word matched in (`attributeRank`) before `proximity`: a title match outranks words close
/// together in a description, and a one-word synonym ("silk" → "lụa"), whose words land in
/// another order, is not pushed down; where in the title (`wordPosition`) only after
/// proximity and exactness, so a phrase and a whole word beat an early prefix.
const RANKING_RULES: [&str; 8] = [
    "sort",
    "words",
    "typo",
    "attributeRank",
    "proximity",
    "exactness",
    "wordPosition",
    "published_at:desc",
];
/// Typos are only forgiven in titles: a cooperative's or a category's name is matched as
/// written, and descriptions are too long to forgive in. Nor in stems and marked forms: one
/// edit from a marked form is another tone.
const NO_TYPOS_IN: [&str; 9] = [
    "org_name",
    "category_names",
    "body_vi",
    "body_en",
    "craft_names",
    "en_stems",
    "body_en_stems",
    "title_marks",
    "meta_marks",
];
/// Typos from this many letters on (one) and this many (two). Vietnamese syllables are one to
/// seven letters and dense: one edit from a three-letter syllable is another real syllable
/// ("gao" → "gom" as a prefix), so short syllables are matched as typed (folded).
const ONE_TYPO: u8 = 4;
const TWO_TYPOS: u8 = 8;

#[derive(Deserialize)]
struct SynonymFile {
    synonyms: HashMap<String, Vec<String>>,
}

/// The shared bilingual synonyms, as Meilisearch synonyms (key → what it also means).
fn synonyms() -> HashMap<String, Vec<String>> {
    serde_json::from_str::<SynonymFile>(include_str!("../../../../data/search/synonyms.json"))
        .map(|f| f.synonyms)
        .unwrap_or_default()
}

impl MeiliIndex {
    /// The settings this backend relies on.
    pub fn settings() -> Settings {
        Settings::new()
            .with_searchable_attributes(SEARCHABLE)
            .with_filterable_attributes(FILTERABLE)
            .with_sortable_attributes(SORTABLE)
            .with_ranking_rules(RANKING_RULES)
            .with_synonyms(synonyms())
            .with_typo_tolerance(TypoToleranceSettings {
                enabled: Some(true),
                disable_on_attributes: Some(NO_TYPOS_IN.map(str::to_owned).to_vec()),
                disable_on_words: Some(Vec::new()),
                min_word_size_for_typos: Some(MinWordSizeForTypos {
                    one_typo: Some(ONE_TYPO),
                    two_typos: Some(TWO_TYPOS),
                }),
                disable_on_numbers: None,
            })
            .with_pagination(PaginationSetting {
                max_total_hits: MAX_TOTAL_HITS,
            })
            .with_faceting(FacetingSettings {
                max_values_per_facet: 1_000,
                sort_facet_values_by: None,
            })
    }

    /// Applies [`settings`](Self::settings) when the index's differ, and waits until
    /// Meilisearch has re-indexed. Unchanged settings are not sent again: a new setting makes
    /// Meilisearch re-extract every document (5.5 s and 1.2 GiB at 100,000 listings), and a
    /// start with the settings in place then needs no write.
    pub async fn apply_settings(&self) -> Result<()> {
        let wanted = Self::settings();
        let current = self.index.get_settings().await.map_err(meili_err)?;
        if same_settings(&wanted, &current) {
            return Ok(());
        }
        let task = self.index.set_settings(&wanted).await.map_err(meili_err)?;
        self.wait(task).await
    }
}

/// Whether `current` already has every setting `wanted` sets: lists of attributes compared as
/// sets where their order means nothing, synonyms as sets of words, and within an object
/// (typo tolerance, faceting) only the parts `wanted` sets.
fn same_settings(wanted: &Settings, current: &Settings) -> bool {
    match (serde_json::to_value(wanted), serde_json::to_value(current)) {
        (Ok(wanted), Ok(current)) => covers("", &wanted, &current),
        _ => false,
    }
}

fn covers(key: &str, wanted: &serde_json::Value, have: &serde_json::Value) -> bool {
    use serde_json::Value;
    let as_set = |v: &Value| -> Option<Vec<String>> {
        let mut items: Vec<String> = v.as_array()?.iter().map(Value::to_string).collect();
        items.sort();
        Some(items)
    };
    match (wanted, have) {
        (Value::Null, _) => true,
        (Value::Object(w), Value::Object(h)) => w
            .iter()
            .all(|(k, v)| v.is_null() || h.get(k).is_some_and(|hv| covers(k, v, hv))),
        (Value::Array(_), Value::Array(_))
            if !matches!(key, "searchableAttributes" | "rankingRules") =>
        {
            as_set(wanted) == as_set(have)
        }
        (w, h) => w == h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_the_same_whatever_the_order_of_sets() {
        let wanted = MeiliIndex::settings();
        assert!(same_settings(&wanted, &wanted));
        let mut shuffled = wanted.clone();
        if let Some(f) = shuffled.filterable_attributes.as_mut() {
            f.reverse();
        }
        assert!(same_settings(&wanted, &shuffled));
        let mut other = wanted.clone();
        if let Some(r) = other.ranking_rules.as_mut() {
            r.swap(1, 2);
        }
        assert!(!same_settings(&wanted, &other));
        assert!(!same_settings(&wanted, &Settings::new()));
    }

    #[test]
    fn settings_carry_the_synonyms() {
        let s = MeiliIndex::settings();
        let synonyms = s.synonyms.expect("synonyms");
        assert!(
            synonyms
                .get("silk")
                .is_some_and(|v| v.iter().any(|s| s == "lụa"))
        );
        assert_eq!(
            s.searchable_attributes.as_deref().map(<[_]>::len),
            Some(SEARCHABLE.len())
        );
    }
}
