//! Writing a cooperative's listings, from its pages or the JSON API: the rules are
//! `ketnoi_domain::listing`'s, and each write goes with its audit entry (who, for whom,
//! before and after) in one transaction.

use crate::error::{Error, FieldErrors, Msg};
use ketnoi_db::audit;
use ketnoi_db::listings::{self, Listing};
use ketnoi_domain::catalog::ListingStatus;
use ketnoi_domain::listing::{Carried, Draft, Problems};

/// Who writes, for which cooperative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Editor {
    pub org_id: i64,
    /// `None` for the system (imports from the command line, the demo).
    pub actor_id: Option<i64>,
    /// Set when the actor is an officer acting for the cooperative (proxy mode).
    pub on_behalf_of: Option<i64>,
}

/// A listing's problems as messages per field, named by `name` (each surface names fields
/// its own way: form inputs, JSON paths).
pub fn field_errors(
    problems: &Problems,
    name: impl Fn(ketnoi_domain::listing::Field) -> String,
) -> FieldErrors {
    let mut e = FieldErrors::default();
    for p in &problems.0 {
        e.add(
            &name(p.field),
            Msg {
                key: p.invalid.key(),
                args: p.invalid.args(),
            },
        );
    }
    e
}

/// A listing's content as the audit log keeps it.
pub fn draft_json(d: &Draft) -> String {
    serde_json::json!({
        "title_vi": d.title_vi, "title_en": d.title_en, "description_vi": d.description_vi, "description_en": d.description_en,
        "category": d.category_id, "unit": d.unit, "stock": d.stock, "months": d.months.list(),
        "origin_commune_code": d.origin_commune_code, "certifications": d.certifications, "ocop_claim": d.ocop_claim,
        "offers": d.offers.iter().map(|o| serde_json::json!({
            "kind": o.kind.as_str(), "price": o.price.0, "case_size": o.case_size, "min_order_qty": o.min_order_qty,
            "duration_hours": o.duration_hours, "max_group_size": o.max_group_size,
            "tiers": o.tiers.iter().map(|t| [t.min_qty, t.price.0]).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
    .to_string()
}

async fn record(
    conn: ketnoi_db::Conn<'_>,
    by: &Editor,
    listing_id: i64,
    action: &str,
    before: Option<String>,
    after: Option<String>,
) -> Result<(), Error> {
    audit::record(
        conn,
        &audit::Entry {
            org_id: Some(by.org_id),
            actor_id: by.actor_id,
            on_behalf_of: by.on_behalf_of,
            entity: "listing",
            entity_id: listing_id.to_string(),
            action,
            before,
            after,
        },
    )
    .await?;
    Ok(())
}

/// A new listing of the editor's cooperative, as a draft (not yet public).
pub async fn create(db: &ketnoi_db::Db, by: &Editor, draft: &Draft) -> Result<Listing, Error> {
    let mut tx = db.begin().await?;
    let listing = listings::create(&mut tx, by.org_id, None, draft, ListingStatus::Draft).await?;
    record(
        tx.conn(),
        by,
        listing.id,
        "create",
        None,
        Some(draft_json(draft)),
    )
    .await?;
    tx.commit().await?;
    Ok(listing)
}

/// Replaces what `listing` says by `draft`, keeping what the input did not carry (see
/// [`Draft::keeping`]); its status is left as it is. An edit that changes nothing writes
/// nothing. Returns the listing's content now.
pub async fn update(
    db: &ketnoi_db::Db,
    by: &Editor,
    listing: &Listing,
    draft: Draft,
    carried: &Carried,
) -> Result<Draft, Error> {
    if listing.org_id != by.org_id {
        return Err(Error::NotFound);
    }
    let mut tx = db.begin().await?;
    let before = listings::current_draft(&mut tx, listing).await?;
    let after = draft.keeping(&before, carried);
    if after == before {
        return Ok(after);
    }
    listings::update(&mut tx, listing.id, &after).await?;
    record(
        tx.conn(),
        by,
        listing.id,
        "update",
        Some(draft_json(&before)),
        Some(draft_json(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Publishes, pauses, archives or returns a listing to draft.
pub async fn set_status(
    db: &ketnoi_db::Db,
    by: &Editor,
    listing: &Listing,
    status: ListingStatus,
) -> Result<(), Error> {
    if listing.org_id != by.org_id {
        return Err(Error::NotFound);
    }
    let mut tx = db.begin().await?;
    listings::set_status(tx.conn(), listing.id, status).await?;
    record(
        tx.conn(),
        by,
        listing.id,
        "status",
        Some(listing.status.as_str().to_owned()),
        Some(status.as_str().to_owned()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
