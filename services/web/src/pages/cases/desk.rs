//! The partner desk (`/partner`): the cases referred to her organisation.

use super::*;

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
