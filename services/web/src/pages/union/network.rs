//! The network as Union officers run it: join requests from cooperatives of their scope,
//! and reported messages.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, PathId};
use crate::pages::commune_name;
use crate::pages::{Layout, render, see_other};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::network;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "union/network.html")]
struct RequestsPage {
    layout: Layout,
    requests: Vec<RequestView>,
}

pub struct RequestView {
    pub user_id: i64,
    pub name: String,
    pub org_name: String,
    pub org_slug: String,
    pub commune: String,
    pub intro: String,
    pub requested: String,
}

/// `GET /union/network`: join requests from cooperatives in the officer's scope.
pub async fn show_requests(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let requests = network::pending(state.db.conn(), &scope)
        .await?
        .into_iter()
        .map(|r| RequestView {
            user_id: r.user_id,
            name: r.display_name,
            org_name: r.org_name,
            org_slug: r.org_slug,
            commune: commune_name(r.commune_code.as_deref()),
            intro: r.intro.unwrap_or_default(),
            requested: ketnoi_domain::time::format_hanoi(r.requested_at),
        })
        .collect();
    render(&RequestsPage {
        layout: Layout::titled(&ctx, "net-requests-title"),
        requests,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub decision: String,
}

impl DecisionForm {
    /// `true` for `yes`, `false` for `no`; anything else is a 422.
    pub(crate) fn choice(&self, yes: &str, no: &str) -> Result<bool, AppError> {
        match self.decision.as_str() {
            d if d == yes => Ok(true),
            d if d == no => Ok(false),
            _ => Err(AppError::Validation(FieldErrors::single(
                "decision",
                crate::error::Msg::new("err-invalid-choice"),
            ))),
        }
    }
}

/// `POST /union/network/{user_id}/decision`: approve or reject (`decision`), within scope.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(member): PathId,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let approve = form.choice("approve", "reject")?;
    let scope = crate::policy::officer_scope(&user)?;
    if !network::decide(state.db.conn(), member, user.id, &scope, approve).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/union/network"))
}

pub struct ReportView {
    pub conversation_id: i64,
    pub seq: i64,
    pub reporter: String,
    pub reason: String,
    pub sender: String,
    pub body: String,
    pub deleted: bool,
    pub time: String,
}

#[derive(Template)]
#[template(path = "union/reports.html")]
struct ReportsPage {
    layout: Layout,
    reports: Vec<ReportView>,
}

/// `GET /union/reports`: reported messages, newest first, with their text (moderators see
/// what was reported, not the rest of the conversation).
pub async fn show_reports(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(_user): CurrentUser,
) -> Result<Response, AppError> {
    let reports = ketnoi_db::messaging::reports(state.db.conn(), 200)
        .await?
        .into_iter()
        .map(|r| ReportView {
            conversation_id: r.conversation_id,
            seq: r.seq,
            reporter: r.reporter,
            reason: r.reason,
            sender: r.sender.unwrap_or_default(),
            body: r.body,
            deleted: r.deleted,
            time: ketnoi_domain::time::format_hanoi(r.created_at),
        })
        .collect();
    render(&ReportsPage {
        layout: Layout::titled(&ctx, "rep-title"),
        reports,
    })
}
