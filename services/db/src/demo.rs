//! The fictional demo dataset in `data/demo`, compiled in and imported idempotently: each
//! record keeps its dataset id as `external_id`, so importing twice changes nothing.

use crate::orgs::{self, NewOrg};
use crate::{Db, DbError, Result};
use ketnoi_domain::org::{BuyerType, OrgKind};
use ketnoi_domain::text;
use serde::Deserialize;

static COOPERATIVES: &str = include_str!("../../../data/demo/cooperatives.json");
static BUYERS: &str = include_str!("../../../data/demo/buyers.json");

#[derive(Deserialize)]
struct Cooperative {
    id: String,
    name: String,
    kind: String,
    commune_code: String,
    address: String,
    founded: i64,
    description: String,
    members_total: i64,
    members_female: i64,
    phone: String,
}

#[derive(Deserialize)]
struct Buyer {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    province_code: Option<String>,
    commune_code: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    description: String,
}

/// The street part of a demo address: everything before the commune's name.
fn street_of(address: &str, commune_code: &str) -> Option<String> {
    let commune = ketnoi_domain::admin_units::commune(commune_code)?;
    let street = address.split(&format!(", {}", commune.name)).next()?.trim();
    (!street.is_empty()).then(|| street.to_owned())
}

fn phone_e164(raw: &str) -> Option<String> {
    ketnoi_domain::contact::Phone::parse(raw)
        .ok()
        .map(|p| p.as_str().to_owned())
}

/// How many organisations the demo dataset holds.
pub fn organisation_count() -> usize {
    let c: Vec<serde_json::Value> = serde_json::from_str(COOPERATIVES).unwrap_or_default();
    let b: Vec<serde_json::Value> = serde_json::from_str(BUYERS).unwrap_or_default();
    c.len() + b.len()
}

/// Imports the demo cooperatives and buyers in one transaction; returns how many records.
pub async fn import(db: &Db) -> Result<usize> {
    let coops: Vec<Cooperative> = serde_json::from_str(COOPERATIVES)
        .map_err(|e| DbError::Corrupt(format!("demo cooperatives: {e}")))?;
    let buyers: Vec<Buyer> =
        serde_json::from_str(BUYERS).map_err(|e| DbError::Corrupt(format!("demo buyers: {e}")))?;
    let mut tx = db.begin().await?;
    for c in &coops {
        let kind = if c.kind == "tht" {
            OrgKind::Tht
        } else {
            OrgKind::Htx
        };
        orgs::upsert(
            tx.conn(),
            &NewOrg {
                external_id: Some(c.id.clone()),
                slug: c.id.clone(),
                kind: Some(kind),
                name: text::clean(&c.name),
                street: street_of(&c.address, &c.commune_code),
                commune_code: Some(c.commune_code.clone()),
                province_code: "01".into(),
                phone: phone_e164(&c.phone),
                description: Some(text::clean(&c.description)),
                founded_year: Some(c.founded),
                members_total: Some(c.members_total),
                members_female: Some(c.members_female),
                ..NewOrg::default()
            },
        )
        .await?;
    }
    for b in &buyers {
        orgs::upsert(
            tx.conn(),
            &NewOrg {
                external_id: Some(b.id.clone()),
                slug: b.id.clone(),
                kind: Some(OrgKind::Buyer),
                buyer_type: BuyerType::parse(&b.kind),
                name: text::clean(&b.name),
                commune_code: b.commune_code.clone(),
                province_code: b.province_code.clone().unwrap_or_else(|| "01".into()),
                email: b.email.clone(),
                phone: b.phone.as_deref().and_then(phone_e164),
                description: Some(text::clean(&b.description)),
                ..NewOrg::default()
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(coops.len() + buyers.len())
}
