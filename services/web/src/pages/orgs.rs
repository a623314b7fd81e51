//! The directory of organisations, their public pages, and membership management.

use super::CsrfForm;
use super::form_errors;
use super::{Layout, render, render_status, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathId};
use crate::policy::{self, Access, OrgScope};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::orgs::{self, NewOrg, Org};
use ketnoi_db::users::User;
use ketnoi_domain::admin_units;
use ketnoi_domain::contact::Login;
use ketnoi_domain::org::{BuyerType, OrgKind};
use ketnoi_domain::role::MemberRole;
use ketnoi_domain::text;
use ketnoi_domain::trade::{TaxCode, TaxCodeError};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "orgs/new.html")]
struct NewPage {
    layout: Layout,
    form: NewOrgForm,
    communes: &'static [admin_units::Commune],
    buyer_types: [BuyerType; 6],
    errors: FieldErrors,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct NewOrgForm {
    pub csrf: String,
    pub kind: String,
    pub buyer_type: String,
    pub name: String,
    pub commune_code: String,
    pub street: String,
    pub phone: String,
    pub email: String,
    pub description: String,
    /// Mã số thuế: a trade buyer's business registration number.
    pub tax_code: String,
}

pub async fn new_org(ctx: Ctx) -> Result<Response, AppError> {
    render(&NewPage {
        layout: Layout::titled(&ctx, "org-new-title"),
        form: NewOrgForm {
            kind: "htx".into(),
            ..NewOrgForm::default()
        },
        communes: admin_units::hanoi_communes_by_name(),
        buyer_types: BuyerType::ALL,
        errors: FieldErrors::default(),
    })
}

fn validate_new_org(f: &NewOrgForm, user: &User) -> Result<NewOrg, FieldErrors> {
    let mut e = FieldErrors::default();
    let kind = e.check(
        "kind",
        OrgKind::parse(&f.kind)
            .filter(|k| policy::may_create(*k, user))
            .ok_or(Msg::new("err-invalid-choice")),
    );
    let buyer_type = if kind == Some(OrgKind::Buyer) {
        e.check(
            "buyer_type",
            BuyerType::parse(&f.buyer_type).ok_or(Msg::new("err-invalid-choice")),
        )
    } else {
        None
    };
    let name = e.check("name", text::required_line(&f.name, 200));
    let commune_code = match f.commune_code.as_str() {
        "" if kind != Some(OrgKind::Buyer) => {
            e.add("commune_code", Msg::new("err-required"));
            None
        }
        "" => None,
        c => e.check(
            "commune_code",
            admin_units::commune(c)
                .map(|c| c.code.clone())
                .ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    let street = e
        .check("street", text::optional_line(&f.street, 200))
        .flatten();
    let phone = match f.phone.trim() {
        "" => None,
        p => e.check(
            "phone",
            ketnoi_domain::contact::Phone::parse(p)
                .map(|p| p.as_str().to_owned())
                .map_err(|_| Msg::new("err-phone-invalid")),
        ),
    };
    let email = match f.email.trim() {
        "" => None,
        m => e.check(
            "email",
            ketnoi_domain::contact::Email::parse(m)
                .map(|m| m.as_str().to_owned())
                .map_err(|_| Msg::new("err-email-invalid")),
        ),
    };
    let description = e
        .check("description", text::optional_block(&f.description, 5000))
        .flatten();
    let tax_code = e.check("tax_code", parse_tax_code(&f.tax_code)).flatten();
    match (kind, name, e.is_empty()) {
        (Some(kind), Some(name), true) => Ok(NewOrg {
            slug: text::slugify(&name),
            kind: Some(kind),
            buyer_type,
            name,
            commune_code,
            street,
            province_code: "01".into(),
            phone,
            email,
            description,
            profile: orgs::Profile {
                tax_code,
                ..orgs::Profile::default()
            },
            ..NewOrg::default()
        }),
        _ => Err(e),
    }
}

/// A tax code as typed: empty is none; anything else must be a valid one
/// ([`TaxCode::parse`]: ten digits, or thirteen with a branch, and the check digit), kept in
/// its written form (`0101234565` or `0101234565-001`).
pub(crate) fn parse_tax_code(raw: &str) -> Result<Option<String>, Msg> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    TaxCode::parse(raw)
        .map(|c| Some(c.as_str().to_owned()))
        .map_err(|e| {
            Msg::new(match e {
                TaxCodeError::Shape => "trade-err-tax-shape",
                TaxCodeError::CheckDigit => "trade-err-tax-check-digit",
                TaxCodeError::Branch => "trade-err-tax-branch",
            })
        })
}

pub async fn create_org(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<NewOrgForm>,
) -> Result<Response, AppError> {
    let result = if !ctx.verify_csrf(&state, &form.csrf) {
        Err(AppError::Csrf)
    } else {
        match validate_new_org(&form, &user) {
            Err(e) => Err(AppError::Validation(e)),
            Ok(mut new) => create_with_unique_slug(&state, &mut new, user.id).await,
        }
    };
    match result {
        Ok(org) => Ok(see_other(&format!("/orgs/{}", org.slug))),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            render_status(
                status,
                &NewPage {
                    layout: Layout::titled(&ctx, "org-new-title"),
                    form,
                    communes: admin_units::hanoi_communes_by_name(),
                    buyer_types: BuyerType::ALL,
                    errors,
                },
            )
        }
    }
}

/// Creates the organisation with its creator as owner; a taken slug gets a number.
async fn create_with_unique_slug(
    state: &AppState,
    new: &mut NewOrg,
    owner: i64,
) -> Result<Org, AppError> {
    let base = if new.slug.is_empty() {
        "to-chuc".to_owned()
    } else {
        new.slug.clone()
    };
    for n in 1..=20 {
        new.slug = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let mut tx = state.db.begin().await?;
        match orgs::upsert(tx.conn(), new).await {
            Ok(org) => {
                orgs::add_member(tx.conn(), org.id, owner, MemberRole::Owner).await?;
                tx.commit().await?;
                return Ok(org);
            }
            Err(e) if e.unique_index() == Some("organisations_slug_key") => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict(FieldErrors::single(
        "name",
        Msg::new("err-name-taken"),
    )))
}

#[derive(Template)]
#[template(path = "orgs/members.html")]
struct MembersPage {
    layout: Layout,
    org: std::sync::Arc<Org>,
    members: Vec<orgs::Member>,
    is_owner: bool,
    login: String,
    role: String,
    errors: FieldErrors,
}

async fn members_page(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    login: String,
    role: String,
    errors: FieldErrors,
) -> Result<MembersPage, AppError> {
    Ok(MembersPage {
        layout: Layout::titled(ctx, "members-title"),
        members: orgs::members(state.db.conn(), scope.org.id).await?,
        is_owner: policy::allows(Access::OrgOwner, &scope.actor(ctx), &scope.org),
        org: scope.org.clone(),
        login,
        role,
        errors,
    })
}

pub async fn list_members(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
) -> Result<Response, AppError> {
    render(
        &members_page(
            &state,
            &ctx,
            &scope,
            String::new(),
            "member".into(),
            FieldErrors::default(),
        )
        .await?,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddMemberForm {
    csrf: String,
    login: String,
    role: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Form(form): Form<AddMemberForm>,
) -> Result<Response, AppError> {
    let result = add_member_checked(&state, &ctx, &scope, &form).await;
    match result {
        Ok(()) => Ok(see_other(&format!("/orgs/{}/members", scope.org.slug))),
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            let page = members_page(&state, &ctx, &scope, form.login, form.role, errors).await?;
            render_status(status, &page)
        }
    }
}

async fn add_member_checked(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    form: &AddMemberForm,
) -> Result<(), AppError> {
    ctx.require_csrf(state, &form.csrf)?;
    let actor = scope.actor(ctx);
    let mut e = FieldErrors::default();
    let role = e.check(
        "role",
        MemberRole::parse(&form.role)
            .filter(|r| policy::may_grant(*r, &actor, &scope.org))
            .ok_or(Msg::new("err-invalid-choice")),
    );
    let login = e.check(
        "login",
        Login::parse(&form.login).map_err(|_| Msg::new("err-login-invalid")),
    );
    let (Some(role), Some(login)) = (role, login) else {
        return Err(AppError::Validation(e));
    };
    let user = match &login {
        Login::Email(m) => ketnoi_db::users::find_by_email(state.db.conn(), m.as_str()).await?,
        Login::Phone(p) => ketnoi_db::users::find_by_phone(state.db.conn(), p.as_str()).await?,
    };
    let Some(user) = user else {
        return Err(AppError::Validation(FieldErrors::single(
            "login",
            Msg::new("err-no-such-user"),
        )));
    };
    orgs::add_member(state.db.conn(), scope.org.id, user.id, role).await?;
    Ok(())
}

pub async fn remove_member(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(user_id): PathId,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let owners = orgs::members(state.db.conn(), scope.org.id)
        .await?
        .into_iter()
        .filter(|m| m.role == MemberRole::Owner)
        .count();
    let target = orgs::member_role(state.db.conn(), scope.org.id, user_id).await?;
    if target.is_none() {
        return Err(AppError::NotFound);
    }
    if target == Some(MemberRole::Owner) && owners <= 1 {
        return Err(AppError::Conflict(FieldErrors::single(
            "_form",
            Msg::new("err-last-owner"),
        )));
    }
    orgs::remove_member(state.db.conn(), scope.org.id, user_id).await?;
    Ok(see_other(&format!("/orgs/{}/members", scope.org.slug)))
}
