//! The women leaders' network: joining (a leader asks, an officer of her ward/commune or of
//! the city approves), the members' directory with the contact details each member chooses
//! to show, direct conversations, groups that members join and leave, and blocks.
//!
//! Who sees what: approved members and Union officers see the directory and the groups
//! (the routes' `Access::NetworkMember`); anyone else signed in sees how to join. Officers
//! decide join requests of their scope only.

use crate::AppState;
use crate::context::{Ctx, CurrentUser};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, PathId};
use crate::pages::commune_name;
use crate::pages::union::network::DecisionForm;
use crate::pages::{CsrfForm, Layout, render, render_status, see_other};
use crate::policy::{self, Access, Actor};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ketnoi_db::network::{self, DirectoryEntry, Group, Joined, NetworkMember, Profile};
use ketnoi_db::users::User;
use serde::Deserialize;

/// Longest introduction, in characters.
const MAX_INTRO_CHARS: usize = 500;

/// Whether `user` may do what `access` guards, by the route policy (one rule for the route
/// map and for what a page offers).
fn allowed(access: Access, user: &User, network_member: bool) -> bool {
    let actor = Actor {
        network: network_member,
        ..Actor::of(Some(user), None)
    };
    policy::decide(access, &actor, None) == policy::Decision::Allow
}

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub org_id: i64,
    #[serde(default)]
    pub intro: String,
    /// Checkboxes: present when ticked.
    pub show_phone: Option<String>,
    pub show_email: Option<String>,
}

pub struct EntryView {
    pub user_id: i64,
    pub name: String,
    pub org_name: String,
    pub org_slug: String,
    pub commune: String,
    pub intro: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub me: bool,
}

fn entry_view(e: DirectoryEntry, me: i64) -> EntryView {
    EntryView {
        me: e.user_id == me,
        user_id: e.user_id,
        name: e.display_name,
        org_name: e.org_name,
        org_slug: e.org_slug,
        commune: commune_name(e.commune_code.as_deref()),
        intro: e.intro.unwrap_or_default(),
        phone: e.phone,
        email: e.email,
    }
}

#[derive(Template)]
#[template(path = "network/index.html")]
struct NetworkPage {
    layout: Layout,
    /// Approved member or officer: the directory shows.
    inside: bool,
    officer: bool,
    member: Option<NetworkMember>,
    /// Cooperatives she leads (the join form's choices); empty: she cannot join.
    cooperatives: Vec<(i64, String)>,
    entries: Vec<EntryView>,
    form: ProfileForm,
    intro_errors: Vec<String>,
    /// Mentoring requests she made or received.
    mentoring: Vec<network::Mentoring>,
    /// The viewer's user id.
    me: i64,
    /// A refused mentoring request: `(mentor's user id, the reason, the topic as typed)`.
    mentoring_error: Option<(i64, String, String)>,
}

async fn network_page(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    form: Option<ProfileForm>,
    errors: FieldErrors,
    mentoring_error: Option<(i64, String, String)>,
) -> Result<NetworkPage, AppError> {
    let member = network::member(state.db.conn(), user.id).await?;
    let approved = member.as_ref().is_some_and(NetworkMember::is_approved);
    let officer = allowed(Access::Officer, user, approved);
    let inside = allowed(Access::NetworkMember, user, approved);
    let entries = if inside {
        network::directory(state.db.conn(), None)
            .await?
            .into_iter()
            .map(|e| entry_view(e, user.id))
            .collect()
    } else {
        Vec::new()
    };
    let cooperatives = super::my::managed_cooperatives(state, user.id)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    // The form starts from what she has on record.
    let form = form.unwrap_or_else(|| ProfileForm {
        org_id: member.as_ref().map_or(0, |m| m.org_id),
        intro: member
            .as_ref()
            .and_then(|m| m.intro.clone())
            .unwrap_or_default(),
        show_phone: member
            .as_ref()
            .filter(|m| m.show_phone)
            .map(|_| "on".into()),
        show_email: member
            .as_ref()
            .filter(|m| m.show_email)
            .map(|_| "on".into()),
        ..ProfileForm::default()
    });
    let mentoring = if inside {
        network::mentoring_of(state.db.conn(), user.id).await?
    } else {
        Vec::new()
    };
    Ok(NetworkPage {
        layout: Layout::titled(ctx, "net-title"),
        mentoring,
        mentoring_error,
        me: user.id,
        inside,
        officer,
        member,
        cooperatives,
        entries,
        intro_errors: errors.for_field("intro", ctx.locale),
        form,
    })
}

/// `GET /network`: the directory for those inside; how to join (or where the request
/// stands) for the others.
pub async fn show_network(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    render(&network_page(&state, &ctx, &user, None, FieldErrors::default(), None).await?)
}

/// `POST /network/join`: asks to join for one of her cooperatives, or (once approved)
/// updates her introduction and which contact details show.
pub async fn join(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if !super::my::managed_cooperatives(&state, user.id)
        .await?
        .iter()
        .any(|o| o.id == form.org_id)
    {
        // Only a cooperative she leads can be chosen.
        return Err(AppError::Validation(FieldErrors::single(
            "org_id",
            crate::error::Msg::new("err-invalid-choice"),
        )));
    }
    let intro = match ketnoi_domain::text::optional_block(&form.intro, MAX_INTRO_CHARS) {
        Ok(intro) => intro,
        Err(e) => {
            let errors = FieldErrors::single("intro", e);
            let page = network_page(&state, &ctx, &user, Some(form), errors, None).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let profile = Profile {
        intro: intro.as_deref(),
        show_phone: form.show_phone.is_some(),
        show_email: form.show_email.is_some(),
    };
    network::request_join(state.db.conn(), user.id, form.org_id, profile).await?;
    Ok(see_other("/network"))
}

/// `POST /network/members/{id}/message`: the direct conversation with a member.
pub async fn message_member(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(other): PathId,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if other == user.id || !network::is_member(state.db.conn(), other).await? {
        return Err(AppError::NotFound);
    }
    let id = network::open_direct(&state.db, user.id, other).await?;
    Ok(see_other(&format!("/conversations/{id}")))
}

// -- groups ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Template)]
#[template(path = "network/groups.html")]
struct GroupsPage {
    layout: Layout,
    groups: Vec<Group>,
    officer: bool,
    max_members: i64,
    form: GroupForm,
    title_errors: Vec<String>,
    description_errors: Vec<String>,
    /// A group that was full when she tried to join.
    full: Option<i64>,
}

async fn groups_page(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    form: GroupForm,
    errors: FieldErrors,
    full: Option<i64>,
) -> Result<GroupsPage, AppError> {
    Ok(GroupsPage {
        layout: Layout::titled(ctx, "net-groups-title"),
        groups: network::groups(state.db.conn(), user.id).await?,
        officer: allowed(Access::Officer, user, false),
        max_members: state.config.group_max_members,
        title_errors: errors.for_field("title", ctx.locale),
        description_errors: errors.for_field("description", ctx.locale),
        form,
        full,
    })
}

/// `GET /network/groups`
pub async fn show_groups(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let page = groups_page(
        &state,
        &ctx,
        &user,
        GroupForm::default(),
        FieldErrors::default(),
        None,
    )
    .await?;
    render(&page)
}

/// `POST /network/groups`: an officer opens a group (by sector, by ward/commune…) and is
/// its first admin.
pub async fn create_group(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<GroupForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let mut errors = FieldErrors::default();
    let title = errors.check(
        "title",
        ketnoi_domain::text::required_line(&form.title, 120),
    );
    let description = errors.check(
        "description",
        ketnoi_domain::text::optional_block(&form.description, MAX_INTRO_CHARS),
    );
    let (Some(title), Some(description)) = (title, description) else {
        let page = groups_page(&state, &ctx, &user, form, errors, None).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let id = network::create_group(&state.db, user.id, &title, description.as_deref()).await?;
    Ok(see_other(&format!("/conversations/{id}")))
}

/// `POST /network/groups/{id}/join`
pub async fn join_group(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let joined = network::join_group(&state.db, id, user.id, state.config.group_max_members)
        .await
        .map_err(|e| match e {
            ketnoi_db::DbError::NotFound => AppError::NotFound,
            e => e.into(),
        })?;
    match joined {
        Joined::Joined | Joined::AlreadyMember => Ok(see_other(&format!("/conversations/{id}"))),
        Joined::Full => {
            let page = groups_page(
                &state,
                &ctx,
                &user,
                GroupForm::default(),
                FieldErrors::default(),
                Some(id),
            )
            .await?;
            render_status(StatusCode::CONFLICT, &page)
        }
    }
}

/// `POST /network/groups/{id}/leave`
pub async fn leave_group(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if !network::leave_group(state.db.conn(), id, user.id).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/network/groups"))
}

#[derive(Debug, Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub user_id: i64,
}

/// `POST /network/groups/{id}/admins`: a group admin makes another member an admin.
pub async fn add_group_admin(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let c = ketnoi_db::messaging::get_for(state.db.conn(), id, user.id)
        .await?
        .filter(|c| c.kind == "group")
        .ok_or(AppError::NotFound)?;
    if !ketnoi_db::messaging::is_admin(state.db.conn(), c.id, user.id).await? {
        return Err(AppError::Forbidden);
    }
    if !network::set_role(state.db.conn(), c.id, form.user_id, true).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/conversations/{}", c.id)))
}

// -- blocks ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct BlockForm {
    #[serde(default)]
    pub csrf: String,
    /// Where to go back to (a conversation).
    #[serde(default)]
    pub back: i64,
}

/// `POST /users/{id}/block`: she no longer receives messages from this person in one-to-one
/// conversations (direct, inquiries).
pub async fn block(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(other): PathId,
    Form(form): Form<BlockForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if other == user.id
        || ketnoi_db::users::find(state.db.conn(), other)
            .await?
            .is_none()
    {
        return Err(AppError::NotFound);
    }
    network::block(state.db.conn(), user.id, other).await?;
    Ok(see_other(&back_to(form.back)))
}

/// `POST /users/{id}/unblock`
pub async fn unblock(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(other): PathId,
    Form(form): Form<BlockForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    network::unblock(state.db.conn(), user.id, other).await?;
    Ok(see_other(&back_to(form.back)))
}

fn back_to(conversation: i64) -> String {
    if conversation > 0 {
        format!("/conversations/{conversation}")
    } else {
        "/conversations".into()
    }
}

// -- mentoring ---------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct MentoringForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub topic: String,
}

/// `POST /network/members/{id}/mentoring`: asks a member for guidance on a topic. A topic
/// that is missing or too long brings the page back with the text kept.
pub async fn ask_mentoring(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(mentor): PathId,
    Form(form): Form<MentoringForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    if mentor == user.id || !network::is_member(state.db.conn(), mentor).await? {
        return Err(AppError::NotFound);
    }
    let topic = match ketnoi_domain::text::required_line(&form.topic, 300) {
        Ok(t) => t,
        Err(e) => {
            let reason = crate::error::Msg::from(e).render(ctx.locale);
            let kept = Some((mentor, reason, form.topic));
            let page =
                network_page(&state, &ctx, &user, None, FieldErrors::default(), kept).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    network::ask_mentoring(state.db.conn(), user.id, mentor, &topic).await?;
    Ok(see_other("/network#mentoring"))
}

/// `POST /network/mentoring/{id}/answer`: the mentor accepts (`decision=accept`: their
/// direct conversation opens with the request) or declines.
pub async fn answer_mentoring(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    PathId(request): PathId,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    ctx.require_csrf(&state, &form.csrf)?;
    let accept = form.choice("accept", "decline")?;
    let answered = network::answer_mentoring(&state.db, request, user.id, accept)
        .await
        .map_err(|e| match e {
            ketnoi_db::DbError::NotFound => AppError::NotFound,
            e => e.into(),
        })?;
    match answered {
        Some(first) => {
            crate::realtime::stored(&state.db, &state.hub, &first);
            Ok(see_other(&format!(
                "/conversations/{}",
                first.conversation_id
            )))
        }
        None => Ok(see_other("/network#mentoring")),
    }
}
