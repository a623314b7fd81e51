//! One case, `/cases/{id}`: its facts and steps, the steps she may take, its conversation.

use super::*;

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
        raw => e.check("done_on", crate::pages::parse_day(raw)),
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
    Form(form): Form<crate::pages::CsrfForm>,
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
