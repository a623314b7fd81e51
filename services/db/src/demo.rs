//! The fictional demo dataset in `data/demo`, compiled in and imported idempotently: each
//! record keeps its dataset id as `external_id`, so importing twice changes nothing.

use crate::orgs::{self, NewOrg};
use crate::{Db, DbError, Result};
use ketnoi_domain::org::{BuyerType, OrgKind};
use ketnoi_domain::text;
use serde::Deserialize;

static COOPERATIVES: &str = include_str!("../../../data/demo/cooperatives.json");
static BUYERS: &str = include_str!("../../../data/demo/buyers.json");

#[derive(Deserialize)]
struct Managers {
    id: String,
    women_managers: Vec<ManagerJson>,
    certifications: Vec<String>,
}

#[derive(Deserialize)]
struct ManagerJson {
    name: String,
    role: String,
}

#[derive(Deserialize)]
struct ListingBadges {
    id: String,
    ocop_stars: i64,
}

#[derive(Deserialize)]
struct Buyer {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    province_code: Option<String>,
    commune_code: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    description: String,
}

fn phone_e164(raw: &str) -> Option<String> {
    ketnoi_domain::contact::Phone::parse(raw)
        .ok()
        .map(|p| p.as_str().to_owned())
}

/// How many organisations the demo dataset holds.
pub fn organisation_count() -> usize {
    let c: Vec<serde_json::Value> = serde_json::from_str(COOPERATIVES).unwrap_or_default();
    let b: Vec<serde_json::Value> = serde_json::from_str(BUYERS).unwrap_or_default();
    c.len() + b.len()
}

static LISTINGS: &str = include_str!("../../../data/demo/listings.json");
static EVENTS: &str = include_str!("../../../data/demo/events.json");

#[derive(Deserialize)]
struct EventJson {
    id: String,
    name: String,
    kind: String,
    start_date: chrono::NaiveDate,
    end_date: chrono::NaiveDate,
    registration_deadline: Option<chrono::NaiveDate>,
    venue: VenueJson,
    capacity: Option<i64>,
    capacity_unit: Option<String>,
    fee_vnd: i64,
    categories: Vec<String>,
    organizer: String,
    description: String,
}

#[derive(Deserialize)]
struct VenueJson {
    name: String,
    address: String,
    commune_code: Option<String>,
    province_code: String,
}

/// The Union branch that stands as verifier of the demo badges.
const DEMO_VERIFIER: &str = "Hội LHPN Thành phố Hà Nội (dữ liệu mẫu)";

/// Imports the demo cooperatives (with their women managers and verified badges), buyers and
/// listings in one transaction; returns how many organisations.
pub async fn import(db: &Db) -> Result<usize> {
    let corrupt = |what: &str, e: String| DbError::Corrupt(format!("demo {what}: {e}"));
    let coops = ketnoi_domain::import::demo_cooperatives(COOPERATIVES)
        .map_err(|e| corrupt("cooperatives", e))?;
    let extras: Vec<Managers> =
        serde_json::from_str(COOPERATIVES).map_err(|e| corrupt("managers", e.to_string()))?;
    let buyers: Vec<Buyer> =
        serde_json::from_str(BUYERS).map_err(|e| corrupt("buyers", e.to_string()))?;
    let listings =
        ketnoi_domain::import::demo_listings(LISTINGS).map_err(|e| corrupt("listings", e))?;
    let listing_badges: Vec<ListingBadges> =
        serde_json::from_str(LISTINGS).map_err(|e| corrupt("listing badges", e.to_string()))?;
    let verified_at = chrono::DateTime::parse_from_rfc3339("2026-01-15T03:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| corrupt("date", e.to_string()))?;
    let expires = chrono::NaiveDate::from_ymd_opt(2028, 12, 31);

    let mut tx = db.begin().await?;
    for c in &coops {
        let (org, outcome) = crate::import::save_cooperative(&mut tx, c).await?;
        if outcome != crate::import::Outcome::Created {
            continue;
        }
        let Some(extra) = extras
            .iter()
            .find(|e| Some(&e.id) == c.external_id.as_ref())
        else {
            continue;
        };
        let managers: Vec<orgs::Manager> = extra
            .women_managers
            .iter()
            .map(|m| orgs::Manager {
                name: text::clean(&m.name),
                role: m.role.clone(),
                since_year: None,
            })
            .collect();
        orgs::replace_managers(&mut tx, org.id, &managers).await?;
        let mut kinds = vec![ketnoi_domain::catalog::BadgeKind::WomenManaged];
        for cert in &extra.certifications {
            match cert.as_str() {
                "vietgap" => kinds.push(ketnoi_domain::catalog::BadgeKind::Vietgap),
                "huu_co" => kinds.push(ketnoi_domain::catalog::BadgeKind::Organic),
                _ => {}
            }
        }
        for kind in kinds {
            let claim = crate::badges::Claim {
                org_id: org.id,
                kind: Some(kind),
                expires_on: expires,
                ..Default::default()
            };
            verify_demo_badge(&mut tx, &claim, verified_at).await?;
        }
    }
    for b in &buyers {
        orgs::upsert(
            tx.conn(),
            &NewOrg {
                external_id: Some(b.id.clone()),
                slug: b.id.clone(),
                kind: Some(OrgKind::Buyer),
                buyer_type: BuyerType::parse(&b.kind),
                name: text::clean(&b.name),
                commune_code: b.commune_code.clone(),
                province_code: b.province_code.clone().unwrap_or_else(|| "01".into()),
                email: b.email.clone(),
                phone: b.phone.as_deref().and_then(phone_e164),
                description: Some(text::clean(&b.description)),
                ..NewOrg::default()
            },
        )
        .await?;
    }
    for l in &listings {
        let outcome = crate::import::save_listing(&mut tx, l).await?;
        if outcome != Some(crate::import::Outcome::Created) {
            continue;
        }
        let stars = listing_badges
            .iter()
            .find(|b| Some(&b.id) == l.external_id.as_ref())
            .map(|b| b.ocop_stars);
        let (Some(stars @ 3..=5), Some(x)) = (stars, l.external_id.as_deref()) else {
            continue;
        };
        let Some(listing) = crate::listings::find_by_external_id(tx.conn(), x).await? else {
            continue;
        };
        let claim = crate::badges::Claim {
            org_id: listing.org_id,
            listing_id: Some(listing.id),
            kind: Some(ketnoi_domain::catalog::BadgeKind::Ocop),
            stars: Some(stars),
            product_group: ketnoi_domain::catalog::category(&listing.category_id)
                .map(|c| c.name_vi.clone()),
            expires_on: expires,
            ..Default::default()
        };
        verify_demo_badge(&mut tx, &claim, verified_at).await?;
    }
    let events: Vec<EventJson> =
        serde_json::from_str(EVENTS).map_err(|e| corrupt("events", e.to_string()))?;
    for ev in events {
        crate::events::upsert(
            tx.conn(),
            &crate::events::Event {
                id: 0,
                external_id: Some(ev.id),
                name: text::clean(&ev.name),
                kind: ev.kind,
                start_date: ev.start_date,
                end_date: ev.end_date,
                registration_deadline: ev.registration_deadline,
                venue_name: text::clean(&ev.venue.name),
                venue_address: text::clean(&ev.venue.address),
                venue_commune_code: ev.venue.commune_code,
                province_code: ev.venue.province_code,
                capacity: ev.capacity,
                capacity_unit: ev.capacity_unit,
                fee_vnd: ev.fee_vnd,
                categories: ev.categories.join("|"),
                organizer: text::clean(&ev.organizer),
                description: text::clean(&ev.description),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(coops.len() + buyers.len())
}

async fn verify_demo_badge(
    tx: &mut crate::Tx,
    claim: &crate::badges::Claim,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let badge = crate::badges::submit(tx.conn(), claim, None).await?;
    crate::badges::decide(
        tx.conn(),
        badge.id,
        ketnoi_domain::catalog::BadgeStatus::Verified,
        None,
        None,
        DEMO_VERIFIER,
        at,
    )
    .await?;
    Ok(())
}

/// Copies demo listings (with new external ids `lst-0001-c2`, …) until `target` listings are
/// published, spread over the demo cooperatives as the originals are. For benchmarks.
pub async fn scale_listings(db: &Db, target: usize) -> Result<usize> {
    let originals = ketnoi_domain::import::demo_listings(LISTINGS)
        .map_err(|e| DbError::Corrupt(format!("demo listings: {e}")))?;
    let have = crate::listings::count_public(db.conn()).await? as usize;
    let mut added = 0;
    let mut copy = 2;
    let mut tx = db.begin().await?;
    'outer: while have + added < target {
        for l in &originals {
            if have + added >= target {
                break 'outer;
            }
            let mut r = l.clone();
            r.external_id = l.external_id.as_ref().map(|x| format!("{x}-c{copy}"));
            r.title_vi = format!("{} ({copy})", l.title_vi);
            if crate::import::save_listing(&mut tx, &r).await?
                == Some(crate::import::Outcome::Created)
            {
                added += 1;
            }
            if added % 1000 == 0 {
                tx.commit().await?;
                tx = db.begin().await?;
            }
        }
        copy += 1;
    }
    tx.commit().await?;
    Ok(added)
}
