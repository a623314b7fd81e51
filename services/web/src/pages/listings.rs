//! Public listing pages: all listings, a category, and one listing with its offers, photos,
//! verified OCOP stars, schema.org Product JSON-LD and Open Graph tags.

use super::directory::{excerpt, parse_page, script_json};
use super::{Layout, render};
use super::{commune_name, localized};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{PathId, Query};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use ketnoi_db::listings::{self, Card, Filter};
use ketnoi_domain::Vnd;
use ketnoi_domain::catalog::{self, OfferKind};
use serde::Deserialize;

/// A listing card as templates show it.
pub struct ListingCardView {
    pub id: i64,
    pub title: String,
    pub org_name: String,
    pub org_slug: String,
    pub price: String,
    pub kind: String,
    pub stars: i64,
    pub photo: Option<String>,
    /// The category group (`thu-cong`, `thuc-pham`, `hoa-cay-canh`, `trai-nghiem`): a card
    /// without a photo shows that group's drawing instead.
    pub group: String,
}

impl ListingCardView {
    pub fn new(c: &Card, ctx: &Ctx) -> ListingCardView {
        ListingCardView {
            id: c.id,
            title: localized(ctx.locale, &c.title_vi, c.title_en.as_deref()),
            org_name: c.org_name.clone(),
            org_slug: c.org_slug.clone(),
            // A wholesale listing's lowest price is its cheapest tier's: "from", not "at".
            // None: its only prices are for verified trade buyers (`shown_min_price!`).
            price: match c.min_price {
                None => ctx.tr().get("trade-card-price-hidden"),
                Some(p) => {
                    let price = format!("{} / {}", Vnd(p), ctx.tr().unit(&c.unit));
                    if c.kind.as_deref() == Some(OfferKind::Wholesale.as_str()) {
                        ctx.tr().with("price-from", "price", &price)
                    } else {
                        price
                    }
                }
            },
            kind: c
                .kind
                .as_deref()
                .map(|k| ctx.tr().get(&format!("offer-{k}")))
                .unwrap_or_default(),
            stars: c.ocop_stars.unwrap_or(0),
            photo: c.photo.clone(),
            group: catalog::group_of(&c.category_id),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListingQuery {
    pub kind: String,
    pub page: String,
    /// `newest` (or empty), `price_asc`, `price_desc`.
    pub sort: String,
}

/// The sorts the listing pages offer, by their query value.
const SORTS: [(&str, listings::Sort); 3] = [
    ("newest", listings::Sort::Newest),
    ("price_asc", listings::Sort::PriceAsc),
    ("price_desc", listings::Sort::PriceDesc),
];

#[derive(Template)]
#[template(path = "listings/list.html")]
struct ListPage {
    layout: Layout,
    heading: String,
    base: String,
    kind: String,
    /// The chosen sort's query value ("newest" by default) and the choices, labelled.
    sort: String,
    sorts: Vec<(String, String)>,
    cards: Vec<ListingCardView>,
    subcategories: Vec<(String, String)>,
    page: i64,
    has_next: bool,
}

pub fn parse_listing_query(q: &ListingQuery) -> Result<(Option<OfferKind>, i64), AppError> {
    let mut e = FieldErrors::default();
    let kind = match q.kind.as_str() {
        "" => None,
        k => e.check(
            "kind",
            OfferKind::parse(k).ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    let page = parse_page(&mut e, &q.page);
    if e.is_empty() {
        Ok((kind, page))
    } else {
        Err(AppError::Validation(e))
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    mut filter: Filter,
    q: &ListingQuery,
    heading: String,
    base: String,
    subcategories: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let (kind, page) = parse_listing_query(q)?;
    filter.kind = kind;
    let sort = match q.sort.as_str() {
        "" => "newest",
        s => s,
    };
    filter.sort = SORTS
        .iter()
        .find(|(v, _)| *v == sort)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            AppError::Validation(FieldErrors::single("sort", Msg::new("err-invalid-choice")))
        })?;
    let today = ketnoi_domain::time::today_hanoi();
    let (limit, offset) = crate::pages::page_window(page);
    let (cards, has_next) = crate::pages::split_page(
        listings::public_cards(state.db.conn(), &filter, today, limit, offset).await?,
    );
    render(&ListPage {
        layout: Layout::new(ctx, heading.clone()),
        heading,
        base,
        kind: q.kind.clone(),
        sort: sort.to_owned(),
        sorts: SORTS
            .iter()
            .map(|(v, _)| ((*v).to_owned(), ctx.tr().get(&format!("search-sort-{v}"))))
            .collect(),
        cards: cards.iter().map(|c| ListingCardView::new(c, ctx)).collect(),
        subcategories,
        page,
        has_next,
    })
}

pub async fn list_listings(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListingQuery>,
) -> Result<Response, AppError> {
    let groups = catalog::categories()
        .iter()
        .filter(|c| c.parent.is_none())
        .map(|c| {
            (
                c.id.clone(),
                localized(ctx.locale, &c.name_vi, Some(&c.name_en)),
            )
        })
        .collect();
    let heading = ctx.tr().get("listings-title");
    list_page(
        &state,
        &ctx,
        Filter::default(),
        &q,
        heading,
        "/listings".into(),
        groups,
    )
    .await
}

pub async fn show_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ListingQuery>,
) -> Result<Response, AppError> {
    let category = catalog::category(&id).ok_or(AppError::NotFound)?;
    let (filter, subcategories) = if category.parent.is_none() {
        let subs = catalog::categories()
            .iter()
            .filter(|c| c.parent.as_deref() == Some(category.id.as_str()))
            .map(|c| {
                (
                    c.id.clone(),
                    localized(ctx.locale, &c.name_vi, Some(&c.name_en)),
                )
            })
            .collect();
        (
            Filter {
                group: Some(category.id.clone()),
                ..Filter::default()
            },
            subs,
        )
    } else {
        (
            Filter {
                category: Some(category.id.clone()),
                ..Filter::default()
            },
            Vec::new(),
        )
    };
    let heading = localized(ctx.locale, &category.name_vi, Some(&category.name_en));
    list_page(
        &state,
        &ctx,
        filter,
        &q,
        heading,
        format!("/categories/{}", category.id),
        subcategories,
    )
    .await
}

/// One offer as the listing page shows it.
pub struct OfferView {
    pub offer_id: i64,
    pub experience: bool,
    /// The quantity input's start and step (a wholesale minimum and case).
    pub min_qty: i64,
    pub step: i64,
    pub max_qty: Option<i64>,
    /// The listing is public (drafts shown to their cooperative take no orders) and the
    /// viewer may see the offer's price.
    pub orderable: bool,
    /// A wholesale offer whose prices the cooperative shows to verified trade buyers only,
    /// and the viewer is not one: no price, no tiers, no cart.
    pub hidden: bool,
    pub kind: String,
    pub price: String,
    pub lines: Vec<String>,
    pub tiers: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "listings/show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    /// Whether the signed-in visitor saved it (`None`: nobody signed in).
    saved: Option<bool>,
    title: String,
    description: String,
    description_lang: &'static str,
    org_name: String,
    org_slug: String,
    /// Whether the cooperative answers on Ketnoi itself (else the Union calls it).
    org_answers: bool,
    /// Its phone: (E.164 for `tel:`, as people write it).
    org_phone: Option<(String, String)>,
    category: String,
    category_id: String,
    offers: Vec<OfferView>,
    photos: Vec<String>,
    stars: i64,
    stock: String,
    season: String,
    origin: String,
    certifications: Vec<String>,
    json_ld: String,
    og_description: String,
    og_image: Option<String>,
    /// The page's public address (`og:url`, the share button).
    share_url: String,
}

pub async fn show_listing(
    State(state): State<AppState>,
    ctx: Ctx,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let today = ketnoi_domain::time::today_hanoi();
    // The listing, its cooperative's name and its stars in one query; then its offers and
    // photos, in turn on the same connection (see `ketnoi_db::Lease`).
    let mut db = state.db.lease().await?;
    let listings::PageListing {
        listing,
        org_name,
        org_slug,
        org_phone,
        org_answers,
        ocop_stars,
        saved,
        wholesale_verified_only,
    } = listings::find_for_page(db.conn(), id, today, ctx.user.as_ref().map(|u| u.id))
        .await?
        .ok_or(AppError::NotFound)?;
    let offers = listings::offers_with_ids(db.conn(), listing.id).await?;
    let photos = listings::photos(db.conn(), listing.id).await?;
    let wholesale_visible = ketnoi_app::wholesale::prices_visible(
        db.conn(),
        ctx.user.as_ref().map(|u| u.id),
        listing.org_id,
        wholesale_verified_only,
    )
    .await?;
    let priced = |kind| ketnoi_app::wholesale::offer_priced(kind, wholesale_visible);
    let saved = ctx.user.as_ref().map(|_| saved);
    let stars = ocop_stars.unwrap_or(0);
    if !listing.is_public() {
        // Drafts, paused and hidden listings are for the cooperative's own people.
        let org = ketnoi_db::orgs::find(db.conn(), listing.org_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let actor = match &ctx.user {
            Some(u) => {
                let (role, proxy) = ketnoi_db::orgs::viewer_rights(db.conn(), org.id, u.id).await?;
                crate::policy::Actor {
                    proxy,
                    ..crate::policy::Actor::of(Some(u), role)
                }
            }
            None => crate::policy::Actor::default(),
        };
        if !crate::policy::allows(crate::policy::Access::OrgManager, &actor, &org) {
            return Err(AppError::NotFound);
        }
    }
    drop(db);
    let t = ctx.tr();
    let title = localized(ctx.locale, &listing.title_vi, listing.title_en.as_deref());
    let description = localized(
        ctx.locale,
        &listing.description_vi,
        listing.description_en.as_deref(),
    );
    let offer_views: Vec<OfferView> = offers
        .iter()
        .map(|(offer_id, o)| {
            let mut lines = Vec::new();
            if let Some(n) = o.min_order_qty {
                lines.push(format!(
                    "{} {n} {}",
                    t.get("offer-min-order"),
                    t.unit(&listing.unit)
                ));
            }
            if let Some(n) = o.case_size {
                lines.push(format!(
                    "{} {n} {}",
                    t.get("offer-case-size"),
                    t.unit(&listing.unit)
                ));
            }
            if let Some(h) = o.duration_hours {
                lines.push(t.with("offer-duration", "hours", &h.to_string()));
            }
            if let Some(g) = o.max_group_size {
                lines.push(t.with("offer-group", "people", &g.to_string()));
            }
            let hidden = !priced(o.kind);
            // The lowest tier, in words: the price a card shows "from".
            if let Some(low) = o.tiers.iter().min_by_key(|tier| tier.price.0)
                && low.price.0 < o.price.0
                && !hidden
            {
                let unit = t.unit(&listing.unit);
                lines.push(crate::i18n::t_args(
                    ctx.locale,
                    "price-from-quantity",
                    &[
                        ("price", format!("{} / {unit}", low.price)),
                        ("qty", format!("{} {unit}", low.min_qty)),
                    ],
                ));
            }
            let wholesale = o.kind == OfferKind::Wholesale;
            let step = o.case_size.filter(|c| wholesale && *c > 1).unwrap_or(1);
            let min_qty = if wholesale {
                o.min_order_qty
                    .or_else(|| o.tiers.first().map(|t| t.min_qty))
                    .unwrap_or(step)
                    .max(step)
            } else {
                1
            };
            OfferView {
                offer_id: *offer_id,
                experience: o.kind == OfferKind::Experience,
                min_qty,
                step,
                max_qty: o.max_group_size.filter(|_| o.kind == OfferKind::Experience),
                orderable: listing.is_public() && !hidden,
                hidden,
                kind: t.get(&format!("offer-{}", o.kind.as_str())),
                price: if hidden {
                    String::new()
                } else {
                    format!("{} / {}", o.price, t.unit(&listing.unit))
                },
                lines,
                tiers: o
                    .tiers
                    .iter()
                    .filter(|_| !hidden)
                    .map(|tier| {
                        (
                            format!("≥ {} {}", tier.min_qty, t.unit(&listing.unit)),
                            tier.price.to_string(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let category = catalog::category(&listing.category_id);
    let season = if listing.months == catalog::Months::ALL {
        t.get("season-all-year")
    } else {
        listing
            .months
            .list()
            .iter()
            .map(|m| t.with("month", "m", &m.to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let stock = match listing.stock {
        None => t.get("stock-made-to-order"),
        Some(n) => t.with("stock-available", "n", &n.to_string()),
    };
    let url = format!("{}/listings/{}", state.config.public_url, listing.id);
    let images: Vec<String> = photos
        .iter()
        .map(|k| format!("{}/media/img/{k}-800.jpg", state.config.public_url))
        .collect();
    let json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": title,
        "description": description,
        "url": url,
        "image": images,
        "category": category.map(|c| c.name_en.clone()),
        "brand": {"@type": "Organization", "name": org_name},
        "offers": offers.iter().filter(|(_, o)| priced(o.kind)).map(|(_, o)| serde_json::json!({
            "@type": "Offer",
            "price": o.price.0,
            "priceCurrency": "VND",
            "availability": if listing.stock == Some(0) { "https://schema.org/OutOfStock" } else { "https://schema.org/InStock" },
            "eligibleQuantity": o.min_order_qty.map(|q| serde_json::json!({"@type": "QuantitativeValue", "minValue": q, "unitText": listing.unit})),
            "seller": {"@type": "Organization", "name": org_name},
        })).collect::<Vec<_>>(),
    });
    render(&ShowPage {
        saved,
        layout: Layout::new(&ctx, title.clone()),
        id: listing.id,
        og_description: excerpt(&description, 200),
        share_url: url.clone(),
        og_image: images.first().cloned(),
        json_ld: script_json(&json_ld),
        category: category
            .map(|c| localized(ctx.locale, &c.name_vi, Some(&c.name_en)))
            .unwrap_or_default(),
        category_id: listing.category_id.clone(),
        offers: offer_views,
        stars,
        stock,
        season,
        origin: commune_name(listing.origin_commune_code.as_deref()),
        certifications: listing
            .certifications
            .iter()
            .filter_map(|c| catalog::certification(c))
            .filter(|c| c.id != "ocop")
            .map(|c| localized(ctx.locale, &c.name_vi, Some(&c.name_en)))
            .collect(),
        org_name,
        org_slug,
        org_answers,
        org_phone: org_phone.map(|p| {
            let shown = ketnoi_domain::contact::national(&p);
            (p, shown)
        }),
        title,
        description,
        description_lang: crate::pages::localized_lang(
            ctx.locale,
            listing.description_en.as_deref(),
        ),
        photos,
    })
}
