//! Saving validated spreadsheet rows: cooperatives keyed by `external_id` or registration
//! number, listings keyed by `external_id`. Saving the same row twice changes nothing.

use crate::listings;
use crate::orgs::{self, NewOrg, Org, Profile};
use crate::{DbError, Result, Tx};
use ketnoi_domain::catalog::{CooperativeRecord, ListingRecord};

/// What saving one row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

fn new_org(r: &CooperativeRecord, slug: String) -> NewOrg {
    NewOrg {
        external_id: r.external_id.clone(),
        slug,
        kind: Some(r.kind),
        buyer_type: None,
        name: r.name.clone(),
        commune_code: Some(r.commune_code.clone()),
        street: r.street.clone(),
        province_code: "01".into(),
        phone: r.phone.clone(),
        email: r.email.clone(),
        description: r.story_vi.clone(),
        founded_year: r.founded_year,
        members_total: r.members_total,
        members_female: r.members_female,
        profile: Profile {
            registration_no: r.registration_no.clone(),
            tax_code: r.tax_code.clone(),
            lat: r.lat,
            lon: r.lon,
            sector: r.sector.clone(),
            story_en: r.story_en.clone(),
            jobs_female: r.jobs_female,
            ..Profile::default()
        },
    }
}

/// The record a stored cooperative corresponds to: compared with an incoming row, written
/// out by exports, kept as the "before" of an import's audit entry.
pub fn cooperative_record(o: &Org) -> CooperativeRecord {
    CooperativeRecord {
        external_id: o.external_id.clone(),
        registration_no: o.profile.registration_no.clone(),
        tax_code: o.profile.tax_code.clone(),
        name: o.name.clone(),
        kind: o.kind,
        commune_code: o.commune_code.clone().unwrap_or_default(),
        street: o.street.clone(),
        founded_year: o.founded_year,
        sector: o.profile.sector.clone(),
        story_vi: o.description.clone(),
        story_en: o.profile.story_en.clone(),
        phone: o.phone.clone(),
        email: o.email.clone(),
        lat: o.profile.lat,
        lon: o.profile.lon,
        members_total: o.members_total,
        members_female: o.members_female,
        jobs_female: o.profile.jobs_female,
    }
}

/// Creates or updates the cooperative a row describes.
pub async fn save_cooperative(tx: &mut Tx, r: &CooperativeRecord) -> Result<(Org, Outcome)> {
    let (org, outcome, _) = save_cooperative_keeping_before(tx, r).await?;
    Ok((org, outcome))
}

/// [`save_cooperative`], also returning the cooperative as it was before (`None` when the
/// row created it): what an import's audit entry records, without reading it twice.
pub async fn save_cooperative_keeping_before(
    tx: &mut Tx,
    r: &CooperativeRecord,
) -> Result<(Org, Outcome, Option<Org>)> {
    let existing = orgs::find_by_key(
        tx.conn(),
        r.external_id.as_deref(),
        r.registration_no.as_deref(),
    )
    .await?;
    match existing {
        Some(o) => {
            let mut wanted = r.clone();
            // A row without an external id keeps the one the record already has.
            if wanted.external_id.is_none() {
                wanted.external_id = o.external_id.clone();
            }
            if cooperative_record(&o) == wanted {
                return Ok((o.clone(), Outcome::Unchanged, Some(o)));
            }
            let mut changes = new_org(&wanted, o.slug.clone());
            changes.profile.logo_key = o.profile.logo_key.clone();
            changes.profile.zalo = o.profile.zalo.clone();
            changes.profile.website = o.profile.website.clone();
            changes.profile.facebook = o.profile.facebook.clone();
            let updated = orgs::update(tx.conn(), o.id, &changes).await?;
            Ok((updated, Outcome::Updated, Some(o)))
        }
        None => {
            let base = r
                .external_id
                .clone()
                .filter(|x| ketnoi_domain::text::slugify(x) == *x)
                .unwrap_or_else(|| ketnoi_domain::text::slugify(&r.name));
            let base = if base.is_empty() {
                "hop-tac-xa".to_owned()
            } else {
                base
            };
            for n in 1..=50 {
                let slug = if n == 1 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                };
                if orgs::find_by_slug(tx.conn(), &slug).await?.is_some() {
                    continue;
                }
                let created = orgs::upsert(tx.conn(), &new_org(r, slug)).await?;
                return Ok((created, Outcome::Created, None));
            }
            Err(DbError::Corrupt(format!("no free slug for {}", r.name)))
        }
    }
}

/// Creates or updates the listing a row describes, in `org` (the cooperative the row names).
/// Returns the listing's id and what saving did.
pub async fn save_listing(tx: &mut Tx, org: &Org, r: &ListingRecord) -> Result<(i64, Outcome)> {
    let existed = match r.external_id.as_deref() {
        Some(x) => listings::find_by_external_id(tx.conn(), x).await?.is_some(),
        None => false,
    };
    let (id, changed) = listings::save_record(tx, org.id, r).await?;
    Ok((
        id,
        match (existed, changed) {
            (false, _) => Outcome::Created,
            (true, true) => Outcome::Updated,
            (true, false) => Outcome::Unchanged,
        },
    ))
}

/// The cooperative (HTX or THT) a row names by `external_id`, registration number or slug.
pub async fn cooperative_by_key(tx: &mut Tx, key: &str) -> Result<Option<Org>> {
    Ok(orgs::find_by_any_key(tx.conn(), key)
        .await?
        .filter(|o| o.kind.is_cooperative()))
}

/// How a listing row names its cooperative: the most stable key it has.
pub fn org_key(o: &Org) -> &str {
    o.external_id
        .as_deref()
        .or(o.profile.registration_no.as_deref())
        .unwrap_or(&o.slug)
}

/// A listing as one sheet row: its first offer (a row has room for one).
pub fn listing_record(
    l: &listings::Listing,
    offers: &[listings::Offer],
    cooperative: &str,
) -> Option<ListingRecord> {
    let o = offers.first()?;
    Some(ListingRecord {
        external_id: l.external_id.clone(),
        cooperative: cooperative.to_owned(),
        kind: o.kind,
        title_vi: l.title_vi.clone(),
        title_en: l.title_en.clone(),
        description_vi: l.description_vi.clone(),
        description_en: l.description_en.clone(),
        category: l.category_id.clone(),
        price: o.price,
        unit: l.unit.clone(),
        min_order_qty: o.min_order_qty,
        tiers: o.tiers.clone(),
        months: l.months,
        stock: l.stock,
        duration_hours: o.duration_hours,
        max_group_size: o.max_group_size,
        certifications: l.certifications.clone(),
        ocop_stars: l.ocop_claim,
        origin_commune_code: l.origin_commune_code.clone(),
    })
}
