//! Search: one box for listings and cooperatives, with filters, facets with counts and
//! sorting. The results page works without JavaScript; `/static/search.js` adds
//! suggestions as you type from the same API. [`parse_search`] reads the parameters for the
//! page and for `GET /api/v1/search` alike.

use super::{Layout, render};
use super::{commune_name, localized};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_domain::Vnd;
use ketnoi_domain::catalog::{self, OfferKind};
use ketnoi_search::{DocKind, Hit, SearchQuery, SearchResults, Sort};
use serde::Deserialize;

/// Longest query accepted, in characters.
pub const MAX_QUERY: usize = 200;
/// Results per page of the results page; the API takes `limit` up to [`MAX_LIMIT`].
pub const PAGE_SIZE: usize = 20;
pub const MAX_LIMIT: usize = 100;

/// The parameters as sent; every one optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    pub q: String,
    /// `listing` or `cooperative`.
    #[serde(rename = "type")]
    pub doc_type: String,
    /// Offer kind: `retail`, `wholesale`, `experience`.
    pub kind: String,
    pub category: String,
    pub commune: String,
    pub stars: String,
    pub cert: String,
    pub price_min: String,
    pub price_max: String,
    /// Wholesale minimum order at most this many units.
    pub min_order: String,
    /// In season: a month 1–12, or `now`.
    pub season: String,
    /// `1`: only cooperatives with a verified women-managed badge.
    pub women: String,
    /// `relevance`, `price_asc`, `price_desc`, `newest`, `distance`.
    pub sort: String,
    pub lat: String,
    pub lon: String,
    pub page: String,
    pub limit: String,
    /// `0`: no facet counts (the API; suggestions as you type ask for none).
    pub facets: String,
    /// `1`: search the words exactly as typed, without reading prices, places, stars and
    /// the like out of them (see `ketnoi_search::understand`).
    pub exact: String,
}

fn number<T: std::str::FromStr>(
    e: &mut FieldErrors,
    field: &str,
    raw: &str,
    ok: impl Fn(&T) -> bool,
) -> Option<T> {
    if raw.is_empty() {
        return None;
    }
    e.check(
        field,
        raw.trim()
            .parse::<T>()
            .ok()
            .filter(|v| ok(v))
            .ok_or(Msg::new("err-invalid-number")),
    )
}

/// Validates the parameters into a query; unknown values are a 422 naming each parameter.
pub fn parse_search(p: &SearchParams, default_limit: usize) -> Result<SearchQuery, AppError> {
    let mut e = FieldErrors::default();
    let bad = || Msg::new("err-invalid-choice");
    let text = ketnoi_domain::text::clean(&p.q);
    if text.chars().count() > MAX_QUERY {
        e.add(
            "q",
            Msg::from(ketnoi_domain::text::TextError::TooLong { max: MAX_QUERY }),
        );
    }
    let kind = match p.doc_type.as_str() {
        "" => None,
        t => e.check("type", DocKind::parse(t).ok_or_else(bad)),
    };
    let offer_kind = match p.kind.as_str() {
        "" => None,
        k => e.check(
            "kind",
            OfferKind::parse(k)
                .map(|k| k.as_str().to_owned())
                .ok_or_else(bad),
        ),
    };
    let category = match p.category.as_str() {
        "" => None,
        c => e.check(
            "category",
            catalog::category(c).map(|c| c.id.clone()).ok_or_else(bad),
        ),
    };
    let commune_code = match p.commune.as_str() {
        "" => None,
        c => e.check(
            "commune",
            ketnoi_domain::admin_units::commune(c)
                .map(|c| c.code.clone())
                .ok_or_else(bad),
        ),
    };
    let min_stars = number::<u8>(&mut e, "stars", &p.stars, |s| (1..=5).contains(s));
    let certification = match p.cert.as_str() {
        "" => None,
        c => e.check(
            "cert",
            catalog::certification(c)
                .map(|c| c.id.clone())
                .ok_or_else(bad),
        ),
    };
    let price_min = number::<i64>(&mut e, "price_min", &p.price_min, |v| *v >= 0);
    let price_max = number::<i64>(&mut e, "price_max", &p.price_max, |v| *v >= 0);
    let max_min_order = number::<i64>(&mut e, "min_order", &p.min_order, |v| *v >= 1);
    let in_season = match p.season.as_str() {
        "" => None,
        "now" => Some(current_month()),
        m => number::<u8>(&mut e, "season", m, |m| (1..=12).contains(m)),
    };
    let skip_facets = match p.facets.as_str() {
        "" | "1" | "true" => false,
        "0" | "false" => true,
        _ => {
            e.add("facets", bad());
            false
        }
    };
    let women_managed = match p.women.as_str() {
        "" | "0" => false,
        "1" | "true" | "on" => true,
        _ => {
            e.add("women", bad());
            false
        }
    };
    let lat = number::<f64>(&mut e, "lat", &p.lat, |v| (-90.0..=90.0).contains(v));
    let lon = number::<f64>(&mut e, "lon", &p.lon, |v| (-180.0..=180.0).contains(v));
    let sort = match p.sort.as_str() {
        "" | "relevance" => Sort::Relevance,
        "price_asc" => Sort::PriceAsc,
        "price_desc" => Sort::PriceDesc,
        "newest" => Sort::Newest,
        "distance" => match (lat, lon) {
            (Some(lat), Some(lon)) => Sort::Distance { lat, lon },
            _ => {
                e.add("lat", Msg::new("search-err-point"));
                Sort::Relevance
            }
        },
        _ => {
            e.add("sort", bad());
            Sort::Relevance
        }
    };
    let page = number::<usize>(&mut e, "page", &p.page, |v| (1..=500).contains(v)).unwrap_or(1);
    let limit = number::<usize>(&mut e, "limit", &p.limit, |v| (1..=MAX_LIMIT).contains(v))
        .unwrap_or(default_limit);
    if let (Some(lo), Some(hi)) = (price_min, price_max)
        && lo > hi
    {
        e.add("price_max", Msg::new("search-err-price-range"));
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    Ok(SearchQuery {
        text,
        kind,
        offer_kind,
        category,
        prefer_categories: Vec::new(),
        commune_code,
        communes: Vec::new(),
        min_stars,
        prefer_stars: None,
        rank_words: String::new(),
        near: false,
        certification,
        price_min,
        price_max,
        max_min_order,
        in_season,
        women_managed,
        skip_facets,
        sort,
        limit,
        offset: (page - 1) * limit,
    })
}

fn current_month() -> u8 {
    use chrono::Datelike;
    u8::try_from(ketnoi_domain::time::today_hanoi().month()).unwrap_or(1)
}

/// Runs a search, understanding the text unless `exact`; the backend's failure is an
/// internal error (logged, not shown).
pub async fn run(
    state: &AppState,
    q: &SearchQuery,
    exact: bool,
) -> Result<ketnoi_search::Answer, AppError> {
    let answer = if exact {
        state
            .search
            .search(q)
            .await
            .map(|results| ketnoi_search::Answer {
                results,
                ..Default::default()
            })
    } else {
        ketnoi_search::search(state.search.as_ref(), q).await
    };
    answer.map_err(|e| match e {
        ketnoi_search::SearchError::Unavailable(why) => {
            tracing::warn!(problem = %why, "search unavailable");
            AppError::SearchUnavailable
        }
        e => AppError::internal(anyhow::anyhow!(e)),
    })
}

/// A result as the page shows it.
pub struct HitView {
    pub href: String,
    pub title: String,
    pub kind: String,
    /// A cooperative's ward or commune (its hit names it instead of repeating its name).
    pub place: Option<String>,
    pub org_name: String,
    pub org_slug: String,
    pub price: String,
    pub stars: u8,
    pub image: Option<String>,
}

impl HitView {
    /// `orgs`: the kind and commune of the cooperatives among the hits, by slug.
    fn new(
        h: &Hit,
        ctx: &Ctx,
        orgs: &std::collections::HashMap<String, (String, Option<String>)>,
    ) -> HitView {
        let t = ctx.tr();
        let org = orgs.get(&h.org_slug);
        let (href, kind) = match h.key.kind {
            // A listing says what it is by its category ("Trải nghiệm & du lịch", "Gốm sứ"),
            // not the same word for every one.
            DocKind::Listing => (
                format!("/listings/{}", h.key.id),
                h.category_id
                    .as_deref()
                    .and_then(catalog::category)
                    .map(|c| localized(ctx.locale, &c.name_vi, Some(&c.name_en)))
                    .unwrap_or_else(|| t.get("search-type-listing")),
            ),
            // A cooperative group (THT) is not called a cooperative (HTX).
            DocKind::Cooperative => (
                format!("/orgs/{}", h.org_slug),
                org.map_or_else(
                    || t.get("search-type-cooperative"),
                    |(kind, _)| t.get(&format!("kind-{kind}")),
                ),
            ),
        };
        let place = match h.key.kind {
            DocKind::Cooperative => org
                .and_then(|(_, commune)| commune.as_deref())
                .map(|c| super::commune_name(Some(c))),
            DocKind::Listing => None,
        };
        HitView {
            href,
            title: localized(ctx.locale, &h.title_vi, h.title_en.as_deref()),
            kind,
            place,
            org_name: h.org_name.clone(),
            org_slug: h.org_slug.clone(),
            price: match (h.min_price, &h.unit) {
                (Some(p), Some(u)) => format!("{} / {}", Vnd(p), ctx.tr().unit(u)),
                (Some(p), None) => Vnd(p).to_string(),
                _ => String::new(),
            },
            stars: h.ocop_stars,
            image: h.image.clone(),
        }
    }
}

/// A facet value: its label, count, and the URL that applies (or removes) it.
pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

pub struct FacetGroup {
    pub title: String,
    pub links: Vec<FacetLink>,
}

/// The current parameters with `key` set to `value` (or removed when empty), page reset.
fn with_param(p: &SearchParams, key: &str, value: &str) -> String {
    let mut pairs: Vec<(&str, String)> = [
        ("q", &p.q),
        ("type", &p.doc_type),
        ("kind", &p.kind),
        ("category", &p.category),
        ("commune", &p.commune),
        ("stars", &p.stars),
        ("cert", &p.cert),
        ("price_min", &p.price_min),
        ("price_max", &p.price_max),
        ("min_order", &p.min_order),
        ("season", &p.season),
        ("women", &p.women),
        ("sort", &p.sort),
        ("lat", &p.lat),
        ("lon", &p.lon),
        ("exact", &p.exact),
    ]
    .into_iter()
    .filter(|(k, v)| *k != key && !v.is_empty())
    .map(|(k, v)| (k, v.clone()))
    .collect();
    if !value.is_empty() {
        pairs.push((key, value.to_owned()));
    }
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, &v);
    }
    format!("/search?{}", s.finish())
}

fn facet_group(
    title: String,
    p: &SearchParams,
    key: &str,
    current: &str,
    values: impl IntoIterator<Item = (String, String, u64)>,
) -> FacetGroup {
    FacetGroup {
        title,
        links: values
            .into_iter()
            .map(|(value, label, count)| {
                let active = current == value;
                FacetLink {
                    href: with_param(p, key, if active { "" } else { &value }),
                    label,
                    count,
                    active,
                }
            })
            .collect(),
    }
}

fn facets(r: &SearchResults, p: &SearchParams, ctx: &Ctx) -> Vec<FacetGroup> {
    let t = ctx.tr();
    let f = &r.facets;
    let mut groups = vec![
        facet_group(
            t.get("search-facet-type"),
            p,
            "type",
            &p.doc_type,
            f.kind
                .iter()
                .map(|(k, n)| (k.clone(), t.get(&format!("search-type-{k}")), *n)),
        ),
        facet_group(
            t.get("search-facet-kind"),
            p,
            "kind",
            &p.kind,
            f.offer_kind
                .iter()
                .map(|(k, n)| (k.clone(), t.get(&format!("offer-{k}")), *n)),
        ),
        facet_group(
            t.get("search-facet-category"),
            p,
            "category",
            &p.category,
            f.category.iter().map(|(c, n)| {
                let label = catalog::category(c)
                    .map(|c| localized(ctx.locale, &c.name_vi, Some(&c.name_en)))
                    .unwrap_or_else(|| c.clone());
                (c.clone(), label, *n)
            }),
        ),
        facet_group(
            t.get("search-facet-stars"),
            p,
            "stars",
            &p.stars,
            f.stars.iter().map(|(s, n)| {
                (
                    s.to_string(),
                    format!("OCOP {}", "★".repeat(usize::from(*s))),
                    *n,
                )
            }),
        ),
        facet_group(
            t.get("search-facet-cert"),
            p,
            "cert",
            &p.cert,
            f.certification.iter().map(|(c, n)| {
                let label = catalog::certification(c)
                    .map(|c| localized(ctx.locale, &c.name_vi, Some(&c.name_en)))
                    .unwrap_or_else(|| c.clone());
                (c.clone(), label, *n)
            }),
        ),
        facet_group(
            t.get("search-facet-commune"),
            p,
            "commune",
            &p.commune,
            f.commune
                .iter()
                .take(12)
                .map(|(c, n)| (c.clone(), commune_name(Some(c)), *n)),
        ),
    ];
    if f.women_managed > 0 {
        groups.push(facet_group(
            t.get("search-facet-women"),
            p,
            "women",
            &p.women,
            [(
                "1".to_owned(),
                t.get("search-women-managed"),
                f.women_managed,
            )],
        ));
    }
    groups.retain(|g| !g.links.is_empty());
    groups
}

#[derive(Template)]
#[template(path = "search/results.html")]
struct ResultsPage {
    layout: Layout,
    p: SearchParams,
    /// Coming events the words match (the first page only).
    events: Vec<super::events::EventView>,
    hits: Vec<HitView>,
    total: u64,
    facets: Vec<FacetGroup>,
    suggestion: Option<(String, String)>,
    /// The phrases read as filters ("dưới 100k", "OCOP 4 sao"), and the link that searches
    /// the words exactly as typed instead.
    understood: Vec<String>,
    exact_href: String,
    /// A place was understood but nothing was found there: its name was searched as text.
    place_relaxed: bool,
    /// Near matches completing a short first page, shown under their own heading.
    near: Vec<HitView>,
    sorts: Vec<(String, String)>,
    prev: Option<String>,
    next: Option<String>,
}

pub async fn search_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<SearchParams>,
) -> Result<Response, AppError> {
    // The page always shows facets and pages by 20.
    let q = parse_search(
        &SearchParams {
            limit: String::new(),
            facets: String::new(),
            ..p.clone()
        },
        PAGE_SIZE,
    )?;
    // A short first page goes on with near matches.
    let q = SearchQuery { near: true, ..q };
    let answer = run(&state, &q, p.exact == "1").await?;
    let r = &answer.results;
    let cooperatives: Vec<String> = r
        .hits
        .iter()
        .chain(&answer.near)
        .filter(|h| h.key.kind == DocKind::Cooperative)
        .map(|h| h.org_slug.clone())
        .collect();
    let orgs = ketnoi_db::orgs::kinds_and_communes(state.db.conn(), &cooperatives).await?;
    let page = q.offset / PAGE_SIZE + 1;
    let events = if page == 1 {
        super::events::matching(&state, &ctx, &q.text, 3).await?
    } else {
        Vec::new()
    };
    let t = ctx.tr();
    let with_page = |n: usize| {
        let base = with_param(&p, "page", "");
        format!("{base}&page={n}")
    };
    render(&ResultsPage {
        layout: Layout::new(
            &ctx,
            if q.text.is_empty() {
                t.get("search-title")
            } else {
                t.with("search-title-for", "q", &q.text)
            },
        ),
        hits: r
            .hits
            .iter()
            .map(|h| HitView::new(h, &ctx, &orgs))
            .collect(),
        total: r.total,
        facets: facets(r, &p, &ctx),
        understood: answer.understood.consumed.clone(),
        exact_href: with_param(&p, "exact", "1"),
        place_relaxed: answer.place_relaxed,
        near: answer
            .near
            .iter()
            .map(|h| HitView::new(h, &ctx, &orgs))
            .collect(),
        suggestion: r
            .suggestion
            .as_ref()
            .map(|s| (s.clone(), with_param(&p, "q", s))),
        sorts: ["relevance", "price_asc", "price_desc", "newest"]
            .iter()
            .map(|s| ((*s).to_owned(), t.get(&format!("search-sort-{s}"))))
            .collect(),
        events,
        prev: (page > 1).then(|| with_page(page - 1)),
        next: ((page * PAGE_SIZE) < usize::try_from(r.total).unwrap_or(usize::MAX))
            .then(|| with_page(page + 1)),
        p,
    })
}
