//! Administrators keep the partners and their staff (`/admin/partners`).

use super::*;

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
    Form(form): Form<crate::pages::CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if !store::remove_staff(state.db.conn(), id, user_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/admin/partners"))
}
