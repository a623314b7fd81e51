//! Union officers' pages (`/union/…`): the start page with the cooperatives of their scope,
//! badge claims, listing moderation, evidence and audit here; announcements, imports and
//! exports, the network's join requests and reports, the payout ledger and trade buyers'
//! verification in submodules.

pub mod announcements;
pub mod b2b;
pub mod case_figures;
pub mod events;
pub mod imports;
pub mod network;
pub mod payouts;
pub mod plan;
pub mod support;
pub mod trade_buyers;
pub mod training;
pub mod unit_report;

use super::home::OrgCard;
use super::{Layout, render};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_domain::admin_units;

#[derive(Template)]
#[template(path = "union/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    scope: String,
    cards: Vec<(OrgCard, bool)>,
}

pub async fn show_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let orgs = ketnoi_db::orgs::cooperatives_in(state.db.conn(), &scope, 200).await?;
    // The cooperatives that made her their proxy: she manages them from here, one tap.
    let proxied = ketnoi_db::orgs::proxied_by(state.db.conn(), user.id).await?;
    let scope = match scope.commune().and_then(admin_units::commune) {
        Some(c) => c.name.clone(),
        None => ctx.tr().get("union-scope-city"),
    };
    render(&DashboardPage {
        layout: Layout::titled(&ctx, "union-title"),
        scope,
        cards: orgs
            .iter()
            .map(|o| (OrgCard::new(o), proxied.contains(&o.id)))
            .collect(),
    })
}

/// A claim waiting for verification, as the officer's queue shows it.
pub struct PendingView {
    pub id: i64,
    pub org_name: String,
    pub org_slug: String,
    pub label: String,
    pub detail: String,
    pub evidence: Option<String>,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "union/badges.html")]
struct BadgesPage {
    layout: Layout,
    pending: Vec<PendingView>,
    errors: crate::error::FieldErrors,
}

async fn badges_page(
    state: &AppState,
    ctx: &Ctx,
    user: &ketnoi_db::users::User,
    errors: crate::error::FieldErrors,
) -> Result<BadgesPage, AppError> {
    let scope = crate::policy::officer_scope(user)?;
    let pending = ketnoi_db::badges::pending(state.db.conn(), &scope, 200).await?;
    Ok(BadgesPage {
        layout: Layout::titled(ctx, "union-badges-title"),
        pending: pending
            .into_iter()
            .map(|(b, slug, name)| {
                let view = super::directory::badge_view(&b, ctx);
                PendingView {
                    id: b.id,
                    org_name: name,
                    org_slug: slug,
                    label: view.label,
                    detail: view.detail,
                    evidence: b.evidence_key,
                    submitted: ketnoi_domain::time::format_hanoi(b.created_at),
                }
            })
            .collect(),
        errors,
    })
}

pub async fn list_badge_claims(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    render(&badges_page(&state, &ctx, &user, crate::error::FieldErrors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    decision: String,
    reason: String,
}

/// The label the public sees for the officer's branch: "Hội LHPN Xã Bát Tràng".
fn verifier_label(user: &ketnoi_db::users::User) -> String {
    match user
        .officer_commune_code
        .as_deref()
        .and_then(admin_units::commune)
    {
        Some(c) => format!("Hội LHPN {}", c.name),
        None => "Hội LHPN Thành phố Hà Nội".to_owned(),
    }
}

/// Verifies or rejects (with a reason) a claim of a cooperative in the officer's scope.
pub async fn decide_badge(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    crate::extract::PathId(id): crate::extract::PathId,
    crate::extract::Form(form): crate::extract::Form<DecisionForm>,
) -> Result<Response, AppError> {
    use crate::error::{FieldErrors, Msg};
    use ketnoi_domain::catalog::BadgeStatus;
    ctx.require_csrf(&state, &form.csrf)?;
    let badge = ketnoi_db::badges::find(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = ketnoi_db::orgs::find(state.db.conn(), badge.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::policy::covers(&crate::policy::officer_scope(&user)?, &org) {
        return Err(AppError::Forbidden);
    }
    let mut e = FieldErrors::default();
    let status = match form.decision.as_str() {
        "verify" => Some(BadgeStatus::Verified),
        "reject" => Some(BadgeStatus::Rejected),
        _ => {
            e.add("decision", Msg::new("err-invalid-choice"));
            None
        }
    };
    let reason = e
        .check(
            "reason",
            ketnoi_domain::text::optional_block(&form.reason, 1000),
        )
        .flatten();
    if status == Some(BadgeStatus::Rejected) && reason.is_none() && !e.0.contains_key("reason") {
        e.add("reason", Msg::new("err-reason-required"));
    }
    let Some(status) = status.filter(|_| e.is_empty()) else {
        let page = badges_page(&state, &ctx, &user, e).await?;
        return super::render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let label = verifier_label(&user);
    if !ketnoi_db::badges::decide(
        state.db.conn(),
        id,
        status,
        reason.as_deref(),
        Some(user.id),
        &label,
        ketnoi_db::now(),
    )
    .await?
    {
        return Err(AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("err-already-decided"),
        )));
    }
    ketnoi_db::audit::record(
        state.db.conn(),
        &ketnoi_db::audit::Entry {
            org_id: Some(org.id),
            actor_id: Some(user.id),
            on_behalf_of: None,
            entity: "badge",
            entity_id: id.to_string(),
            action: status.as_str(),
            before: Some("pending".into()),
            after: Some(
                serde_json::json!({"status": status.as_str(), "reason": reason, "by": label})
                    .to_string(),
            ),
        },
    )
    .await?;
    Ok(super::see_other("/union/badges"))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct HideForm {
    csrf: String,
    reason: String,
}

/// Hides a listing with a reason the cooperative sees; an empty reason shows it again.
pub async fn hide_listing(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    crate::extract::PathId(id): crate::extract::PathId,
    crate::extract::Form(form): crate::extract::Form<HideForm>,
) -> Result<Response, AppError> {
    use crate::error::FieldErrors;
    ctx.require_csrf(&state, &form.csrf)?;
    let listing = ketnoi_db::listings::find(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = ketnoi_db::orgs::find(state.db.conn(), listing.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::policy::covers(&crate::policy::officer_scope(&user)?, &org) {
        return Err(AppError::Forbidden);
    }
    let mut e = FieldErrors::default();
    let reason = e
        .check(
            "reason",
            ketnoi_domain::text::optional_block(&form.reason, 1000),
        )
        .flatten();
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    ketnoi_db::listings::set_hidden(
        state.db.conn(),
        id,
        reason.as_deref(),
        reason.as_ref().map(|_| user.id),
    )
    .await?;
    ketnoi_db::audit::record(
        state.db.conn(),
        &ketnoi_db::audit::Entry {
            org_id: Some(org.id),
            actor_id: Some(user.id),
            on_behalf_of: None,
            entity: "listing",
            entity_id: id.to_string(),
            action: if reason.is_some() { "hide" } else { "unhide" },
            before: listing.hidden_reason.clone(),
            after: reason,
        },
    )
    .await?;
    Ok(super::see_other(&format!("/listings/{id}")))
}

/// A claim's evidence file, for officers only (the public never sees evidence).
pub async fn show_evidence(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    axum::extract::Path(key): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let scope = crate::policy::officer_scope(&user)?;
    if !ketnoi_db::badges::evidence_in_scope(state.db.conn(), &key, &scope).await? {
        return Err(AppError::NotFound);
    }
    let media = ketnoi_db::media::find(state.db.conn(), &key)
        .await?
        .ok_or(AppError::NotFound)?;
    let ext = match media.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    let bytes = state
        .media
        .get(&ketnoi_media::file_path(&key, ext))
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("media store: {e}")))?
        .ok_or(AppError::NotFound)?;
    // A download, not a page: a PDF's scripts or a crafted picture never run in the site's
    // origin, even if the browser would have opened it inline.
    use axum::http::header;
    Ok(axum::response::IntoResponse::into_response((
        [
            (header::CONTENT_TYPE, media.content_type),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"evidence-{}.{ext}\"", &key[..12]),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )))
}

#[derive(Template)]
#[template(path = "union/audit.html")]
struct AuditPage {
    layout: Layout,
    org_name: String,
    org_slug: String,
    entries: Vec<super::manage::AuditRow>,
}

/// The change log of a cooperative in the officer's scope.
pub async fn show_audit(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: crate::policy::OrgScope,
) -> Result<Response, AppError> {
    let org = &scope.org;
    let entries = ketnoi_db::audit::for_org(state.db.conn(), org.id, 200).await?;
    render(&AuditPage {
        layout: Layout::titled(&ctx, "audit-title"),
        entries: entries
            .into_iter()
            .map(|a| super::manage::audit_row(a, &ctx))
            .collect(),
        org_name: org.name.clone(),
        org_slug: org.slug.clone(),
    })
}
