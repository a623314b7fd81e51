//! Unit tests of the Meilisearch requests (`super`).

use meilisearch_sdk::client::Client;

use super::*;

#[test]
fn words_are_searched_in_every_searchable_attribute_but_the_marked_forms() {
    assert_eq!(SEARCHABLE[SEARCH_ON.len()..], MARKS_ON);
    assert!(SEARCH_ON.iter().all(|a| !a.ends_with("_marks")));
}

#[test]
fn facets_from_distribution() {
    let mut dist: HashMap<String, HashMap<String, usize>> = HashMap::new();
    dist.insert(
        "ocop_stars".into(),
        [("0", 7), ("3", 2), ("4", 5), ("5.0", 1)]
            .into_iter()
            .map(|(k, n)| (k.to_owned(), n))
            .collect(),
    );
    dist.insert(
        "women_managed".into(),
        [("true".to_owned(), 4), ("false".to_owned(), 9)].into(),
    );
    dist.insert(
        "commune_code".into(),
        [
            ("b".to_owned(), 2),
            ("a".to_owned(), 2),
            ("c".to_owned(), 3),
        ]
        .into(),
    );
    let f = facets_of(Some(&dist));
    assert_eq!(f.stars, [(4, 5), (3, 2), (5, 1)]);
    assert_eq!(f.women_managed, 4);
    assert_eq!(
        f.commune,
        [
            ("c".to_owned(), 3),
            ("a".to_owned(), 2),
            ("b".to_owned(), 2)
        ]
    );
    assert!(f.kind.is_empty());
}

#[test]
fn search_requests() {
    let client = Client::new("http://127.0.0.1:9", None::<&str>).expect("client");
    let index = client.index("t");
    let sort = ["min_price:asc"];
    let r = Request {
        text: "khăn lụa",
        filter: Some("kind = \"listing\""),
        sort: &sort,
        strategy: MatchingStrategies::ALL,
        search_on: None,
    };
    let body = serde_json::to_value(r.page_query(&index, 20, 40, true)).expect("json");
    assert_eq!(body["q"], "khăn lụa");
    assert_eq!(body["filter"], "kind = \"listing\"");
    assert_eq!(body["sort"][0], "min_price:asc");
    assert_eq!(body["matchingStrategy"], "all");
    assert_eq!(body["page"], 3);
    assert_eq!(body["hitsPerPage"], 20);
    assert_eq!(body["facets"].as_array().map(Vec::len), Some(FACETS.len()));
    assert_eq!(body["showRankingScore"], true);
    assert_eq!(
        body["attributesToRetrieve"].as_array().map(Vec::len),
        Some(HIT_FIELDS.len())
    );
    assert!(body.get("offset").is_none());

    let body = serde_json::to_value(r.page_query(&index, 20, 5, true)).expect("json");
    assert_eq!(
        (body["offset"].as_u64(), body["limit"].as_u64()),
        (Some(5), Some(20))
    );
    assert!(body.get("facets").is_none() && body.get("page").is_none());
    let body = serde_json::to_value(r.count_query(&index, true)).expect("json");
    assert_eq!(
        (body["page"].as_u64(), body["hitsPerPage"].as_u64()),
        (Some(1), Some(0))
    );
    assert!(body.get("facets").is_some());
}

#[test]
fn preferred_documents_are_queried_again_weighing_more() {
    let client = Client::new("http://127.0.0.1:9", None::<&str>).expect("client");
    let index = client.index("t");
    let parts = [
        Part {
            text: "gom ".into(),
            on: SEARCH_ON,
            weight: 1.0,
        },
        Part {
            text: "gozjm ".into(),
            on: &MARKS_ON,
            weight: EXACT_MARKS,
        },
    ];
    let filter = "ocop_stars >= 4";
    let hints = preference_filters(&SearchQuery {
        prefer_categories: vec!["gom-su".into()],
        prefer_stars: Some(4),
        ..SearchQuery::default()
    });
    let boosted = boosts(&hints, Some(filter));
    let federated = federated(
        &client,
        &index,
        "t",
        &parts,
        Some(filter),
        &boosted,
        &[],
        20,
        40,
        true,
    );
    let body = serde_json::to_value(&federated).expect("json");
    let queries = body["queries"].as_array().expect("queries");
    let any = r#"(ocop_stars >= 4) AND ((category_id IN ["gom-su"] OR category_group IN ["gom-su"]) OR ocop_stars = 4)"#;
    let both = r#"(ocop_stars >= 4) AND ((category_id IN ["gom-su"] OR category_group IN ["gom-su"]) AND ocop_stars = 4)"#;
    let sent: Vec<(&str, &str, f32)> = queries
        .iter()
        .map(|q| {
            (
                q["q"].as_str().unwrap_or_default(),
                q["filter"].as_str().unwrap_or_default(),
                q["federationOptions"]["weight"]
                    .as_f64()
                    .unwrap_or_default() as f32,
            )
        })
        .collect();
    let both_factor = PREFERRED * PREFERRED;
    assert_eq!(
        sent,
        [
            ("gom ", filter, 1.0),
            ("gom ", any, PREFERRED),
            ("gom ", both, both_factor),
            ("gozjm ", filter, EXACT_MARKS),
            ("gozjm ", any, EXACT_MARKS * PREFERRED),
            ("gozjm ", both, EXACT_MARKS * both_factor),
        ]
    );
    assert!(queries.iter().all(|q| q["matchingStrategy"] == "all"));
    // Paging and facets are the federation's, over the union (the boosts' documents
    // are among the plain queries').
    let federation = &body["federation"];
    assert_eq!(
        (federation["offset"].as_u64(), federation["limit"].as_u64()),
        (Some(40), Some(20))
    );
    assert_eq!(
        federation["facetsByIndex"]["t"].as_array().map(Vec::len),
        Some(FACETS.len())
    );
    assert!(queries.iter().all(|q| q.get("facets").is_none()));

    // One hint: one more query per part; none: the parts alone.
    let stars = boosts(&["ocop_stars = 5".to_owned()], None);
    assert_eq!(
        stars,
        [Boost {
            filter: "ocop_stars = 5".into(),
            factor: PREFERRED
        }]
    );
    assert!(boosts(&[], Some(filter)).is_empty());
}
