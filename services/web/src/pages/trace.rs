//! The public side of traceability: a stamp's or a lot's GS1 Digital Link on our own domain
//! (`/01/{gtin}/10/{lot}/21/{serial}`, or `/t/{code}/…` for a product without a GTIN)
//! answers with the trace page, and as a GS1 Digital Link resolver does when asked for
//! links (`Accept: application/linkset+json` or `application/ld+json`, or `?linkType=`).
//! Opening a stamp's link counts a scan (see [`ketnoi_app::trace::ScanRecorder`]).

use crate::AppState;
use crate::context::Ctx;
use crate::error::AppError;
use crate::pages::directory::{BadgeView, badge_view};
use crate::pages::{Layout, commune_name, localized, localized_lang, render};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ketnoi_app::trace::{check_code, lot_uri, scan_client};
use ketnoi_db::trace::{self, Lot};
use ketnoi_domain::epcis::Step;
use ketnoi_domain::trace::DigitalLink;
use serde::Deserialize;

/// A step as the trace page shows it.
pub struct StepView {
    pub label: String,
    pub when: String,
    pub place: String,
    pub note: String,
}

/// A lot this one was made from: one step back, with its own page.
pub struct InputView {
    pub product: String,
    pub product_lang: &'static str,
    pub org: String,
    pub org_url: String,
    pub lot: String,
    pub url: String,
}

/// The stamp in hand, when the link has a serial.
pub struct StampView {
    pub serial: String,
    pub check: String,
    pub scans: i64,
    pub flagged: bool,
}

#[derive(Template)]
#[template(path = "trace/show.html")]
struct TracePage {
    layout: Layout,
    product_lang: &'static str,
    identifier: String,
    identifier_label: String,
    org_name: String,
    org_url: String,
    badges: Vec<BadgeView>,
    lot: String,
    produced_on: String,
    expires_on: String,
    quantity: String,
    place: String,
    map_url: String,
    steps: Vec<StepView>,
    inputs: Vec<InputView>,
    recalled: Option<(String, String)>,
    stamp: Option<StampView>,
    buy_url: String,
    portal_url: &'static str,
}

/// The national traceability portal (Circular 02/2024/TT-BKHCN names it as where records
/// are linked to).
pub const NATIONAL_PORTAL: &str = "https://truyxuatnguongoc.gov.vn";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResolverQuery {
    #[serde(rename = "linkType")]
    pub link_type: String,
}

/// What the client asked for: the page, the link set, or one link type.
enum Wanted {
    Page,
    Linkset { ld: bool },
    Link(String),
}

fn wanted(headers: &HeaderMap, q: &ResolverQuery) -> Wanted {
    match q.link_type.as_str() {
        "" => {}
        "all" | "linkset" => return Wanted::Linkset { ld: false },
        other => return Wanted::Link(other.trim_start_matches("gs1:").to_owned()),
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if accept.contains("application/linkset+json") {
        Wanted::Linkset { ld: false }
    } else if accept.contains("application/ld+json") {
        Wanted::Linkset { ld: true }
    } else {
        Wanted::Page
    }
}

/// `GET /01/{gtin}[/10/{lot}[/21/{serial}]]` and `GET /t/{code}[/10/{lot}[/21/{serial}]]`.
pub async fn resolve(
    State(state): State<AppState>,
    ctx: Ctx,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    crate::extract::Query(q): crate::extract::Query<ResolverQuery>,
) -> Result<Response, AppError> {
    let link = DigitalLink::parse_path(uri.path()).ok_or(AppError::NotFound)?;
    let (gtin, code) = link.key.parts();
    let public = state.config.public_url.trim_end_matches('/');
    let anchor = link.uri(public);
    let Some(lot_code) = &link.lot else {
        let product = trace::product_by_key(state.db.conn(), gtin, code)
            .await?
            .ok_or(AppError::NotFound)?;
        let links = || links(public, product.listing_id, &product.title_vi, None);
        return Ok(match wanted(&headers, &q) {
            Wanted::Linkset { ld } => linkset(&anchor, &links(), ld),
            Wanted::Link(t) => redirect_to(&links(), &t)?,
            Wanted::Page => {
                Redirect::to(&format!("/listings/{}", product.listing_id)).into_response()
            }
        });
    };
    // The page is read far more than anything else here (each scanned stamp): from the read
    // model in memory, which reads the lot in one statement when it does not hold it.
    let found = state
        .trace_model
        .lot(
            &state.db,
            state.page_cache.generation(),
            gtin,
            code,
            lot_code,
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let trace::PublicLot {
        lot,
        events,
        inputs,
        badges,
        ..
    } = &*found;
    let stamp = match &link.serial {
        Some(serial) => Some(
            state
                .trace_model
                .stamp(&state.db, lot, serial)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let links = links(public, lot.listing_id, &lot.title_vi, Some(lot));
    match wanted(&headers, &q) {
        Wanted::Linkset { ld } => return Ok(linkset(&anchor, &links, ld)),
        Wanted::Link(t) => return redirect_to(&links, &t),
        Wanted::Page => {}
    }
    if let Some(s) = &stamp {
        let now = ketnoi_db::now();
        let agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let (client, network) = scan_client(
            state.config.secret_key.expose(),
            Some(ctx.client_ip),
            agent,
            now,
        );
        state.scans.record(trace::Scan {
            lot_id: lot.id,
            serial: s.serial.clone(),
            client,
            network,
            at: now,
        });
    }
    let today = ketnoi_domain::time::today_hanoi();
    let t = ctx.tr();
    let title = localized(ctx.locale, &lot.title_vi, lot.title_en.as_deref());
    let product_lang = localized_lang(ctx.locale, lot.title_en.as_deref());
    // The lot's own point, else its cooperative's, else its commune's centre.
    let point = lot
        .latitude
        .zip(lot.longitude)
        .or(lot.org_lat.zip(lot.org_lon))
        .or_else(|| {
            lot.commune_code
                .as_deref()
                .and_then(ketnoi_domain::admin_units::commune)
                .map(|c| (c.lat, c.lon))
        });
    let page = TracePage {
        layout: Layout::content_titled(&ctx, title, product_lang),
        product_lang,
        identifier: lot.gtin.clone().unwrap_or_else(|| lot.product_code.clone()),
        identifier_label: t.get(if lot.gtin.is_some() {
            "trace-gtin"
        } else {
            "trace-code"
        }),
        org_name: lot.org_name.clone(),
        org_url: format!("/orgs/{}", lot.org_slug),
        badges: badges
            .iter()
            .filter(|b| b.is_showing(today) && b.listing_id.is_none_or(|l| l == lot.listing_id))
            .map(|b| badge_view(b, &ctx))
            .collect(),
        lot: lot.code.clone(),
        produced_on: lot.produced_on.format("%d/%m/%Y").to_string(),
        expires_on: lot
            .expires_on
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        quantity: format!(
            "{} {}",
            lot.quantity,
            ketnoi_domain::units::display_count(&lot.unit, lot.quantity, ctx.locale)
        ),
        place: commune_name(lot.commune_code.as_deref()),
        map_url: point
            .map(|(a, o)| {
                format!(
                    "https://www.openstreetmap.org/?mlat={a:.5}&mlon={o:.5}#map=15/{a:.5}/{o:.5}"
                )
            })
            .unwrap_or_default(),
        steps: events.iter().map(|e| step_view(&ctx, e)).collect(),
        inputs: inputs
            .iter()
            .map(|i| InputView {
                product: localized(ctx.locale, &i.title_vi, i.title_en.as_deref()),
                product_lang: localized_lang(ctx.locale, i.title_en.as_deref()),
                org: i.org_name.clone(),
                org_url: format!("/orgs/{}", i.org_slug),
                lot: i.code.clone(),
                url: lot_path(i.gtin.as_deref(), &i.product_code, &i.code, &i.org_slug),
            })
            .collect(),
        recalled: lot.recalled_at.map(|at| {
            (
                ketnoi_domain::time::format_hanoi_date(at),
                lot.recall_reason.clone().unwrap_or_default(),
            )
        }),
        stamp: stamp.map(|s| StampView {
            check: check_code(state.config.secret_key.expose(), lot.id, &s.serial),
            serial: s.serial,
            scans: s.scans,
            flagged: s.flagged,
        }),
        buy_url: format!("/listings/{}", lot.listing_id),
        portal_url: NATIONAL_PORTAL,
    };
    let mut response = render(&page)?;
    let linkset_ref =
        format!("<{anchor}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"");
    if let Ok(v) = HeaderValue::from_str(&linkset_ref) {
        response.headers_mut().insert(header::LINK, v);
    }
    Ok(response)
}

/// The path (on this site) of a lot's page.
pub fn path_of(lot: &Lot) -> String {
    lot_path(
        lot.gtin.as_deref(),
        &lot.product_code,
        &lot.code,
        &lot.org_slug,
    )
}

/// The path of the page of lot `code` of a product (its GTIN, else its trace code), or its
/// cooperative's page if those do not make a link.
fn lot_path(gtin: Option<&str>, product_code: &str, code: &str, org_slug: &str) -> String {
    ketnoi_app::trace::link(gtin, product_code, code, None)
        .map(|l| l.path())
        .unwrap_or_else(|| format!("/orgs/{org_slug}"))
}

/// One link of the link set: its GS1 link type, target, title and media type.
struct Link {
    rel: &'static str,
    href: String,
    title: String,
    kind: &'static str,
}

/// The links a product (listing `listing_id`, titled `title`), and its lot, resolve to. The
/// first is the default link.
fn links(public: &str, listing_id: i64, title: &str, lot: Option<&Lot>) -> Vec<Link> {
    let mut links = Vec::new();
    if let Some(lot) = lot {
        links.push(Link {
            rel: "traceability",
            href: lot_uri(public, lot, None),
            title: format!(
                "Truy xuất nguồn gốc lô {} · Traceability of lot {}",
                lot.code, lot.code
            ),
            kind: "text/html",
        });
        links.push(Link {
            rel: "epcis",
            href: format!("{public}/api/v1/lots/{}/epcis", lot.id),
            title: format!("EPCIS 2.0 lô {} · EPCIS 2.0 of lot {}", lot.code, lot.code),
            kind: "application/ld+json",
        });
    }
    links.push(Link {
        rel: "pip",
        href: format!("{public}/listings/{listing_id}"),
        title: title.to_owned(),
        kind: "text/html",
    });
    links
}

/// The RFC 9264 link set a GS1 resolver answers with.
fn linkset(anchor: &str, links: &[Link], ld: bool) -> Response {
    let mut item = serde_json::Map::new();
    item.insert("anchor".into(), anchor.into());
    if let Some(first) = links.first() {
        item.insert(
            "https://gs1.org/voc/defaultLink".into(),
            serde_json::json!([{ "href": first.href, "title": first.title, "type": first.kind }]),
        );
    }
    for l in links {
        item.insert(
            format!("https://gs1.org/voc/{}", l.rel),
            serde_json::json!([{ "href": l.href, "title": l.title, "type": l.kind, "hreflang": ["vi", "en"] }]),
        );
    }
    let mut body = serde_json::json!({ "linkset": [item] });
    let kind = if ld {
        body["@context"] =
            serde_json::json!({ "linkset": "https://www.iana.org/assignments/relation/linkset" });
        "application/ld+json"
    } else {
        "application/linkset+json"
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, kind), (header::VARY, "Accept")],
        body.to_string(),
    )
        .into_response()
}

/// A 307 to the link of the type asked for (`gs1:pip`, `gs1:traceability`, `gs1:epcis`).
fn redirect_to(links: &[Link], rel: &str) -> Result<Response, AppError> {
    links
        .iter()
        .find(|l| l.rel == rel)
        .map(|l| Redirect::temporary(&l.href).into_response())
        .ok_or(AppError::NotFound)
}

pub fn step_view(ctx: &Ctx, e: &trace::Event) -> StepView {
    let t = ctx.tr();
    let label = match Step::parse(&e.step) {
        Some(s) => t.get(&format!("trace-step-{}", s.as_str())),
        None => e.step.clone(),
    };
    let place = [
        e.place.clone().unwrap_or_default(),
        e.commune_code
            .as_deref()
            .map(|c| commune_name(Some(c)))
            .unwrap_or_default(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    StepView {
        label,
        when: ketnoi_domain::time::format_hanoi(e.occurred_at),
        place,
        note: e.note.clone().unwrap_or_default(),
    }
}
