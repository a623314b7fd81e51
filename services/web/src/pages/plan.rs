//! The city plan's register as pages: everyone may read it (`/plan`); administrators correct
//! a target or a method (`/admin/plan`), each change in the audit log.

use super::{Layout, SavedQuery, form_errors, localized, render, render_status, see_other};
use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors, Msg};
use crate::extract::{Form, PathSlug, Query};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnoi_db::plan::Correction;
use ketnoi_domain::money::Vnd;
use ketnoi_domain::plan::{Indicator, Register, Target, TargetError};
use ketnoi_domain::text;
use serde::Deserialize;

/// An indicator as the pages show it.
pub struct IndicatorView {
    pub id: String,
    pub name: String,
    pub method: String,
    pub target_2025: String,
    pub target_2030: String,
    /// The edit form's values (the stored ones, or those just typed).
    pub form: PlanForm,
    pub errors: FieldErrors,
    /// Just saved: the page says so beside it.
    pub saved: bool,
}

/// One field of an indicator's edit form.
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    /// `Some(language)` for the methods' text areas, `None` for the targets' inputs.
    pub text_lang: Option<&'static str>,
    pub errors: Vec<String>,
}

impl IndicatorView {
    /// The edit form's fields, with their values and errors.
    pub fn fields(&self, t: &crate::i18n::Tr) -> Vec<FormField> {
        let field = |name: &'static str, key: &str, value: &str, text_lang| FormField {
            name,
            label: t.get(key),
            value: value.to_owned(),
            text_lang,
            errors: self.errors.of(name, t),
        };
        vec![
            field("target_2025", "plan-by-2025", &self.form.target_2025, None),
            field("target_2030", "plan-by-2030", &self.form.target_2030, None),
            field(
                "method_vi",
                "plan-method-vi",
                &self.form.method_vi,
                Some("vi"),
            ),
            field(
                "method_en",
                "plan-method-en",
                &self.form.method_en,
                Some("en"),
            ),
        ]
    }
}

/// A phase as the pages show it.
pub struct PhaseView {
    pub years: String,
    pub budget: String,
}

fn target_label(t: Option<Target>, i: &Indicator) -> String {
    t.map(|t| t.label(i.measure))
        .unwrap_or_else(|| "—".to_owned())
}

fn views(ctx: &Ctx, register: Register) -> (Vec<PhaseView>, Vec<IndicatorView>, String) {
    let total: i64 = register.phases.iter().map(|p| p.budget_dong).sum();
    let phases = register
        .phases
        .iter()
        .map(|p| PhaseView {
            years: format!("{}–{}", p.from_year, p.to_year),
            budget: Vnd(p.budget_dong).to_string(),
        })
        .collect();
    let indicators = register
        .indicators
        .into_iter()
        .map(|i| IndicatorView {
            name: localized(ctx.locale, &i.name_vi, Some(&i.name_en)),
            method: localized(ctx.locale, &i.method_vi, Some(&i.method_en)),
            target_2025: target_label(i.target_2025, &i),
            target_2030: target_label(i.target_2030, &i),
            form: PlanForm {
                csrf: String::new(),
                target_2025: i
                    .target_2025
                    .map(|t| t.label(i.measure))
                    .unwrap_or_default(),
                target_2030: i
                    .target_2030
                    .map(|t| t.label(i.measure))
                    .unwrap_or_default(),
                method_vi: i.method_vi.clone(),
                method_en: i.method_en.clone(),
            },
            errors: FieldErrors::default(),
            saved: false,
            id: i.id,
        })
        .collect();
    (phases, indicators, Vnd(total).to_string())
}

#[derive(Template)]
#[template(path = "plan/show.html")]
struct RegisterPage {
    layout: Layout,
    phases: Vec<PhaseView>,
    indicators: Vec<IndicatorView>,
    total: String,
    editing: bool,
}

/// `GET /plan`: the plan's phases, budgets, indicators and targets.
pub async fn show_register(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let (phases, indicators, total) = views(&ctx, ketnoi_db::plan::register(&state.db).await?);
    render(&RegisterPage {
        layout: Layout::titled(&ctx, "plan-title"),
        phases,
        indicators,
        total,
        editing: false,
    })
}

/// `GET /admin/plan`: the register with a form per indicator.
pub async fn edit_register(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let (phases, mut indicators, total) = views(&ctx, ketnoi_db::plan::register(&state.db).await?);
    for i in &mut indicators {
        i.saved = i.id == q.saved;
    }
    render(&RegisterPage {
        layout: Layout::titled(&ctx, "plan-edit-title"),
        phases,
        indicators,
        total,
        editing: true,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub csrf: String,
    pub target_2025: String,
    pub target_2030: String,
    pub method_vi: String,
    pub method_en: String,
}

fn validate(f: &PlanForm, i: &Indicator) -> Result<Correction, FieldErrors> {
    let mut e = FieldErrors::default();
    let mut target = |field: &str, raw: &str| match raw.trim() {
        "" | "—" | "-" => None,
        t => e.check(
            field,
            Target::parse(t, i.measure).map_err(|err| match err {
                TargetError::Format => Msg::new("err-plan-target"),
                TargetError::OverHundred => Msg::new("err-plan-percent"),
            }),
        ),
    };
    let target_2025 = target("target_2025", &f.target_2025);
    let target_2030 = target("target_2030", &f.target_2030);
    let method_vi = e.check("method_vi", text::required_line(&f.method_vi, 1000));
    let method_en = e.check("method_en", text::required_line(&f.method_en, 1000));
    match (method_vi, method_en) {
        (Some(method_vi), Some(method_en)) if e.is_empty() => Ok(Correction {
            target_2025,
            target_2030,
            method_vi,
            method_en,
        }),
        _ => Err(e),
    }
}

/// `POST /admin/plan/{id}`: corrects one indicator; its errors are shown beside its form.
pub async fn correct_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathSlug(id): PathSlug,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    let csrf = ctx.require_csrf(&state, &form.csrf);
    let register = ketnoi_db::plan::register(&state.db).await?;
    let Some(indicator) = register.indicators.iter().find(|i| i.id == id).cloned() else {
        // A forged or stale form is refused as such before anything else is said.
        csrf?;
        return Err(AppError::NotFound);
    };
    let result = match csrf {
        Err(e) => Err(e),
        Ok(()) => validate(&form, &indicator).map_err(AppError::Validation),
    };
    match result {
        Ok(c) => {
            if !ketnoi_db::plan::correct(&state.db, &id, &c, user.id).await? {
                return Err(AppError::NotFound);
            }
            Ok(see_other(&format!("/admin/plan?saved={id}#{id}")))
        }
        Err(err) => {
            let (status, errors) = form_errors(err)?;
            let (phases, mut indicators, total) = views(&ctx, register);
            if let Some(v) = indicators.iter_mut().find(|v| v.id == id) {
                v.form = PlanForm {
                    csrf: String::new(),
                    ..form
                };
                v.errors = errors;
            }
            render_status(
                status,
                &RegisterPage {
                    layout: Layout::titled(&ctx, "plan-edit-title"),
                    phases,
                    indicators,
                    total,
                    editing: true,
                },
            )
        }
    }
}
