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

// ---------------------------------------------------------------------------------------
// The applicant: `/support`.

#[derive(Template)]
#[template(path = "cases/mine.html")]
struct MinePage {
    layout: Layout,
    cases: Vec<CaseLine>,
    /// `(value, label)` of whom she may ask for.
    applicants: Vec<(String, String)>,
    kinds: Vec<(&'static str, String)>,
    communes: &'static [admin_units::Commune],
    form: AskForm,
    errors: FieldErrors,
}

async fn mine_page(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    form: AskForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let cases = store::of_user(state.db.conn(), user.id).await?;
    let t = ctx.tr();
    let mut applicants: Vec<(String, String)> = super::my::managed_cooperatives(state, user.id)
        .await?
        .into_iter()
        .map(|o| (format!("org:{}", o.slug), o.name))
        .collect();
    applicants.push(("household".into(), t.get("case-for-household")));
    applicants.push(("founder".into(), t.get("case-for-founder")));
    render_status(
        status,
        &MinePage {
            layout: Layout::titled(ctx, "case-mine-title"),
            cases: lines(state, ctx, &cases).await?,
            applicants,
            kinds: kinds(ctx),
            communes: admin_units::hanoi_communes_by_name(),
            form,
            errors,
        },
    )
}

/// `GET /support`: her cases (her cooperatives' and her own) and the form to ask.
pub async fn show_mine(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let form = AskForm {
        kind: "credit".into(),
        name: user.display_name.clone(),
        ..AskForm::default()
    };
    mine_page(
        &state,
        &ctx,
        &user,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// A household or founder applicant record for `user` herself: the one she has of that kind,
/// else a new one with the name and ward/commune the form gives.
async fn own_applicant(
    state: &AppState,
    user: &User,
    kind: ApplicantKind,
    form: &AskForm,
) -> Result<store::OtherApplicant, AppError> {
    let existing = store::applicants_of_user(state.db.conn(), user.id)
        .await?
        .into_iter()
        .find(|a| a.kind == kind);
    if let Some(a) = existing {
        return Ok(a);
    }
    let (name, commune) = applicant_fields(form, None)?;
    let id = store::create_applicant(
        state.db.conn(),
        &store::NewApplicant {
            kind,
            name,
            user_id: Some(user.id),
            phone: user.phone.clone(),
            commune_code: commune,
            registered_by: Some(user.id),
        },
    )
    .await?;
    store::applicant(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)
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

/// `POST /support`: opens her case; mistakes come back beside the fields, her text kept.
pub async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<AskForm>,
) -> Result<Response, AppError> {
    let result = async {
        ctx.require_csrf(&state, &form.csrf)?;
        // The request is checked first, so that no applicant is registered for nothing.
        ketnoi_app::cases::check_request(&form.request()).map_err(AppError::Validation)?;
        let applicant = match form.applicant.as_str() {
            "household" => {
                For::Other(own_applicant(&state, &user, ApplicantKind::Household, &form).await?)
            }
            "founder" => {
                For::Other(own_applicant(&state, &user, ApplicantKind::Founder, &form).await?)
            }
            other => {
                let slug = other.strip_prefix("org:").unwrap_or_default();
                let org = super::my::managed_cooperatives(&state, user.id)
                    .await?
                    .into_iter()
                    .find(|o| o.slug == slug)
                    .ok_or_else(not_a_choice)?;
                For::Org(Box::new(org))
            }
        };
        open_case(&state, &applicant, user.id, &form).await
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/cases/{id}?saved=1"))),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            mine_page(&state, &ctx, &user, form, errors, status).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// One case: `/cases/{id}`.

/// A step of the case's timeline.
pub struct StepLine {
    pub step: String,
    pub who: String,
    pub when: String,
    pub partner: String,
    pub note: String,
    pub amount: String,
}

/// What a step's form sends.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    pub csrf: String,
    pub step: String,
    pub partner_id: String,
    pub note: String,
    pub amount: String,
    pub done_on: String,
    /// Complete a founding case: the registered cooperative's address on Ketnoi.
    pub founded: String,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct CasePage {
    layout: Layout,
    id: i64,
    kind_key: &'static str,
    status_key: &'static str,
    status: String,
    applicant: String,
    applicant_link: String,
    applicant_kind: String,
    /// A household's or founder's phone, for her officers and the partner.
    applicant_phone: String,
    commune: String,
    partner: String,
    amount: String,
    purpose: String,
    term: String,
    due: String,
    late: bool,
    reason: String,
    done: String,
    steps: Vec<StepLine>,
    /// The steps she may take now: `(step, label)`.
    actions: Vec<(String, String)>,
    /// Refer: `(id, name, would lend twice)`; the names are the partners' own, in Vietnamese.
    partners: Vec<(i64, String, bool)>,
    /// To the officer: the applicant's other credit cases (partner, status), none of them
    /// this case's partner's business.
    other_credit: Vec<(String, String)>,
    /// To the partner: another partner lends to this applicant (no details).
    duplicate: bool,
    is_partner: bool,
    has_conversation: bool,
    /// Her step was refused because the case moved: what she typed is shown back.
    kept: bool,
    form: StepForm,
    errors: FieldErrors,
    saved: bool,
}

/// The case and who the visitor is to it; 404 when she may not see it.
async fn load(state: &AppState, user: &User, id: i64) -> Result<(Case, Who), AppError> {
    let case = store::case(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let who = ketnoi_app::cases::who_for(&state.db, user, &case)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((case, who))
}

fn actor_of(who: &Who) -> Actor {
    match who {
        Who::Applicant { .. } => Actor::Applicant,
        Who::Officer { .. } => Actor::Officer,
        Who::Partner { .. } => Actor::Partner,
    }
}

#[allow(clippy::too_many_arguments)]
async fn case_page(
    state: &AppState,
    ctx: &Ctx,
    case: &Case,
    who: &Who,
    form: StepForm,
    errors: FieldErrors,
    saved: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let names = Names::of(state, std::slice::from_ref(case)).await?;
    let actor = actor_of(who);
    let actions: Vec<(String, String)> = Step::ALL
        .iter()
        .filter(|s| next(case.status, **s, actor).is_ok())
        .map(|s| {
            let key = match (s, case.kind) {
                (Step::Complete, CaseKind::Credit) => "case-do-disburse".to_owned(),
                _ => format!("case-do-{}", s.as_str()),
            };
            (s.as_str().to_owned(), t.get(&key))
        })
        .collect();
    let today = ketnoi_domain::time::today_hanoi();
    let (mut partners, mut other_credit) = (Vec::new(), Vec::new());
    if actor == Actor::Officer {
        let others = if case.kind == CaseKind::Credit {
            store::other_credit_cases(state.db.conn(), case).await?
        } else {
            Vec::new()
        };
        for p in store::partners(state.db.conn()).await? {
            let twice = case.kind == CaseKind::Credit && duplicate_credit(&others, p.id, today);
            partners.push((p.id, p.name.clone(), twice));
        }
        // The same rule as the flag: each other case that would count against any partner
        // (no partner has id 0).
        for o in others
            .iter()
            .filter(|o| duplicate_credit(std::slice::from_ref(*o), 0, today))
        {
            other_credit.push((names.partner(o.partner_id), status_label(ctx, o.status)));
        }
    }
    let mut steps = Vec::new();
    for s in store::steps(state.db.conn(), case.id).await? {
        steps.push(StepLine {
            step: match (s.step.as_str(), case.kind) {
                ("complete", CaseKind::Credit) => t.get("case-step-disburse"),
                (other, _) => t.get(&format!("case-step-{other}")),
            },
            who: s.actor_name.unwrap_or_default(),
            when: format_hanoi(s.at),
            partner: if s.step == "refer" {
                names.partner(s.partner_id)
            } else {
                String::new()
            },
            note: s.note.unwrap_or_default(),
            amount: if s.step == "complete" {
                s.amount_vnd.map(|a| Vnd(a).to_string()).unwrap_or_default()
            } else {
                String::new()
            },
        });
    }
    let (applicant_link, applicant_kind, applicant_phone) = match case.applicant {
        Applicant::Org(id) => (
            names
                .orgs
                .get(&id)
                .map(|o| format!("/orgs/{}", o.1))
                .unwrap_or_default(),
            String::new(),
            String::new(),
        ),
        Applicant::Other(id) => {
            let a = store::applicant(state.db.conn(), id).await?;
            (
                String::new(),
                a.as_ref()
                    .map(|a| t.get(&format!("case-applicant-{}", a.kind.as_str())))
                    .unwrap_or_default(),
                // Those who must call her back: her officers and the partner handling it.
                a.and_then(|a| a.phone)
                    .filter(|_| actor != Actor::Applicant)
                    .map(|p| ketnoi_domain::contact::national(&p))
                    .unwrap_or_default(),
            )
        }
    };
    let l = line(ctx, case, &names);
    render_status(
        status,
        &CasePage {
            layout: Layout::new(ctx, format!("{} #{}", l.kind, case.id)),
            id: case.id,
            kind_key: case.kind.as_str(),
            status_key: l.status_key,
            status: l.status,
            applicant: l.applicant,
            applicant_link,
            applicant_kind,
            applicant_phone,
            commune: l.commune,
            partner: l.partner,
            amount: l.amount,
            purpose: case.purpose.clone().unwrap_or_default(),
            term: case
                .term_months
                .map(|m| t.with("case-term-n", "n", &m.to_string()))
                .unwrap_or_default(),
            due: if case.status.is_final() {
                String::new()
            } else {
                l.due
            },
            late: l.late && !case.status.is_final(),
            reason: case.decision_reason.clone().unwrap_or_default(),
            done: match (case.done_amount_vnd, case.done_on) {
                (Some(a), Some(d)) => format!("{} · {}", Vnd(a), d.format("%d/%m/%Y")),
                (None, Some(d)) => d.format("%d/%m/%Y").to_string(),
                _ => String::new(),
            },
            steps,
            partners,
            other_credit,
            duplicate: actor == Actor::Partner && case.duplicate_flag,
            is_partner: actor == Actor::Partner,
            has_conversation: case.conversation_id.is_some(),
            kept: !form.step.is_empty() && !actions.iter().any(|a| a.0 == form.step),
            actions,
            form,
            errors,
            saved,
        },
    )
}

/// `GET /cases/{id}`: the case, its steps and what she may do next.
pub async fn show_case(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let (case, who) = load(&state, &user, id).await?;
    let form = StepForm {
        done_on: ketnoi_domain::time::today_hanoi()
            .format("%Y-%m-%d")
            .to_string(),
        ..StepForm::default()
    };
    case_page(
        &state,
        &ctx,
        &case,
        &who,
        form,
        FieldErrors::default(),
        !q.saved.is_empty(),
        StatusCode::OK,
    )
    .await
}

async fn step_input(state: &AppState, f: &StepForm) -> Result<StepInput, AppError> {
    let mut e = FieldErrors::default();
    let partner_id = match f.partner_id.trim() {
        "" => None,
        raw => e.check(
            "partner_id",
            raw.parse::<i64>().map_err(|_| Msg::new("case-err-partner")),
        ),
    };
    let note = e
        .check("note", ketnoi_domain::text::optional_block(&f.note, 2000))
        .flatten();
    let amount_vnd = match f.amount.trim() {
        "" => None,
        raw => e.check(
            "amount_vnd",
            Vnd::parse(raw)
                .filter(|a| a.0 <= ketnoi_app::cases::MAX_CREDIT_VND)
                .map(|a| a.0)
                .ok_or(Msg::new("case-err-amount")),
        ),
    };
    let done_on = match f.done_on.trim() {
        "" => None,
        raw => e.check("done_on", super::parse_day(raw)),
    };
    let founded_org_id = match f.founded.trim().trim_start_matches("/orgs/") {
        "" => None,
        slug => match ketnoi_db::orgs::find_by_slug(state.db.conn(), slug).await? {
            Some(o) if o.kind.is_cooperative() => Some(o.id),
            _ => {
                e.add("founded", Msg::new("case-err-founded"));
                None
            }
        },
    };
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    Ok(StepInput {
        partner_id,
        note,
        amount_vnd,
        done_on,
        founded_org_id,
    })
}

/// `POST /cases/{id}/steps`: takes a step. A step someone else took first is a 409 with
/// the page and what she typed kept.
pub async fn step_case(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    // A form from another site is refused as such, whatever case it names.
    let forged = !ctx.verify_csrf(&state, &form.csrf);
    let (case, who) = match load(&state, &user, id).await {
        Ok(found) => found,
        Err(_) if forged => return Err(AppError::Csrf),
        Err(e) => return Err(e),
    };
    let result = async {
        if forged {
            return Err(AppError::Csrf);
        }
        let step = Step::parse(form.step.trim()).ok_or_else(|| {
            AppError::Validation(FieldErrors::single("_form", Msg::new("err-invalid-choice")))
        })?;
        let input = step_input(&state, &form).await?;
        ketnoi_app::cases::take_step(&state.db, id, &who, step, &input, Utc::now())
            .await
            .map_err(AppError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/cases/{id}?saved=1"))),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            // Shown as it now stands (someone may have moved it), with her input.
            let case = store::case(state.db.conn(), id).await?.unwrap_or(case);
            case_page(&state, &ctx, &case, &who, form, errors, false, status).await
        }
    }
}

/// `POST /cases/{id}/conversation`: the case's conversation, made the first time; whoever
/// may see the case joins it (with the applicant's people and the partner's staff).
pub async fn open_conversation(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<super::CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let (case, _) = load(&state, &user, id).await?;
    let mut members = vec![user.id];
    if let Applicant::Other(a) = case.applicant
        && let Some(uid) = store::applicant(state.db.conn(), a)
            .await?
            .and_then(|a| a.user_id)
    {
        members.push(uid);
    }
    if let Some(p) = case.partner_id {
        members.extend(
            store::staff(state.db.conn(), p)
                .await?
                .into_iter()
                .map(|s| s.0),
        );
    }
    // Vietnamese first: the title is the conversation's, read by people in both languages.
    let title = format!(
        "{} #{}",
        ketnoi_app::i18n::t(
            ketnoi_domain::Locale::Vi,
            &format!("case-kind-{}", case.kind.as_str())
        ),
        case.id
    );
    let conversation = store::conversation(&state.db, &case, &title, user.id, &members).await?;
    Ok(see_other(&format!("/conversations/{conversation}")))
}

// ---------------------------------------------------------------------------------------
// The officer's queue: `/union/cases`.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    pub status: String,
    pub org: String,
}

#[derive(Template)]
#[template(path = "cases/queue.html")]
struct QueuePage {
    layout: Layout,
    cases: Vec<CaseLine>,
    statuses: Vec<(&'static str, String)>,
    status: String,
    scope: String,
    kinds: Vec<(&'static str, String)>,
    /// `(slug, name)` of the cooperatives in her scope she may open a case for.
    coops: Vec<(String, String)>,
    communes: &'static [admin_units::Commune],
    fixed_commune: bool,
    form: AskForm,
    errors: FieldErrors,
}

#[allow(clippy::too_many_arguments)]
async fn queue_page(
    state: &AppState,
    ctx: &Ctx,
    scope: &Scope,
    status_filter: &str,
    form: AskForm,
    errors: FieldErrors,
    code: StatusCode,
) -> Result<Response, AppError> {
    let commune = match scope {
        Scope::City => None,
        Scope::Commune(c) => Some(c.as_str()),
    };
    let status = Status::parse(status_filter);
    let cases = store::in_scope(state.db.conn(), commune, status, 200).await?;
    let coops = ketnoi_db::orgs::cooperatives_in(state.db.conn(), scope, 500)
        .await?
        .into_iter()
        .map(|o| (o.slug, o.name))
        .collect();
    render_status(
        code,
        &QueuePage {
            layout: Layout::titled(ctx, "case-queue-title"),
            cases: lines(state, ctx, &cases).await?,
            statuses: Status::ALL
                .iter()
                .map(|s| (s.as_str(), status_label(ctx, *s)))
                .collect(),
            status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            scope: match commune {
                Some(c) => commune_name(Some(c)),
                None => ctx.tr().get("case-scope-city"),
            },
            kinds: kinds(ctx),
            coops,
            communes: admin_units::hanoi_communes_by_name(),
            fixed_commune: commune.is_some(),
            form,
            errors,
        },
    )
}

/// `GET /union/cases`: the cases in her ward/commune (or the city), late ones first, and the
/// form to open one for a cooperative or a woman who asked in person or by phone.
pub async fn show_queue(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let form = AskForm {
        kind: "credit".into(),
        applicant: if q.org.is_empty() {
            String::new()
        } else {
            format!("org:{}", q.org)
        },
        ..AskForm::default()
    };
    queue_page(
        &state,
        &ctx,
        &scope,
        &q.status,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /union/cases`: an officer opens a case for a cooperative in her scope or registers
/// a household business or a founder (in her ward) and opens it for her.
pub async fn open_for(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<AskForm>,
) -> Result<Response, AppError> {
    let scope = crate::policy::officer_scope(&user)?;
    let result = async {
        ctx.require_csrf(&state, &form.csrf)?;
        ketnoi_app::cases::check_request(&form.request()).map_err(AppError::Validation)?;
        let applicant = match form.applicant.as_str() {
            kind @ ("household" | "founder") => {
                let forced = match &scope {
                    Scope::Commune(c) => Some(c.as_str()),
                    Scope::City => None,
                };
                let (name, commune) = applicant_fields(&form, forced)?;
                let phone = match form.phone.trim() {
                    "" => None,
                    raw => Some(
                        ketnoi_domain::contact::Phone::parse(raw)
                            .map_err(|_| {
                                AppError::Validation(FieldErrors::single(
                                    "phone",
                                    Msg::new("err-phone-invalid"),
                                ))
                            })?
                            .as_str()
                            .to_owned(),
                    ),
                };
                let kind = ApplicantKind::parse(kind).ok_or_else(not_a_choice)?;
                let id = store::create_applicant(
                    state.db.conn(),
                    &store::NewApplicant {
                        kind,
                        name,
                        user_id: None,
                        phone,
                        commune_code: commune,
                        registered_by: Some(user.id),
                    },
                )
                .await?;
                For::Other(
                    store::applicant(state.db.conn(), id)
                        .await?
                        .ok_or(AppError::NotFound)?,
                )
            }
            other => {
                let slug = other.strip_prefix("org:").unwrap_or(other).trim();
                let org = ketnoi_db::orgs::find_by_slug(state.db.conn(), slug)
                    .await?
                    .filter(|o| o.kind.is_cooperative() && crate::policy::covers(&scope, o))
                    .ok_or_else(not_a_choice)?;
                For::Org(Box::new(org))
            }
        };
        open_case(&state, &applicant, user.id, &form).await
    }
    .await;
    match result {
        Ok(id) => Ok(see_other(&format!("/cases/{id}?saved=1"))),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            queue_page(&state, &ctx, &scope, "", form, errors, status).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// The partner desk: `/partner`.

#[derive(Template)]
#[template(path = "cases/desk.html")]
struct DeskPage {
    layout: Layout,
    partners: Vec<String>,
    waiting: Vec<CaseLine>,
    others: Vec<CaseLine>,
}

/// `GET /partner`: the cases referred to her organisation, those waiting for her first.
pub async fn show_desk(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let partners = store::partners_of(state.db.conn(), user.id).await?;
    let mut cases = Vec::new();
    for p in &partners {
        cases.extend(store::of_partner(state.db.conn(), p.id, 300).await?);
    }
    let (waiting, others): (Vec<Case>, Vec<Case>) =
        cases.into_iter().partition(|c| c.status.is_with_partner());
    render(&DeskPage {
        layout: Layout::titled(&ctx, "case-desk-title"),
        partners: partners.into_iter().map(|p| p.name).collect(),
        waiting: lines(&state, &ctx, &waiting).await?,
        others: lines(&state, &ctx, &others).await?,
    })
}

// ---------------------------------------------------------------------------------------
// Administrators: partners and their staff, `/admin/partners`.

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PartnerForm {
    pub csrf: String,
    pub name: String,
    pub kind: String,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StaffForm {
    pub csrf: String,
    /// The e-mail address or phone number she signs in with.
    pub login: String,
}

/// A partner, its kind in words and its staff (user id, name).
type PartnerLine = (Partner, String, Vec<(i64, String)>);

#[derive(Template)]
#[template(path = "cases/partners.html")]
struct PartnersPage {
    layout: Layout,
    partners: Vec<PartnerLine>,
    kinds: Vec<(&'static str, String)>,
    form: PartnerForm,
    errors: FieldErrors,
    /// The partner whose staff form failed, and why.
    staff_errors: (i64, FieldErrors),
}

async fn partners_page(
    state: &AppState,
    ctx: &Ctx,
    form: PartnerForm,
    errors: FieldErrors,
    staff_errors: (i64, FieldErrors),
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = ctx.tr();
    let mut partners = Vec::new();
    for p in store::partners(state.db.conn()).await? {
        let staff = store::staff(state.db.conn(), p.id).await?;
        let kind = t.get(&format!("partner-kind-{}", p.kind.as_str()));
        partners.push((p, kind, staff));
    }
    render_status(
        status,
        &PartnersPage {
            layout: Layout::titled(ctx, "partner-admin-title"),
            partners,
            kinds: PartnerKind::ALL
                .iter()
                .map(|k| (k.as_str(), t.get(&format!("partner-kind-{}", k.as_str()))))
                .collect(),
            form,
            errors,
            staff_errors,
        },
    )
}

/// `GET /admin/partners`.
pub async fn list_partners(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    partners_page(
        &state,
        &ctx,
        PartnerForm {
            kind: "bank".into(),
            ..PartnerForm::default()
        },
        FieldErrors::default(),
        (0, FieldErrors::default()),
        StatusCode::OK,
    )
    .await
}

fn check_partner(f: &PartnerForm) -> Result<store::NewPartner, FieldErrors> {
    let mut e = FieldErrors::default();
    let name = e.check("name", ketnoi_domain::text::display_name(&f.name, 200));
    let kind = e.check(
        "kind",
        PartnerKind::parse(f.kind.trim()).ok_or(Msg::new("err-invalid-choice")),
    );
    // An office's number: landlines too (`024 3825 1234`), kept as typed.
    let phone = match f.phone.trim() {
        "" => None,
        raw => {
            let digits = raw.chars().filter(char::is_ascii_digit).count();
            let plain = raw
                .chars()
                .all(|c| c.is_ascii_digit() || " +().-".contains(c));
            e.check(
                "phone",
                if plain && (8..=15).contains(&digits) {
                    Ok(raw.split_whitespace().collect::<Vec<_>>().join(" "))
                } else {
                    Err(Msg::new("partner-err-phone"))
                },
            )
        }
    };
    let email = match f.email.trim() {
        "" => None,
        raw => e.check(
            "email",
            ketnoi_domain::contact::Email::parse(raw)
                .map(|p| p.as_str().to_owned())
                .map_err(|_| Msg::new("err-email-invalid")),
        ),
    };
    match (name, kind) {
        (Some(name), Some(kind)) if e.is_empty() => Ok(store::NewPartner {
            slug: ketnoi_domain::text::slugify(&name),
            name,
            kind,
            phone,
            email,
        }),
        _ => Err(e),
    }
}

/// `POST /admin/partners`: a new partner organisation.
pub async fn create_partner(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PartnerForm>,
) -> Result<Response, AppError> {
    let result = async {
        ctx.require_csrf(&state, &form.csrf)?;
        let p = check_partner(&form).map_err(AppError::Validation)?;
        match store::create_partner(state.db.conn(), &p).await {
            Err(ketnoi_db::DbError::Unique { .. }) => Err(AppError::Validation(
                FieldErrors::single("name", Msg::new("partner-err-exists")),
            )),
            other => Ok(other?),
        }
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/admin/partners")),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            partners_page(
                &state,
                &ctx,
                form,
                errors,
                (0, FieldErrors::default()),
                status,
            )
            .await
        }
    }
}

/// `POST /admin/partners/{id}/staff`: makes someone with an account staff of the partner.
pub async fn add_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    PathId(id): PathId,
    Form(form): Form<StaffForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let partner = store::partner(state.db.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let result = async {
        let not_found =
            || AppError::Validation(FieldErrors::single("login", Msg::new("partner-err-login")));
        let login =
            ketnoi_domain::contact::Login::parse(form.login.trim()).map_err(|_| not_found())?;
        let user = match &login {
            ketnoi_domain::contact::Login::Email(e) => {
                ketnoi_db::users::find_by_email(state.db.conn(), e.as_str()).await?
            }
            ketnoi_domain::contact::Login::Phone(p) => {
                ketnoi_db::users::find_by_phone(state.db.conn(), p.as_str()).await?
            }
        }
        .filter(|u| u.role == PlatformRole::User)
        .ok_or_else(not_found)?;
        store::add_staff(state.db.conn(), partner.id, user.id).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other("/admin/partners")),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            partners_page(
                &state,
                &ctx,
                PartnerForm::default(),
                FieldErrors::default(),
                (partner.id, errors),
                status,
            )
            .await
        }
    }
}

/// `POST /admin/partners/{id}/staff/{user_id}/remove`: she no longer works for the partner
/// (her account stays; the partner's cases are no longer hers to see).
pub async fn remove_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    PathId(id): PathId,
    crate::extract::PathUserId(user_id): crate::extract::PathUserId,
    Form(form): Form<super::CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if !store::remove_staff(state.db.conn(), id, user_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/admin/partners"))
}
