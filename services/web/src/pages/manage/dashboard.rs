//! The cooperative's dashboard: its listings, badges, orders waiting for confirmation,
//! the addresses of its product feeds, proxy grants and the audit log of every change.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors};
use crate::pages::localized;
use crate::pages::{Layout, render};
use crate::policy::OrgScope;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::audit;
use ketnoi_db::listings::{self};
use ketnoi_db::orgs::{self};
use ketnoi_domain::catalog::BadgeKind;
use serde::Deserialize;

pub struct ListingRow {
    pub id: i64,
    pub title: String,
    pub title_lang: &'static str,
    pub status: String,
    pub status_code: &'static str,
    pub hidden_reason: Option<String>,
}

pub struct BadgeRow {
    pub label: String,
    pub status: String,
    pub reason: Option<String>,
}

pub struct AuditRow {
    pub when: String,
    pub who: String,
    pub proxy: bool,
    pub what: String,
}

#[derive(Template)]
#[template(path = "manage/dashboard.html")]
pub(super) struct DashboardPage {
    layout: Layout,
    slug: String,
    name: String,
    listings: Vec<ListingRow>,
    badges: Vec<BadgeRow>,
    proxies: Vec<(i64, String)>,
    audit: Vec<AuditRow>,
    /// Each listing's id, title and the title's language.
    listing_choices: Vec<(i64, String, &'static str)>,
    badge_form: BadgeForm,
    proxy_login: String,
    errors: FieldErrors,
    /// Orders waiting for the cooperative to confirm them.
    unconfirmed: i64,
    /// Listings on sale running out: (id, title, its title's language, stock left).
    low_stock: Vec<(i64, String, &'static str, i64)>,
    /// HTX and THT report to the Union; buyers do not.
    is_cooperative: bool,
    /// The public address the cooperative's product feeds are under.
    site: String,
}

/// A listing on sale with this few left or fewer is "running out" on the dashboard.
const LOW_STOCK: i64 = 5;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct BadgeForm {
    pub kind: String,
    pub number: String,
    pub issuer: String,
    pub stars: String,
    pub product_group: String,
    pub expires_on: String,
    pub listing_id: String,
}

/// One audit entry as people read it.
pub fn audit_row(a: audit::Logged, ctx: &Ctx) -> AuditRow {
    let t = ctx.tr();
    let about = subject(&a);
    AuditRow {
        when: ketnoi_domain::time::format_hanoi(a.created_at),
        who: a.actor_name.unwrap_or_default(),
        proxy: a.on_behalf_of.is_some(),
        what: format!(
            "{} {} {}",
            t.get(&format!("audit-{}", a.action)),
            t.get(&format!("audit-entity-{}", a.entity)),
            about
        ),
    }
}

/// What an audit entry is about, as people name it: the title or name its record had
/// (after the change, or before a deletion), else its number.
fn subject(a: &audit::Logged) -> String {
    let named = [a.after_json.as_deref(), a.before_json.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .find_map(|v| {
            ["title_vi", "name", "display_name", "title"]
                .iter()
                .find_map(|k| v.get(*k).and_then(|n| n.as_str()).map(str::to_owned))
        });
    match named {
        Some(name) => format!("“{name}”"),
        None => format!("#{}", a.entity_id),
    }
}

pub(super) async fn dashboard_page(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    badge_form: BadgeForm,
    proxy_login: String,
    errors: FieldErrors,
) -> Result<DashboardPage, AppError> {
    let t = ctx.tr();
    let all = listings::of_org(state.db.conn(), scope.org.id).await?;
    let badges = ketnoi_db::badges::of_org(state.db.conn(), scope.org.id).await?;
    let log = audit::for_org(state.db.conn(), scope.org.id, 50).await?;
    Ok(DashboardPage {
        layout: Layout::titled(ctx, "manage-title"),
        slug: scope.org.slug.clone(),
        name: scope.org.name.clone(),
        listing_choices: all
            .iter()
            .map(|l| {
                let en = l.title_en.as_deref();
                let lang = crate::pages::localized_lang(ctx.locale, en);
                (l.id, localized(ctx.locale, &l.title_vi, en), lang)
            })
            .collect(),
        listings: all
            .iter()
            .map(|l| ListingRow {
                id: l.id,
                title: localized(ctx.locale, &l.title_vi, l.title_en.as_deref()),
                title_lang: crate::pages::localized_lang(ctx.locale, l.title_en.as_deref()),
                status: t.get(&format!("status-{}", l.status.as_str())),
                status_code: l.status.as_str(),
                hidden_reason: l.hidden_reason.clone(),
            })
            .collect(),
        badges: badges
            .iter()
            .map(|b| BadgeRow {
                label: match (b.kind, b.stars) {
                    (BadgeKind::Ocop, Some(s)) => {
                        t.with("badge-ocop-stars", "stars", &s.to_string())
                    }
                    (k, _) => t.get(&format!("badge-{}", k.as_str())),
                },
                status: t.get(&format!("badge-status-{}", b.status.as_str())),
                reason: b.reason.clone(),
            })
            .collect(),
        proxies: orgs::proxies(state.db.conn(), scope.org.id).await?,
        unconfirmed: ketnoi_db::orders::unconfirmed_count(state.db.conn(), scope.org.id).await?,
        is_cooperative: scope.org.kind.is_cooperative(),
        site: state.config.public_url.trim_end_matches('/').to_owned(),
        low_stock: all
            .iter()
            .filter(|l| l.is_public())
            .filter_map(|l| l.stock.filter(|s| *s <= LOW_STOCK).map(|s| (l, s)))
            .map(|(l, s)| {
                let en = l.title_en.as_deref();
                (
                    l.id,
                    localized(ctx.locale, &l.title_vi, en),
                    crate::pages::localized_lang(ctx.locale, en),
                    s,
                )
            })
            .collect(),
        audit: log.into_iter().map(|a| audit_row(a, ctx)).collect(),
        badge_form,
        proxy_login,
        errors,
    })
}

pub async fn show_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
) -> Result<Response, AppError> {
    render(
        &dashboard_page(
            &state,
            &ctx,
            &scope,
            BadgeForm::default(),
            String::new(),
            FieldErrors::default(),
        )
        .await?,
    )
}
