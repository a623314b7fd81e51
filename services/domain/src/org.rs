//! Kinds of organisation on Ketnoi.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Hợp tác xã.
    Htx,
    /// Tổ hợp tác.
    Tht,
    /// A buying organisation; see [`BuyerType`].
    Buyer,
    /// A Women's Union branch: the city, or one ward/commune.
    UnionBranch,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] = [
        OrgKind::Htx,
        OrgKind::Tht,
        OrgKind::Buyer,
        OrgKind::UnionBranch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Htx => "htx",
            OrgKind::Tht => "tht",
            OrgKind::Buyer => "buyer",
            OrgKind::UnionBranch => "union_branch",
        }
    }
    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn is_cooperative(self) -> bool {
        matches!(self, OrgKind::Htx | OrgKind::Tht)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuyerType {
    Individual,
    Retailer,
    Distributor,
    Horeca,
    Ecommerce,
    Importer,
}

impl BuyerType {
    pub const ALL: [BuyerType; 6] = [
        BuyerType::Individual,
        BuyerType::Retailer,
        BuyerType::Distributor,
        BuyerType::Horeca,
        BuyerType::Ecommerce,
        BuyerType::Importer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            BuyerType::Individual => "individual",
            BuyerType::Retailer => "retailer",
            BuyerType::Distributor => "distributor",
            BuyerType::Horeca => "horeca",
            BuyerType::Ecommerce => "ecommerce",
            BuyerType::Importer => "importer",
        }
    }
    pub fn parse(s: &str) -> Option<BuyerType> {
        BuyerType::ALL.into_iter().find(|k| k.as_str() == s)
    }
}
