//! Wholesale sourcing (issue 21), as its people see it: a trade buyer posts a request for
//! quotation (`/rfqs/new`) and follows hers (`/rfqs`); a cooperative's managers, or an
//! officer acting for cooperatives, see the requests that reached them and quote, alone or
//! jointly (`/rfqs/{id}`); the buyer compares the quotes side by side and accepts one, which
//! becomes orders. Who someone is to a request is decided once,
//! `ketnoi_app::sourcing::side_of`; every request route answers 404 to anyone it gives none.

mod rfq;

pub use rfq::{accept_quote, close_rfq, quote_conversation, show_rfq, submit_quote};

use super::{Layout, form_errors, render, render_status, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors};
use crate::extract::Form;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_app::sourcing::RfqForm;
use ketnoi_db::orgs::Org;
use ketnoi_db::sourcing::{self as store, Rfq};
use ketnoi_domain::admin_units;
use ketnoi_domain::catalog;
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::role::MemberRole;
use ketnoi_domain::time::today_hanoi;
use ketnoi_domain::trade::{Recurrence, RfqStatus};

/// A request as a line of a list.
pub struct RfqLine {
    pub id: i64,
    pub title: String,
    pub buyer: String,
    pub buyer_verified: bool,
    pub quantity: String,
    pub deliver_from: String,
    pub deadline: String,
    pub status_key: &'static str,
    pub notified: i64,
    /// It reached one of her cooperatives (not only public).
    pub reached: bool,
}

pub fn status_key(s: RfqStatus) -> &'static str {
    match s {
        RfqStatus::Open => "rfq-status-open",
        RfqStatus::Awarded => "rfq-status-awarded",
        RfqStatus::Closed => "rfq-status-closed",
    }
}

fn line(r: &Rfq, reached: bool, locale: ketnoi_domain::Locale) -> RfqLine {
    RfqLine {
        id: r.id,
        title: r.new.title.clone(),
        buyer: r.buyer_name.clone(),
        buyer_verified: r.buyer_verified,
        quantity: ketnoi_domain::units::display_count(&r.new.unit, r.new.quantity, locale),
        deliver_from: r.new.deliver_from.format("%d/%m/%Y").to_string(),
        deadline: r.new.deadline.format("%d/%m/%Y").to_string(),
        status_key: status_key(r.status),
        notified: r.notified_count,
        reached,
    }
}

/// The buyer organisations she owns or manages: whom she may post a request for.
async fn buyer_orgs(state: &AppState, user_id: i64) -> Result<Vec<Org>, AppError> {
    Ok(ketnoi_db::orgs::of_user(state.db.conn(), user_id)
        .await?
        .into_iter()
        .filter(|(o, role)| {
            o.kind == OrgKind::Buyer && matches!(role, MemberRole::Owner | MemberRole::Manager)
        })
        .map(|(o, _)| o)
        .collect())
}

#[derive(Template)]
#[template(path = "sourcing/list.html")]
struct ListPage {
    layout: Layout,
    is_buyer: bool,
    mine: Vec<RfqLine>,
    acts: bool,
    for_me: Vec<RfqLine>,
}

/// `GET /rfqs`: her requests (a buyer's), and the open requests her cooperatives may quote.
pub async fn list_rfqs(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let is_buyer = !buyer_orgs(&state, user.id).await?.is_empty();
    let mine = store::of_buyer(state.db.conn(), user.id)
        .await?
        .iter()
        .map(|r| line(r, false, ctx.locale))
        .collect();
    let acts = !store::acts_for(state.db.conn(), user.id).await?.is_empty();
    let for_me = if acts {
        store::for_supplier(state.db.conn(), user.id)
            .await?
            .iter()
            .map(|(r, reached)| line(r, *reached, ctx.locale))
            .collect()
    } else {
        Vec::new()
    };
    render(&ListPage {
        layout: Layout::titled(&ctx, "rfq-list-title"),
        is_buyer,
        mine,
        acts,
        for_me,
    })
}

#[derive(Template)]
#[template(path = "sourcing/new.html")]
struct NewPage {
    layout: Layout,
    buyers: Vec<(String, String)>,
    buyer: String,
    categories: Vec<(String, String)>,
    communes: &'static [admin_units::Commune],
    recurrences: Vec<(&'static str, String)>,
    units: Vec<(&'static str, String)>,
    form: RfqForm,
    errors: FieldErrors,
}

/// The form's fields, with the buyer organisation chosen.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PostForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    buyer: String,
    #[serde(flatten)]
    rfq: RfqForm,
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    buyer: String,
    form: RfqForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let buyers = buyer_orgs(state, user_id)
        .await?
        .into_iter()
        .map(|o| (o.slug, o.name))
        .collect();
    let english = ctx.locale == ketnoi_domain::Locale::En;
    let categories = catalog::categories()
        .iter()
        .map(|c| {
            let name = if english { &c.name_en } else { &c.name_vi };
            let label = if c.parent.is_some() {
                format!("— {name}")
            } else {
                name.clone()
            };
            (c.id.clone(), label)
        })
        .collect();
    let recurrences = Recurrence::ALL
        .iter()
        .map(|r| (r.as_str(), t.get(&format!("rfq-recurrence-{}", r.as_str()))))
        .collect();
    render_status(
        status,
        &NewPage {
            layout: Layout::titled(ctx, "rfq-new-title"),
            buyers,
            buyer,
            categories,
            communes: admin_units::hanoi_communes_by_name(),
            recurrences,
            units: catalog::UNITS.iter().map(|u| (*u, t.unit(u))).collect(),
            form,
            errors,
        },
    )
}

/// `GET /rfqs/new`: the request form (a buyer organisation's owners and managers); anyone
/// else is shown how to register one.
pub async fn new_rfq(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let today = today_hanoi();
    let form = RfqForm {
        unit: "kg".into(),
        recurrence: "once".into(),
        visibility: "public".into(),
        deadline: (today + chrono::Duration::days(7)).to_string(),
        deliver_from: (today + chrono::Duration::days(14)).to_string(),
        ..RfqForm::default()
    };
    new_page(
        &state,
        &ctx,
        user.id,
        String::new(),
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /rfqs`: posts the request, matches and tells the cooperatives; mistakes come back
/// beside the fields, her text kept.
pub async fn create_rfq(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<PostForm>,
) -> Result<Response, AppError> {
    let result = async {
        ctx.require_csrf(&state, &form.csrf)?;
        let buyers = buyer_orgs(&state, user.id).await?;
        let buyer = match buyers.as_slice() {
            // Not a buyer organisation's: the page says how to register one.
            [] => {
                return Err(AppError::Validation(FieldErrors::single(
                    "_form",
                    crate::error::Msg::new("rfq-how-to-buy"),
                )));
            }
            [only] => only,
            many => many.iter().find(|o| o.slug == form.buyer).ok_or_else(|| {
                AppError::Validation(FieldErrors::single(
                    "buyer",
                    crate::error::Msg::new("err-invalid-choice"),
                ))
            })?,
        };
        let new = ketnoi_app::sourcing::check_rfq(&form.rfq, buyer.id, user.id, today_hanoi())
            .map_err(AppError::Validation)?;
        let (id, _) = ketnoi_app::sourcing::post(
            &state.db,
            Some(state.search.as_ref()),
            &state.config.public_url,
            &new,
            today_hanoi(),
        )
        .await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/rfqs/{id}?saved=1"))),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            new_page(
                &state,
                &ctx,
                user.id,
                form.buyer.clone(),
                form.rfq,
                errors,
                status,
            )
            .await
        }
    }
}
