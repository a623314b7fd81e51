//! A cooperative's lots (phone-first, no JavaScript needed): a new lot with its inputs (her
//! own lots, lots other cooperatives shipped to her, or a stamp's link), a lot's page with
//! its chain, steps, stamps and their printing, its recall and its EPCIS document. Proxy
//! officers reach them too (the route's `OrgManager` access), and every change is audited
//! as theirs.

use super::editor;
use super::profile::typed_number;
use super::trace::{LOTS_SHOWN, LotRow, SavedQuery, lot_row};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId, Query};
use crate::pages::trace::{InputView, StepView, path_of};
use crate::pages::{
    Layout, attachment, commune_name, localized, localized_lang, parse_day, render, render_status,
    see_other,
};
use crate::policy::OrgScope;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDateTime, TimeZone};
use ketnoi_app::trace::{self as app, StampsRefused};
use ketnoi_db::trace::{self, Lot, NewEvent, NewLot, Refused};
use ketnoi_domain::admin_units;
use ketnoi_domain::epcis::Step;
use ketnoi_domain::text;
use ketnoi_domain::trace::DigitalLink;
use serde::Deserialize;

/// A lot's or a step's quantity, at most.
const MAX_QUANTITY: i64 = 1_000_000_000_000;

/// Stamps in one printed PDF, at most (250 A4 pages of 40).
const STAMPS_PER_PDF: i64 = 10_000;

#[derive(Template)]
#[template(path = "manage/lot_new.html")]
struct NewLotPage {
    layout: Layout,
    slug: String,
    products: Vec<(i64, String, &'static str)>,
    own_lots: Vec<(i64, String)>,
    received: Vec<(i64, String, String)>,
    communes: &'static [admin_units::Commune],
    form: LotForm,
    errors: FieldErrors,
}

#[derive(Debug, Clone, Default)]
pub struct LotForm {
    pub csrf: String,
    pub product: String,
    pub code: String,
    pub produced_on: String,
    pub expires_on: String,
    pub quantity: String,
    pub commune: String,
    pub note: String,
    /// Ticked input lots (her own and received ones), by id.
    pub inputs: Vec<String>,
    /// Links of other lots, one per line (a stamp's or a lot's Digital Link).
    pub input_links: String,
}

impl LotForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> LotForm {
        let mut f = LotForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "product" => f.product = v,
                "code" => f.code = v,
                "produced_on" => f.produced_on = v,
                "expires_on" => f.expires_on = v,
                "quantity" => f.quantity = v,
                "commune" => f.commune = v,
                "note" => f.note = v,
                "input" => f.inputs.push(v),
                "input_links" => f.input_links = v,
                _ => {}
            }
        }
        f
    }
    pub fn has_input(&self, id: &i64) -> bool {
        self.inputs.iter().any(|i| i.trim() == id.to_string())
    }
}

fn lot_label(ctx: &Ctx, l: &Lot) -> String {
    format!(
        "{} · {} {} · {}",
        localized(ctx.locale, &l.title_vi, l.title_en.as_deref()),
        ctx.tr().get("trace-lot"),
        l.code,
        l.produced_on.format("%d/%m/%Y")
    )
}

async fn new_lot_page(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    form: LotForm,
    errors: FieldErrors,
) -> Result<NewLotPage, AppError> {
    let org = scope.org.id;
    let mut db = state.db.lease().await?;
    let products = trace::products_of(db.conn(), org).await?;
    let own = trace::lots_of(db.conn(), org, LOTS_SHOWN).await?;
    let received = trace::received_lots(db.conn(), org, LOTS_SHOWN).await?;
    drop(db);
    Ok(NewLotPage {
        layout: Layout::titled(ctx, "lot-new-title"),
        slug: scope.org.slug.clone(),
        products: products
            .iter()
            .map(|p| {
                (
                    p.listing_id,
                    localized(ctx.locale, &p.title_vi, p.title_en.as_deref()),
                    localized_lang(ctx.locale, p.title_en.as_deref()),
                )
            })
            .collect(),
        own_lots: own.iter().map(|l| (l.id, lot_label(ctx, l))).collect(),
        received: received
            .iter()
            .map(|l| (l.id, lot_label(ctx, l), l.org_name.clone()))
            .collect(),
        communes: admin_units::hanoi_communes_by_name(),
        form,
        errors,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewLotQuery {
    pub product: String,
}

/// `GET /orgs/{slug}/lots/new`: the form for a new lot.
pub async fn new_lot(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Query(q): Query<NewLotQuery>,
) -> Result<Response, AppError> {
    let today = ketnoi_domain::time::today_hanoi();
    let form = LotForm {
        product: q.product,
        code: format!("L{}", today.format("%Y%m%d")),
        produced_on: today.format("%Y-%m-%d").to_string(),
        commune: scope.org.commune_code.clone().unwrap_or_default(),
        ..Default::default()
    };
    let page = new_lot_page(&state, &ctx, &scope, form, FieldErrors::default()).await?;
    render(&page)
}

/// The lot a pasted link names: a stamp's or a lot's Digital Link, on this site or not.
async fn lot_of_link(state: &AppState, raw: &str) -> Result<Option<Lot>, AppError> {
    let raw = raw.trim();
    let path = match raw.find("://") {
        Some(i) => raw[i + 3..].find('/').map_or("", |j| &raw[i + 3 + j..]),
        None => raw,
    };
    let Some(link) = DigitalLink::parse_path(path) else {
        return Ok(None);
    };
    let Some(lot) = &link.lot else {
        return Ok(None);
    };
    let (gtin, code) = link.key.parts();
    Ok(trace::lot_by_key(state.db.conn(), gtin, code, lot).await?)
}

async fn validate_lot(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    f: &LotForm,
) -> Result<Result<NewLot, FieldErrors>, AppError> {
    let mut e = FieldErrors::default();
    let product = match f.product.trim().parse::<i64>() {
        Ok(id) => trace::product(state.db.conn(), id)
            .await?
            .filter(|p| p.org_id == scope.org.id),
        Err(_) => None,
    };
    if product.is_none() {
        e.add("product", Msg::new("err-invalid-choice"));
    }
    let code = e.check(
        "code",
        ketnoi_domain::trace::value(&text::clean(&f.code)).map_err(|_| Msg::new("err-lot-code")),
    );
    let today = ketnoi_domain::time::today_hanoi();
    let produced_on = e.check("produced_on", parse_day(f.produced_on.trim()));
    if produced_on.is_some_and(|d| d > today) {
        e.add("produced_on", Msg::new("err-lot-future"));
    }
    let expires_on = match f.expires_on.trim() {
        "" => None,
        d => e.check("expires_on", parse_day(d)),
    };
    if let (Some(p), Some(x)) = (produced_on, expires_on)
        && x < p
    {
        e.add("expires_on", Msg::new("err-lot-expiry"));
    }
    let quantity = e.check(
        "quantity",
        typed_number(&f.quantity)
            .filter(|q| (1..=MAX_QUANTITY).contains(q))
            .ok_or(Msg::new("err-lot-quantity")),
    );
    let commune = match f.commune.trim() {
        "" => None,
        c => match admin_units::commune(c) {
            Some(c) => Some(c.code.clone()),
            None => {
                e.add("commune", Msg::new("err-invalid-choice"));
                None
            }
        },
    };
    let note = e
        .check("note", text::optional_line(&f.note, 500).map_err(Msg::from))
        .flatten();
    let mut inputs = Vec::new();
    for raw in &f.inputs {
        let lot = match raw.trim().parse::<i64>() {
            Ok(id) => trace::lot(state.db.conn(), id).await?,
            Err(_) => None,
        };
        match lot {
            Some(l) => inputs.push(l.id),
            None => e.add("inputs", Msg::new("err-invalid-choice")),
        }
    }
    for line in f.input_links.lines().filter(|l| !l.trim().is_empty()) {
        match lot_of_link(state, line).await? {
            Some(l) if !inputs.contains(&l.id) => inputs.push(l.id),
            Some(_) => {}
            None => e.add(
                "input_links",
                Msg {
                    key: "err-lot-link",
                    args: vec![("link", line.trim().chars().take(120).collect())],
                },
            ),
        }
    }
    Ok(match (product, code, produced_on, quantity) {
        (Some(p), Some(code), Some(produced_on), Some(quantity)) if e.is_empty() => Ok(NewLot {
            listing_id: p.listing_id,
            org_id: scope.org.id,
            code,
            produced_on,
            expires_on,
            quantity,
            unit: p.unit.clone(),
            latitude: if commune == scope.org.commune_code {
                scope.org.profile.lat
            } else {
                None
            },
            longitude: if commune == scope.org.commune_code {
                scope.org.profile.lon
            } else {
                None
            },
            commune_code: commune,
            note,
            created_by: ctx.user.as_ref().map(|u| u.id),
            inputs,
        }),
        _ => Err(e),
    })
}

/// `POST /orgs/{slug}/lots`: creates a lot with its inputs, and records its commissioning.
pub async fn create_lot(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = LotForm::from_pairs(pairs);
    ctx.require_csrf(&state, &form.csrf)?;
    let errors = match validate_lot(&state, &ctx, &scope, &form).await? {
        Ok(new) => match app::create_lot(&state.db, &editor(&ctx, &scope), &new).await? {
            Ok(id) => {
                return Ok(see_other(&format!(
                    "/orgs/{}/lots/{id}?saved=created",
                    scope.org.slug
                )));
            }
            Err(Refused::LotCodeTaken) => {
                FieldErrors::single("code", Msg::new("err-lot-code-taken"))
            }
            Err(_) => FieldErrors::single("inputs", Msg::new("err-invalid-choice")),
        },
        Err(e) => e,
    };
    let page = new_lot_page(&state, &ctx, &scope, form, errors).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn own_lot(state: &AppState, scope: &OrgScope, id: i64) -> Result<Lot, AppError> {
    trace::lot(state.db.conn(), id)
        .await?
        .filter(|l| l.org_id == scope.org.id)
        .ok_or(AppError::NotFound)
}

/// A buyer who received the lot.
pub struct RecipientView {
    pub order: String,
    pub order_id: i64,
    pub buyer: String,
    pub date: String,
}

#[derive(Template)]
#[template(path = "manage/lot.html")]
struct LotPage {
    layout: Layout,
    slug: String,
    lot: LotRow,
    product_code: String,
    gtin: String,
    quantity: String,
    expires_on: String,
    place: String,
    recall: Option<(String, String)>,
    public_path: String,
    steps: Vec<StepView>,
    inputs: Vec<InputView>,
    outputs: Vec<InputView>,
    step_choices: Vec<(&'static str, String)>,
    step_form: StepForm,
    stamp_form: StampForm,
    layouts: Vec<(&'static str, String)>,
    recall_form: RecallForm,
    recipients: Vec<RecipientView>,
    notices: i64,
    errors: FieldErrors,
    /// What the last action did, in words.
    notice: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    pub csrf: String,
    pub step: String,
    pub occurred_at: String,
    pub place: String,
    pub quantity: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StampForm {
    pub csrf: String,
    pub count: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RecallForm {
    pub csrf: String,
    pub reason: String,
}

fn input_view(ctx: &Ctx, i: &Lot) -> InputView {
    InputView {
        product: localized(ctx.locale, &i.title_vi, i.title_en.as_deref()),
        product_lang: localized_lang(ctx.locale, i.title_en.as_deref()),
        org: i.org_name.clone(),
        org_url: format!("/orgs/{}", i.org_slug),
        lot: i.code.clone(),
        url: path_of(i),
    }
}

struct LotForms {
    step: StepForm,
    stamp: StampForm,
    recall: RecallForm,
    errors: FieldErrors,
    saved: String,
    told: String,
}

impl Default for LotForms {
    fn default() -> LotForms {
        LotForms {
            step: StepForm {
                step: Step::Transforming.as_str().to_owned(),
                occurred_at: chrono::Utc::now()
                    .with_timezone(&ketnoi_domain::time::hanoi())
                    .format("%Y-%m-%dT%H:%M")
                    .to_string(),
                ..Default::default()
            },
            stamp: StampForm {
                count: "100".into(),
                ..Default::default()
            },
            recall: RecallForm::default(),
            errors: FieldErrors::default(),
            saved: String::new(),
            told: String::new(),
        }
    }
}

async fn lot_page(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    lot: Lot,
    forms: LotForms,
) -> Result<LotPage, AppError> {
    let t = ctx.tr();
    let mut db = state.db.lease().await?;
    let events = trace::events_of(db.conn(), lot.id).await?;
    let inputs = trace::inputs(db.conn(), lot.id).await?;
    let outputs = trace::outputs(db.conn(), lot.id).await?;
    let recipients = trace::recipients(db.conn(), lot.id).await?;
    let notices = trace::recall_notices(db.conn(), lot.id).await?;
    drop(db);
    Ok(LotPage {
        layout: Layout::content_titled(
            ctx,
            format!(
                "{} · {}",
                localized(ctx.locale, &lot.title_vi, lot.title_en.as_deref()),
                lot.code
            ),
            localized_lang(ctx.locale, lot.title_en.as_deref()),
        ),
        slug: scope.org.slug.clone(),
        product_code: lot.product_code.clone(),
        gtin: lot.gtin.clone().unwrap_or_default(),
        quantity: format!(
            "{} {}",
            lot.quantity,
            ketnoi_domain::units::display_count(&lot.unit, lot.quantity, ctx.locale)
        ),
        expires_on: lot
            .expires_on
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        place: commune_name(lot.commune_code.as_deref()),
        recall: lot.recalled_at.map(|at| {
            (
                ketnoi_domain::time::format_hanoi_date(at),
                lot.recall_reason.clone().unwrap_or_default(),
            )
        }),
        public_path: path_of(&lot),
        steps: events
            .iter()
            .map(|e| crate::pages::trace::step_view(ctx, e))
            .collect(),
        inputs: inputs.iter().map(|i| input_view(ctx, i)).collect(),
        outputs: outputs.iter().map(|i| input_view(ctx, i)).collect(),
        step_choices: [
            Step::Transforming,
            Step::Packing,
            Step::Shipping,
            Step::Receiving,
        ]
        .iter()
        .map(|s| (s.as_str(), t.get(&format!("trace-step-{}", s.as_str()))))
        .collect(),
        step_form: forms.step,
        stamp_form: forms.stamp,
        layouts: ketnoi_labels::Layout::ALL
            .iter()
            .map(|l| (l.as_str(), t.get(&format!("stamp-layout-{}", l.as_str()))))
            .collect(),
        recall_form: forms.recall,
        recipients: recipients
            .iter()
            .map(|r| RecipientView {
                order: r
                    .order_code
                    .clone()
                    .unwrap_or_else(|| format!("#{}", r.order_id)),
                order_id: r.order_id,
                buyer: r.buyer_name.clone(),
                date: ketnoi_domain::time::format_hanoi_date(r.created_at),
            })
            .collect(),
        notices,
        errors: forms.errors,
        notice: match forms.saved.as_str() {
            "" => String::new(),
            "recalled" => t.with("lot-recalled-told", "count", &forms.told),
            "created" | "step" | "stamps" => t.get(&format!("lot-saved-{}", forms.saved)),
            _ => String::new(),
        },
        lot: lot_row(ctx, &lot),
    })
}

/// `GET /orgs/{slug}/lots/{id}`: one lot: its chain, steps, stamps and recall.
pub async fn show_lot(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let lot = own_lot(&state, &scope, id).await?;
    let forms = LotForms {
        saved: q
            .saved
            .chars()
            .filter(char::is_ascii_lowercase)
            .take(20)
            .collect(),
        told: q
            .told
            .chars()
            .filter(char::is_ascii_digit)
            .take(9)
            .collect(),
        ..Default::default()
    };
    let page = lot_page(&state, &ctx, &scope, lot, forms).await?;
    render(&page)
}

/// Her local date and time ("2026-03-01T08:30") as UTC.
fn parse_local_time(raw: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let t = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").ok()?;
    ketnoi_domain::time::hanoi()
        .from_local_datetime(&t)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// `POST /orgs/{slug}/lots/{id}/steps`: records a step (processing, packing, shipping,
/// receiving).
pub async fn record_step(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let lot = own_lot(&state, &scope, id).await?;
    let mut e = FieldErrors::default();
    let step = e.check(
        "step",
        Step::parse(&form.step)
            .filter(|s| *s != Step::Commissioning)
            .ok_or(Msg::new("err-invalid-choice")),
    );
    let at = e.check(
        "occurred_at",
        parse_local_time(&form.occurred_at).ok_or(Msg::new("err-step-time")),
    );
    if at.is_some_and(|t| t > chrono::Utc::now() + chrono::Duration::hours(1)) {
        e.add("occurred_at", Msg::new("err-lot-future"));
    }
    // A lot's steps follow its making: one dated before its production day would come before
    // it on the trace page and in EPCIS (what it was made from is recorded as its inputs).
    if at.is_some_and(|t| {
        t.with_timezone(&ketnoi_domain::time::hanoi()).date_naive() < lot.produced_on
    }) {
        e.add(
            "occurred_at",
            Msg {
                key: "err-step-before-lot",
                args: vec![("date", lot.produced_on.format("%d/%m/%Y").to_string())],
            },
        );
    }
    let place = e
        .check(
            "place",
            text::optional_line(&form.place, 200).map_err(Msg::from),
        )
        .flatten();
    let quantity = match form.quantity.trim() {
        "" => None,
        q => e.check(
            "quantity",
            typed_number(q)
                .filter(|q| (1..=MAX_QUANTITY).contains(q))
                .ok_or(Msg::new("err-lot-quantity")),
        ),
    };
    let note = e
        .check(
            "note",
            text::optional_line(&form.note, 500).map_err(Msg::from),
        )
        .flatten();
    match (step, at) {
        (Some(step), Some(at)) if e.is_empty() => {
            app::record_step(
                &state.db,
                &editor(&ctx, &scope),
                &NewEvent {
                    lot_id: lot.id,
                    step: step.as_str().to_owned(),
                    occurred_at: at,
                    offset_minutes: ketnoi_domain::time::HANOI_OFFSET_MINUTES,
                    commune_code: None,
                    place,
                    quantity,
                    note,
                    order_id: None,
                    recorded_by: ctx.user.as_ref().map(|u| u.id),
                },
            )
            .await?;
            Ok(see_other(&format!(
                "/orgs/{}/lots/{}?saved=step",
                scope.org.slug, lot.id
            )))
        }
        _ => {
            let forms = LotForms {
                step: form,
                errors: e,
                ..Default::default()
            };
            let page = lot_page(&state, &ctx, &scope, lot, forms).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// `POST /orgs/{slug}/lots/{id}/stamps`: adds serialised stamps to the lot.
pub async fn make_stamps(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<StampForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let lot = own_lot(&state, &scope, id).await?;
    // What cannot be read as a number is refused as a count out of range.
    let count = typed_number(&form.count).unwrap_or(0);
    let refused = match app::make_stamps(&state.db, &editor(&ctx, &scope), &lot, count).await? {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/orgs/{}/lots/{}?saved=stamps",
                scope.org.slug, lot.id
            )));
        }
        Err(StampsRefused::Count) => Msg {
            key: "err-stamp-count",
            args: vec![("max", app::MAX_STAMPS_AT_ONCE.to_string())],
        },
        Err(StampsRefused::Full) => Msg {
            key: "err-stamp-full",
            args: vec![("max", app::MAX_STAMPS_PER_LOT.to_string())],
        },
        Err(StampsRefused::Recalled) => Msg::new("err-stamp-recalled"),
    };
    let forms = LotForms {
        stamp: form,
        errors: FieldErrors::single("count", refused),
        ..Default::default()
    };
    let page = lot_page(&state, &ctx, &scope, lot, forms).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PrintQuery {
    pub layout: String,
    pub first: String,
    pub last: String,
}

/// `GET /orgs/{slug}/lots/{id}/stamps.pdf?layout=a4-40&first=1&last=40`: the lot's stamps
/// as a printable PDF (all of them by default, at most [`STAMPS_PER_PDF`]).
pub async fn print_stamps(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Query(q): Query<PrintQuery>,
) -> Result<Response, AppError> {
    let lot = own_lot(&state, &scope, id).await?;
    let mut e = FieldErrors::default();
    let layout = match q.layout.as_str() {
        "" => Some(ketnoi_labels::Layout::A4_40),
        l => e.check(
            "layout",
            ketnoi_labels::Layout::parse(l).ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    let number = |raw: &str, default: i64| {
        raw.trim()
            .parse::<i64>()
            .unwrap_or(if raw.trim().is_empty() { default } else { 0 })
    };
    let first = number(&q.first, 1);
    let last = number(&q.last, lot.stamps);
    if lot.stamps == 0 {
        e.add("count", Msg::new("err-stamp-none"));
    } else if first < 1 || last < first || last > lot.stamps || last - first + 1 > STAMPS_PER_PDF {
        e.add(
            "first",
            Msg {
                key: "err-stamp-range",
                args: vec![
                    ("max", STAMPS_PER_PDF.to_string()),
                    ("stamps", lot.stamps.to_string()),
                ],
            },
        );
    }
    let Some(layout) = layout.filter(|_| e.is_empty()) else {
        let forms = LotForms {
            errors: e,
            ..Default::default()
        };
        let page = lot_page(&state, &ctx, &scope, lot, forms).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let stamps = trace::stamps(state.db.conn(), lot.id, first, last).await?;
    let public = state.config.public_url.clone();
    let secret = state.config.secret_key.expose().to_vec();
    let lot_line = {
        let mut s = format!(
            "Lô {} · NSX {}",
            lot.code,
            lot.produced_on.format("%d/%m/%Y")
        );
        if let Some(x) = lot.expires_on {
            s.push_str(&format!(" · HSD {}", x.format("%d/%m/%Y")));
        }
        s
    };
    let labels: Vec<ketnoi_labels::Label> = stamps
        .iter()
        .map(|s| ketnoi_labels::Label {
            uri: app::lot_uri(&public, &lot, Some(&s.serial)),
            product: lot.title_vi.clone(),
            lot: lot_line.clone(),
            code: app::human_code(&lot, &s.serial),
            check: app::check_code(&secret, lot.id, &s.serial),
        })
        .collect();
    // One PDF per core at a time: the same slots as the plan's workbooks.
    let _slot = state
        .export_slots
        .acquire()
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    let pdf = tokio::task::spawn_blocking(move || ketnoi_labels::sheet(&labels, layout))
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?
        .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    let name = format!("tem-{}-{}-{first}-{last}.pdf", lot.product_code, lot.code);
    Ok(attachment("application/pdf", &name, pdf))
}

/// `POST /orgs/{slug}/lots/{id}/recall`: recalls the lot and tells every buyer who got it.
pub async fn recall_lot(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<RecallForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let lot = own_lot(&state, &scope, id).await?;
    match text::required_line(&form.reason, 500) {
        Ok(reason) => {
            let done = app::recall(
                &state.db,
                &editor(&ctx, &scope),
                &lot,
                &reason,
                &state.config.public_url,
            )
            .await?;
            Ok(see_other(&format!(
                "/orgs/{}/lots/{}?saved=recalled&told={}",
                scope.org.slug, lot.id, done.told
            )))
        }
        Err(err) => {
            let forms = LotForms {
                recall: form,
                errors: FieldErrors::single("reason", Msg::from(err)),
                ..Default::default()
            };
            let page = lot_page(&state, &ctx, &scope, lot, forms).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// `GET /orgs/{slug}/lots/{id}/epcis.jsonld`: the lot's EPCIS 2.0 document.
pub async fn lot_epcis(
    State(state): State<AppState>,
    scope: OrgScope,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let lot = own_lot(&state, &scope, id).await?;
    let doc = app::epcis_lot(&state.db, &state.config.public_url, &lot, true).await?;
    let name = format!("epcis-{}-{}.jsonld", lot.product_code, lot.code);
    Ok(attachment("application/ld+json", &name, doc.to_string()))
}
