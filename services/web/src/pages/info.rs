//! The pages the footer links to: about Ketnoi (and how to reach people), the terms of use
//! and the privacy notice. Their text is in the templates, in both languages side by side.

use super::{Layout, render};
use crate::context::Ctx;
use crate::error::AppError;
use askama::Template;
use axum::response::Response;

#[derive(Template)]
#[template(path = "info/about.html")]
struct AboutPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "info/terms.html")]
struct TermsPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "info/privacy.html")]
struct PrivacyPage {
    layout: Layout,
}

/// `GET /about`
pub async fn show_about(ctx: Ctx) -> Result<Response, AppError> {
    render(&AboutPage {
        layout: Layout::titled(&ctx, "info-about-title"),
    })
}

/// `GET /terms`
pub async fn show_terms(ctx: Ctx) -> Result<Response, AppError> {
    render(&TermsPage {
        layout: Layout::titled(&ctx, "info-terms-title"),
    })
}

/// `GET /privacy`
pub async fn show_privacy(ctx: Ctx) -> Result<Response, AppError> {
    render(&PrivacyPage {
        layout: Layout::titled(&ctx, "info-privacy-title"),
    })
}
