//! The officer's queue in her scope (`/union/cases`) and cases opened for those who asked
//! in person or by phone.

use super::*;

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
