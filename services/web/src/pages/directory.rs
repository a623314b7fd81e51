//! The public directory of cooperatives (list and map, with filters) and a cooperative's
//! profile page with its verified badges, women in management and listings.

use super::{Layout, render};
use super::{commune_name, localized};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{PathSlug, Query};
use crate::policy::{self, Access, Actor};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::badges::Badge;
use ketnoi_db::listings;
use ketnoi_db::orgs::{self, DirectoryCard, DirectoryFilter, Org};
use ketnoi_domain::catalog::{self, BadgeKind};
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::{Locale, admin_units};
use serde::Deserialize;

/// The map shows at most this many pins; the list pages through the rest.
pub const MAP_LIMIT: i64 = 2000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DirectoryQuery {
    pub kind: String,
    pub sector: String,
    pub commune: String,
    pub stars: String,
    pub badge: String,
    /// `name` (or empty), `listings`, `newest`.
    pub sort: String,
    pub page: String,
}

/// The directory's sorts, by their query value.
pub const DIRECTORY_SORTS: [(&str, orgs::DirectorySort); 3] = [
    ("name", orgs::DirectorySort::Name),
    ("listings", orgs::DirectorySort::MostListings),
    ("newest", orgs::DirectorySort::Newest),
];

/// Parses the directory filters; unknown values are a 422 naming the parameter.
pub fn parse_directory_query(q: &DirectoryQuery) -> Result<(DirectoryFilter, i64), AppError> {
    let mut e = FieldErrors::default();
    let bad = || Msg::new("err-invalid-choice");
    let kind = match q.kind.as_str() {
        "" => None,
        k => e.check(
            "kind",
            OrgKind::parse(k)
                .filter(|k| k.is_cooperative())
                .ok_or_else(bad),
        ),
    };
    let sector = match q.sector.as_str() {
        "" => None,
        s => e.check(
            "sector",
            catalog::sector(s).map(|s| s.id.clone()).ok_or_else(bad),
        ),
    };
    let commune_code = match q.commune.as_str() {
        "" => None,
        c => e.check(
            "commune",
            admin_units::commune(c)
                .map(|c| c.code.clone())
                .ok_or_else(bad),
        ),
    };
    let min_stars = match q.stars.as_str() {
        "" => None,
        s => e.check(
            "stars",
            s.parse::<i64>()
                .ok()
                .filter(|s| (3..=5).contains(s))
                .ok_or_else(bad),
        ),
    };
    let badge = match q.badge.as_str() {
        "" => None,
        b => e.check(
            "badge",
            BadgeKind::parse(b)
                .filter(|b| {
                    matches!(
                        b,
                        BadgeKind::Vietgap | BadgeKind::Organic | BadgeKind::WomenManaged
                    )
                })
                .ok_or_else(bad),
        ),
    };
    let sort = match q.sort.as_str() {
        "" => Some(orgs::DirectorySort::Name),
        s => e.check(
            "sort",
            DIRECTORY_SORTS
                .iter()
                .find(|(v, _)| *v == s)
                .map(|(_, s)| *s)
                .ok_or_else(bad),
        ),
    };
    let page = parse_page(&mut e, &q.page);
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    Ok((
        DirectoryFilter {
            kind,
            sector,
            commune_code,
            min_stars,
            badge,
            sort: sort.unwrap_or_default(),
        },
        page,
    ))
}

pub fn parse_page(e: &mut FieldErrors, raw: &str) -> i64 {
    match raw {
        "" => 1,
        p => e
            .check(
                "page",
                p.parse::<i64>()
                    .ok()
                    .filter(|p| (1..=100_000).contains(p))
                    .ok_or(Msg::new("err-invalid-number")),
            )
            .unwrap_or(1),
    }
}

/// A directory card as the template shows it.
pub struct CoopCard {
    pub slug: String,
    pub name: String,
    pub kind_label: String,
    pub place: String,
    pub sector: String,
    pub stars: i64,
    pub listings: i64,
    pub logo: Option<String>,
    /// Pin position on the map, in percent of the map's width and height.
    pub pin: Option<(f64, f64)>,
}

/// Hanoi's extent, for placing pins on the map.
const LAT_MIN: f64 = 20.53;
const LAT_MAX: f64 = 21.42;
const LON_MIN: f64 = 105.27;
const LON_MAX: f64 = 106.03;

fn card(c: &DirectoryCard, ctx: &Ctx) -> CoopCard {
    let t = ctx.tr();
    CoopCard {
        slug: c.slug.clone(),
        name: c.name.clone(),
        kind_label: t.get(&format!("kind-{}", c.kind)),
        place: commune_name(c.commune_code.as_deref()),
        sector: c
            .sector
            .as_deref()
            .and_then(catalog::sector)
            .map(|s| localized(ctx.locale, &s.name_vi, Some(&s.name_en)))
            .unwrap_or_default(),
        stars: c.ocop_stars.unwrap_or(0),
        listings: c.listing_count,
        logo: c.logo_key.clone(),
        // Without its own coordinates, a cooperative stands at its ward's or commune's
        // centre: on the map all the same, where people would look for it.
        pin: c
            .lat
            .zip(c.lon)
            .or_else(|| {
                c.commune_code
                    .as_deref()
                    .and_then(ketnoi_domain::admin_units::commune)
                    .map(|u| (u.lat, u.lon))
            })
            .map(|(lat, lon)| map_point(lat, lon)),
    }
}

/// Choices for the filter form, labelled in the visitor's language.
pub struct Choice {
    pub value: String,
    pub label: String,
}

fn sector_choices(locale: Locale) -> Vec<Choice> {
    catalog::sectors()
        .iter()
        .map(|s| Choice {
            value: s.id.clone(),
            label: localized(locale, &s.name_vi, Some(&s.name_en)),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "directory/list.html")]
struct DirectoryPage {
    layout: Layout,
    q: DirectoryQuery,
    cards: Vec<CoopCard>,
    sectors: Vec<Choice>,
    /// The directory's sorts' query values (labelled in the template).
    sorts: &'static [(&'static str, orgs::DirectorySort)],
    communes: &'static [admin_units::Commune],
    page: i64,
    has_next: bool,
    map: bool,
    /// The map's background: every ward's and commune's centre, `(x, y, name)` in the map's
    /// frame, so that Hanoi's shape shows behind the pins (empty on the list).
    commune_dots: &'static [(f64, f64, String)],
    /// The filters as a query string, for the other view and the pager.
    filters: String,
}

/// A point of Hanoi in the map's frame (x and y from 0 to 100, y down).
fn map_point(lat: f64, lon: f64) -> (f64, f64) {
    (
        ((lon - LON_MIN) / (LON_MAX - LON_MIN) * 100.0).clamp(0.0, 100.0),
        ((LAT_MAX - lat) / (LAT_MAX - LAT_MIN) * 100.0).clamp(0.0, 100.0),
    )
}

fn commune_dots() -> &'static [(f64, f64, String)] {
    static DOTS: std::sync::LazyLock<Vec<(f64, f64, String)>> = std::sync::LazyLock::new(|| {
        admin_units::hanoi_communes()
            .iter()
            .map(|c| {
                let (x, y) = map_point(c.lat, c.lon);
                (x, y, c.name.clone())
            })
            .collect()
    });
    &DOTS
}

/// Pins that would cover each other (cooperatives of one craft village, or placed at the
/// same commune's centre) are set around their common point, so each can be tapped.
fn spread_pins(cards: &mut [CoopCard]) {
    const NEAR: f64 = 1.5;
    const RING: f64 = 1.8;
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, c) in cards.iter().enumerate() {
        let Some((x, y)) = c.pin else { continue };
        let near = groups.iter_mut().find(|g| {
            cards[g[0]]
                .pin
                .is_some_and(|(gx, gy)| (gx - x).hypot(gy - y) < NEAR)
        });
        match near {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    for g in groups.into_iter().filter(|g| g.len() > 1) {
        let Some((cx, cy)) = cards[g[0]].pin else {
            continue;
        };
        let n = g.len() as f64;
        for (k, &i) in g.iter().enumerate() {
            let angle = std::f64::consts::TAU * k as f64 / n;
            cards[i].pin = Some((
                (cx + RING * angle.cos()).clamp(0.0, 100.0),
                (cy + RING * angle.sin()).clamp(0.0, 100.0),
            ));
        }
    }
}

fn filter_string(q: &DirectoryQuery) -> String {
    let pairs = [
        ("kind", &q.kind),
        ("sector", &q.sector),
        ("commune", &q.commune),
        ("stars", &q.stars),
        ("badge", &q.badge),
        ("sort", &q.sort),
    ];
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn directory_page(
    state: &AppState,
    ctx: &Ctx,
    q: DirectoryQuery,
    map: bool,
) -> Result<Response, AppError> {
    let (filter, page) = parse_directory_query(&q)?;
    let today = ketnoi_domain::time::today_hanoi();
    let (cards, has_next) = if map {
        (
            orgs::directory(state.db.conn(), &filter, today, MAP_LIMIT, 0).await?,
            false,
        )
    } else {
        let (limit, offset) = super::page_window(page);
        super::split_page(orgs::directory(state.db.conn(), &filter, today, limit, offset).await?)
    };
    render(&DirectoryPage {
        layout: Layout::titled(
            ctx,
            if map {
                "directory-map-title"
            } else {
                "orgs-title"
            },
        ),
        cards: {
            let mut cards: Vec<CoopCard> = cards.iter().map(|c| card(c, ctx)).collect();
            if map {
                spread_pins(&mut cards);
            }
            cards
        },
        sectors: sector_choices(ctx.locale),
        sorts: &DIRECTORY_SORTS,
        communes: admin_units::hanoi_communes_by_name(),
        commune_dots: if map { commune_dots() } else { &[] },
        filters: filter_string(&q),
        q,
        page,
        has_next,
        map,
    })
}

pub async fn list_cooperatives(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DirectoryQuery>,
) -> Result<Response, AppError> {
    directory_page(&state, &ctx, q, false).await
}

pub async fn map_cooperatives(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DirectoryQuery>,
) -> Result<Response, AppError> {
    directory_page(&state, &ctx, q, true).await
}

/// A verified badge as the public sees it.
pub struct BadgeView {
    pub label: String,
    pub detail: String,
    /// "Hội LHPN Xã Bát Tràng xác minh ngày 12/03/2026", as the words before the
    /// verifier's name, the name (content, in Vietnamese) and the words after it; empty
    /// when the badge is not verified.
    pub verified: (String, String, String),
}

pub fn badge_view(b: &Badge, ctx: &Ctx) -> BadgeView {
    let t = ctx.tr();
    let label = match (b.kind, b.stars) {
        (BadgeKind::Ocop, Some(s)) => t.with("badge-ocop-stars", "stars", &s.to_string()),
        (k, _) => t.get(&format!("badge-{}", k.as_str())),
    };
    let mut detail = Vec::new();
    if let Some(n) = &b.number {
        detail.push(format!("{} {n}", t.get("badge-number")));
    }
    if let Some(g) = &b.product_group {
        detail.push(g.clone());
    }
    if let Some(i) = &b.issuer {
        detail.push(i.clone());
    }
    if let Some(d) = b.expires_on {
        detail.push(t.with("badge-expires", "date", &d.format("%d/%m/%Y").to_string()));
    }
    let verified = match (&b.verifier_label, b.decided_at) {
        (Some(who), Some(at)) => {
            let (before, after) = crate::i18n::around(
                ctx.locale,
                "badge-verified-by",
                &[("date", ketnoi_domain::time::format_hanoi_date(at))],
                "who",
            );
            (before, who.clone(), after)
        }
        _ => Default::default(),
    };
    BadgeView {
        label,
        detail: detail.join(" · "),
        verified,
    }
}

#[derive(Template)]
#[template(path = "directory/profile.html")]
struct ProfilePage {
    layout: Layout,
    org: Org,
    kind_label: String,
    address: String,
    legacy_district: Option<String>,
    story: String,
    story_lang: &'static str,
    sector: String,
    phone: Option<String>,
    zalo: Option<String>,
    managers: Vec<(String, String, Option<i64>)>,
    badges: Vec<BadgeView>,
    listings: Vec<super::listings::ListingCardView>,
    /// The page of listings shown (30 a page), and whether another follows.
    page: i64,
    has_next: bool,
    can_manage: bool,
    json_ld: String,
    og_description: String,
    og_image: Option<String>,
    /// The page's public address (`og:url`, the share button).
    share_url: String,
    /// How long the cooperative usually takes to confirm an order (median), when known.
    confirms_in: Option<String>,
}

/// "3 giờ 20 phút" / "3 h 20 min": a confirmation time in words.
fn duration_words(ctx: &Ctx, d: chrono::Duration) -> String {
    let minutes = d.num_minutes().max(1);
    let (h, m) = (minutes / 60, minutes % 60);
    let t = ctx.tr();
    match (h, m) {
        (0, m) => t.with("duration-minutes", "m", &m.to_string()),
        (h, 0) => t.with("duration-hours", "h", &h.to_string()),
        (h, m) => format!(
            "{} {}",
            t.with("duration-hours", "h", &h.to_string()),
            t.with("duration-minutes", "m", &m.to_string())
        ),
    }
}

/// Embeds JSON in a `<script>` safely: `<` cannot close the element.
pub fn script_json(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c")
}

pub fn excerpt(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProfileQuery {
    pub page: String,
}

pub async fn show_org(
    State(state): State<AppState>,
    ctx: Ctx,
    PathSlug(slug): PathSlug,
    crate::extract::Query(q): crate::extract::Query<ProfileQuery>,
) -> Result<Response, AppError> {
    let mut e = FieldErrors::default();
    let page = parse_page(&mut e, &q.page);
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    // One connection for the page's reads, in turn (see `ketnoi_db::Lease`).
    let mut db = state.db.lease().await?;
    let (org, confirms_in) = orgs::find_for_profile(db.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    // Most signed-in visitors are buyers, who act for no organisation: nothing to ask.
    let (membership, proxy) = match &ctx.user {
        Some(u) if ctx.acts_for_orgs => orgs::viewer_rights(db.conn(), org.id, u.id).await?,
        _ => (None, false),
    };
    let actor = Actor::of(ctx.user.as_deref(), membership);
    // Buyers are people and businesses, not public listings: only they and admins see theirs.
    if org.kind == OrgKind::Buyer && !policy::allows(Access::OrgMember, &actor, &org) {
        return Err(AppError::NotFound);
    }
    let can_manage = policy::allows(Access::OrgManager, &Actor { proxy, ..actor }, &org);
    let today = ketnoi_domain::time::today_hanoi();
    let filter = listings::Filter {
        org_id: Some(org.id),
        ..Default::default()
    };
    let (limit, offset) = super::page_window(page);
    let badges = ketnoi_db::badges::of_org(db.conn(), org.id).await?;
    let cards = listings::public_cards(db.conn(), &filter, today, limit, offset).await?;
    let managers = orgs::managers(db.conn(), org.id).await?;
    drop(db);
    let commune = org.commune_code.as_deref().and_then(admin_units::commune);
    let address = [
        org.street.clone().unwrap_or_default(),
        commune.map(|c| c.name.clone()).unwrap_or_default(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let (cards, has_next) = super::split_page(cards);
    let badges: Vec<Badge> = badges
        .into_iter()
        .filter(|b| b.is_showing(today) && b.listing_id.is_none())
        .collect();
    let managers = managers
        .into_iter()
        .map(|m| {
            (
                m.name,
                // The chair of an HTX's board and the leader of a THT share one role.
                match (m.role.as_str(), org.kind) {
                    ("chu_tich", OrgKind::Htx | OrgKind::Tht) => ctx
                        .tr()
                        .get(&format!("manager-chu_tich-{}", org.kind.as_str())),
                    (role, _) => ctx.tr().get(&format!("manager-{role}")),
                },
                m.since_year,
            )
        })
        .collect();
    let story = localized(
        ctx.locale,
        org.description.as_deref().unwrap_or_default(),
        org.profile.story_en.as_deref(),
    );
    let url = format!("{}/orgs/{}", state.config.public_url, org.slug);
    let og_image = org
        .profile
        .logo_key
        .as_ref()
        .map(|k| format!("{}/media/img/{k}-800.jpg", state.config.public_url));
    let json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": org.name,
        "url": url,
        "description": story,
        "foundingDate": org.founded_year.map(|y| y.to_string()),
        "telephone": org.phone,
        "email": org.email,
        "logo": og_image,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": org.street,
            "addressLocality": commune.map(|c| c.name.clone()),
            "addressRegion": "Hà Nội",
            "addressCountry": "VN",
        },
        "geo": org.profile.lat.zip(org.profile.lon).map(|(lat, lon)| serde_json::json!({"@type": "GeoCoordinates", "latitude": lat, "longitude": lon})),
        "numberOfEmployees": org.members_total,
    });
    let confirms_in = confirms_in.map(|s| duration_words(&ctx, chrono::Duration::seconds(s)));
    render(&ProfilePage {
        confirms_in,
        layout: Layout::new(&ctx, org.name.clone()),
        kind_label: ctx.tr().get(&format!("kind-{}", org.kind.as_str())),
        legacy_district: commune.map(|c| c.legacy_district_main.clone()),
        sector: org
            .profile
            .sector
            .as_deref()
            .and_then(catalog::sector)
            .map(|s| localized(ctx.locale, &s.name_vi, Some(&s.name_en)))
            .unwrap_or_default(),
        phone: org.phone.as_deref().map(ketnoi_domain::contact::national),
        zalo: org
            .profile
            .zalo
            .as_deref()
            .map(|z| z.trim_start_matches("+84").to_owned())
            .map(|z| format!("0{z}")),
        managers,
        badges: badges.iter().map(|b| badge_view(b, &ctx)).collect(),
        listings: cards
            .iter()
            .map(|c| super::listings::ListingCardView::new(c, &ctx))
            .collect(),
        page,
        has_next,
        can_manage,
        json_ld: script_json(&json_ld),
        og_description: excerpt(&story, 200),
        og_image,
        share_url: url,
        address,
        story,
        story_lang: crate::pages::localized_lang(ctx.locale, org.profile.story_en.as_deref()),
        org,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(slug: &str, pin: Option<(f64, f64)>) -> CoopCard {
        CoopCard {
            slug: slug.into(),
            name: slug.into(),
            kind_label: String::new(),
            place: String::new(),
            sector: String::new(),
            stars: 0,
            listings: 0,
            logo: None,
            pin,
        }
    }

    #[test]
    fn pins_on_one_spot_are_set_around_it_and_the_others_stay() {
        let mut cards = vec![
            at("a", Some((50.0, 50.0))),
            at("b", Some((50.2, 50.1))),
            at("c", Some((50.0, 50.0))),
            at("far", Some((10.0, 10.0))),
            at("nowhere", None),
        ];
        spread_pins(&mut cards);
        let pins: Vec<(f64, f64)> = cards.iter().filter_map(|c| c.pin).collect();
        for (i, p) in pins[..3].iter().enumerate() {
            for q in &pins[i + 1..3] {
                assert!((p.0 - q.0).hypot(p.1 - q.1) > 2.0, "{p:?} {q:?}");
            }
            assert!((p.0 - 50.0).hypot(p.1 - 50.0) < 2.0, "{p:?}");
        }
        assert_eq!(cards[3].pin, Some((10.0, 10.0)));
        assert_eq!(cards[4].pin, None);
    }
}
