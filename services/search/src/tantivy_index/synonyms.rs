//! Bilingual query synonyms, compiled in from `data/search/synonyms.json`.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::analysis::{Syllable, query_syllables};
use crate::text;

#[derive(Deserialize)]
struct SynonymFile {
    synonyms: HashMap<String, Vec<String>>,
}

/// Query synonyms: folded key syllables → Vietnamese alternatives (as query syllables).
pub(super) struct Synonyms {
    entries: HashMap<Vec<String>, Vec<Vec<Syllable>>>,
    longest: usize,
}

pub(super) static SYNONYMS: LazyLock<Synonyms> = LazyLock::new(|| {
    let file: SynonymFile = serde_json::from_str(include_str!(
        "../../../../data/search/synonyms.json"
    ))
    .unwrap_or(SynonymFile {
        synonyms: HashMap::new(),
    });
    let mut entries = HashMap::new();
    let mut longest = 0;
    for (key, values) in file.synonyms {
        let key = text::syllables(&key, true);
        if key.is_empty() {
            continue;
        }
        longest = longest.max(key.len());
        let values: Vec<Vec<Syllable>> = values
            .iter()
            .map(|v| query_syllables(v).0)
            .filter(|v| !v.is_empty())
            .collect();
        entries.insert(key, values);
    }
    Synonyms { entries, longest }
});

impl Synonyms {
    /// The longest key (of at most `max_len` syllables) that the folded syllables start
    /// with: its length and values.
    pub(super) fn longest_at(
        &self,
        folded: &[&str],
        max_len: usize,
    ) -> Option<(usize, &[Vec<Syllable>])> {
        let max = self.longest.min(folded.len()).min(max_len);
        (1..=max).rev().find_map(|n| {
            let key: Vec<String> = folded[..n].iter().map(|s| (*s).to_owned()).collect();
            self.entries.get(&key).map(|v| (n, v.as_slice()))
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_in_data_parses() {
        assert!(ketnoi_domain::catalog::category("gom-su").is_some());
        assert!(ketnoi_domain::catalog::sector("gom_su").is_some());
        assert!(SYNONYMS.entries.len() >= 40);
        let (n, values) = SYNONYMS
            .longest_at(&["silk", "scarf", "red"], 3)
            .expect("silk scarf");
        assert_eq!(n, 2);
        assert_eq!(values[0][0].exact, "khăn");
        assert_eq!(values[0][1].folded, "lua");
        assert_eq!(
            SYNONYMS.longest_at(&["silk", "scarf"], 1).map(|s| s.0),
            Some(1)
        );
        assert!(SYNONYMS.longest_at(&["gom"], 3).is_none());
    }
}
