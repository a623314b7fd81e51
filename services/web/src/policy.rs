//! Every authorisation decision of Ketnoi. Each route declares an [`Access`] in the route
//! map and [`authorize`] enforces it before the handler runs, so a handler cannot forget.

use crate::AppState;
use crate::context::Ctx;
use crate::error::AppError;
use crate::extract::valid_slug;
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ketnoi_db::orgs::Org;
use ketnoi_db::users::User;
use ketnoi_domain::order::Actor as OrderActor;
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::role::{MemberRole, PlatformRole, Scope};
use std::sync::Arc;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Members of the organisation in the path (any role).
    OrgMember,
    /// Owners and managers of the organisation in the path, and Union officers acting for
    /// a cooperative in their scope (proxy mode).
    OrgManager,
    /// Owners of the organisation in the path.
    OrgOwner,
    /// Union officers (city or ward/commune).
    Officer,
    /// Union officers whose scope (city-wide, or the ward/commune) covers the cooperative in
    /// the path.
    OrgOfficer,
    /// Approved members of the women leaders' network, and Union officers (who run it).
    NetworkMember,
    /// Staff of a partner organisation (a bank, a microfinance institution, a fund…); which
    /// cases she sees is decided per case (`ketnoi_app::cases::Who`).
    PartnerStaff,
    /// Platform administrators.
    Admin,
}

/// The facts a decision is made from.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// `None` for anonymous visitors.
    pub role: Option<PlatformRole>,
    /// For officers: their ward/commune; `None` is city-wide.
    pub officer_commune: Option<String>,
    /// Role in the organisation the route is about, if any.
    pub membership: Option<MemberRole>,
    /// The organisation granted this officer proxy rights (to manage it on its behalf).
    pub proxy: bool,
    /// An approved member of the women leaders' network (read for network routes only).
    pub network: bool,
    /// Staff of a partner organisation (read for partner routes only).
    pub partner: bool,
}

/// What the organisation a route is about looks like to the policy.
#[derive(Debug, Clone, Copy)]
pub struct OrgFacts<'a> {
    pub is_cooperative: bool,
    pub commune_code: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in: sign in first.
    SignIn,
    Deny,
}

/// A Union officer acts for a cooperative only when the cooperative granted it (proxy mode).
fn officer_covers(actor: &Actor, org: Option<OrgFacts<'_>>) -> bool {
    let Some(org) = org else { return false };
    actor.role == Some(PlatformRole::UnionOfficer) && actor.proxy && org.is_cooperative
}

/// Whether an officer's scope (city-wide, or one ward/commune) includes this organisation:
/// officers verify badges, moderate listings and see records only there.
pub fn officer_scope_covers(actor: &Actor, org: OrgFacts<'_>) -> bool {
    actor.scope().is_some_and(|s| s.covers(org.commune_code))
}

pub fn decide(access: Access, actor: &Actor, org: Option<OrgFacts<'_>>) -> Decision {
    use Decision::*;
    let Some(role) = actor.role else {
        return if access == Access::Public {
            Allow
        } else {
            SignIn
        };
    };
    let allowed = role == PlatformRole::Admin
        || match access {
            Access::Public | Access::SignedIn => true,
            Access::OrgMember => actor.membership.is_some(),
            Access::OrgManager => {
                matches!(
                    actor.membership,
                    Some(MemberRole::Manager | MemberRole::Owner)
                ) || officer_covers(actor, org)
            }
            Access::OrgOwner => actor.membership == Some(MemberRole::Owner),
            Access::Officer => role == PlatformRole::UnionOfficer,
            Access::OrgOfficer => {
                org.is_some_and(|o| o.is_cooperative && officer_scope_covers(actor, o))
            }
            Access::NetworkMember => actor.network || role == PlatformRole::UnionOfficer,
            Access::PartnerStaff => actor.partner,
            Access::Admin => false,
        };
    if allowed { Allow } else { Deny }
}

impl Actor {
    /// The part of the city this actor acts for, if she is an officer or administrator.
    pub fn scope(&self) -> Option<Scope> {
        Scope::of(self.role?, self.officer_commune.as_deref())
    }

    /// The actor for a visitor (`None` = anonymous) with a role in the organisation at hand.
    pub fn of(user: Option<&User>, membership: Option<MemberRole>) -> Actor {
        Actor {
            role: user.map(|u| u.role),
            officer_commune: user.and_then(|u| u.officer_commune_code.clone()),
            membership,
            proxy: false,
            network: false,
            partner: false,
        }
    }
}

impl<'a> OrgFacts<'a> {
    pub fn of(org: &'a Org) -> OrgFacts<'a> {
        OrgFacts {
            is_cooperative: org.kind.is_cooperative(),
            commune_code: org.commune_code.as_deref(),
        }
    }
}

/// Whether `actor` may do what `access` guards on `org`; pages use it to show or hide links.
pub fn allows(access: Access, actor: &Actor, org: &Org) -> bool {
    decide(access, actor, Some(OrgFacts::of(org))) == Decision::Allow
}

/// The scope of a signed-in officer or administrator on an officers' route; anyone else is
/// refused (the route map lets only officers in, so this is the record-level check).
pub fn officer_scope(user: &User) -> Result<Scope, AppError> {
    user.scope().ok_or(AppError::Forbidden)
}

/// Whether `scope` covers the organisation a record belongs to.
pub fn covers(scope: &Scope, org: &Org) -> bool {
    scope.covers(org.commune_code.as_deref())
}

/// Who `user` is to an order, if she may see it: its buyer, the cooperative (owners and
/// managers), or an officer it granted proxy rights (and administrators). Anyone else is
/// told it does not exist.
pub fn order_actor(
    user: &User,
    buyer_id: i64,
    membership: Option<MemberRole>,
    proxy: bool,
) -> Option<OrderActor> {
    if buyer_id == user.id {
        Some(OrderActor::Buyer)
    } else if matches!(membership, Some(MemberRole::Owner | MemberRole::Manager)) {
        Some(OrderActor::Cooperative)
    } else if user.role == PlatformRole::Admin || (user.role == PlatformRole::UnionOfficer && proxy)
    {
        Some(OrderActor::Proxy)
    } else {
        None
    }
}

/// [`order_actor`] with its facts looked up; 404 for anyone who may not see the order.
pub async fn order_viewer(
    state: &AppState,
    user: &User,
    order: &ketnoi_db::orders::Order,
) -> Result<OrderActor, AppError> {
    if order.buyer_id == user.id {
        return Ok(OrderActor::Buyer);
    }
    let membership = ketnoi_db::orgs::member_role(state.db.conn(), order.org_id, user.id).await?;
    let proxy = user.role == PlatformRole::UnionOfficer
        && ketnoi_db::orgs::has_proxy(state.db.conn(), order.org_id, user.id).await?;
    order_actor(user, order.buyer_id, membership, proxy).ok_or(AppError::NotFound)
}

/// Only owners (and administrators) make someone an owner.
pub fn may_grant(role: MemberRole, actor: &Actor, org: &Org) -> bool {
    role != MemberRole::Owner || allows(Access::OrgOwner, actor, org)
}

/// Anyone signed in may register a cooperative, group or buyer; Union branches are
/// registered by administrators.
pub fn may_create(kind: OrgKind, user: &User) -> bool {
    kind != OrgKind::UnionBranch || user.role == PlatformRole::Admin
}

/// The organisation of an org-scoped route, loaded and checked by [`authorize`].
#[derive(Debug, Clone)]
pub struct OrgScope {
    pub org: Arc<Org>,
    pub role: Option<MemberRole>,
    /// The visitor is an officer acting for the organisation (proxy mode), not a member.
    pub proxy: bool,
}

impl OrgScope {
    pub fn actor(&self, ctx: &Ctx) -> Actor {
        Actor {
            proxy: self.proxy,
            ..Actor::of(ctx.user.as_deref(), self.role)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for OrgScope {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<OrgScope>()
            .cloned()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("route has no org-scoped access")))
    }
}

fn is_org_scoped(access: Access) -> bool {
    matches!(
        access,
        Access::OrgMember | Access::OrgManager | Access::OrgOwner | Access::OrgOfficer
    )
}

/// Loads the organisation named by the route's `{slug}` and the visitor's relation to it.
async fn load_scope(state: &AppState, parts: &mut Parts, ctx: &Ctx) -> Result<OrgScope, AppError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::NotFound)?;
    let slug = params
        .iter()
        .find(|(k, _)| *k == "slug")
        .map(|(_, v)| v.to_owned())
        .filter(|s| valid_slug(s))
        .ok_or(AppError::NotFound)?;
    let org = ketnoi_db::orgs::find_by_slug(state.db.conn(), &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let (mut role, mut proxy) = (None, false);
    if let Some(user) = &ctx.user {
        role = ketnoi_db::orgs::member_role(state.db.conn(), org.id, user.id).await?;
        if user.role == PlatformRole::UnionOfficer {
            proxy = ketnoi_db::orgs::has_proxy(state.db.conn(), org.id, user.id).await?;
        }
    }
    Ok(OrgScope {
        org: Arc::new(org),
        role,
        proxy,
    })
}

/// Enforces the route's [`Access`]; for org-scoped routes, loads the organisation named by
/// the `{slug}` path segment and hands it to the handler as an [`OrgScope`].
pub async fn authorize(
    State((state, access)): State<(AppState, Access)>,
    mut req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let ctx = match Ctx::from_request_parts(&mut parts, &state).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let mut actor = Actor::of(ctx.user.as_deref(), None);
    let mut scope = None;
    if is_org_scoped(access) && actor.role.is_some() {
        match load_scope(&state, &mut parts, &ctx).await {
            Ok(s) => {
                actor.membership = s.role;
                actor.proxy = s.proxy;
                scope = Some(s);
            }
            Err(e) => return e.into_response(),
        }
    }
    if access == Access::NetworkMember
        && let Some(user) = &ctx.user
        && user.role == PlatformRole::User
    {
        actor.network = match ketnoi_db::network::is_member(state.db.conn(), user.id).await {
            Ok(yes) => yes,
            Err(e) => return AppError::from(e).into_response(),
        };
    }
    if access == Access::PartnerStaff
        && let Some(user) = &ctx.user
    {
        actor.partner = match ketnoi_db::cases::is_staff(state.db.conn(), user.id).await {
            Ok(yes) => yes,
            Err(e) => return AppError::from(e).into_response(),
        };
    }
    let facts = scope.as_ref().map(|s| OrgFacts::of(&s.org));
    match decide(access, &actor, facts) {
        Decision::Allow => {}
        Decision::SignIn => return AppError::Unauthorized.into_response(),
        Decision::Deny => return AppError::Forbidden.into_response(),
    }
    if let Some(scope) = scope {
        parts.extensions.insert(scope);
    }
    req = Request::from_parts(parts, body);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    fn actor(role: Option<PlatformRole>, commune: Option<&str>, m: Option<MemberRole>) -> Actor {
        Actor {
            role,
            officer_commune: commune.map(str::to_owned),
            membership: m,
            proxy: false,
            network: false,
            partner: false,
        }
    }

    /// The whole matrix: every access level against every kind of visitor, for a
    /// cooperative in Bát Tràng (00577).
    #[test]
    fn decisions_match_the_matrix() {
        let u = Some(PlatformRole::User);
        let o = Some(PlatformRole::UnionOfficer);
        let personas = [
            ("anonymous", actor(None, None, None)),
            ("user", actor(u, None, None)),
            ("member", actor(u, None, Some(MemberRole::Member))),
            ("manager", actor(u, None, Some(MemberRole::Manager))),
            ("owner", actor(u, None, Some(MemberRole::Owner))),
            (
                "officer-proxy",
                Actor {
                    proxy: true,
                    ..actor(o, Some("00004"), None)
                },
            ),
            ("officer-here", actor(o, Some("00577"), None)),
            ("officer-city", actor(o, None, None)),
            ("admin", actor(Some(PlatformRole::Admin), None, None)),
            (
                "partner",
                Actor {
                    partner: true,
                    ..actor(u, None, None)
                },
            ),
        ];
        let expected: [(Access, [Decision; 10]); 10] = [
            (
                Access::Public,
                [
                    Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow,
                ],
            ),
            (
                Access::SignedIn,
                [
                    SignIn, Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow, Allow,
                ],
            ),
            (
                Access::OrgMember,
                [
                    SignIn, Deny, Allow, Allow, Allow, Deny, Deny, Deny, Allow, Deny,
                ],
            ),
            (
                Access::OrgManager,
                [
                    SignIn, Deny, Deny, Allow, Allow, Allow, Deny, Deny, Allow, Deny,
                ],
            ),
            (
                Access::OrgOwner,
                [
                    SignIn, Deny, Deny, Deny, Allow, Deny, Deny, Deny, Allow, Deny,
                ],
            ),
            (
                Access::Officer,
                [
                    SignIn, Deny, Deny, Deny, Deny, Allow, Allow, Allow, Allow, Deny,
                ],
            ),
            (
                Access::OrgOfficer,
                [
                    SignIn, Deny, Deny, Deny, Deny, Deny, Allow, Allow, Allow, Deny,
                ],
            ),
            (
                Access::NetworkMember,
                [
                    SignIn, Deny, Deny, Deny, Deny, Allow, Allow, Allow, Allow, Deny,
                ],
            ),
            (
                Access::Admin,
                [
                    SignIn, Deny, Deny, Deny, Deny, Deny, Deny, Deny, Allow, Deny,
                ],
            ),
            (
                Access::PartnerStaff,
                [
                    SignIn, Deny, Deny, Deny, Deny, Deny, Deny, Deny, Allow, Allow,
                ],
            ),
        ];
        let coop = OrgFacts {
            is_cooperative: true,
            commune_code: Some("00577"),
        };
        for (access, row) in expected {
            for ((name, a), want) in personas.iter().zip(row) {
                assert_eq!(decide(access, a, Some(coop)), want, "{access:?} for {name}");
            }
        }
    }

    /// An approved network member is let into network routes, whatever her other roles.
    #[test]
    fn network_members_pass_network_routes() {
        let member = Actor {
            network: true,
            ..actor(Some(PlatformRole::User), None, None)
        };
        assert_eq!(decide(Access::NetworkMember, &member, None), Allow);
        let outsider = actor(Some(PlatformRole::User), None, Some(MemberRole::Owner));
        assert_eq!(decide(Access::NetworkMember, &outsider, None), Deny);
    }

    #[test]
    fn officers_scope_is_their_ward_or_the_city() {
        let coop = OrgFacts {
            is_cooperative: true,
            commune_code: Some("00577"),
        };
        assert!(officer_scope_covers(
            &actor(Some(PlatformRole::UnionOfficer), Some("00577"), None),
            coop
        ));
        assert!(!officer_scope_covers(
            &actor(Some(PlatformRole::UnionOfficer), Some("00004"), None),
            coop
        ));
        assert!(officer_scope_covers(
            &actor(Some(PlatformRole::UnionOfficer), None, None),
            coop
        ));
        assert!(!officer_scope_covers(
            &actor(Some(PlatformRole::User), None, None),
            coop
        ));
    }

    #[test]
    fn an_order_is_seen_by_its_buyer_its_cooperative_and_its_proxy_officers_only() {
        let user = |id, role| User {
            id,
            email: None,
            phone: None,
            display_name: String::new(),
            password_hash: String::new(),
            locale: ketnoi_domain::Locale::Vi,
            role,
            officer_commune_code: None,
            created_at: chrono::Utc::now(),
        };
        let buyer = user(1, PlatformRole::User);
        let other = user(2, PlatformRole::User);
        let officer = user(3, PlatformRole::UnionOfficer);
        let admin = user(4, PlatformRole::Admin);
        assert_eq!(order_actor(&buyer, 1, None, false), Some(OrderActor::Buyer));
        assert_eq!(
            order_actor(&other, 1, Some(MemberRole::Manager), false),
            Some(OrderActor::Cooperative)
        );
        assert_eq!(
            order_actor(&other, 1, Some(MemberRole::Member), false),
            None
        );
        assert_eq!(
            order_actor(&other, 1, None, true),
            None,
            "only officers act by proxy"
        );
        assert_eq!(order_actor(&officer, 1, None, false), None);
        assert_eq!(
            order_actor(&officer, 1, None, true),
            Some(OrderActor::Proxy)
        );
        assert_eq!(order_actor(&admin, 1, None, false), Some(OrderActor::Proxy));
    }

    #[test]
    fn officers_do_not_act_for_buyers() {
        let officer = Actor {
            proxy: true,
            ..actor(Some(PlatformRole::UnionOfficer), None, None)
        };
        let buyer = OrgFacts {
            is_cooperative: false,
            commune_code: Some("00577"),
        };
        assert_eq!(decide(Access::OrgManager, &officer, Some(buyer)), Deny);
    }
}
