//! Graceful relaxation with a relevance floor, as the tantivy backend does it (its
//! `Coverage` query): when not every word of a query matches, a document is found when the
//! words it has carry at least [`RELEVANCE_FLOOR`] of the query's weight, a word weighing its
//! inverse document frequency. Meilisearch has no "enough of these words" query, so the
//! relaxed search is a federated search of one query per subset of the words that is heavy
//! enough (each requiring all of its words): their union is exactly the documents over the
//! floor, and a subset's query weighs more the more words it has.

/// The share of a query's weight a document must cover when not every word matches: more
/// than a common word alone, so that a query whose telling words match nothing finds nothing.
pub(super) const RELEVANCE_FLOOR: f64 = 0.5;

/// Queries of more words than this are not relaxed by subsets (there would be too many).
pub(super) const MAX_WORDS: usize = 10;

/// How much a word tells documents apart: its inverse document frequency, as the tantivy
/// backend computes it (BM25's). A word no document has weighs the most.
pub(super) fn idf(docs: u64, df: u64) -> f64 {
    let n = docs.max(df) as f64;
    let df = df as f64;
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

fn weight_of(mask: u32, weights: &[f64]) -> f64 {
    weights
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, w)| w)
        .sum()
}

/// The subsets of the words (bit masks, bit `i` for word `i`) whose queries make up the
/// relaxed search, most words first: every word, then every smallest subset over the floor
/// (their union is every document over it), then other subsets over it, up to `budget`
/// subsets in all. `None` when the smallest ones alone are more than `budget`, or the query
/// has more than [`MAX_WORDS`] words.
pub(super) fn subsets(weights: &[f64], budget: usize) -> Option<Vec<u32>> {
    let n = weights.len();
    if n == 0 || n > MAX_WORDS {
        return None;
    }
    let full: u32 = (1 << n) - 1;
    let floor = weight_of(full, weights) * RELEVANCE_FLOOR;
    // A little slack, so that equal weights summing to exactly the floor count.
    let over = |mask: u32| weight_of(mask, weights) >= floor - 1e-9;
    let qualifying: Vec<u32> = (1..=full).filter(|&m| over(m)).collect();
    let minimal = |m: u32| (0..n).all(|i| m & (1 << i) == 0 || !over(m & !(1 << i)));
    let mut chosen: Vec<u32> = vec![full];
    chosen.extend(
        qualifying
            .iter()
            .copied()
            .filter(|&m| m != full && minimal(m)),
    );
    if chosen.len() > budget {
        return None;
    }
    let mut others: Vec<u32> = qualifying
        .iter()
        .copied()
        .filter(|m| !chosen.contains(m))
        .collect();
    let key = |m: &u32| (std::cmp::Reverse(m.count_ones()), std::cmp::Reverse(*m));
    others.sort_by_key(key);
    for m in others {
        if chosen.len() >= budget {
            break;
        }
        chosen.push(m);
    }
    chosen.sort_by(|a, b| {
        b.count_ones()
            .cmp(&a.count_ones())
            .then_with(|| weight_of(*b, weights).total_cmp(&weight_of(*a, weights)))
            .then_with(|| a.cmp(b))
    });
    Some(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_words_relax_to_each() {
        // "gốm lụa": either word alone is half the query.
        let w = [idf(3, 2), idf(3, 2)];
        assert_eq!(subsets(&w, 10), Some(vec![0b11, 0b01, 0b10]));
    }

    #[test]
    fn a_telling_word_is_required() {
        // "gốm sứ lụa": "sứ" (one document of three) outweighs "gốm" and "lụa" together.
        let w = [idf(3, 2), idf(3, 1), idf(3, 2)];
        let got = subsets(&w, 10).expect("subsets");
        assert_eq!(got[0], 0b111);
        assert!(got.iter().all(|m| m & 0b010 != 0), "{got:?}");
        assert!(got.contains(&0b010));
    }

    #[test]
    fn common_words_do_not_carry_a_query() {
        // "máy giặt": "máy" is in 12 documents of 14, "giặt" in none.
        let w = [idf(14, 12), idf(14, 0)];
        assert_eq!(subsets(&w, 10), Some(vec![0b11, 0b10]));
    }

    #[test]
    fn too_many_subsets() {
        let w = [1.0; 8];
        // 70 smallest subsets of four words.
        assert_eq!(subsets(&w, 16), None);
        assert_eq!(subsets(&[1.0; 11], 10_000), None);
        let four = subsets(&[1.0; 4], 12).expect("four");
        assert_eq!(four.len(), 11);
        assert_eq!(four[0], 0b1111);
        assert!(four[1..5].iter().all(|m| m.count_ones() == 3));
    }
}
