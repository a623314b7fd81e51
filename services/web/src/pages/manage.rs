//! A cooperative's own pages: its dashboard, profile editing with logo and women in
//! management, the listing editor with offers, price tiers and photos, badge claims with
//! evidence, proxy grants to Union officers, and the audit log of every change.

use super::CsrfForm;
use super::auth::form_errors;
use super::directory::localized;
use super::{Layout, render, render_status, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::Multipart;
use crate::extract::{Form, PathId};
use crate::policy::OrgScope;
use crate::uploads;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::audit;
use ketnoi_db::listings::{self, Draft, Listing, Offer};
use ketnoi_db::orgs::{self, Manager, NewOrg};
use ketnoi_domain::catalog::{
    self, BadgeKind, ListingStatus, ManagerRole, Months, OfferKind, PriceTier,
};
use ketnoi_domain::contact::{Email, Login, Phone};
use ketnoi_domain::listing::{Carried, Field, ListingInput, OfferField, OfferInput};
use ketnoi_domain::role::PlatformRole;
use ketnoi_domain::{Vnd, admin_units, text};
use serde::Deserialize;

/// One change to log: what, which, how, before and after.
struct Change<'a> {
    entity: &'a str,
    id: String,
    action: &'a str,
    before: Option<String>,
    after: Option<String>,
}

/// Who writes for the cooperative of the path: the signed-in person, on its behalf when she
/// is an officer acting for it (proxy mode).
pub(crate) fn editor(ctx: &Ctx, scope: &OrgScope) -> ketnoi_app::listings::Editor {
    ketnoi_app::listings::Editor {
        org_id: scope.org.id,
        actor_id: ctx.user.as_ref().map(|u| u.id),
        on_behalf_of: scope.role.is_none().then_some(scope.org.id),
    }
}

/// Records a change in the audit log: who, on whose behalf (proxy mode), before and after.
async fn audit(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    c: Change<'_>,
) -> Result<(), AppError> {
    audit::record(
        state.db.conn(),
        &audit::Entry {
            org_id: Some(scope.org.id),
            actor_id: ctx.user.as_ref().map(|u| u.id),
            on_behalf_of: (scope.role.is_none()).then_some(scope.org.id),
            entity: c.entity,
            entity_id: c.id,
            action: c.action,
            before: c.before,
            after: c.after,
        },
    )
    .await?;
    Ok(())
}

// ----- dashboard -----

pub struct ListingRow {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub status_code: &'static str,
    pub hidden_reason: Option<String>,
}

pub struct BadgeRow {
    pub label: String,
    pub status: String,
    pub reason: Option<String>,
}

pub struct AuditRow {
    pub when: String,
    pub who: String,
    pub proxy: bool,
    pub what: String,
}

#[derive(Template)]
#[template(path = "manage/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    slug: String,
    name: String,
    listings: Vec<ListingRow>,
    badges: Vec<BadgeRow>,
    proxies: Vec<(i64, String)>,
    audit: Vec<AuditRow>,
    listing_choices: Vec<(i64, String)>,
    badge_form: BadgeForm,
    proxy_login: String,
    errors: FieldErrors,
    /// Orders waiting for the cooperative to confirm them.
    unconfirmed: i64,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct BadgeForm {
    pub kind: String,
    pub number: String,
    pub issuer: String,
    pub stars: String,
    pub product_group: String,
    pub expires_on: String,
    pub listing_id: String,
}

/// One audit entry as people read it.
pub fn audit_row(a: audit::Logged, ctx: &Ctx) -> AuditRow {
    let t = ctx.tr();
    AuditRow {
        when: ketnoi_domain::time::format_hanoi(a.created_at),
        who: a.actor_name.unwrap_or_default(),
        proxy: a.on_behalf_of.is_some(),
        what: format!(
            "{} {} #{}",
            t.get(&format!("audit-{}", a.action)),
            t.get(&format!("audit-entity-{}", a.entity)),
            a.entity_id
        ),
    }
}

async fn dashboard(
    state: &AppState,
    ctx: &Ctx,
    scope: &OrgScope,
    badge_form: BadgeForm,
    proxy_login: String,
    errors: FieldErrors,
) -> Result<DashboardPage, AppError> {
    let t = ctx.tr();
    let all = listings::of_org(state.db.conn(), scope.org.id).await?;
    let badges = ketnoi_db::badges::of_org(state.db.conn(), scope.org.id).await?;
    let log = audit::for_org(state.db.conn(), scope.org.id, 50).await?;
    Ok(DashboardPage {
        layout: Layout::titled(ctx, "manage-title"),
        slug: scope.org.slug.clone(),
        name: scope.org.name.clone(),
        listing_choices: all.iter().map(|l| (l.id, l.title_vi.clone())).collect(),
        listings: all
            .iter()
            .map(|l| ListingRow {
                id: l.id,
                title: localized(ctx.locale, &l.title_vi, l.title_en.as_deref()),
                status: t.get(&format!("status-{}", l.status.as_str())),
                status_code: l.status.as_str(),
                hidden_reason: l.hidden_reason.clone(),
            })
            .collect(),
        badges: badges
            .iter()
            .map(|b| BadgeRow {
                label: match (b.kind, b.stars) {
                    (BadgeKind::Ocop, Some(s)) => {
                        t.with("badge-ocop-stars", "stars", &s.to_string())
                    }
                    (k, _) => t.get(&format!("badge-{}", k.as_str())),
                },
                status: t.get(&format!("badge-status-{}", b.status.as_str())),
                reason: b.reason.clone(),
            })
            .collect(),
        proxies: orgs::proxies(state.db.conn(), scope.org.id).await?,
        unconfirmed: ketnoi_db::orders::unconfirmed_count(state.db.conn(), scope.org.id).await?,
        audit: log.into_iter().map(|a| audit_row(a, ctx)).collect(),
        badge_form,
        proxy_login,
        errors,
    })
}

pub async fn show_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
) -> Result<Response, AppError> {
    render(
        &dashboard(
            &state,
            &ctx,
            &scope,
            BadgeForm::default(),
            String::new(),
            FieldErrors::default(),
        )
        .await?,
    )
}

// ----- profile -----

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    pub csrf: String,
    pub name: String,
    pub registration_no: String,
    pub tax_code: String,
    pub commune_code: String,
    pub street: String,
    pub lat: String,
    pub lon: String,
    pub founded_year: String,
    pub sector: String,
    pub story_vi: String,
    pub story_en: String,
    pub phone: String,
    pub zalo: String,
    pub email: String,
    pub website: String,
    pub facebook: String,
    pub members_total: String,
    pub members_female: String,
    pub jobs_female: String,
    pub manager_name_1: String,
    pub manager_role_1: String,
    pub manager_since_1: String,
    pub manager_name_2: String,
    pub manager_role_2: String,
    pub manager_since_2: String,
    pub manager_name_3: String,
    pub manager_role_3: String,
    pub manager_since_3: String,
    pub manager_name_4: String,
    pub manager_role_4: String,
    pub manager_since_4: String,
}

impl ProfileForm {
    /// (number, name, role, since) of the four manager rows, for the template.
    pub fn manager_rows(&self) -> Vec<(usize, String, String, String)> {
        self.managers()
            .into_iter()
            .enumerate()
            .map(|(i, (n, r, s))| (i + 1, n.to_owned(), r.to_owned(), s.to_owned()))
            .collect()
    }

    fn managers(&self) -> [(&str, &str, &str); 4] {
        [
            (
                &self.manager_name_1,
                &self.manager_role_1,
                &self.manager_since_1,
            ),
            (
                &self.manager_name_2,
                &self.manager_role_2,
                &self.manager_since_2,
            ),
            (
                &self.manager_name_3,
                &self.manager_role_3,
                &self.manager_since_3,
            ),
            (
                &self.manager_name_4,
                &self.manager_role_4,
                &self.manager_since_4,
            ),
        ]
    }
}

#[derive(Template)]
#[template(path = "manage/profile.html")]
struct ProfilePage {
    layout: Layout,
    slug: String,
    logo: Option<String>,
    form: ProfileForm,
    communes: &'static [admin_units::Commune],
    sectors: Vec<(String, String)>,
    roles: [ManagerRole; 4],
    errors: FieldErrors,
}

fn opt_num(
    e: &mut FieldErrors,
    field: &str,
    raw: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Option<i64> {
    let raw = raw.trim().replace(['.', ' '], "");
    if raw.is_empty() {
        return None;
    }
    e.check(
        field,
        raw.parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or(Msg::new("err-invalid-number")),
    )
}

fn opt_coord(
    e: &mut FieldErrors,
    field: &str,
    raw: &str,
    range: std::ops::RangeInclusive<f64>,
) -> Option<f64> {
    let raw = raw.trim().replace(',', ".");
    if raw.is_empty() {
        return None;
    }
    e.check(
        field,
        raw.parse::<f64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or(Msg::new("err-invalid-number")),
    )
}

fn opt_url(e: &mut FieldErrors, field: &str, raw: &str) -> Option<String> {
    let v = e.check(field, text::optional_line(raw, 300)).flatten()?;
    e.check(
        field,
        Some(v)
            .filter(|v| v.starts_with("https://") || v.starts_with("http://"))
            .ok_or(Msg::new("err-url-invalid")),
    )
}

fn opt_phone(e: &mut FieldErrors, field: &str, raw: &str) -> Option<String> {
    match raw.trim() {
        "" => None,
        p => e.check(
            field,
            Phone::parse(p)
                .map(|p| p.as_str().to_owned())
                .map_err(|_| Msg::new("err-phone-invalid")),
        ),
    }
}

fn validate_profile(
    f: &ProfileForm,
    base: &orgs::Org,
) -> Result<(NewOrg, Vec<Manager>), FieldErrors> {
    let mut e = FieldErrors::default();
    let name = e.check("name", text::required_line(&f.name, 200));
    let commune_code = e.check(
        "commune_code",
        admin_units::commune(f.commune_code.trim())
            .map(|c| c.code.clone())
            .ok_or(Msg::new("err-invalid-choice")),
    );
    let street = e
        .check("street", text::optional_line(&f.street, 200))
        .flatten();
    let registration_no = e
        .check(
            "registration_no",
            text::optional_line(&f.registration_no, 50),
        )
        .flatten();
    let tax_code = e
        .check("tax_code", text::optional_line(&f.tax_code, 20))
        .flatten();
    let lat = opt_coord(&mut e, "lat", &f.lat, 20.5..=21.5);
    let lon = opt_coord(&mut e, "lon", &f.lon, 105.2..=106.1);
    if lat.is_some() != lon.is_some() {
        e.add("lon", Msg::new("err-coords-pair"));
    }
    let this_year = i64::from(chrono::Datelike::year(&ketnoi_domain::time::today_hanoi()));
    let founded_year = opt_num(&mut e, "founded_year", &f.founded_year, 1950..=this_year);
    let sector = match f.sector.as_str() {
        "" => None,
        s => e.check(
            "sector",
            catalog::sector(s)
                .map(|s| s.id.clone())
                .ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    let story_vi = e
        .check("story_vi", text::optional_block(&f.story_vi, 5000))
        .flatten();
    if story_vi.is_none() && !e.0.contains_key("story_vi") {
        e.add("story_vi", Msg::new("err-required"));
    }
    let story_en = e
        .check("story_en", text::optional_block(&f.story_en, 5000))
        .flatten();
    let phone = opt_phone(&mut e, "phone", &f.phone);
    let zalo = opt_phone(&mut e, "zalo", &f.zalo);
    let email = match f.email.trim() {
        "" => None,
        m => e.check(
            "email",
            Email::parse(m)
                .map(|m| m.as_str().to_owned())
                .map_err(|_| Msg::new("err-email-invalid")),
        ),
    };
    let website = opt_url(&mut e, "website", &f.website);
    let facebook = opt_url(&mut e, "facebook", &f.facebook);
    let members_total = opt_num(&mut e, "members_total", &f.members_total, 0..=1_000_000);
    let members_female = opt_num(&mut e, "members_female", &f.members_female, 0..=1_000_000);
    if let (Some(t), Some(w)) = (members_total, members_female)
        && w > t
    {
        e.add("members_female", Msg::new("err-women-over-total"));
    }
    let jobs_female = opt_num(&mut e, "jobs_female", &f.jobs_female, 0..=1_000_000);
    let mut managers = Vec::new();
    for (i, (name, role, since)) in f.managers().into_iter().enumerate() {
        let n = i + 1;
        let Some(name) = e
            .check(&format!("manager_name_{n}"), text::optional_line(name, 100))
            .flatten()
        else {
            continue;
        };
        let role = e.check(
            &format!("manager_role_{n}"),
            ManagerRole::parse(role).ok_or(Msg::new("err-invalid-choice")),
        );
        let since_year = opt_num(
            &mut e,
            &format!("manager_since_{n}"),
            since,
            1950..=this_year,
        );
        if let Some(role) = role {
            managers.push(Manager {
                name,
                role: role.as_str().to_owned(),
                since_year,
            });
        }
    }
    match (name, commune_code, e.is_empty()) {
        (Some(name), Some(commune_code), true) => Ok((
            NewOrg {
                external_id: base.external_id.clone(),
                slug: base.slug.clone(),
                kind: Some(base.kind),
                buyer_type: base.buyer_type,
                name,
                commune_code: Some(commune_code),
                street,
                province_code: base.province_code.clone(),
                phone,
                email,
                description: story_vi,
                founded_year,
                members_total,
                members_female,
                profile: orgs::Profile {
                    registration_no,
                    tax_code,
                    lat,
                    lon,
                    sector,
                    story_en,
                    zalo,
                    website,
                    facebook,
                    jobs_female,
                    logo_key: None,
                },
            },
            managers,
        )),
        _ => Err(e),
    }
}

fn profile_form_of(o: &orgs::Org, managers: &[Manager]) -> ProfileForm {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let m = |i: usize| managers.get(i).cloned();
    let mut f = ProfileForm {
        name: o.name.clone(),
        registration_no: s(&o.profile.registration_no),
        tax_code: s(&o.profile.tax_code),
        commune_code: s(&o.commune_code),
        street: s(&o.street),
        lat: o.profile.lat.map(|v| v.to_string()).unwrap_or_default(),
        lon: o.profile.lon.map(|v| v.to_string()).unwrap_or_default(),
        founded_year: n(o.founded_year),
        sector: s(&o.profile.sector),
        story_vi: s(&o.description),
        story_en: s(&o.profile.story_en),
        phone: o
            .phone
            .as_deref()
            .and_then(|p| Phone::parse(p).ok())
            .map(|p| p.national())
            .unwrap_or_default(),
        zalo: o
            .profile
            .zalo
            .as_deref()
            .and_then(|p| Phone::parse(p).ok())
            .map(|p| p.national())
            .unwrap_or_default(),
        email: s(&o.email),
        website: s(&o.profile.website),
        facebook: s(&o.profile.facebook),
        members_total: n(o.members_total),
        members_female: n(o.members_female),
        jobs_female: n(o.profile.jobs_female),
        ..ProfileForm::default()
    };
    let slots = [
        (
            &mut f.manager_name_1,
            &mut f.manager_role_1,
            &mut f.manager_since_1,
        ),
        (
            &mut f.manager_name_2,
            &mut f.manager_role_2,
            &mut f.manager_since_2,
        ),
        (
            &mut f.manager_name_3,
            &mut f.manager_role_3,
            &mut f.manager_since_3,
        ),
        (
            &mut f.manager_name_4,
            &mut f.manager_role_4,
            &mut f.manager_since_4,
        ),
    ];
    for (i, (name, role, since)) in slots.into_iter().enumerate() {
        if let Some(mgr) = m(i) {
            *name = mgr.name;
            *role = mgr.role;
            *since = n(mgr.since_year);
        }
    }
    f
}

fn profile_page(
    ctx: &Ctx,
    scope: &OrgScope,
    form: ProfileForm,
    errors: FieldErrors,
) -> ProfilePage {
    ProfilePage {
        layout: Layout::titled(ctx, "profile-edit-title"),
        slug: scope.org.slug.clone(),
        logo: scope.org.profile.logo_key.clone(),
        form,
        communes: admin_units::hanoi_communes(),
        sectors: catalog::sectors()
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    localized(ctx.locale, &s.name_vi, Some(&s.name_en)),
                )
            })
            .collect(),
        roles: ManagerRole::ALL,
        errors,
    }
}

pub async fn edit_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
) -> Result<Response, AppError> {
    let managers = orgs::managers(state.db.conn(), scope.org.id).await?;
    render(&profile_page(
        &ctx,
        &scope,
        profile_form_of(&scope.org, &managers),
        FieldErrors::default(),
    ))
}

fn org_json(o: &NewOrg, managers: &[Manager]) -> String {
    serde_json::json!({
        "name": o.name, "commune_code": o.commune_code, "street": o.street, "phone": o.phone, "email": o.email,
        "story_vi": o.description, "story_en": o.profile.story_en, "founded_year": o.founded_year,
        "registration_no": o.profile.registration_no, "tax_code": o.profile.tax_code, "sector": o.profile.sector,
        "lat": o.profile.lat, "lon": o.profile.lon, "zalo": o.profile.zalo, "website": o.profile.website,
        "facebook": o.profile.facebook, "members_total": o.members_total, "members_female": o.members_female,
        "jobs_female": o.profile.jobs_female,
        "women_managers": managers.iter().map(|m| serde_json::json!({"name": m.name, "role": m.role, "since": m.since_year})).collect::<Vec<_>>(),
    })
    .to_string()
}

pub async fn update_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let result = match ctx.require_csrf(&state, &form.csrf) {
        Err(e) => Err(e),
        Ok(()) => validate_profile(&form, &scope.org).map_err(AppError::Validation),
    };
    let (changes, managers) = match result {
        Ok(v) => v,
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            return render_status(status, &profile_page(&ctx, &scope, form, errors));
        }
    };
    let before_managers = orgs::managers(state.db.conn(), scope.org.id).await?;
    let before = org_json(&NewOrg::from(&*scope.org), &before_managers);
    let mut tx = state.db.begin().await?;
    let updated = orgs::update(tx.conn(), scope.org.id, &changes);
    let result = match updated.await {
        Ok(_) => orgs::replace_managers(&mut tx, scope.org.id, &managers).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => tx.commit().await?,
        Err(e) if e.unique_index() == Some("organisations_registration_no_key") => {
            let errors = FieldErrors::single("registration_no", Msg::new("err-registration-taken"));
            return render_status(
                StatusCode::CONFLICT,
                &profile_page(&ctx, &scope, form, errors),
            );
        }
        Err(e) => return Err(e.into()),
    }
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "organisation",
            id: scope.org.id.to_string(),
            action: "update",
            before: Some(before),
            after: Some(org_json(&changes, &managers)),
        },
    )
    .await?;
    Ok(see_other(&format!("/orgs/{}", scope.org.slug)))
}

/// A new logo (multipart: csrf, logo).
pub async fn upload_logo(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    mp: Multipart,
) -> Result<Response, AppError> {
    let up = uploads::read(mp).await?;
    ctx.require_csrf(&state, up.field("csrf"))?;
    let Some((_, _, bytes)) = up.files.into_iter().find(|(name, _, _)| name == "logo") else {
        return Err(AppError::Validation(FieldErrors::single(
            "logo",
            Msg::new("err-required"),
        )));
    };
    let img = uploads::store_image(&state, bytes, scope.org.id)
        .await
        .map_err(|m| AppError::Validation(FieldErrors::single("logo", m)))?;
    let mut changes = NewOrg::from(&*scope.org);
    changes.profile.logo_key = Some(img.key.clone());
    orgs::update(state.db.conn(), scope.org.id, &changes).await?;
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "organisation",
            id: scope.org.id.to_string(),
            action: "logo",
            before: scope.org.profile.logo_key.clone(),
            after: Some(img.key),
        },
    )
    .await?;
    Ok(see_other(&format!("/orgs/{}/profile", scope.org.slug)))
}

// ----- listings -----

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListingForm {
    pub csrf: String,
    pub title_vi: String,
    pub title_en: String,
    pub description_vi: String,
    pub description_en: String,
    pub category: String,
    pub unit: String,
    pub stock: String,
    pub origin_commune_code: String,
    pub cert_vietgap: String,
    pub cert_huu_co: String,
    pub m1: String,
    pub m2: String,
    pub m3: String,
    pub m4: String,
    pub m5: String,
    pub m6: String,
    pub m7: String,
    pub m8: String,
    pub m9: String,
    pub m10: String,
    pub m11: String,
    pub m12: String,
    pub offer_kind: String,
    pub price: String,
    pub case_size: String,
    pub min_order_qty: String,
    pub tier_qty_1: String,
    pub tier_price_1: String,
    pub tier_qty_2: String,
    pub tier_price_2: String,
    pub tier_qty_3: String,
    pub tier_price_3: String,
    pub duration_hours: String,
    pub max_group_size: String,
}

impl ListingForm {
    fn months(&self) -> [&str; 12] {
        [
            &self.m1, &self.m2, &self.m3, &self.m4, &self.m5, &self.m6, &self.m7, &self.m8,
            &self.m9, &self.m10, &self.m11, &self.m12,
        ]
    }
    /// (number, quantity, price) of the three tier rows, for the template.
    pub fn tier_rows(&self) -> Vec<(usize, String, String)> {
        vec![
            (1, self.tier_qty_1.clone(), self.tier_price_1.clone()),
            (2, self.tier_qty_2.clone(), self.tier_price_2.clone()),
            (3, self.tier_qty_3.clone(), self.tier_price_3.clone()),
        ]
    }

    pub fn month_checked(&self, m: &usize) -> bool {
        self.months()
            .get(m.wrapping_sub(1))
            .is_some_and(|v| !v.is_empty())
    }
}

/// A price typed in the form (`150.000 ₫`, `150000đ`): its number of đồng, or why not.
fn money(e: &mut FieldErrors, field: &str, raw: &str, required: bool) -> Option<i64> {
    let digits = raw
        .trim()
        .trim_end_matches(['₫', 'đ'])
        .trim()
        .replace(['.', ',', ' '], "");
    if digits.is_empty() {
        if required {
            e.add(field, Msg::new("err-required"));
        }
        return None;
    }
    e.check(
        field,
        digits
            .parse::<i64>()
            .map_err(|_| Msg::new("err-price-invalid")),
    )
}

/// A whole number typed in the form (`1.200`): its value, or why not.
fn whole(e: &mut FieldErrors, field: &str, raw: &str) -> Option<i64> {
    opt_num(e, field, raw, i64::MIN..=i64::MAX)
}

/// The form's input for a field of the listing rules.
fn form_field(f: Field) -> String {
    match f {
        Field::TitleVi => "title_vi",
        Field::TitleEn => "title_en",
        Field::DescriptionVi => "description_vi",
        Field::DescriptionEn => "description_en",
        Field::Category => "category",
        Field::Unit => "unit",
        Field::Stock => "stock",
        Field::Months => "months",
        Field::OriginCommune => "origin_commune_code",
        Field::Certifications => "certifications",
        Field::Offers | Field::Offer(_, OfferField::Kind) => "offer_kind",
        Field::Offer(_, OfferField::Price) => "price",
        Field::Offer(_, OfferField::CaseSize) => "case_size",
        Field::Offer(_, OfferField::MinOrderQty) => "min_order_qty",
        Field::Offer(_, OfferField::Tiers) => "tier_qty_1",
        Field::Offer(_, OfferField::DurationHours) => "duration_hours",
        Field::Offer(_, OfferField::MaxGroupSize) => "max_group_size",
    }
    .to_owned()
}

/// Reads the form into the listing rules' input; what cannot be read (a price or a number
/// that is not one) is reported in `e`.
fn listing_input(f: &ListingForm, e: &mut FieldErrors) -> ListingInput {
    let months = f
        .months()
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(i, _)| i as u32 + 1)
        .collect();
    let mut certifications = Vec::new();
    if !f.cert_vietgap.is_empty() {
        certifications.push("vietgap".to_owned());
    }
    if !f.cert_huu_co.is_empty() {
        certifications.push("huu_co".to_owned());
    }
    let kind = OfferKind::parse(&f.offer_kind);
    let mut offer = OfferInput {
        kind: f.offer_kind.clone(),
        price: money(e, "price", &f.price, false),
        ..OfferInput::default()
    };
    match kind {
        Some(OfferKind::Wholesale) => {
            offer.case_size = whole(e, "case_size", &f.case_size);
            offer.min_order_qty = whole(e, "min_order_qty", &f.min_order_qty);
            for (n, (q, p)) in [
                (&f.tier_qty_1, &f.tier_price_1),
                (&f.tier_qty_2, &f.tier_price_2),
                (&f.tier_qty_3, &f.tier_price_3),
            ]
            .into_iter()
            .enumerate()
            {
                let n = n + 1;
                if q.trim().is_empty() && p.trim().is_empty() {
                    continue;
                }
                let qty_field = format!("tier_qty_{n}");
                let qty = whole(e, &qty_field, q);
                if qty.is_none() && !e.0.contains_key(&qty_field) {
                    e.add(&qty_field, Msg::new("err-required"));
                }
                let price = money(e, &format!("tier_price_{n}"), p, true);
                if let (Some(min_qty), Some(price)) = (qty, price) {
                    offer.tiers.push(PriceTier {
                        min_qty,
                        price: Vnd(price),
                    });
                }
            }
        }
        Some(OfferKind::Experience) => {
            offer.duration_hours = whole(e, "duration_hours", &f.duration_hours);
            offer.max_group_size = whole(e, "max_group_size", &f.max_group_size);
        }
        _ => {}
    }
    ListingInput {
        title_vi: f.title_vi.clone(),
        title_en: f.title_en.clone(),
        description_vi: f.description_vi.clone(),
        description_en: f.description_en.clone(),
        category: f.category.clone(),
        unit: f.unit.clone(),
        stock: whole(e, "stock", &f.stock),
        months,
        origin_commune_code: f.origin_commune_code.clone(),
        certifications,
        offers: vec![offer],
    }
}

/// The form checked by the listing rules; the draft, or the messages per input.
fn validate_listing(f: &ListingForm) -> Result<Draft, FieldErrors> {
    let mut e = FieldErrors::default();
    let input = listing_input(f, &mut e);
    match ketnoi_domain::listing::validate(&input) {
        Ok(draft) if e.is_empty() => Ok(draft),
        Ok(_) => Err(e),
        Err(problems) => {
            // A value the form could not read is reported once, as unreadable.
            for (field, msgs) in ketnoi_app::listings::field_errors(&problems, form_field).0 {
                e.0.entry(field).or_insert(msgs);
            }
            Err(e)
        }
    }
}

fn form_of(l: &Listing, offers: &[Offer]) -> ListingForm {
    let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let o = offers.first();
    let tier = |i: usize| o.and_then(|o| o.tiers.get(i)).copied();
    let mut f = ListingForm {
        title_vi: l.title_vi.clone(),
        title_en: l.title_en.clone().unwrap_or_default(),
        description_vi: l.description_vi.clone(),
        description_en: l.description_en.clone().unwrap_or_default(),
        category: l.category_id.clone(),
        unit: l.unit.clone(),
        stock: n(l.stock),
        origin_commune_code: l.origin_commune_code.clone().unwrap_or_default(),
        cert_vietgap: if l.certifications.iter().any(|c| c == "vietgap") {
            "on".into()
        } else {
            String::new()
        },
        cert_huu_co: if l.certifications.iter().any(|c| c == "huu_co") {
            "on".into()
        } else {
            String::new()
        },
        offer_kind: o.map(|o| o.kind.as_str().to_owned()).unwrap_or_default(),
        price: o.map(|o| o.price.0.to_string()).unwrap_or_default(),
        case_size: n(o.and_then(|o| o.case_size)),
        min_order_qty: n(o.and_then(|o| o.min_order_qty)),
        tier_qty_1: n(tier(0).map(|t| t.min_qty)),
        tier_price_1: n(tier(0).map(|t| t.price.0)),
        tier_qty_2: n(tier(1).map(|t| t.min_qty)),
        tier_price_2: n(tier(1).map(|t| t.price.0)),
        tier_qty_3: n(tier(2).map(|t| t.min_qty)),
        tier_price_3: n(tier(2).map(|t| t.price.0)),
        duration_hours: n(o.and_then(|o| o.duration_hours)),
        max_group_size: n(o.and_then(|o| o.max_group_size)),
        ..ListingForm::default()
    };
    if l.months != Months::ALL {
        let on = "on".to_owned();
        let slots = [
            &mut f.m1, &mut f.m2, &mut f.m3, &mut f.m4, &mut f.m5, &mut f.m6, &mut f.m7, &mut f.m8,
            &mut f.m9, &mut f.m10, &mut f.m11, &mut f.m12,
        ];
        for (i, slot) in slots.into_iter().enumerate() {
            if l.months.contains(i as u32 + 1) {
                *slot = on.clone();
            }
        }
    }
    f
}

#[derive(Template)]
#[template(path = "manage/listing.html")]
struct ListingPage {
    layout: Layout,
    slug: String,
    /// `None` while creating.
    listing_id: Option<i64>,
    status: String,
    status_label: String,
    hidden_reason: Option<String>,
    photos: Vec<String>,
    form: ListingForm,
    categories: Vec<(String, String)>,
    units: &'static [&'static str],
    communes: &'static [admin_units::Commune],
    errors: FieldErrors,
}

fn listing_page(
    ctx: &Ctx,
    scope: &OrgScope,
    listing: Option<&Listing>,
    photos: Vec<String>,
    form: ListingForm,
    errors: FieldErrors,
) -> ListingPage {
    ListingPage {
        layout: Layout::titled(
            ctx,
            if listing.is_some() {
                "listing-edit-title"
            } else {
                "listing-new-title"
            },
        ),
        slug: scope.org.slug.clone(),
        listing_id: listing.map(|l| l.id),
        status: listing
            .map(|l| l.status.as_str().to_owned())
            .unwrap_or_default(),
        status_label: listing
            .map(|l| ctx.tr().get(&format!("status-{}", l.status.as_str())))
            .unwrap_or_default(),
        hidden_reason: listing.and_then(|l| l.hidden_reason.clone()),
        photos,
        form,
        categories: catalog::leaf_categories()
            .map(|c| {
                (
                    c.id.clone(),
                    localized(ctx.locale, &c.name_vi, Some(&c.name_en)),
                )
            })
            .collect(),
        units: catalog::UNITS,
        communes: admin_units::hanoi_communes(),
        errors,
    }
}

pub async fn new_listing(ctx: Ctx, scope: OrgScope) -> Result<Response, AppError> {
    let form = ListingForm {
        offer_kind: "retail".into(),
        origin_commune_code: scope.org.commune_code.clone().unwrap_or_default(),
        ..ListingForm::default()
    };
    render(&listing_page(
        &ctx,
        &scope,
        None,
        Vec::new(),
        form,
        FieldErrors::default(),
    ))
}

pub async fn create_listing(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Form(form): Form<ListingForm>,
) -> Result<Response, AppError> {
    let result = match ctx.require_csrf(&state, &form.csrf) {
        Err(e) => Err(e),
        Ok(()) => validate_listing(&form).map_err(AppError::Validation),
    };
    let draft = match result {
        Ok(d) => d,
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            return render_status(
                status,
                &listing_page(&ctx, &scope, None, Vec::new(), form, errors),
            );
        }
    };
    let listing = ketnoi_app::listings::create(&state.db, &editor(&ctx, &scope), &draft).await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}",
        scope.org.slug, listing.id
    )))
}

/// The listing of the path, if it belongs to the organisation of the path.
async fn own_listing(state: &AppState, scope: &OrgScope, id: i64) -> Result<Listing, AppError> {
    listings::find(state.db.conn(), id)
        .await?
        .filter(|l| l.org_id == scope.org.id)
        .ok_or(AppError::NotFound)
}

pub async fn edit_listing(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let l = own_listing(&state, &scope, id).await?;
    let offers = listings::offers(state.db.conn(), l.id).await?;
    let photos = listings::photos(state.db.conn(), l.id).await?;
    render(&listing_page(
        &ctx,
        &scope,
        Some(&l),
        photos,
        form_of(&l, &offers),
        FieldErrors::default(),
    ))
}

pub async fn update_listing(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<ListingForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let l = own_listing(&state, &scope, id).await?;
    let result = validate_listing(&form).map_err(AppError::Validation);
    let draft = match result {
        Ok(d) => d,
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            let photos = listings::photos(state.db.conn(), l.id).await?;
            return render_status(
                status,
                &listing_page(&ctx, &scope, Some(&l), photos, form, errors),
            );
        }
    };
    ketnoi_app::listings::update(&state.db, &editor(&ctx, &scope), &l, draft, &Carried::FORM)
        .await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}",
        scope.org.slug, l.id
    )))
}

/// Adds photos (multipart: csrf, photos…) up to ten per listing. Each file is checked by
/// content; a refused file stores nothing and says why.
pub async fn add_photos(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    mp: Multipart,
) -> Result<Response, AppError> {
    let up = uploads::read(mp).await?;
    ctx.require_csrf(&state, up.field("csrf"))?;
    let l = own_listing(&state, &scope, id).await?;
    let mut photos = listings::photos(state.db.conn(), l.id).await?;
    let files: Vec<Vec<u8>> = up
        .files
        .into_iter()
        .filter(|(n, _, _)| n == "photos")
        .map(|(_, _, b)| b)
        .collect();
    let mut errors = FieldErrors::default();
    if files.is_empty() {
        errors.add("photos", Msg::new("err-required"));
    } else if photos.len() + files.len() > listings::MAX_PHOTOS {
        errors.add(
            "photos",
            Msg {
                key: "err-too-many-photos",
                args: vec![("max", listings::MAX_PHOTOS.to_string())],
            },
        );
    }
    // Check every file before storing any, so one bad file stores nothing.
    let mut checked = Vec::new();
    if errors.is_empty() {
        for bytes in files {
            let processed = tokio::task::spawn_blocking(move || {
                ketnoi_media::process_image(&bytes, &ketnoi_media::Limits::default())
            })
            .await
            .map_err(AppError::internal)?;
            match processed {
                Ok(p) => checked.push(p),
                Err(e) => {
                    errors.add("photos", crate::uploads::media_error_msg(&e));
                    break;
                }
            }
        }
    }
    if !errors.is_empty() {
        let offers = listings::offers(state.db.conn(), l.id).await?;
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &listing_page(&ctx, &scope, Some(&l), photos, form_of(&l, &offers), errors),
        );
    }
    for p in &checked {
        crate::uploads::store_processed(&state, p, scope.org.id)
            .await
            .map_err(|m| AppError::Validation(FieldErrors::single("photos", m)))?;
        if !photos.contains(&p.key) {
            photos.push(p.key.clone());
        }
    }
    let mut tx = state.db.begin().await?;
    listings::set_photos(&mut tx, l.id, &photos).await?;
    tx.commit().await?;
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "listing",
            id: l.id.to_string(),
            action: "photos",
            before: None,
            after: Some(serde_json::json!(photos).to_string()),
        },
    )
    .await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}",
        scope.org.slug, l.id
    )))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    csrf: String,
    status: String,
}

pub async fn update_listing_status(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let l = own_listing(&state, &scope, id).await?;
    let status = ListingStatus::parse(&form.status).ok_or_else(|| {
        AppError::Validation(FieldErrors::single(
            "status",
            Msg::new("err-invalid-choice"),
        ))
    })?;
    ketnoi_app::listings::set_status(&state.db, &editor(&ctx, &scope), &l, status).await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}",
        scope.org.slug, l.id
    )))
}

// ----- badges -----

fn validate_badge(
    f: &BadgeForm,
    listing_ids: &[i64],
) -> Result<ketnoi_db::badges::Claim, FieldErrors> {
    let mut e = FieldErrors::default();
    let kind = e.check(
        "kind",
        BadgeKind::parse(&f.kind).ok_or(Msg::new("err-invalid-choice")),
    );
    let number = e
        .check("number", text::optional_line(&f.number, 100))
        .flatten();
    let issuer = e
        .check("issuer", text::optional_line(&f.issuer, 200))
        .flatten();
    let product_group = e
        .check("product_group", text::optional_line(&f.product_group, 200))
        .flatten();
    let stars = match (kind, f.stars.trim()) {
        (Some(BadgeKind::Ocop), s) => e.check(
            "stars",
            s.parse::<i64>()
                .ok()
                .filter(|s| (3..=5).contains(s))
                .ok_or(Msg::new("err-stars")),
        ),
        _ => None,
    };
    if kind == Some(BadgeKind::Ocop) && number.is_none() && !e.0.contains_key("number") {
        e.add("number", Msg::new("err-required"));
    }
    let expires_on = match f.expires_on.trim() {
        "" => None,
        d => e.check(
            "expires_on",
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .or_else(|_| chrono::NaiveDate::parse_from_str(d, "%d/%m/%Y"))
                .map_err(|_| Msg::new("err-date-invalid")),
        ),
    };
    let listing_id = match f.listing_id.trim() {
        "" => None,
        id => e.check(
            "listing_id",
            id.parse::<i64>()
                .ok()
                .filter(|id| listing_ids.contains(id))
                .ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    match (kind, e.is_empty()) {
        (Some(kind), true) => Ok(ketnoi_db::badges::Claim {
            org_id: 0,
            listing_id,
            kind: Some(kind),
            number,
            issuer,
            stars,
            product_group,
            expires_on,
            evidence_key: None,
        }),
        _ => Err(e),
    }
}

/// A claim with its evidence (multipart: csrf, kind, number, issuer, stars, product_group,
/// expires_on, listing_id, evidence).
pub async fn submit_badge(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    mp: Multipart,
) -> Result<Response, AppError> {
    let up = uploads::read(mp).await?;
    ctx.require_csrf(&state, up.field("csrf"))?;
    let form = BadgeForm {
        kind: up.field("kind").to_owned(),
        number: up.field("number").to_owned(),
        issuer: up.field("issuer").to_owned(),
        stars: up.field("stars").to_owned(),
        product_group: up.field("product_group").to_owned(),
        expires_on: up.field("expires_on").to_owned(),
        listing_id: up.field("listing_id").to_owned(),
    };
    let ids: Vec<i64> = listings::of_org(state.db.conn(), scope.org.id)
        .await?
        .iter()
        .map(|l| l.id)
        .collect();
    let mut claim = match validate_badge(&form, &ids) {
        Ok(c) => c,
        Err(errors) => {
            let page = dashboard(&state, &ctx, &scope, form, String::new(), errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    match up.files.into_iter().find(|(n, _, _)| n == "evidence") {
        Some((_, _, bytes)) => match uploads::store_evidence(&state, bytes, scope.org.id).await {
            Ok(key) => claim.evidence_key = Some(key),
            Err(m) => {
                let page = dashboard(
                    &state,
                    &ctx,
                    &scope,
                    form,
                    String::new(),
                    FieldErrors::single("evidence", m),
                )
                .await?;
                return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
        },
        None => {
            let page = dashboard(
                &state,
                &ctx,
                &scope,
                form,
                String::new(),
                FieldErrors::single("evidence", Msg::new("err-evidence-required")),
            )
            .await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    }
    claim.org_id = scope.org.id;
    let badge =
        ketnoi_db::badges::submit(state.db.conn(), &claim, ctx.user.as_ref().map(|u| u.id)).await?;
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "badge",
            id: badge.id.to_string(),
            action: "submit",
            before: None,
            after: Some(badge.kind.as_str().to_owned()),
        },
    )
    .await?;
    Ok(see_other(&format!("/orgs/{}/manage", scope.org.slug)))
}

// ----- proxy grants -----

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProxyForm {
    csrf: String,
    login: String,
}

pub async fn grant_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    Form(form): Form<ProxyForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let officer = match Login::parse(&form.login) {
        Ok(Login::Email(m)) => ketnoi_db::users::find_by_email(state.db.conn(), m.as_str()).await?,
        Ok(Login::Phone(p)) => ketnoi_db::users::find_by_phone(state.db.conn(), p.as_str()).await?,
        Err(_) => None,
    }
    .filter(|u| u.role == PlatformRole::UnionOfficer);
    let Some(officer) = officer else {
        let page = dashboard(
            &state,
            &ctx,
            &scope,
            BadgeForm::default(),
            form.login,
            FieldErrors::single("proxy_login", Msg::new("err-not-an-officer")),
        )
        .await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let by = ctx.user.as_ref().map(|u| u.id).unwrap_or_default();
    orgs::grant_proxy(state.db.conn(), scope.org.id, officer.id, by).await?;
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "proxy",
            id: officer.id.to_string(),
            action: "grant",
            before: None,
            after: Some(officer.display_name.clone()),
        },
    )
    .await?;
    Ok(see_other(&format!("/orgs/{}/manage", scope.org.slug)))
}

pub async fn revoke_proxy(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(user_id): PathId,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if !orgs::revoke_proxy(state.db.conn(), scope.org.id, user_id).await? {
        return Err(AppError::NotFound);
    }
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "proxy",
            id: user_id.to_string(),
            action: "revoke",
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(see_other(&format!("/orgs/{}/manage", scope.org.slug)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PhotoOrderForm {
    csrf: String,
    /// Storage key of a photo to remove.
    remove: String,
    /// Storage key of a photo to show first.
    first: String,
}

/// Removes a photo or makes it the first one.
pub async fn order_photos(
    State(state): State<AppState>,
    ctx: Ctx,
    scope: OrgScope,
    PathId(id): PathId,
    Form(form): Form<PhotoOrderForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let l = own_listing(&state, &scope, id).await?;
    let mut photos = listings::photos(state.db.conn(), l.id).await?;
    let before = photos.clone();
    if let Some(i) = photos.iter().position(|k| *k == form.remove) {
        photos.remove(i);
    } else if let Some(i) = photos.iter().position(|k| *k == form.first) {
        let k = photos.remove(i);
        photos.insert(0, k);
    } else {
        return Err(AppError::Validation(FieldErrors::single(
            "photos",
            Msg::new("err-invalid-choice"),
        )));
    }
    let mut tx = state.db.begin().await?;
    listings::set_photos(&mut tx, l.id, &photos).await?;
    tx.commit().await?;
    audit(
        &state,
        &ctx,
        &scope,
        Change {
            entity: "listing",
            id: l.id.to_string(),
            action: "photos",
            before: Some(serde_json::json!(before).to_string()),
            after: Some(serde_json::json!(photos).to_string()),
        },
    )
    .await?;
    Ok(see_other(&format!(
        "/orgs/{}/listings/{}",
        scope.org.slug, l.id
    )))
}
