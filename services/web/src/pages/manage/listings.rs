//! The listing editor: one offer with price tiers or an experience's terms, checked by the
//! listing rules (`ketnoi_domain::listing`) and saved through `ketnoi_app::listings`; photos
//! and their order; publication.

use super::*;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::Multipart;
use crate::extract::{Form, PathId};
use crate::pages::form_errors;
use crate::pages::localized;
use crate::pages::{Layout, render, render_status, see_other};
use crate::policy::OrgScope;
use crate::uploads;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::listings::{self, Draft, Listing, Offer};
use ketnoi_domain::catalog::{self, ListingStatus, Months, OfferKind, PriceTier};
use ketnoi_domain::listing::{Carried, Field, ListingInput, OfferField, OfferInput};
use ketnoi_domain::{Vnd, admin_units};
use serde::Deserialize;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListingForm {
    pub csrf: String,
    pub title_vi: String,
    pub title_en: String,
    pub description_vi: String,
    pub description_en: String,
    pub category: String,
    pub unit: String,
    pub stock: String,
    pub origin_commune_code: String,
    pub cert_vietgap: String,
    pub cert_huu_co: String,
    pub m1: String,
    pub m2: String,
    pub m3: String,
    pub m4: String,
    pub m5: String,
    pub m6: String,
    pub m7: String,
    pub m8: String,
    pub m9: String,
    pub m10: String,
    pub m11: String,
    pub m12: String,
    pub offer_kind: String,
    pub price: String,
    pub case_size: String,
    pub min_order_qty: String,
    pub tier_qty_1: String,
    pub tier_price_1: String,
    pub tier_qty_2: String,
    pub tier_price_2: String,
    pub tier_qty_3: String,
    pub tier_price_3: String,
    pub duration_hours: String,
    pub max_group_size: String,
}

impl ListingForm {
    fn months(&self) -> [&str; 12] {
        [
            &self.m1, &self.m2, &self.m3, &self.m4, &self.m5, &self.m6, &self.m7, &self.m8,
            &self.m9, &self.m10, &self.m11, &self.m12,
        ]
    }
    /// (number, quantity, price) of the three tier rows, for the template.
    pub fn tier_rows(&self) -> Vec<(usize, String, String)> {
        vec![
            (1, self.tier_qty_1.clone(), self.tier_price_1.clone()),
            (2, self.tier_qty_2.clone(), self.tier_price_2.clone()),
            (3, self.tier_qty_3.clone(), self.tier_price_3.clone()),
        ]
    }

    pub fn month_checked(&self, m: &usize) -> bool {
        self.months()
            .get(m.wrapping_sub(1))
            .is_some_and(|v| !v.is_empty())
    }
}

/// A price typed in the form (`150.000 ₫`, `150000đ`): its number of đồng, or why not.
pub(super) fn money(e: &mut FieldErrors, field: &str, raw: &str, required: bool) -> Option<i64> {
    let digits = raw
        .trim()
        .trim_end_matches(['₫', 'đ'])
        .trim()
        .replace(['.', ',', ' '], "");
    if digits.is_empty() {
        if required {
            e.add(field, Msg::new("err-required"));
        }
        return None;
    }
    e.check(
        field,
        digits
            .parse::<i64>()
            .map_err(|_| Msg::new("err-price-invalid")),
    )
}

/// A whole number typed in the form (`1.200`): its value, or why not.
pub(super) fn whole(e: &mut FieldErrors, field: &str, raw: &str) -> Option<i64> {
    opt_num(e, field, raw, i64::MIN..=i64::MAX)
}

/// The form's input for a field of the listing rules.
pub(super) fn form_field(f: Field) -> String {
    match f {
        Field::Offers | Field::Offer(_, OfferField::Kind) => "offer_kind",
        Field::Offer(_, OfferField::Tiers) => "tier_qty_1",
        f => f.name(),
    }
    .to_owned()
}

/// Reads the form into the listing rules' input; what cannot be read (a price or a number
/// that is not one) is reported in `e`.
pub(super) fn listing_input(f: &ListingForm, e: &mut FieldErrors) -> ListingInput {
    let months = f
        .months()
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(i, _)| i as u32 + 1)
        .collect();
    let mut certifications = Vec::new();
    if !f.cert_vietgap.is_empty() {
        certifications.push("vietgap".to_owned());
    }
    if !f.cert_huu_co.is_empty() {
        certifications.push("huu_co".to_owned());
    }
    let kind = OfferKind::parse(&f.offer_kind);
    let mut offer = OfferInput {
        kind: f.offer_kind.clone(),
        price: money(e, "price", &f.price, false),
        ..OfferInput::default()
    };
    match kind {
        Some(OfferKind::Wholesale) => {
            offer.case_size = whole(e, "case_size", &f.case_size);
            offer.min_order_qty = whole(e, "min_order_qty", &f.min_order_qty);
            for (n, (q, p)) in [
                (&f.tier_qty_1, &f.tier_price_1),
                (&f.tier_qty_2, &f.tier_price_2),
                (&f.tier_qty_3, &f.tier_price_3),
            ]
            .into_iter()
            .enumerate()
            {
                let n = n + 1;
                if q.trim().is_empty() && p.trim().is_empty() {
                    continue;
                }
                let qty_field = format!("tier_qty_{n}");
                let qty = whole(e, &qty_field, q);
                if qty.is_none() && !e.0.contains_key(&qty_field) {
                    e.add(&qty_field, Msg::new("err-required"));
                }
                let price = money(e, &format!("tier_price_{n}"), p, true);
                if let (Some(min_qty), Some(price)) = (qty, price) {
                    offer.tiers.push(PriceTier {
                        min_qty,
                        price: Vnd(price),
                    });
                }
            }
        }
        Some(OfferKind::Experience) => {
            offer.duration_hours = whole(e, "duration_hours", &f.duration_hours);
            offer.max_group_size = whole(e, "max_group_size", &f.max_group_size);
        }
        _ => {}
    }
    ListingInput {
        title_vi: f.title_vi.clone(),
        title_en: f.title_en.clone(),
        description_vi: f.description_vi.clone(),
        description_en: f.description_en.clone(),
        category: f.category.clone(),
        unit: f.unit.clone(),
        stock: whole(e, "stock", &f.stock),
        months,
        origin_commune_code: f.origin_commune_code.clone(),
        certifications,
        offers: vec![offer],
    }
}

/// The form checked by the listing rules; the draft, or the messages per input.
pub(super) fn validate_listing(f: &ListingForm) -> Result<Draft, FieldErrors> {
    let mut e = FieldErrors::default();
    let input = listing_input(f, &mut e);
    match ketnoi_domain::listing::validate(&input) {
        Ok(draft) if e.is_empty() => Ok(draft),
        Ok(_) => Err(e),
        Err(problems) => {
            // A value the form could not read is reported once, as unreadable.
            for (field, msgs) in ketnoi_app::listings::field_errors(&problems, form_field).0 {
                e.0.entry(field).or_insert(msgs);
            }
            Err(e)
        }
    }
}

pub(super) fn form_of(l: &Listing, offers: &[Offer]) -> ListingForm {
    let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let o = offers.first();
    let tier = |i: usize| o.and_then(|o| o.tiers.get(i)).copied();
    let mut f = ListingForm {
        title_vi: l.title_vi.clone(),
        title_en: l.title_en.clone().unwrap_or_default(),
        description_vi: l.description_vi.clone(),
        description_en: l.description_en.clone().unwrap_or_default(),
        category: l.category_id.clone(),
        unit: l.unit.clone(),
        stock: n(l.stock),
        origin_commune_code: l.origin_commune_code.clone().unwrap_or_default(),
        cert_vietgap: if l.certifications.iter().any(|c| c == "vietgap") {
            "on".into()
        } else {
            String::new()
        },
        cert_huu_co: if l.certifications.iter().any(|c| c == "huu_co") {
            "on".into()
        } else {
            String::new()
        },
        offer_kind: o.map(|o| o.kind.as_str().to_owned()).unwrap_or_default(),
        price: o.map(|o| o.price.0.to_string()).unwrap_or_default(),
        case_size: n(o.and_then(|o| o.case_size)),
        min_order_qty: n(o.and_then(|o| o.min_order_qty)),
        tier_qty_1: n(tier(0).map(|t| t.min_qty)),
        tier_price_1: n(tier(0).map(|t| t.price.0)),
        tier_qty_2: n(tier(1).map(|t| t.min_qty)),
        tier_price_2: n(tier(1).map(|t| t.price.0)),
        tier_qty_3: n(tier(2).map(|t| t.min_qty)),
        tier_price_3: n(tier(2).map(|t| t.price.0)),
        duration_hours: n(o.and_then(|o| o.duration_hours)),
        max_group_size: n(o.and_then(|o| o.max_group_size)),
        ..ListingForm::default()
    };
    if l.months != Months::ALL {
        let on = "on".to_owned();
        let slots = [
            &mut f.m1, &mut f.m2, &mut f.m3, &mut f.m4, &mut f.m5, &mut f.m6, &mut f.m7, &mut f.m8,
            &mut f.m9, &mut f.m10, &mut f.m11, &mut f.m12,
        ];
        for (i, slot) in slots.into_iter().enumerate() {
            if l.months.contains(i as u32 + 1) {
                *slot = on.clone();
            }
        }
    }
    f
}

#[derive(Template)]
#[template(path = "manage/listing.html")]
pub(super) struct ListingPage {
    layout: Layout,
    /// Just saved: the page says so.
    saved: bool,
    slug: String,
    /// `None` while creating.
    listing_id: Option<i64>,
    status: String,
    status_label: String,
    hidden_reason: Option<String>,
    photos: Vec<String>,
    form: ListingForm,
    categories: Vec<(String, String)>,
    units: &'static [&'static str],
    communes: &'static [admin_units::Commune],
    errors: FieldErrors,
    /// The declared monthly capacity, as the capacity form shows it.
    capacity: String,
}

pub(super) fn listing_page(
    ctx: &Ctx,
    scope: &OrgScope,
    listing: Option<&Listing>,
    photos: Vec<String>,
    form: ListingForm,
    errors: FieldErrors,
) -> ListingPage {
    ListingPage {
        saved: false,
        layout: Layout::titled(
            ctx,
            if listing.is_some() {
                "listing-edit-title"
            } else {
                "listing-new-title"
            },
        ),
        slug: scope.org.slug.clone(),
        listing_id: listing.map(|l| l.id),
        status: listing
            .map(|l| l.status.as_str().to_owned())
            .unwrap_or_default(),
        status_label: listing
            .map(|l| ctx.tr().get(&format!("status-{}", l.status.as_str())))
            .unwrap_or_default(),
        hidden_reason: listing.and_then(|l| l.hidden_reason.clone()),
        photos,
        form,
        categories: catalog::leaf_categories()
            .map(|c| {
                (
                    c.id.clone(),
                    localized(ctx.locale, &c.name_vi, Some(&c.name_en)),
                )
            })
            .collect(),
        units: catalog::UNITS,
        communes: admin_units::hanoi_communes_by_name(),
        errors,
        capacity: listing
            .and_then(|l| l.monthly_capacity)
            .map(|c| c.to_string())
            .unwrap_or_default(),
    }
}

pub async fn new_listing(ctx: Ctx, scope: OrgScope) -> Result<Response, AppError> {
    let form = ListingForm {
        offer_kind: "retail".into(),
        origin_commune_code: scope.org.commune_code.clone().unwrap_or_default(),
        ..ListingForm::default()
    };
    render(&listing_page(
        &ctx,
        &scope,
        None,
        Vec::new(),
        form,
        FieldErrors::default(),
    ))
}

pub async fn create_listing(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Form(form): Form<ListingForm>,
) -> Result<Response, AppError> {
    let result = match ctx.require_csrf(&state, &form.csrf) {
        Err(e) => Err(e),
        Ok(()) => validate_listing(&form).map_err(AppError::Validation),
    };
    let draft = match result {
        Ok(d) => d,
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            return render_status(
                status,
                &listing_page(&ctx, &scope, None, Vec::new(), form, errors),
            );
        }
    };
    let listing = ketnoi_app::listings::create(&state.db, &editor(&ctx, &scope), &draft).await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}",
        scope.org.slug, listing.id
    )))
}

/// The listing of the path, if it belongs to the organisation of the path.
pub(super) async fn own_listing(
    state: &AppState,
    scope: &OrgScope,
    id: i64,
) -> Result<Listing, AppError> {
    listings::find(state.db.conn(), id)
        .await?
        .filter(|l| l.org_id == scope.org.id)
        .ok_or(AppError::NotFound)
}

pub async fn edit_listing(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    crate::extract::Query(q): crate::extract::Query<crate::pages::SavedQuery>,
) -> Result<Response, AppError> {
    let l = own_listing(&state, &scope, id).await?;
    let offers = listings::offers(state.db.conn(), l.id).await?;
    let photos = listings::photos(state.db.conn(), l.id).await?;
    render(&ListingPage {
        saved: q.saved == "1",
        ..listing_page(
            &ctx,
            &scope,
            Some(&l),
            photos,
            form_of(&l, &offers),
            FieldErrors::default(),
        )
    })
}

pub async fn update_listing(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<ListingForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let l = own_listing(&state, &scope, id).await?;
    let result = validate_listing(&form).map_err(AppError::Validation);
    let draft = match result {
        Ok(d) => d,
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            let photos = listings::photos(state.db.conn(), l.id).await?;
            return render_status(
                status,
                &listing_page(&ctx, &scope, Some(&l), photos, form, errors),
            );
        }
    };
    ketnoi_app::listings::update(&state.db, &editor(&ctx, &scope), &l, draft, &Carried::FORM)
        .await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}?saved=1",
        scope.org.slug, l.id
    )))
}

/// Adds photos (multipart: csrf, photos…) up to ten per listing. Each file is checked by
/// content; a refused file stores nothing and says why.
pub async fn add_photos(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    mp: Multipart,
) -> Result<Response, AppError> {
    let up = uploads::read(&state, &ctx, mp).await?;
    ctx.require_csrf(&state, up.field("csrf"))?;
    let l = own_listing(&state, &scope, id).await?;
    let mut photos = listings::photos(state.db.conn(), l.id).await?;
    let files: Vec<Vec<u8>> = up
        .files
        .into_iter()
        .filter(|(n, _, _)| n == "photos")
        .map(|(_, _, b)| b)
        .collect();
    let mut errors = FieldErrors::default();
    if files.is_empty() {
        errors.add("photos", Msg::new("err-required"));
    } else if photos.len() + files.len() > listings::MAX_PHOTOS {
        errors.add(
            "photos",
            Msg {
                key: "err-too-many-photos",
                args: vec![("max", listings::MAX_PHOTOS.to_string())],
            },
        );
    }
    // Check every file before storing any, so one bad file stores nothing.
    let mut checked = Vec::new();
    if errors.is_empty() {
        for bytes in files {
            let processed = state
                .decoders
                .process_image(bytes, ketnoi_media::Limits::default())
                .await;
            match processed {
                Ok(p) => checked.push(p),
                Err(ketnoi_media::MediaError::Busy) => return Err(crate::uploads::busy()),
                Err(e) => {
                    errors.add("photos", crate::uploads::media_error_msg(&e));
                    break;
                }
            }
        }
    }
    if !errors.is_empty() {
        let offers = listings::offers(state.db.conn(), l.id).await?;
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &listing_page(&ctx, &scope, Some(&l), photos, form_of(&l, &offers), errors),
        );
    }
    for p in &checked {
        crate::uploads::store_processed(&state, p, scope.org.id)
            .await
            .map_err(|m| AppError::Validation(FieldErrors::single("photos", m)))?;
        if !photos.contains(&p.key) {
            photos.push(p.key.clone());
        }
    }
    let mut tx = state.db.begin().await?;
    listings::set_photos(&mut tx, l.id, &photos).await?;
    tx.commit().await?;
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "listing",
            id: l.id.to_string(),
            action: "photos",
            before: None,
            after: Some(serde_json::json!(photos).to_string()),
        },
    )
    .await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}",
        scope.org.slug, l.id
    )))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    csrf: String,
    status: String,
}

pub async fn update_listing_status(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let l = own_listing(&state, &scope, id).await?;
    let status = ListingStatus::parse(&form.status).ok_or_else(|| {
        AppError::Validation(FieldErrors::single(
            "status",
            Msg::new("err-invalid-choice"),
        ))
    })?;
    ketnoi_app::listings::set_status(&state.db, &editor(&ctx, &scope), &l, status).await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}",
        scope.org.slug, l.id
    )))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CapacityForm {
    csrf: String,
    capacity: String,
}

/// Declares (or clears, when empty) how much of a listing the cooperative can supply in a
/// month: what requests for quotation are matched against when it keeps no stock figure.
pub async fn update_capacity(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<CapacityForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let l = own_listing(&state, &scope, id).await?;
    let raw: String = form
        .capacity
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' '))
        .collect();
    let capacity = match raw.as_str() {
        "" => None,
        digits => match digits.parse::<i64>() {
            Ok(n) if (1..=1_000_000_000).contains(&n) => Some(n),
            _ => {
                return Err(AppError::Validation(FieldErrors::single(
                    "capacity",
                    Msg::new("rfq-err-number"),
                )));
            }
        },
    };
    ketnoi_db::sourcing::set_monthly_capacity(state.db.conn(), l.id, capacity).await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}?saved=1",
        scope.org.slug, l.id
    )))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PhotoOrderForm {
    csrf: String,
    /// Storage key of a photo to remove.
    remove: String,
    /// Storage key of a photo to show first.
    first: String,
}

/// Removes a photo or makes it the first one.
pub async fn order_photos(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<PhotoOrderForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let l = own_listing(&state, &scope, id).await?;
    let mut photos = listings::photos(state.db.conn(), l.id).await?;
    let before = photos.clone();
    if let Some(i) = photos.iter().position(|k| *k == form.remove) {
        photos.remove(i);
    } else if let Some(i) = photos.iter().position(|k| *k == form.first) {
        let k = photos.remove(i);
        photos.insert(0, k);
    } else {
        return Err(AppError::Validation(FieldErrors::single(
            "photos",
            Msg::new("err-invalid-choice"),
        )));
    }
    let mut tx = state.db.begin().await?;
    listings::set_photos(&mut tx, l.id, &photos).await?;
    tx.commit().await?;
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "listing",
            id: l.id.to_string(),
            action: "photos",
            before: Some(serde_json::json!(before).to_string()),
            after: Some(serde_json::json!(photos).to_string()),
        },
    )
    .await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}",
        scope.org.slug, l.id
    )))
}
