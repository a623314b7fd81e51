//! Who someone is on the platform and in an organisation. The decisions made from these
//! live in the web crate's policy module; these are just the facts.

use serde::{Deserialize, Serialize};

/// A platform-wide role. Most people are plain users whose rights come from memberships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlatformRole {
    User,
    /// A Women's Union officer; scope is the city, or one ward/commune (see `officer_commune`).
    UnionOfficer,
    Admin,
}

impl PlatformRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformRole::User => "user",
            PlatformRole::UnionOfficer => "union_officer",
            PlatformRole::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<PlatformRole> {
        match s {
            "user" => Some(PlatformRole::User),
            "union_officer" => Some(PlatformRole::UnionOfficer),
            "admin" => Some(PlatformRole::Admin),
            _ => None,
        }
    }
}

/// The part of the city a Union officer acts for: what her lists and exports hold, and the
/// records she may change. Administrators act for the whole city.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    City,
    /// One ward or commune, by its code.
    Commune(String),
}

impl Scope {
    /// The scope of someone with this role and officer commune (`None` = city-wide); plain
    /// users have none.
    pub fn of(role: PlatformRole, officer_commune: Option<&str>) -> Option<Scope> {
        match role {
            PlatformRole::User => None,
            PlatformRole::Admin => Some(Scope::City),
            PlatformRole::UnionOfficer => Some(match officer_commune {
                None => Scope::City,
                Some(c) => Scope::Commune(c.to_owned()),
            }),
        }
    }

    /// Whether a record in `commune_code` (its organisation's ward/commune) is inside.
    pub fn covers(&self, commune_code: Option<&str>) -> bool {
        match self {
            Scope::City => true,
            Scope::Commune(c) => commune_code == Some(c.as_str()),
        }
    }

    /// The ward/commune a query keeps to; `None` keeps to nothing (the whole city). Queries
    /// bind it as `($n IS NULL OR o.commune_code = $n)`.
    pub fn commune(&self) -> Option<&str> {
        match self {
            Scope::City => None,
            Scope::Commune(c) => Some(c),
        }
    }
}

/// A user's role inside one organisation.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Member,
    Manager,
    Owner,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Member => "member",
            MemberRole::Manager => "manager",
            MemberRole::Owner => "owner",
        }
    }
    pub fn parse(s: &str) -> Option<MemberRole> {
        match s {
            "member" => Some(MemberRole::Member),
            "manager" => Some(MemberRole::Manager),
            "owner" => Some(MemberRole::Owner),
            _ => None,
        }
    }
}

#[cfg(test)]
mod scope_tests {
    use super::*;

    #[test]
    fn an_officers_scope_is_her_commune_or_the_city() {
        let here = Scope::of(PlatformRole::UnionOfficer, Some("00577"));
        assert_eq!(here, Some(Scope::Commune("00577".into())));
        let here = here.unwrap_or(Scope::City);
        assert!(here.covers(Some("00577")));
        assert!(!here.covers(Some("00004")));
        assert!(!here.covers(None));
        assert_eq!(here.commune(), Some("00577"));
        assert_eq!(
            Scope::of(PlatformRole::UnionOfficer, None),
            Some(Scope::City)
        );
        assert_eq!(
            Scope::of(PlatformRole::Admin, Some("00577")),
            Some(Scope::City)
        );
        assert_eq!(Scope::of(PlatformRole::User, Some("00577")), None);
        assert!(Scope::City.covers(None));
        assert_eq!(Scope::City.commune(), None);
    }
}
