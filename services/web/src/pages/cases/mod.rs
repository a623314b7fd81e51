//! Support cases (issue 19), as the people who move them see them: a leader asks for
//! credit, insurance, founding, brand or advice for her cooperative or for herself
//! (`/support`); the ward/commune officer reviews and refers it to a partner
//! (`/union/cases`); the partner's staff receive, decide and record what was disbursed
//! (`/partner`); administrators keep the partners and their staff (`/admin/partners`).
//! Every step goes through `ketnoi_app::cases::take_step` from one page, `/cases/{id}`,
//! which shows each person the steps that are hers ([`next`] decides), and every visitor's
//! relation to a case is decided in one place (`ketnoi_app::cases::who_for`).

use super::{Layout, SavedQuery, commune_name, form_errors, render, render_status, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId, Query};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use ketnoi_app::cases::{For, Request, StepInput, Who};
use ketnoi_db::cases::{self as store, Applicant, Case, Partner};
use ketnoi_db::users::User;
use ketnoi_domain::admin_units;
use ketnoi_domain::cases::{
    Actor, ApplicantKind, CaseKind, PartnerKind, Status, Step, duplicate_credit, next,
};
use ketnoi_domain::money::Vnd;
use ketnoi_domain::role::{PlatformRole, Scope};
use ketnoi_domain::time::format_hanoi;
use serde::Deserialize;
use std::collections::HashMap;

/// A case as a line of a list.
pub struct CaseLine {
    pub id: i64,
    pub kind: String,
    pub applicant: String,
    pub status_key: &'static str,
    pub status: String,
    pub commune: String,
    pub partner: String,
    pub amount: String,
    pub due: String,
    pub late: bool,
}

/// The names a list of cases shows, looked up once per organisation, applicant and partner.
#[derive(Default)]
struct Names {
    orgs: HashMap<i64, (String, String)>,
    applicants: HashMap<i64, String>,
    partners: HashMap<i64, String>,
}

impl Names {
    async fn of(state: &AppState, cases: &[Case]) -> Result<Names, AppError> {
        let mut n = Names::default();
        for p in store::partners(state.db.conn()).await? {
            n.partners.insert(p.id, p.name);
        }
        for c in cases {
            match c.applicant {
                Applicant::Org(id) if !n.orgs.contains_key(&id) => {
                    if let Some(o) = ketnoi_db::orgs::find(state.db.conn(), id).await? {
                        n.orgs.insert(id, (o.name, o.slug));
                    }
                }
                Applicant::Other(id) if !n.applicants.contains_key(&id) => {
                    if let Some(a) = store::applicant(state.db.conn(), id).await? {
                        n.applicants.insert(id, a.name);
                    }
                }
                _ => {}
            }
        }
        Ok(n)
    }

    fn applicant(&self, a: Applicant) -> String {
        match a {
            Applicant::Org(id) => self.orgs.get(&id).map(|o| o.0.clone()),
            Applicant::Other(id) => self.applicants.get(&id).cloned(),
        }
        .unwrap_or_default()
    }

    fn partner(&self, id: Option<i64>) -> String {
        id.and_then(|id| self.partners.get(&id).cloned())
            .unwrap_or_default()
    }
}

fn status_label(ctx: &Ctx, s: Status) -> String {
    ctx.tr().get(&format!("case-status-{}", s.as_str()))
}

fn kind_label(ctx: &Ctx, k: CaseKind) -> String {
    ctx.tr().get(&format!("case-kind-{}", k.as_str()))
}

fn line(ctx: &Ctx, c: &Case, names: &Names) -> CaseLine {
    let now = Utc::now();
    CaseLine {
        id: c.id,
        kind: kind_label(ctx, c.kind),
        applicant: names.applicant(c.applicant),
        status_key: c.status.as_str(),
        status: status_label(ctx, c.status),
        commune: commune_name(c.commune_code.as_deref()),
        partner: names.partner(c.partner_id),
        amount: c.amount_vnd.map(|a| Vnd(a).to_string()).unwrap_or_default(),
        due: c
            .due_at
            .map(ketnoi_domain::time::format_hanoi_date)
            .unwrap_or_default(),
        late: c.due_at.is_some_and(|d| d < now),
    }
}

async fn lines(state: &AppState, ctx: &Ctx, cases: &[Case]) -> Result<Vec<CaseLine>, AppError> {
    let names = Names::of(state, cases).await?;
    Ok(cases.iter().map(|c| line(ctx, c, &names)).collect())
}

fn kinds(ctx: &Ctx) -> Vec<(&'static str, String)> {
    CaseKind::ALL
        .iter()
        .map(|k| (k.as_str(), kind_label(ctx, *k)))
        .collect()
}

/// The request part of the forms that open a case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AskForm {
    pub csrf: String,
    /// `org:<slug>` (a cooperative she runs), `household` or `founder` (herself).
    pub applicant: String,
    /// A household business's or a founding group's name (household, founder).
    pub name: String,
    pub commune_code: String,
    /// The officer's form: an applicant's phone (household, founder).
    pub phone: String,
    pub kind: String,
    pub amount: String,
    pub purpose: String,
    pub term_months: String,
}

impl AskForm {
    fn request(&self) -> Request {
        Request {
            kind: self.kind.clone(),
            amount: self.amount.clone(),
            purpose: self.purpose.clone(),
            term_months: self.term_months.clone(),
        }
    }
}

/// The name and ward/commune of a new applicant; a ward officer's applicants are in her
/// ward (`forced`).
fn applicant_fields(
    form: &AskForm,
    forced: Option<&str>,
) -> Result<(String, Option<String>), AppError> {
    let mut e = FieldErrors::default();
    let name = e.check("name", ketnoi_domain::text::display_name(&form.name, 200));
    let commune = match forced {
        Some(c) => Some(c.to_owned()),
        None => e.check(
            "commune_code",
            admin_units::commune(form.commune_code.trim())
                .map(|c| c.code.clone())
                .ok_or(Msg::new("case-err-commune")),
        ),
    };
    match name {
        Some(n) if e.is_empty() => Ok((n, commune)),
        _ => Err(AppError::Validation(e)),
    }
}

/// The applicant field does not name anyone she may ask for.
fn not_a_choice() -> AppError {
    AppError::Validation(FieldErrors::single(
        "applicant",
        Msg::new("err-invalid-choice"),
    ))
}

/// Opens the case the form asks for, for `applicant`, as `user_id`; its id.
async fn open_case(
    state: &AppState,
    applicant: &For,
    user_id: i64,
    form: &AskForm,
) -> Result<i64, AppError> {
    Ok(ketnoi_app::cases::open(&state.db, applicant, user_id, &form.request(), Utc::now()).await?)
}

mod case;
mod desk;
mod mine;
mod partners;
mod queue;

pub use case::{open_conversation, show_case, step_case};
pub use desk::show_desk;
pub use mine::{ask, show_mine};
pub use partners::{add_staff, create_partner, list_partners, remove_staff};
pub use queue::{open_for, show_queue};
