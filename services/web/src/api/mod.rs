//! The JSON API under `/api/v1`. Every error is the one [`crate::error::ErrorEnvelope`];
//! the OpenAPI document is generated from these handlers.

pub mod accounts;
pub mod listings;
pub mod lots;
pub mod openapi;
pub mod orders;
pub mod orgs;
pub mod plan;
pub mod reference;
pub mod reports;
pub mod schema;
pub mod search;
