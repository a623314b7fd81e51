//! Verifying trade buyers (issue 21): the buyer organisations with a tax code in an officer's
//! scope, those waiting first, and the verify and unverify buttons. A verified buyer shows the
//! "Verified business" badge and sees the wholesale prices cooperatives keep for verified
//! buyers (`ketnoi_db::orgs::verified_trade_buyer`).

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathSlug};
use crate::pages::{CsrfForm, Layout, render, see_other};
use crate::policy;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::orgs::Org;
use ketnoi_db::users::User;
use ketnoi_domain::admin_units;
use ketnoi_domain::org::OrgKind;

/// One buyer as the officer's list shows it.
pub struct BuyerView {
    pub slug: String,
    pub name: String,
    pub buyer_type: String,
    pub tax_code: String,
    pub place: String,
    /// When it was verified (Hanoi time), if it is.
    pub verified: Option<String>,
}

#[derive(Template)]
#[template(path = "union/trade_buyers.html")]
struct TradeBuyersPage {
    layout: Layout,
    scope: String,
    buyers: Vec<BuyerView>,
}

/// `GET /union/trade-buyers`: buyers with a tax code in her scope, unverified first.
pub async fn list_trade_buyers(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let scope = policy::officer_scope(&user)?;
    let orgs = ketnoi_db::trade_buyers::in_scope(state.db.conn(), &scope, 500).await?;
    let t = ctx.tr();
    render(&TradeBuyersPage {
        scope: match scope.commune().and_then(admin_units::commune) {
            Some(c) => c.name.clone(),
            None => t.get("union-scope-city"),
        },
        buyers: orgs
            .into_iter()
            .map(|o| BuyerView {
                buyer_type: o
                    .buyer_type
                    .map(|b| t.get(&format!("buyer-{}", b.as_str())))
                    .unwrap_or_default(),
                tax_code: o.profile.tax_code.clone().unwrap_or_default(),
                place: crate::pages::commune_name(o.commune_code.as_deref()),
                verified: o.tax_verified_at.map(ketnoi_domain::time::format_hanoi),
                slug: o.slug,
                name: o.name,
            })
            .collect(),
        layout: Layout::titled(&ctx, "trade-union-title"),
    })
}

/// The buyer organisation of the path, if it is in the officer's scope: another
/// organisation's kind is not found, a buyer outside her ward or commune is forbidden.
async fn buyer_in_scope(state: &AppState, user: &User, slug: &str) -> Result<Org, AppError> {
    let scope = policy::officer_scope(user)?;
    let org = ketnoi_db::orgs::find_by_slug(state.db.conn(), slug)
        .await?
        .filter(|o| o.kind == OrgKind::Buyer)
        .ok_or(AppError::NotFound)?;
    if !policy::covers(&scope, &org) {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

/// `POST /union/trade-buyers/{slug}/verify`: she checked the tax code against the tax
/// authority's register; the buyer gets the badge.
pub async fn verify_trade_buyer(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathSlug(slug): PathSlug,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let org = buyer_in_scope(&state, &user, &slug).await?;
    let Some(tax_code) = org.profile.tax_code.clone() else {
        return Err(AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("trade-err-no-tax-code"),
        )));
    };
    decide(&state, &user, &org, "verify", &tax_code).await?;
    Ok(see_other("/union/trade-buyers"))
}

/// `POST /union/trade-buyers/{slug}/unverify`: withdraws the verification.
pub async fn unverify_trade_buyer(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathSlug(slug): PathSlug,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let org = buyer_in_scope(&state, &user, &slug).await?;
    let tax_code = org.profile.tax_code.clone().unwrap_or_default();
    decide(&state, &user, &org, "unverify", &tax_code).await?;
    Ok(see_other("/union/trade-buyers"))
}

/// Verifies or unverifies with its audit entry, in one transaction; pressing twice changes
/// (and logs) nothing the second time.
async fn decide(
    state: &AppState,
    user: &User,
    org: &Org,
    action: &'static str,
    tax_code: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let changed = if action == "verify" {
        ketnoi_db::trade_buyers::verify(tx.conn(), org.id, user.id).await?
    } else {
        ketnoi_db::trade_buyers::unverify(tx.conn(), org.id).await?
    };
    if changed {
        let was = org.tax_verified_at.is_some();
        ketnoi_db::audit::record(
            tx.conn(),
            &ketnoi_db::audit::Entry {
                org_id: Some(org.id),
                actor_id: Some(user.id),
                on_behalf_of: None,
                entity: "trade_buyer",
                entity_id: org.id.to_string(),
                action,
                before: Some(
                    serde_json::json!({"tax_code": tax_code, "verified": was}).to_string(),
                ),
                after: Some(
                    serde_json::json!({"tax_code": tax_code, "verified": action == "verify"})
                        .to_string(),
                ),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
