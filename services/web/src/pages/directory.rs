//! The public directory of cooperatives (list and map, with filters) and a cooperative's
//! profile page with its verified badges, women in management and listings.

use super::{Layout, render};
use super::{commune_name, localized};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{PathSlug, Query};
use crate::map;
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

#[derive(Debug, Clone, Default, Deserialize)]
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
    pub commune_code: Option<String>,
    /// Where it stands on the map: latitude and longitude.
    pub at: Option<(f64, f64)>,
}

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
        commune_code: c.commune_code.clone(),
        at: c.lat.zip(c.lon).or_else(|| {
            c.commune_code
                .as_deref()
                .and_then(ketnoi_domain::admin_units::commune)
                .map(|u| (u.lat, u.lon))
        }),
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
    /// The map (none on the list).
    map_view: Option<MapView>,
    /// The filters as a query string, for the other view and the pager.
    filters: String,
}

/// A directory view's map as the template draws it.
pub struct MapView {
    /// Height of the SVG's view box (its width is [`map::WIDTH`]).
    pub height: f64,
    /// The view's corners, `north west south east`.
    pub bounds: String,
    /// The base map (tiles, or every ward's and commune's centre) and the markers.
    pub svg: String,
    /// The tile server's credit, under the map.
    pub credit: Option<String>,
}

/// Every ward's and commune's centre on the whole city's map, drawn once.
fn hanoi_dots() -> &'static str {
    static DOTS: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| map::View::hanoi().dots_svg(map::hanoi_places()));
    &DOTS
}

/// The map of a directory view. It fits the cooperatives shown (all of Hanoi, or the part
/// a filter leaves). Cooperatives of one ward or commune that would cover each other become
/// one numbered marker that opens the map of that ward or commune; others that stand
/// together (a craft village seen up close) are set around their common point.
fn map_view(cards: &[CoopCard], q: &DirectoryQuery, tiles: Option<&map::TileSource>) -> MapView {
    const NEAR: f64 = 3.0;
    let points: Vec<(f64, f64)> = cards.iter().filter_map(|c| c.at).collect();
    let view = map::View::fit(&points, 0.04);
    let height = view.height();
    let mut groups: Vec<(f64, f64, Vec<&CoopCard>)> = Vec::new();
    for c in cards {
        let Some((lat, lon)) = c.at else { continue };
        let (x, y) = view.point(lat, lon);
        match groups
            .iter_mut()
            .find(|(gx, gy, _)| (gx - x).hypot(gy - y) < NEAR)
        {
            Some(g) => g.2.push(c),
            None => groups.push((x, y, vec![c])),
        }
    }
    let mut markers = Vec::new();
    for (x, y, members) in groups {
        let commune = members[0].commune_code.as_deref();
        let one_commune = members.len() > 1
            && commune.is_some()
            && members.iter().all(|c| c.commune_code.as_deref() == commune)
            && q.commune.as_str() != commune.unwrap_or_default();
        if one_commune {
            let code = commune.unwrap_or_default();
            let n = members.len() as f64;
            let (cx, cy) =
                members
                    .iter()
                    .filter_map(|c| c.at)
                    .fold((0.0, 0.0), |(a, b), (lat, lon)| {
                        let (px, py) = view.point(lat, lon);
                        (a + px / n, b + py / n)
                    });
            let filters = filter_string(&DirectoryQuery {
                commune: code.to_owned(),
                page: String::new(),
                ..q.clone()
            });
            markers.push(map::Marker {
                x: cx,
                y: cy,
                count: members.len(),
                label: members[0].place.clone(),
                href: format!("/orgs/map?{filters}"),
                label_at: None,
            });
            continue;
        }
        let n = members.len();
        let ring = if n > 1 {
            (n as f64 * 0.9).max(2.4)
        } else {
            0.0
        };
        for (k, c) in members.into_iter().enumerate() {
            let angle = std::f64::consts::TAU * k as f64 / n as f64;
            markers.push(map::Marker {
                x: (x + ring * angle.cos()).clamp(0.0, map::WIDTH),
                y: (y + ring * angle.sin()).clamp(0.0, height),
                count: 1,
                label: c.name.clone(),
                href: format!("/orgs/{}", c.slug),
                label_at: None,
            });
        }
    }
    map::place_labels(&mut markers, height);
    let mut svg = match tiles {
        Some(t) => view.tiles_svg(t),
        None if view == map::View::hanoi() => hanoi_dots().to_owned(),
        None => view.dots_svg(map::hanoi_places()),
    };
    svg.push_str(&map::markers_svg(&markers));
    MapView {
        height,
        bounds: view.bounds_attr(),
        svg,
        credit: tiles.map(|t| t.attribution.clone()),
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
    let cards: Vec<CoopCard> = cards.iter().map(|c| card(c, ctx)).collect();
    let tiles = state.config.map_tiles.as_ref();
    render(&DirectoryPage {
        layout: Layout::titled(
            ctx,
            if map {
                "directory-map-title"
            } else {
                "orgs-title"
            },
        ),
        map_view: map.then(|| map_view(&cards, &q, tiles)),
        cards,
        sectors: sector_choices(ctx.locale),
        sorts: &DIRECTORY_SORTS,
        communes: admin_units::hanoi_communes_by_name(),
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
    /// Coming fairs where it has a booth.
    exhibits: Vec<super::events::EventView>,
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
    let orgs::ProfileHead {
        org,
        confirm_median_seconds: confirms_in,
        managers,
        badges,
    } = orgs::find_for_profile(db.conn(), &slug)
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
    let cards = listings::public_cards(db.conn(), &filter, today, limit, offset).await?;
    let exhibits = ketnoi_db::events::exhibiting(db.conn(), org.id, today).await?;
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
        exhibits: exhibits
            .iter()
            .map(|e| super::events::view(e, &ctx))
            .collect(),
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

    fn coop(slug: &str, commune: &str, at: (f64, f64)) -> CoopCard {
        CoopCard {
            slug: slug.into(),
            name: slug.into(),
            kind_label: String::new(),
            place: format!("Xã {commune}"),
            sector: String::new(),
            stars: 0,
            listings: 0,
            logo: None,
            commune_code: Some(commune.into()),
            at: Some(at),
        }
    }

    fn links(svg: &str) -> Vec<&str> {
        svg.split("<a href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect()
    }

    #[test]
    fn a_communes_cooperatives_on_one_spot_become_one_marker_that_opens_its_map() {
        let cards = [
            coop("a", "00577", (20.975, 105.913)),
            coop("b", "00577", (20.9752, 105.9131)),
            coop("c", "00577", (20.975, 105.913)),
            coop("far", "09619", (21.2, 105.4)),
        ];
        let q = DirectoryQuery {
            kind: "htx".into(),
            ..Default::default()
        };
        let m = map_view(&cards, &q, None);
        assert_eq!(
            links(&m.svg),
            ["/orgs/map?kind=htx&amp;commune=00577", "/orgs/far"],
            "{}",
            m.svg
        );
        assert!(m.svg.contains(">3</text>"), "the group's count");
        assert_eq!(
            m.svg.matches("class=\"communes\"").count(),
            1,
            "dots behind"
        );

        // On that commune's own map the three stand apart, around their spot.
        let q = DirectoryQuery {
            commune: "00577".into(),
            ..Default::default()
        };
        let m = map_view(&cards[..3], &q, None);
        assert_eq!(links(&m.svg), ["/orgs/a", "/orgs/b", "/orgs/c"]);
        let centres: Vec<(f64, f64)> = m
            .svg
            .split("class=\"pin\"")
            .skip(1)
            .filter_map(|p| {
                let num =
                    |k: &str| -> Option<f64> { p.split(k).nth(1)?.split('"').next()?.parse().ok() };
                Some((num("cx=\"")?, num("cy=\"")?))
            })
            .collect();
        assert_eq!(centres.len(), 3);
        for (i, a) in centres.iter().enumerate() {
            for b in &centres[i + 1..] {
                assert!((a.0 - b.0).hypot(a.1 - b.1) > 3.0, "{a:?} {b:?}");
            }
        }
        // The view came close: the map is of the commune, not of the city.
        assert_ne!(m.bounds, map::View::hanoi().bounds_attr());
    }

    #[test]
    fn with_tiles_the_map_shows_them_with_their_credit_and_no_dots() {
        let tiles =
            map::TileSource::parse("https://tile.openstreetmap.org/{z}/{x}/{y}.png", None).unwrap();
        let m = map_view(
            &[coop("a", "00577", (20.975, 105.913))],
            &DirectoryQuery::default(),
            Some(&tiles),
        );
        assert!(
            m.svg
                .contains("<image href=\"https://tile.openstreetmap.org/")
        );
        assert!(!m.svg.contains("class=\"communes\""));
        assert_eq!(m.credit.as_deref(), Some("© OpenStreetMap contributors"));
    }
}
