//! The payout ledger officers settle by bank transfer: what the platform owes each
//! cooperative of the officer's scope for card payments, and the lines behind it.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::AppError;
use crate::extract::{Form, PathId};
use crate::pages::CsrfForm;
use crate::pages::{Layout, render, see_other};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::payments;
use ketnoi_domain::Vnd;

pub struct OwedRow {
    pub org_id: i64,
    pub org_name: String,
    pub amount: String,
    /// Where to transfer it: bank, account number, holder (empty when the cooperative has
    /// not given an account yet).
    pub bank: String,
}

pub struct LedgerRow {
    pub org_name: String,
    pub order_id: i64,
    pub order_code: String,
    pub kind: String,
    pub amount: String,
    pub at: String,
    pub paid: String,
}

#[derive(Template)]
#[template(path = "union/payouts.html")]
struct PayoutsPage {
    layout: Layout,
    owed: Vec<OwedRow>,
    lines: Vec<LedgerRow>,
}

/// `GET /union/payouts`: what the platform owes each cooperative for card payments, and the
/// ledger behind it.
pub async fn show_payouts(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let scope = crate::policy::officer_scope(&user)?;
    let lines = payments::ledger(state.db.conn(), &scope, 500).await?;
    let mut owed = Vec::new();
    for (org_id, org_name, amount) in payments::owed(state.db.conn(), &scope).await? {
        let bank = ketnoi_db::orgs::bank_account(state.db.conn(), org_id)
            .await?
            .map(|b| {
                let bank = ketnoi_payments::vietqr::bank(&b.bin)
                    .map(|k| k.short_name.clone())
                    .unwrap_or(b.bin);
                format!("{bank} · {} · {}", b.account, b.account_name)
            })
            .unwrap_or_default();
        owed.push(OwedRow {
            org_id,
            org_name,
            amount: Vnd(amount).to_string(),
            bank,
        });
    }
    render(&PayoutsPage {
        layout: Layout::titled(&ctx, "payouts-title"),
        owed,
        lines: lines
            .into_iter()
            .map(|l| LedgerRow {
                org_name: l.org_name,
                order_id: l.order_id,
                order_code: l.order_code.unwrap_or_default(),
                kind: t.get(&format!("ledger-{}", l.kind)),
                amount: Vnd(l.amount).to_string(),
                at: ketnoi_domain::time::format_hanoi_short(l.created_at),
                paid: l
                    .paid_at
                    .map(ketnoi_domain::time::format_hanoi_short)
                    .unwrap_or_default(),
            })
            .collect(),
    })
}

/// `POST /union/payouts/{id}/paid`: the officer transferred what cooperative `{id}` was owed.
pub async fn mark_payout_paid(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(org_id): PathId,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let org = ketnoi_db::orgs::find(state.db.conn(), org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::policy::covers(&crate::policy::officer_scope(&user)?, &org) {
        return Err(AppError::NotFound);
    }
    payments::mark_paid(state.db.conn(), org_id, user.id).await?;
    Ok(see_other("/union/payouts"))
}
