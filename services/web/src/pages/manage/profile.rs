//! Editing the cooperative's profile: contacts, location, story in both languages, women
//! in management, and its logo.

use super::*;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::Form;
use crate::extract::Multipart;
use crate::map;
use crate::pages::form_errors;
use crate::pages::localized;
use crate::pages::{Layout, render, render_status, see_other};
use crate::policy::OrgScope;
use crate::uploads;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::orgs::{self, Manager, NewOrg};
use ketnoi_domain::catalog::{self, ManagerRole};
use ketnoi_domain::contact::{Email, Phone};
use ketnoi_domain::{admin_units, text};
use serde::Deserialize;

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
    /// A cooperative's choice (`on` when ticked): its wholesale prices for verified trade
    /// buyers only.
    pub wholesale_verified_only: String,
    /// The women-in-management rows, `manager_name_N`, `manager_role_N` and
    /// `manager_since_N` for N from 1 to [`MAX_MANAGERS`]: as many as she has, and a blank one.
    #[serde(flatten)]
    pub rows: std::collections::BTreeMap<String, String>,
}

/// The profile form has room for this many women in management (an HTX's board, its
/// director, its accountant and controllers; the demo's largest has five).
pub const MAX_MANAGERS: usize = 10;

impl ProfileForm {
    fn row(&self, field: &str, n: usize) -> &str {
        self.rows
            .get(&format!("{field}_{n}"))
            .map_or("", String::as_str)
    }

    /// (name, role, since) of row `n` (from 1).
    fn manager(&self, n: usize) -> (&str, &str, &str) {
        (
            self.row("manager_name", n),
            self.row("manager_role", n),
            self.row("manager_since", n),
        )
    }

    /// (number, name, role, since) of the rows the form shows: those up to the last one
    /// filled in, and one blank row to add a person (while there is room).
    pub fn manager_rows(&self) -> Vec<(usize, String, String, String)> {
        let filled = (1..=MAX_MANAGERS)
            .rev()
            .find(|n| {
                let (name, _, since) = self.manager(*n);
                !name.trim().is_empty() || !since.trim().is_empty()
            })
            .unwrap_or(0);
        (1..=(filled + 1).min(MAX_MANAGERS))
            .map(|n| {
                let (name, role, since) = self.manager(n);
                (n, name.to_owned(), role.to_owned(), since.to_owned())
            })
            .collect()
    }

    fn set_manager(&mut self, n: usize, m: Manager) {
        self.rows.insert(format!("manager_name_{n}"), m.name);
        self.rows.insert(format!("manager_role_{n}"), m.role);
        self.rows.insert(
            format!("manager_since_{n}"),
            m.since_year.map(|y| y.to_string()).unwrap_or_default(),
        );
    }
}

#[derive(Template)]
#[template(path = "manage/profile.html")]
pub(super) struct ProfilePage {
    layout: Layout,
    slug: String,
    logo: Option<String>,
    form: ProfileForm,
    communes: &'static [admin_units::Commune],
    sectors: Vec<(String, String)>,
    roles: [ManagerRole; 4],
    errors: FieldErrors,
    pick: PickMap,
    /// A buyer organisation: no story, women managers or sector to ask; its tax code is what
    /// the Union verifies.
    is_buyer: bool,
    /// Its tax code is verified (changing it withdraws that).
    tax_verified: bool,
}

/// The map on the profile form where a tap sets the place (`web/static/pick.js`).
pub(super) struct PickMap {
    height: f64,
    bounds: String,
    svg: String,
    /// The place saved or typed, in the map's units.
    marker: Option<(f64, f64)>,
    credit: Option<String>,
}

/// Where a cooperative's own coordinates may be: Hanoi, with a margin.
const HANOI_LAT: std::ops::RangeInclusive<f64> = 20.5..=21.5;
const HANOI_LON: std::ops::RangeInclusive<f64> = 105.2..=106.1;

/// Around the place typed, else the ward's or commune's centre, else all of Hanoi.
fn pick_map(form: &ProfileForm, tiles: Option<&map::TileSource>) -> PickMap {
    let num = |s: &str| s.trim().replace(',', ".").parse::<f64>().ok();
    let typed = num(&form.lat)
        .zip(num(&form.lon))
        .filter(|(la, lo)| HANOI_LAT.contains(la) && HANOI_LON.contains(lo));
    let centre = admin_units::commune(&form.commune_code).map(|c| (c.lat, c.lon));
    // With a base map, close enough to tell the streets; without one, wide enough to show
    // the neighbouring wards and communes by name.
    let span = if tiles.is_some() { 0.04 } else { 0.2 };
    let view = match typed.or(centre) {
        Some(p) => map::View::fit(&[p], span),
        None => map::View::hanoi(),
    };
    let svg = match tiles {
        Some(t) => view.tiles_svg(t),
        None => view.named_dots_svg(map::hanoi_places()),
    };
    PickMap {
        height: view.height(),
        bounds: view.bounds_attr(),
        svg,
        marker: typed.map(|(la, lo)| view.point(la, lo)),
        credit: tiles.map(|t| t.attribution.clone()),
    }
}

/// A place pasted as one pair into the latitude field ("21.0004, 105.9153", as maps apps
/// copy it, or with a decimal comma: "21,0004 105,9153"): the two numbers.
fn coordinate_pair(raw: &str) -> Option<(String, String)> {
    let raw = raw.trim();
    let tokens: Vec<&str> = raw
        .split(|c: char| c == ';' || c.is_whitespace())
        .map(|t| t.trim_end_matches(','))
        .filter(|t| !t.is_empty())
        .collect();
    match tokens.as_slice() {
        [a, b] => Some(((*a).to_owned(), (*b).to_owned())),
        [one] if one.contains('.') && one.matches(',').count() == 1 => one
            .split_once(',')
            .map(|(a, b)| (a.to_owned(), b.to_owned())),
        _ => None,
    }
}

/// A whole number as people type it, with dots or spaces between thousands (`1.200`).
pub(super) fn typed_number(raw: &str) -> Option<i64> {
    raw.trim().replace(['.', ' '], "").parse::<i64>().ok()
}

pub(super) fn opt_num(
    e: &mut FieldErrors,
    field: &str,
    raw: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Option<i64> {
    if raw.trim().replace(['.', ' '], "").is_empty() {
        return None;
    }
    e.check(
        field,
        typed_number(raw)
            .filter(|n| range.contains(n))
            .ok_or(Msg::new("err-invalid-number")),
    )
}

pub(super) fn opt_coord(
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

pub(super) fn opt_url(e: &mut FieldErrors, field: &str, raw: &str) -> Option<String> {
    let v = e.check(field, text::optional_line(raw, 300)).flatten()?;
    e.check(
        field,
        Some(v)
            .filter(|v| v.starts_with("https://") || v.starts_with("http://"))
            .ok_or(Msg::new("err-url-invalid")),
    )
}

pub(super) fn opt_phone(e: &mut FieldErrors, field: &str, raw: &str) -> Option<String> {
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

pub(super) fn validate_profile(
    f: &ProfileForm,
    base: &orgs::Org,
) -> Result<(NewOrg, Vec<Manager>), FieldErrors> {
    let mut e = FieldErrors::default();
    let name = e.check("name", text::required_line(&f.name, 200));
    let buyer = base.kind == ketnoi_domain::org::OrgKind::Buyer;
    let commune_code = match f.commune_code.trim() {
        // A buyer may be a business anywhere (or say nowhere).
        "" if buyer => Some(None),
        c => e.check(
            "commune_code",
            admin_units::commune(c)
                .map(|c| Some(c.code.clone()))
                .ok_or(Msg::new("err-invalid-choice")),
        ),
    };
    let street = e
        .check("street", text::optional_line(&f.street, 200))
        .flatten();
    let registration_no = e
        .check(
            "registration_no",
            text::optional_line(&f.registration_no, 50),
        )
        .flatten();
    // A tax code kept as it was stays (records imported before codes were checked); a new
    // one must be valid (`TaxCode::parse`).
    let tax_code = if base.profile.tax_code.as_deref().unwrap_or_default() == f.tax_code.trim() {
        base.profile.tax_code.clone()
    } else {
        e.check("tax_code", crate::pages::orgs::parse_tax_code(&f.tax_code))
            .flatten()
    };
    let (lat_raw, lon_raw) = match coordinate_pair(&f.lat) {
        Some(pair) if f.lon.trim().is_empty() => pair,
        _ => (f.lat.clone(), f.lon.clone()),
    };
    let lat = opt_coord(&mut e, "lat", &lat_raw, HANOI_LAT);
    let lon = opt_coord(&mut e, "lon", &lon_raw, HANOI_LON);
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
    if story_vi.is_none() && !e.0.contains_key("story_vi") && !buyer {
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
    for n in 1..=MAX_MANAGERS {
        let (name, role, since) = f.manager(n);
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
                commune_code,
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

pub(super) fn profile_form_of(o: &orgs::Org, managers: &[Manager]) -> ProfileForm {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
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
        wholesale_verified_only: if o.wholesale_verified_only {
            "on".into()
        } else {
            String::new()
        },
        ..ProfileForm::default()
    };
    for (i, mgr) in managers.iter().take(MAX_MANAGERS).enumerate() {
        f.set_manager(i + 1, mgr.clone());
    }
    f
}

pub(super) fn profile_page(
    ctx: &Ctx,
    state: &AppState,
    scope: &OrgScope,
    form: ProfileForm,
    errors: FieldErrors,
) -> ProfilePage {
    ProfilePage {
        pick: pick_map(&form, state.config.map_tiles.as_ref()),
        layout: Layout::titled(
            ctx,
            if scope.org.kind == ketnoi_domain::org::OrgKind::Buyer {
                "trade-buyer-profile-title"
            } else {
                "profile-edit-title"
            },
        ),
        slug: scope.org.slug.clone(),
        logo: scope.org.profile.logo_key.clone(),
        form,
        communes: admin_units::hanoi_communes_by_name(),
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
        is_buyer: scope.org.kind == ketnoi_domain::org::OrgKind::Buyer,
        tax_verified: scope.org.tax_verified_at.is_some(),
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
        &state,
        &scope,
        profile_form_of(&scope.org, &managers),
        FieldErrors::default(),
    ))
}

pub(super) fn org_json(o: &NewOrg, managers: &[Manager], wholesale_verified_only: bool) -> String {
    serde_json::json!({
        "wholesale_verified_only": wholesale_verified_only,
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
            return render_status(status, &profile_page(&ctx, &state, &scope, form, errors));
        }
    };
    let before_managers = orgs::managers(state.db.conn(), scope.org.id).await?;
    let before = org_json(
        &NewOrg::from(&*scope.org),
        &before_managers,
        scope.org.wholesale_verified_only,
    );
    // Only a cooperative sells wholesale.
    let verified_only = scope.org.kind.is_cooperative() && form.wholesale_verified_only == "on";
    let mut tx = state.db.begin().await?;
    let updated = orgs::update(tx.conn(), scope.org.id, &changes);
    let result = match updated.await {
        Ok(_) => orgs::replace_managers(&mut tx, scope.org.id, &managers).await,
        Err(e) => Err(e),
    };
    let result = match result {
        Ok(()) => {
            ketnoi_db::trade_buyers::set_wholesale_verified_only(
                tx.conn(),
                scope.org.id,
                verified_only,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => tx.commit().await?,
        Err(e) if e.unique_index() == Some("organisations_registration_no_key") => {
            let errors = FieldErrors::single("registration_no", Msg::new("err-registration-taken"));
            return render_status(
                StatusCode::CONFLICT,
                &profile_page(&ctx, &state, &scope, form, errors),
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
            after: Some(org_json(&changes, &managers, verified_only)),
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
    let up = uploads::read(&state, &ctx, mp).await?;
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

#[cfg(test)]
mod pick_tests {
    use super::coordinate_pair;

    #[test]
    fn a_pasted_pair_is_split_and_a_single_number_is_not() {
        let pair = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(
            coordinate_pair("21.0004, 105.9153"),
            pair("21.0004", "105.9153")
        );
        assert_eq!(
            coordinate_pair(" 21.0004,105.9153 "),
            pair("21.0004", "105.9153")
        );
        assert_eq!(
            coordinate_pair("21,0004 105,9153"),
            pair("21,0004", "105,9153")
        );
        assert_eq!(
            coordinate_pair("21.0004; 105.9153"),
            pair("21.0004", "105.9153")
        );
        assert_eq!(coordinate_pair("21,0004"), None, "a decimal comma");
        assert_eq!(coordinate_pair("21.0004"), None);
        assert_eq!(coordinate_pair(""), None);
        assert_eq!(coordinate_pair("1 2 3"), None);
    }
}
