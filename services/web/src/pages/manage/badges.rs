//! Badge claims with evidence, for a Union officer of the cooperative's scope to verify.

use super::*;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::Multipart;
use crate::pages::{render_status, see_other};
use crate::policy::OrgScope;
use crate::uploads;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::listings::{self};
use ketnoi_domain::catalog::BadgeKind;
use ketnoi_domain::text;

pub(super) fn validate_badge(
    f: &BadgeForm,
    listing_ids: &[i64],
) -> Result<ketnoi_db::badges::Claim, FieldErrors> {
    let mut e = FieldErrors::default();
    let kind = e.check(
        "kind",
        BadgeKind::parse(&f.kind).ok_or(Msg::new("err-invalid-choice")),
    );
    let number = e
        .check("number", text::optional_line(&f.number, 100))
        .flatten();
    let issuer = e
        .check("issuer", text::optional_line(&f.issuer, 200))
        .flatten();
    let product_group = e
        .check("product_group", text::optional_line(&f.product_group, 200))
        .flatten();
    let stars = match (kind, f.stars.trim()) {
        (Some(BadgeKind::Ocop), s) => e.check(
            "stars",
            s.parse::<i64>()
                .ok()
                .filter(|s| (3..=5).contains(s))
                .ok_or(Msg::new("err-stars")),
        ),
        _ => None,
    };
    if kind == Some(BadgeKind::Ocop) && number.is_none() && !e.0.contains_key("number") {
        e.add("number", Msg::new("err-required"));
    }
    let expires_on = match f.expires_on.trim() {
        "" => None,
        d => e.check("expires_on", crate::pages::parse_day(d)),
    };
    let listing_id = match f.listing_id.trim() {
        "" => None,
        id => e.check(
            "listing_id",
            id.parse::<i64>()
                .ok()
                .filter(|id| listing_ids.contains(id))
                .ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    match (kind, e.is_empty()) {
        (Some(kind), true) => Ok(ketnoi_db::badges::Claim {
            org_id: 0,
            listing_id,
            kind: Some(kind),
            number,
            issuer,
            stars,
            product_group,
            expires_on,
            evidence_key: None,
        }),
        _ => Err(e),
    }
}

/// A claim with its evidence (multipart: csrf, kind, number, issuer, stars, product_group,
/// expires_on, listing_id, evidence).
pub async fn submit_badge(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    mp: Multipart,
) -> Result<Response, AppError> {
    let up = uploads::read(&state, &ctx, mp).await?;
    ctx.require_csrf(&state, up.field("csrf"))?;
    let form = BadgeForm {
        kind: up.field("kind").to_owned(),
        number: up.field("number").to_owned(),
        issuer: up.field("issuer").to_owned(),
        stars: up.field("stars").to_owned(),
        product_group: up.field("product_group").to_owned(),
        expires_on: up.field("expires_on").to_owned(),
        listing_id: up.field("listing_id").to_owned(),
    };
    let ids: Vec<i64> = listings::of_org(state.db.conn(), scope.org.id)
        .await?
        .iter()
        .map(|l| l.id)
        .collect();
    let mut claim = match validate_badge(&form, &ids) {
        Ok(c) => c,
        Err(errors) => {
            let page = dashboard_page(&state, &ctx, &scope, form, String::new(), errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    match up.files.into_iter().find(|(n, _, _)| n == "evidence") {
        Some((_, _, bytes)) => match uploads::store_evidence(&state, bytes, scope.org.id).await {
            Ok(key) => claim.evidence_key = Some(key),
            Err(m) => {
                let page = dashboard_page(
                    &state,
                    &ctx,
                    &scope,
                    form,
                    String::new(),
                    FieldErrors::single("evidence", m),
                )
                .await?;
                return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
        },
        None => {
            let page = dashboard_page(
                &state,
                &ctx,
                &scope,
                form,
                String::new(),
                FieldErrors::single("evidence", Msg::new("err-evidence-required")),
            )
            .await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    }
    claim.org_id = scope.org.id;
    let badge =
        ketnoi_db::badges::submit(state.db.conn(), &claim, ctx.user.as_ref().map(|u| u.id)).await?;
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "badge",
            id: badge.id.to_string(),
            action: "submit",
            before: None,
            after: Some(badge.kind.as_str().to_owned()),
        },
    )
    .await?;
    Ok(see_other(&format!("/orgs/{}/manage", scope.org.slug)))
}
