//! The home page: what Ketnoi is, how many cooperatives it lists, a few to start with.

use super::{Layout, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::AppError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::orgs::{self, Org};
use ketnoi_domain::org::OrgKind;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    htx_count: i64,
    tht_count: i64,
    /// How many of them the Union supports, in words.
    supported: String,
    featured: Vec<OrgCard>,
}

/// An organisation as a directory card.
pub struct OrgCard {
    pub slug: String,
    pub name: String,
    pub kind: &'static str,
    pub place: String,
}

impl OrgCard {
    pub fn new(o: &Org) -> OrgCard {
        let place = o
            .commune_code
            .as_deref()
            .and_then(ketnoi_domain::admin_units::commune)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        OrgCard {
            slug: o.slug.clone(),
            name: o.name.clone(),
            kind: o.kind.as_str(),
            place,
        }
    }
}

pub async fn show_home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let htx_count = orgs::count(state.db.conn(), Some(OrgKind::Htx)).await?;
    let tht_count = orgs::count(state.db.conn(), Some(OrgKind::Tht)).await?;
    let featured = orgs::list(state.db.conn(), Some(OrgKind::Htx), 6, 0).await?;
    // "Supported" is what the plan counts: support recorded by the Union, in force today.
    let (htx, tht) =
        ketnoi_db::support::supported_counts(state.db.conn(), ketnoi_domain::time::today_hanoi())
            .await?;
    let supported = ketnoi_app::i18n::t_args(
        ctx.locale,
        "home-supported",
        &[("htx", htx.to_string()), ("tht", tht.to_string())],
    );
    render(&HomePage {
        layout: Layout::titled(&ctx, "home-title"),
        htx_count,
        tht_count,
        supported,
        featured: featured.iter().map(OrgCard::new).collect(),
    })
}
