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

const SEARCHABLE: [&str; 6] = [
    "title_vi",
    "title_en",
    "org_name",
    "category_names",
    "body_vi",
    "body_en",
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
/// `sort` first: an explicit order is strict; relevance ties go to the newest.
const RANKING_RULES: [&str; 7] = [
    "sort",
    "words",
    "typo",
    "proximity",
    "attribute",
    "exactness",
    "published_at:desc",
];
/// Typos are only forgiven in titles, names and category names.
const NO_TYPOS_IN: [&str; 2] = ["body_vi", "body_en"];

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
                    one_typo: Some(2),
                    two_typos: Some(6),
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

    /// Applies [`settings`](Self::settings) and waits until Meilisearch has re-indexed.
    pub async fn apply_settings(&self) -> Result<()> {
        let task = self
            .index
            .set_settings(&Self::settings())
            .await
            .map_err(meili_err)?;
        self.wait(task).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_carry_the_synonyms() {
        let s = MeiliIndex::settings();
        let synonyms = s.synonyms.expect("synonyms");
        assert!(
            synonyms
                .get("silk")
                .is_some_and(|v| v.iter().any(|s| s == "lụa"))
        );
        assert_eq!(s.searchable_attributes.as_deref().map(<[_]>::len), Some(6));
    }
}
