//! One request's page (`/rfqs/{id}`): what is asked and who it reached; the buyer's side
//! compares the quotes and accepts one; a supplier's side quotes, alone or jointly, for the
//! cooperatives she acts for, and sees her own quotes.

use super::{Layout, form_errors, render_status, see_other, status_key};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId, Query};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveTime, Utc};
use ketnoi_app::sourcing::{Acceptance, ShareForm, Side};
use ketnoi_db::sourcing::{self as store, NewQuote, Quote, Rfq};
use ketnoi_db::users::User;
use ketnoi_domain::Vnd;
use ketnoi_domain::order::PaymentMethod;
use ketnoi_domain::role::PlatformRole;
use ketnoi_domain::time::{format_hanoi, format_hanoi_date, hanoi, today_hanoi};
use ketnoi_domain::trade::RfqStatus;
use std::collections::BTreeMap;

/// Loads the request and decides who she is to it; 404 for anyone it is not for.
async fn load(state: &AppState, user: &User, id: i64) -> Result<(Rfq, Side), AppError> {
    let rfq = store::rfq(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let side =
        ketnoi_app::sourcing::side_of(&state.db, user.id, user.role == PlatformRole::Admin, &rfq)
            .await?
            .ok_or(AppError::NotFound)?;
    Ok((rfq, side))
}

/// A share of a quote as shown.
pub struct ShareView {
    pub org_name: String,
    pub org_slug: String,
    pub title: String,
    pub listing_id: i64,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

/// A quote as a column of the comparison.
pub struct QuoteView {
    pub id: i64,
    pub lead: String,
    pub joint: bool,
    pub by_proxy: bool,
    pub shares: Vec<ShareView>,
    pub quantity: String,
    pub unit_price: String,
    pub total: String,
    pub valid_until: String,
    pub status_key: &'static str,
    pub deliver_from: String,
    pub note: String,
    pub tiers: Vec<String>,
    pub acceptable: bool,
    /// The best (lowest) average price among the open quotes.
    pub best: bool,
    pub orders: Vec<(i64, String)>,
}

fn quote_view(q: &Quote, unit: &str, rfq_open: bool, locale: ketnoi_domain::Locale) -> QuoteView {
    let count = |n: i64| ketnoi_domain::units::display_count(unit, n, locale);
    let now = Utc::now();
    let expired = q.status == "open" && q.valid_until <= now;
    QuoteView {
        id: q.id,
        lead: q
            .shares
            .first()
            .map(|s| s.org_name.clone())
            .unwrap_or_default(),
        joint: q.is_joint(),
        by_proxy: q.by_proxy,
        shares: q
            .shares
            .iter()
            .map(|s| ShareView {
                org_name: s.org_name.clone(),
                org_slug: s.org_slug.clone(),
                title: s.title.clone(),
                listing_id: s.listing_id,
                quantity: ketnoi_domain::units::display_count(&s.unit, s.quantity, locale),
                unit_price: Vnd(s.unit_price).to_string(),
                amount: Vnd(s.amount()).to_string(),
            })
            .collect(),
        quantity: count(q.quantity()),
        unit_price: Vnd(q.unit_price()).to_string(),
        total: Vnd(q.amount()).to_string(),
        valid_until: format_hanoi(q.valid_until),
        status_key: match q.status.as_str() {
            "accepted" => "quote-status-accepted",
            "withdrawn" => "quote-status-withdrawn",
            _ if expired => "quote-status-expired",
            _ => "quote-status-open",
        },
        deliver_from: q
            .deliver_from
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        note: q.note.clone().unwrap_or_default(),
        tiers: q
            .tiers
            .iter()
            .map(|(min, p)| format!("≥ {}: {}", count(*min), Vnd(*p)))
            .collect(),
        acceptable: rfq_open && q.status == "open" && !expired,
        best: false,
        orders: Vec::new(),
    }
}

/// A cooperative she may quote for, with its listings, as the quote form shows it.
pub struct Quoting {
    pub org_id: i64,
    pub name: String,
    pub reached: bool,
    pub listings: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "sourcing/rfq.html")]
struct RfqPage {
    layout: Layout,
    rfq: Rfq,
    status_key: &'static str,
    /// The quantity per delivery, in the page's language.
    quantity: String,
    unit: String,
    category: String,
    commune: String,
    recurrence_key: String,
    certifications: Vec<String>,
    target_price: String,
    deliver_until: String,
    is_buyer: bool,
    is_supplier: bool,
    recipients: Vec<(String, String, String)>,
    quotes: Vec<QuoteView>,
    quoting: Vec<Quoting>,
    /// The quote form's values as typed (`qty_<org>`, `price_<org>`, …).
    values: BTreeMap<String, String>,
    payments: Vec<(&'static str, String)>,
    errors: FieldErrors,
    saved: bool,
    created: String,
}

impl RfqPage {
    fn value(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
    fn org_value(&self, prefix: &str, org: &i64) -> &str {
        self.value(&format!("{prefix}_{org}"))
    }
    fn org_errors(&self, prefix: &str, org: &i64) -> Vec<String> {
        self.errors.of(&format!("{prefix}_{org}"), &self.layout.t)
    }
    fn selected(&self, org: &i64, listing: &i64) -> bool {
        self.org_value("listing", org) == listing.to_string()
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    saved: String,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    ctx: &Ctx,
    rfq: Rfq,
    side: &Side,
    values: BTreeMap<String, String>,
    errors: FieldErrors,
    status: StatusCode,
    saved: bool,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let english = ctx.locale == ketnoi_domain::Locale::En;
    let open = rfq.status == RfqStatus::Open;
    let quotes_all = store::quotes_of(state.db.conn(), rfq.id).await?;
    let (is_buyer, is_supplier) = match side {
        Side::Buyer => (true, false),
        Side::Supplier(_) => (false, true),
        Side::Observer => (false, false),
    };
    let mut quotes: Vec<QuoteView> = Vec::new();
    for q in &quotes_all {
        let visible = match side {
            Side::Supplier(acting) => acting.iter().any(|a| q.involves(a.org_id)),
            _ => true,
        };
        if !visible {
            continue;
        }
        let mut v = quote_view(q, &rfq.new.unit, open, ctx.locale);
        if q.status == "accepted" {
            v.orders = store::orders_of_quote(state.db.conn(), q.id)
                .await?
                .into_iter()
                .map(|(id, _, code)| (id, code))
                .collect();
        }
        quotes.push(v);
    }
    if let Some(best) = quotes_all
        .iter()
        .filter(|q| q.status == "open" && q.valid_until > Utc::now())
        .min_by_key(|q| q.unit_price())
        .map(|q| q.id)
        && quotes.iter().filter(|q| q.acceptable).count() > 1
    {
        for q in quotes.iter_mut().filter(|q| q.id == best) {
            q.best = true;
        }
    }
    let mut quoting = Vec::new();
    if let Side::Supplier(acting) = side {
        let reached: Vec<i64> = store::recipients(state.db.conn(), rfq.id)
            .await?
            .into_iter()
            .map(|r| r.org_id)
            .collect();
        for a in acting {
            quoting.push(Quoting {
                org_id: a.org_id,
                name: a.name.clone(),
                reached: reached.contains(&a.org_id),
                listings: store::quotable_listings(state.db.conn(), a.org_id)
                    .await?
                    .into_iter()
                    .map(|(id, title, unit)| (id, format!("{title} ({})", t.unit(&unit))))
                    .collect(),
            });
        }
    }
    let recipients = if is_buyer || matches!(side, Side::Observer) {
        store::recipients(state.db.conn(), rfq.id)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.slug,
                    r.name,
                    r.distance_km.map(|k| format!("{k} km")).unwrap_or_default(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let category = rfq
        .new
        .category_id
        .as_deref()
        .and_then(ketnoi_domain::catalog::category)
        .map(|c| {
            if english {
                c.name_en.clone()
            } else {
                c.name_vi.clone()
            }
        })
        .unwrap_or_default();
    let certifications = rfq
        .new
        .certifications
        .iter()
        .map(|c| match (c.as_str(), rfq.new.min_ocop_stars) {
            ("ocop", Some(stars)) => format!("OCOP ≥ {stars}★"),
            (other, _) => ketnoi_domain::catalog::certification(other)
                .map(|k| {
                    if english {
                        k.name_en.clone()
                    } else {
                        k.name_vi.clone()
                    }
                })
                .unwrap_or_else(|| other.to_owned()),
        })
        .collect();
    let payments = [
        PaymentMethod::VietQr,
        PaymentMethod::Cod,
        PaymentMethod::Stripe,
    ]
    .into_iter()
    .filter(|m| state.payments.provider(*m).is_some())
    .map(|m| (m.as_str(), t.get(&format!("payment-{}", m.as_str()))))
    .collect();
    render_status(
        status,
        &RfqPage {
            layout: Layout::content_titled(ctx, rfq.new.title.clone(), "vi"),
            status_key: status_key(rfq.status),
            quantity: ketnoi_domain::units::display_count(
                &rfq.new.unit,
                rfq.new.quantity,
                ctx.locale,
            ),
            unit: t.unit(&rfq.new.unit),
            category,
            commune: super::super::commune_name(rfq.new.delivery_commune_code.as_deref()),
            recurrence_key: format!("rfq-recurrence-{}", rfq.new.recurrence.as_str()),
            certifications,
            target_price: rfq
                .new
                .target_price
                .map(|p| Vnd(p).to_string())
                .unwrap_or_default(),
            deliver_until: rfq
                .new
                .deliver_until
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            created: format_hanoi_date(rfq.created_at),
            rfq,
            is_buyer,
            is_supplier,
            recipients,
            quotes,
            quoting,
            values,
            payments,
            errors,
            saved,
        },
    )
}

/// `GET /rfqs/{id}`.
pub async fn show_rfq(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let (rfq, side) = load(&state, &user, id).await?;
    let today = today_hanoi();
    let mut values = BTreeMap::new();
    values.insert(
        "valid_until".to_owned(),
        (today + chrono::Duration::days(14)).to_string(),
    );
    values.insert("deliver_from".to_owned(), rfq.new.deliver_from.to_string());
    page(
        &state,
        &ctx,
        rfq,
        &side,
        values,
        FieldErrors::default(),
        StatusCode::OK,
        !q.saved.is_empty(),
    )
    .await
}

/// `POST /rfqs/{id}/quotes`: a quote for one or several of the cooperatives she acts for
/// (several: a joint quote, led by the cooperative named in `lead`).
pub async fn submit_quote(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values: BTreeMap<String, String> = fields.into_iter().collect();
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or_default();
    ctx.require_csrf(&state, get("csrf"))?;
    let (rfq, side) = load(&state, &user, id).await?;
    let result = async {
        let Side::Supplier(acting) = &side else {
            return Err(AppError::NotFound);
        };
        if rfq.status != RfqStatus::Open {
            return Err(AppError::Conflict(FieldErrors::single(
                "_form",
                Msg::new("quote-err-request-closed"),
            )));
        }
        let mut quotable = BTreeMap::new();
        let mut shares = Vec::new();
        for a in acting {
            let listings = store::quotable_listings(state.db.conn(), a.org_id)
                .await?
                .into_iter()
                .map(|(id, _, _)| id)
                .collect::<Vec<_>>();
            quotable.insert(a.org_id, listings);
            shares.push(ShareForm {
                org_id: a.org_id,
                listing: get(&format!("listing_{}", a.org_id)).to_owned(),
                quantity: get(&format!("qty_{}", a.org_id)).to_owned(),
                unit_price: get(&format!("price_{}", a.org_id)).to_owned(),
            });
        }
        // The lead comes first: the cooperative chosen as lead, else the first with a share.
        if let Some(lead) = get("lead").parse::<i64>().ok()
            && let Some(pos) = shares.iter().position(|s| s.org_id == lead)
        {
            let s = shares.remove(pos);
            shares.insert(0, s);
        }
        let valid_until = super::super::parse_day(get("valid_until").trim())
            .ok()
            .and_then(|d| {
                d.and_time(NaiveTime::from_hms_opt(23, 59, 0)?)
                    .and_local_timezone(hanoi())
                    .single()
            })
            .map(|t| t.with_timezone(&Utc));
        let now = Utc::now();
        let (checked, valid_until) =
            ketnoi_app::sourcing::check_shares(&shares, &quotable, valid_until, now)
                .map_err(AppError::Validation)?;
        let deliver_from = match get("deliver_from").trim() {
            "" => None,
            raw => Some(
                super::super::parse_day(raw)
                    .map_err(|m| AppError::Validation(FieldErrors::single("deliver_from", m)))?,
            ),
        };
        let note = ketnoi_domain::text::optional_block(get("note"), 1000)
            .map_err(|e| AppError::Validation(FieldErrors::single("note", Msg::from(e))))?;
        let mut tiers = Vec::new();
        if !get("tier_qty").trim().is_empty() || !get("tier_price").trim().is_empty() {
            let qty = get("tier_qty")
                .trim()
                .replace(['.', ','], "")
                .parse::<i64>()
                .ok();
            let price = Vnd::parse(get("tier_price")).map(|v| v.0);
            match (qty, price) {
                (Some(q), Some(p)) if q > 0 => tiers.push((q, p)),
                _ => {
                    return Err(AppError::Validation(FieldErrors::single(
                        "tier_qty",
                        Msg::new("rfq-err-number"),
                    )));
                }
            }
        }
        let proxy = user.role == PlatformRole::UnionOfficer;
        let quote = NewQuote {
            rfq_id: rfq.id,
            shares: checked,
            created_by: user.id,
            by_proxy: proxy,
            valid_until,
            deliver_from,
            note,
            tiers,
        };
        Ok(
            ketnoi_app::sourcing::submit_quote(&state.db, &state.config.public_url, &rfq, &quote)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/rfqs/{}?saved=1", rfq.id))),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            page(&state, &ctx, rfq, &side, values, errors, status, false).await
        }
    }
}

/// Loads a quote and its request for the buyer's side; 404 for anyone else.
async fn buyer_quote(
    state: &AppState,
    user: &User,
    quote_id: i64,
) -> Result<(Rfq, Side, Quote), AppError> {
    let quote = store::quote(state.db.conn(), quote_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (rfq, side) = load(state, user, quote.rfq_id).await?;
    Ok((rfq, side, quote))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AcceptForm {
    csrf: String,
    payment: String,
    street: String,
}

/// `POST /quotes/{id}/accept`: the buyer accepts; the quote becomes orders (303 to them),
/// or the page again with why not (409 when it expired or the request moved on).
pub async fn accept_quote(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<AcceptForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let (rfq, side, quote) = buyer_quote(&state, &user, id).await?;
    let result = async {
        if side != Side::Buyer {
            return Err(AppError::NotFound);
        }
        let payment = PaymentMethod::parse(&form.payment)
            .filter(|m| state.payments.provider(*m).is_some())
            .ok_or_else(|| {
                AppError::Validation(FieldErrors::single(
                    "payment",
                    Msg::new("err-invalid-choice"),
                ))
            })?;
        if payment == PaymentMethod::VietQr {
            for s in &quote.shares {
                if !ketnoi_app::payments::offers_viet_qr(state.db.conn(), s.org_id).await? {
                    return Err(AppError::Validation(FieldErrors::single(
                        "payment",
                        Msg {
                            key: "quote-err-no-viet-qr",
                            args: vec![("name", s.org_name.clone())],
                        },
                    )));
                }
            }
        }
        let street = ketnoi_domain::text::optional_line(&form.street, 200)
            .map_err(|e| AppError::Validation(FieldErrors::single("street", Msg::from(e))))?;
        let acceptance = Acceptance {
            buyer_id: user.id,
            payment,
            contact_phone: user.phone.as_deref(),
            delivery_street: street.as_deref(),
        };
        Ok(ketnoi_app::sourcing::accept(
            &state.db,
            &state.config.public_url,
            &rfq,
            &quote,
            &acceptance,
            Utc::now(),
        )
        .await?)
    }
    .await;
    match result {
        Ok(placed) => Ok(match placed.as_slice() {
            [one] => see_other(&format!("/orders/{}", one.id)),
            _ => see_other("/orders?placed=1"),
        }),
        Err(err) => {
            let (status, mut errors) = form_errors(err)?;
            // Say which quote the message is about.
            if let Some(msgs) = errors.0.remove("_form") {
                errors.0.insert(format!("quote_{}", quote.id), msgs.clone());
                errors.0.insert("_form".to_owned(), msgs);
            }
            page(
                &state,
                &ctx,
                rfq,
                &side,
                BTreeMap::new(),
                errors,
                status,
                false,
            )
            .await
        }
    }
}

/// `POST /quotes/{id}/conversation`: the quote's own thread between the buyer and the
/// cooperatives of the quote (their people through the lead cooperative; the others'
/// owners and managers, and the officer who assembled it, as members).
pub async fn quote_conversation(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<crate::pages::CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let (rfq, side, quote) = buyer_quote(&state, &user, id).await?;
    match &side {
        Side::Buyer => {}
        Side::Supplier(acting) if acting.iter().any(|a| quote.involves(a.org_id)) => {}
        _ => return Err(AppError::NotFound),
    }
    let mut members = vec![user.id];
    let others =
        std::iter::once(rfq.new.buyer_org_id).chain(quote.shares.iter().skip(1).map(|s| s.org_id));
    for org in others {
        for m in ketnoi_db::orgs::members(state.db.conn(), org).await? {
            if m.role != ketnoi_domain::role::MemberRole::Member {
                members.push(m.user_id);
            }
        }
    }
    members.sort_unstable();
    members.dedup();
    let title = format!(
        "{} #{} — {}",
        ketnoi_app::i18n::t(ketnoi_domain::Locale::Vi, "quote-thread"),
        quote.id,
        rfq.new.title
    );
    let lead = quote.lead_org_id;
    let conversation =
        store::conversation(&state.db, quote.id, lead, &title, user.id, &members).await?;
    Ok(see_other(&format!("/conversations/{conversation}")))
}

/// `POST /rfqs/{id}/close`: the buyer closes her request without accepting a quote.
pub async fn close_rfq(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<crate::pages::CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let (rfq, side) = load(&state, &user, id).await?;
    if side != Side::Buyer {
        return Err(AppError::NotFound);
    }
    if !store::close(state.db.conn(), rfq.id).await? {
        return Err(AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("quote-err-request-closed"),
        )));
    }
    Ok(see_other(&format!("/rfqs/{}", rfq.id)))
}
