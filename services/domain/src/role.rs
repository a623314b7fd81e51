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
