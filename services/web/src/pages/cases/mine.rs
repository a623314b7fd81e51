//! The applicant's side: her cases and her cooperatives', and the form to ask (`/support`).

use super::*;

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
    let mut applicants: Vec<(String, String)> =
        crate::pages::my::managed_cooperatives(state, user.id)
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
                let org = crate::pages::my::managed_cooperatives(&state, user.id)
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
