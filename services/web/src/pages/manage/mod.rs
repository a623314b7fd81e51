//! A cooperative's own pages: its dashboard, profile editing with logo and women in
//! management, the listing editor with offers, price tiers and photos, badge claims with
//! evidence, proxy grants to Union officers, and the audit log of every change.

mod badges;
mod dashboard;
mod listings;
mod lots;
mod profile;
mod proxies;
mod reports;
mod trace;

pub use badges::*;
pub use dashboard::*;
pub use listings::*;
pub use lots::*;
pub use profile::*;
pub use proxies::*;
pub use reports::*;
pub use trace::*;

use crate::AppState;
use crate::context::Ctx;
use crate::error::AppError;
use crate::policy::OrgScope;
use ketnoi_db::audit;

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
