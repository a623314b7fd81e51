//! Listings: what a cooperative offers, each with one or more offers (retail, wholesale with
//! price tiers, experience), ordered photos, a status and an officer's hide flag.

use crate::filter::{Arg, Sql, bind_all};
use crate::{Conn, DbError, Result, Tx, on};
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_domain::Vnd;
use ketnoi_domain::catalog::{ListingRecord, ListingStatus, Months, OfferKind, PriceTier};

#[derive(Debug, Clone, sqlx::FromRow)]
struct ListingRow {
    id: i64,
    external_id: Option<String>,
    org_id: i64,
    title_vi: String,
    title_en: Option<String>,
    description_vi: String,
    description_en: Option<String>,
    category_id: String,
    unit: String,
    stock: Option<i64>,
    months: i64,
    origin_commune_code: Option<String>,
    certifications: String,
    ocop_claim: Option<i64>,
    status: String,
    hidden_reason: Option<String>,
    min_price: i64,
    published_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Read only where a statement selects it (`select_listings!`).
    #[sqlx(default)]
    monthly_capacity: Option<i64>,
}

macro_rules! select_listings {
    ($rest:literal) => {
        concat!(
            "SELECT id, external_id, org_id, title_vi, title_en, description_vi, description_en, category_id, unit, stock, months, \
             origin_commune_code, certifications, ocop_claim, status, hidden_reason, min_price, published_at, created_at, updated_at, \
             monthly_capacity FROM listings ",
            $rest
        )
    };
}

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub id: i64,
    pub external_id: Option<String>,
    pub org_id: i64,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub description_vi: String,
    pub description_en: Option<String>,
    pub category_id: String,
    pub unit: String,
    /// `None` = made to order.
    pub stock: Option<i64>,
    pub months: Months,
    pub origin_commune_code: Option<String>,
    /// Self-declared certifications (ids of `catalog::certifications`).
    pub certifications: Vec<String>,
    /// OCOP stars the cooperative claims; only a verified badge makes them show.
    pub ocop_claim: Option<i64>,
    pub status: ListingStatus,
    /// Set when a Union officer hid the listing; the cooperative sees why.
    pub hidden_reason: Option<String>,
    pub min_price: Vnd,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the cooperative declares it can supply in a month, in the listing's unit (what a
    /// request for quotation is matched against when there is no stock figure).
    pub monthly_capacity: Option<i64>,
}

impl Listing {
    pub fn is_public(&self) -> bool {
        self.status == ListingStatus::Published && self.hidden_reason.is_none()
    }
}

impl TryFrom<ListingRow> for Listing {
    type Error = DbError;
    fn try_from(r: ListingRow) -> Result<Listing> {
        Ok(Listing {
            status: ListingStatus::parse(&r.status)
                .ok_or_else(|| DbError::Corrupt(format!("listing status {}", r.status)))?,
            certifications: r
                .certifications
                .split('|')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            months: Months(r.months),
            min_price: Vnd(r.min_price),
            id: r.id,
            external_id: r.external_id,
            org_id: r.org_id,
            title_vi: r.title_vi,
            title_en: r.title_en,
            description_vi: r.description_vi,
            description_en: r.description_en,
            category_id: r.category_id,
            unit: r.unit,
            stock: r.stock,
            monthly_capacity: r.monthly_capacity,
            origin_commune_code: r.origin_commune_code,
            ocop_claim: r.ocop_claim,
            hidden_reason: r.hidden_reason,
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub use ketnoi_domain::listing::{Draft, Offer};

/// Creates a listing with its offers; `external_id` keeps a dataset's id.
pub async fn create(
    tx: &mut Tx,
    org_id: i64,
    external_id: Option<&str>,
    d: &Draft,
    status: ListingStatus,
) -> Result<Listing> {
    let now = crate::now();
    let published_at = (status == ListingStatus::Published).then_some(now);
    let row: ListingRow = on!(tx.conn(), e => sqlx::query_as(
        "INSERT INTO listings (external_id, org_id, title_vi, title_en, description_vi, description_en, category_id, category_group, unit, stock, months, \
           origin_commune_code, certifications, ocop_claim, status, min_price, published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) \
         RETURNING id, external_id, org_id, title_vi, title_en, description_vi, description_en, category_id, unit, stock, months, \
           origin_commune_code, certifications, ocop_claim, status, hidden_reason, min_price, published_at, created_at, updated_at")
        .bind(external_id)
        .bind(org_id)
        .bind(&d.title_vi)
        .bind(d.title_en.as_deref())
        .bind(&d.description_vi)
        .bind(d.description_en.as_deref())
        .bind(&d.category_id)
        .bind(d.group())
        .bind(&d.unit)
        .bind(d.stock)
        .bind(d.months.0)
        .bind(d.origin_commune_code.as_deref())
        .bind(d.certifications.join("|"))
        .bind(d.ocop_claim)
        .bind(status.as_str())
        .bind(d.min_price())
        .bind(published_at)
        .bind(now)
        .fetch_one(e)
        .await)?;
    let listing: Listing = row.try_into()?;
    write_offers(tx, listing.id, &d.offers).await?;
    Ok(listing)
}

/// Replaces what a listing says (status untouched).
pub async fn update(tx: &mut Tx, id: i64, d: &Draft) -> Result<()> {
    on!(tx.conn(), e => sqlx::query(
        "UPDATE listings SET title_vi = $2, title_en = $3, description_vi = $4, description_en = $5, category_id = $6, category_group = $7, \
           unit = $8, stock = $9, months = $10, origin_commune_code = $11, certifications = $12, ocop_claim = $13, min_price = $14, updated_at = $15 \
         WHERE id = $1")
        .bind(id)
        .bind(&d.title_vi)
        .bind(d.title_en.as_deref())
        .bind(&d.description_vi)
        .bind(d.description_en.as_deref())
        .bind(&d.category_id)
        .bind(d.group())
        .bind(&d.unit)
        .bind(d.stock)
        .bind(d.months.0)
        .bind(d.origin_commune_code.as_deref())
        .bind(d.certifications.join("|"))
        .bind(d.ocop_claim)
        .bind(d.min_price())
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    on!(tx.conn(), e => sqlx::query("DELETE FROM offers WHERE listing_id = $1")
        .bind(id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    write_offers(tx, id, &d.offers).await
}

async fn write_offers(tx: &mut Tx, listing_id: i64, offers: &[Offer]) -> Result<()> {
    for (i, o) in offers.iter().enumerate() {
        let offer_id: i64 = on!(tx.conn(), e => sqlx::query_scalar(
            "INSERT INTO offers (listing_id, kind, price, case_size, min_order_qty, duration_hours, max_group_size, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(listing_id)
            .bind(o.kind.as_str())
            .bind(o.price.0)
            .bind(o.case_size)
            .bind(o.min_order_qty)
            .bind(o.duration_hours)
            .bind(o.max_group_size)
            .bind(i as i64)
            .fetch_one(e)
            .await)?;
        for t in &o.tiers {
            on!(tx.conn(), e => sqlx::query("INSERT INTO price_tiers (offer_id, min_qty, price) VALUES ($1, $2, $3)")
                .bind(offer_id)
                .bind(t.min_qty)
                .bind(t.price.0)
                .execute(e)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    Ok(())
}

/// Moves a listing to `status`; the first publication is remembered.
pub async fn set_status(conn: Conn<'_>, id: i64, status: ListingStatus) -> Result<bool> {
    let now = crate::now();
    let n = on!(conn, e => sqlx::query(
        "UPDATE listings SET status = $2, published_at = CASE WHEN $2 = 'published' AND published_at IS NULL THEN $3 ELSE published_at END, \
           updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .bind(now)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// An officer hides (with a reason the cooperative sees) or shows again (`None`).
pub async fn set_hidden(
    conn: Conn<'_>,
    id: i64,
    reason: Option<&str>,
    by: Option<i64>,
) -> Result<bool> {
    let n = on!(conn, e => sqlx::query("UPDATE listings SET hidden_reason = $2, hidden_by = $3, updated_at = $4 WHERE id = $1")
        .bind(id)
        .bind(reason)
        .bind(by)
        .bind(crate::now())
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<Listing>> {
    let row: Option<ListingRow> = on!(conn, e => sqlx::query_as(select_listings!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// A listing with what its page shows of the cooperative (name and slug) and its OCOP
/// stars (from verified, unexpired badges: [`ocop_stars`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PageListing {
    pub listing: Listing,
    pub org_name: String,
    pub org_slug: String,
    /// The cooperative's phone, as stored (E.164).
    pub org_phone: Option<String>,
    /// Whether someone of the cooperative (an owner or a manager) is on Ketnoi to answer
    /// its orders; if not, the Union's officers stand in (see `orgs::stand_in_contacts`).
    pub org_answers: bool,
    pub ocop_stars: Option<i64>,
    /// Whether the viewer saved it (see [`crate::favourites`]; false for nobody).
    pub saved: bool,
    /// The cooperative shows its wholesale prices to verified trade buyers only.
    pub wholesale_verified_only: bool,
}

/// [`find`], the cooperative's name, slug, phone and whether it answers on Ketnoi,
/// [`ocop_stars`] and whether `viewer` saved it, in one query: the listing page's first read.
pub async fn find_for_page(
    conn: Conn<'_>,
    id: i64,
    today: NaiveDate,
    viewer: Option<i64>,
) -> Result<Option<PageListing>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        listing: ListingRow,
        org_name: String,
        org_slug: String,
        org_phone: Option<String>,
        org_answers: bool,
        ocop_stars: Option<i64>,
        saved: bool,
        wholesale_verified_only: bool,
    }
    let row: Option<Row> = on!(conn, e => sqlx::query_as(
        "SELECT l.id, l.external_id, l.org_id, l.title_vi, l.title_en, l.description_vi, l.description_en, l.category_id, l.unit, l.stock, \
           l.months, l.origin_commune_code, l.certifications, l.ocop_claim, l.status, l.hidden_reason, l.min_price, l.published_at, \
           l.created_at, l.updated_at, o.name AS org_name, o.slug AS org_slug, o.phone AS org_phone, o.wholesale_verified_only, \
           EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = l.org_id AND m.role IN ('owner', 'manager')) AS org_answers, \
           (SELECT MAX(b.stars) FROM badges b WHERE b.listing_id = l.id AND b.kind = 'ocop' AND b.status = 'verified' \
              AND (b.expires_on IS NULL OR b.expires_on >= $2)) AS ocop_stars, \
           EXISTS (SELECT 1 FROM favourites fv WHERE fv.listing_id = l.id AND fv.user_id = $3) AS saved \
         FROM listings l JOIN organisations o ON o.id = l.org_id WHERE l.id = $1")
        .bind(id)
        .bind(today)
        .bind(viewer.unwrap_or(0))
        .fetch_optional(e)
        .await)?;
    row.map(|r| {
        Ok(PageListing {
            listing: r.listing.try_into()?,
            org_name: r.org_name,
            org_slug: r.org_slug,
            org_phone: r.org_phone,
            org_answers: r.org_answers,
            ocop_stars: r.ocop_stars,
            saved: r.saved,
            wholesale_verified_only: r.wholesale_verified_only,
        })
    })
    .transpose()
}

pub async fn find_by_external_id(conn: Conn<'_>, external_id: &str) -> Result<Option<Listing>> {
    let row: Option<ListingRow> = on!(conn, e => sqlx::query_as(select_listings!("WHERE external_id = $1"))
        .bind(external_id)
        .fetch_optional(e)
        .await)?;
    row.map(TryInto::try_into).transpose()
}

/// Every listing of a cooperative, for its managers: newest first, all statuses.
pub async fn of_org(conn: Conn<'_>, org_id: i64) -> Result<Vec<Listing>> {
    let rows: Vec<ListingRow> = on!(conn, e => sqlx::query_as(select_listings!("WHERE org_id = $1 ORDER BY id DESC"))
        .bind(org_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub async fn offers(conn: Conn<'_>, listing_id: i64) -> Result<Vec<Offer>> {
    Ok(offers_with_ids(conn, listing_id)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect())
}

/// The columns of an offer (aliased `f`) that [`OfferRow`] reads, for a query's `SELECT`.
/// Tiers come back as "qty:price|qty:price" so one query reads everything.
macro_rules! offer_columns {
    () => {
        "f.kind, f.price, f.case_size, f.min_order_qty, f.duration_hours, f.max_group_size, \
         (SELECT string_agg(t.min_qty || ':' || t.price, '|' ORDER BY t.min_qty) \
            FROM price_tiers t WHERE t.offer_id = f.id) AS tiers"
    };
}
pub(crate) use offer_columns;

/// An offer as [`offer_columns`] selects it; decoded into an [`Offer`] once, here.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct OfferRow {
    kind: String,
    price: i64,
    case_size: Option<i64>,
    min_order_qty: Option<i64>,
    duration_hours: Option<i64>,
    max_group_size: Option<i64>,
    tiers: Option<String>,
}

impl TryFrom<OfferRow> for Offer {
    type Error = DbError;
    fn try_from(r: OfferRow) -> Result<Offer> {
        Ok(Offer {
            kind: offer_kind(&r.kind)?,
            price: Vnd(r.price),
            case_size: r.case_size,
            min_order_qty: r.min_order_qty,
            duration_hours: r.duration_hours,
            max_group_size: r.max_group_size,
            tiers: parse_tiers(r.tiers.as_deref()),
        })
    }
}

/// The listing's offers with their ids (what a cart line names), in order.
pub async fn offers_with_ids(conn: Conn<'_>, listing_id: i64) -> Result<Vec<(i64, Offer)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        #[sqlx(flatten)]
        offer: OfferRow,
    }
    let rows: Vec<Row> = on!(conn, e => sqlx::query_as(concat!(
        "SELECT f.id, ", offer_columns!(), " FROM offers f WHERE f.listing_id = $1 ORDER BY f.position"))
        .bind(listing_id)
        .fetch_all(e)
        .await)?;
    rows.into_iter()
        .map(|r| Ok((r.id, r.offer.try_into()?)))
        .collect()
}

/// An offer kind as stored (`offers.kind`, `order_items.offer_kind`); an unknown one is
/// [`DbError::Corrupt`].
pub(crate) fn offer_kind(stored: &str) -> Result<OfferKind> {
    OfferKind::parse(stored).ok_or_else(|| DbError::Corrupt(format!("offer kind {stored}")))
}

/// Tiers as the offer queries aggregate them: `"qty:price|qty:price"`.
fn parse_tiers(text: Option<&str>) -> Vec<PriceTier> {
    text.unwrap_or_default()
        .split('|')
        .filter_map(|t| {
            let (q, p) = t.split_once(':')?;
            Some(PriceTier {
                min_qty: q.parse().ok()?,
                price: Vnd(p.parse().ok()?),
            })
        })
        .collect()
}

/// Storage keys of a listing's photos, in order.
pub async fn photos(conn: Conn<'_>, listing_id: i64) -> Result<Vec<String>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT media_key FROM listing_photos WHERE listing_id = $1 ORDER BY position")
        .bind(listing_id)
        .fetch_all(e)
        .await)?)
}

/// At most this many photos per listing.
pub const MAX_PHOTOS: usize = 10;

pub async fn set_photos(tx: &mut Tx, listing_id: i64, keys: &[String]) -> Result<()> {
    on!(tx.conn(), e => sqlx::query("DELETE FROM listing_photos WHERE listing_id = $1")
        .bind(listing_id)
        .execute(e)
        .await
        .map(|r| r.rows_affected()))?;
    for (i, k) in keys.iter().take(MAX_PHOTOS).enumerate() {
        on!(tx.conn(), e => sqlx::query("INSERT INTO listing_photos (listing_id, position, media_key) VALUES ($1, $2, $3)")
            .bind(listing_id)
            .bind(i as i64)
            .bind(k)
            .execute(e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// The lowest price of a listing that anyone may see, as SQL over `l` (listings) and `o` (its
/// organisation): its `min_price`, except that a cooperative showing wholesale prices to
/// verified trade buyers only shows the lowest of its other offers (`NULL` when it has none).
/// Cards, search documents and price sorts use it, so a hidden wholesale price never shows
/// as a "from" price, whoever looks (the listing page shows each viewer what she may see).
macro_rules! shown_min_price {
    () => {
        "CASE WHEN o.wholesale_verified_only THEN (SELECT MIN(sp.price) FROM offers sp \
           WHERE sp.listing_id = l.id AND sp.kind <> 'wholesale') ELSE l.min_price END"
    };
}
pub(crate) use shown_min_price;

/// A listing as a card in lists: enough to show, nothing to edit.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Card {
    pub id: i64,
    pub external_id: Option<String>,
    pub title_vi: String,
    pub title_en: Option<String>,
    pub category_id: String,
    pub unit: String,
    /// The lowest price anyone may see (`shown_min_price!`); `None` when every offer's price
    /// is for verified trade buyers only.
    pub min_price: Option<i64>,
    pub org_slug: String,
    pub org_name: String,
    pub kind: Option<String>,
    pub photo: Option<String>,
    /// From a verified, unexpired OCOP badge of this listing; never from the claim.
    pub ocop_stars: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
}

/// Filters of the public listing pages; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub category: Option<String>,
    pub group: Option<String>,
    pub kind: Option<OfferKind>,
    pub org_id: Option<i64>,
    /// Only the listings this user saved (see [`crate::favourites`]).
    pub favourite_of: Option<i64>,
    pub sort: Sort,
}

/// The order of the public listing pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest first.
    #[default]
    Newest,
    /// Cheapest first (listings without a price last).
    PriceAsc,
    /// Dearest first (listings without a price last).
    PriceDesc,
}

/// Published, not hidden listings of cooperatives, newest first.
pub async fn public_cards(
    conn: Conn<'_>,
    f: &Filter,
    today: NaiveDate,
    limit: i64,
    offset: i64,
) -> Result<Vec<Card>> {
    let mut q = Sql::new(concat!(
        "SELECT l.id, l.external_id, l.title_vi, l.title_en, l.category_id, l.unit, ",
        shown_min_price!(),
        " AS min_price, o.slug AS org_slug, o.name AS org_name, \
           (SELECT f.kind FROM offers f WHERE f.listing_id = l.id ORDER BY f.position LIMIT 1) AS kind, \
           (SELECT p.media_key FROM listing_photos p WHERE p.listing_id = l.id ORDER BY p.position LIMIT 1) AS photo, \
           (SELECT MAX(b.stars) FROM badges b WHERE b.listing_id = l.id AND b.kind = 'ocop' AND b.status = 'verified' \
              AND (b.expires_on IS NULL OR b.expires_on >= "
    ));
    q.arg(Arg::Date(today)).push(
        ")) AS ocop_stars, l.published_at \
         FROM listings l JOIN organisations o ON o.id = l.org_id \
         WHERE l.status = 'published' AND l.hidden_reason IS NULL",
    );
    // Only the set filters, so each can use its index (see `filter`).
    if let Some(c) = &f.category {
        q.push(" AND l.category_id = ").arg(Arg::Text(c.clone()));
    }
    if let Some(g) = &f.group {
        q.push(" AND l.category_group = ").arg(Arg::Text(g.clone()));
    }
    if let Some(k) = f.kind {
        q.push(" AND EXISTS (SELECT 1 FROM offers k WHERE k.listing_id = l.id AND k.kind = ")
            .arg(Arg::Text(k.as_str().to_owned()))
            .push(")");
    }
    if let Some(o) = f.org_id {
        q.push(" AND l.org_id = ").arg(Arg::Int(o));
    }
    if let Some(u) = f.favourite_of {
        q.push(
            " AND EXISTS (SELECT 1 FROM favourites fv WHERE fv.listing_id = l.id AND fv.user_id = ",
        )
        .arg(Arg::Int(u))
        .push(")");
    }
    q.push(match f.sort {
        Sort::Newest => " ORDER BY l.published_at DESC, l.id DESC",
        Sort::PriceAsc => concat!(
            " ORDER BY CASE WHEN (",
            shown_min_price!(),
            ") IS NULL THEN 1 ELSE 0 END, ",
            shown_min_price!(),
            " ASC, l.id DESC"
        ),
        Sort::PriceDesc => concat!(
            " ORDER BY CASE WHEN (",
            shown_min_price!(),
            ") IS NULL THEN 1 ELSE 0 END, ",
            shown_min_price!(),
            " DESC, l.id DESC"
        ),
    })
    .page(limit, offset);
    Ok(on!(conn, e => bind_all!(sqlx::query_as(q.sql()), q).fetch_all(e).await)?)
}

/// OCOP stars of one listing from its verified, unexpired badges.
pub async fn ocop_stars(conn: Conn<'_>, listing_id: i64, today: NaiveDate) -> Result<Option<i64>> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT MAX(stars) FROM badges WHERE listing_id = $1 AND kind = 'ocop' AND status = 'verified' AND (expires_on IS NULL OR expires_on >= $2)")
        .bind(listing_id)
        .bind(today)
        .fetch_one(e)
        .await)?)
}

pub async fn count_public(conn: Conn<'_>) -> Result<i64> {
    Ok(on!(conn, e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM listings WHERE status = 'published' AND hidden_reason IS NULL")
        .fetch_one(e)
        .await)?)
}

/// Creates or updates the listing a spreadsheet row describes (keyed by `external_id`),
/// published. Returns whether anything changed.
pub async fn save_record(tx: &mut Tx, org_id: i64, r: &ListingRecord) -> Result<(i64, bool)> {
    let draft = Draft::from_record(r);
    let existing = match r.external_id.as_deref() {
        Some(x) => find_by_external_id(tx.conn(), x).await?,
        None => None,
    };
    match existing {
        Some(l) => {
            let same = l.org_id == org_id && current_draft(tx, &l).await? == draft;
            if !same {
                update(tx, l.id, &draft).await?;
            }
            Ok((l.id, !same))
        }
        None => {
            let created = create(
                tx,
                org_id,
                r.external_id.as_deref(),
                &draft,
                ListingStatus::Published,
            )
            .await?;
            Ok((created.id, true))
        }
    }
}

/// The draft a stored listing corresponds to.
pub async fn current_draft(tx: &mut Tx, l: &Listing) -> Result<Draft> {
    Ok(Draft {
        title_vi: l.title_vi.clone(),
        title_en: l.title_en.clone(),
        description_vi: l.description_vi.clone(),
        description_en: l.description_en.clone(),
        category_id: l.category_id.clone(),
        unit: l.unit.clone(),
        stock: l.stock,
        months: l.months,
        origin_commune_code: l.origin_commune_code.clone(),
        certifications: l.certifications.clone(),
        ocop_claim: l.ocop_claim,
        offers: offers(tx.conn(), l.id).await?,
    })
}
