//! Orders over JSON, for buyers whose own systems follow what they ordered (distributors,
//! e-commerce platforms): their orders, and one order with its lines and timeline. The same
//! rule as the pages: an order is visible to its buyer, its cooperative's owners and
//! managers, and officers with the cooperative's proxy; to anyone else it does not exist.

use crate::AppState;
use crate::context::CurrentUser;
use crate::error::{AppError, ErrorEnvelope};
use crate::extract::PathId;
use crate::pages::orders::order_for;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_db::orders;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderSummaryJson {
    pub id: i64,
    /// `KN000123`: the reference of its bank transfer, too.
    pub code: String,
    pub cooperative_slug: String,
    pub cooperative_name: String,
    /// `goods` or `experience`.
    pub kind: String,
    /// `viet_qr`, `cod` or `stripe`.
    pub payment: String,
    /// `placed`, `booked`, `confirmed`, `awaiting_payment`, `paid`, `shipped`, `delivered`,
    /// `completed`, `attended`, `cancelled` or `refunded`.
    pub status: String,
    /// Đồng.
    pub total_vnd: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderLineJson {
    pub listing_id: i64,
    pub title: String,
    /// `retail`, `wholesale` or `experience`.
    pub offer_kind: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price_vnd: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderEventJson {
    pub status: String,
    /// `buyer`, `cooperative`, `proxy` or `system`.
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderJson {
    #[serde(flatten)]
    pub summary: OrderSummaryJson,
    pub lines: Vec<OrderLineJson>,
    pub timeline: Vec<OrderEventJson>,
    /// Ward/commune code (2025 units) of the delivery address.
    pub delivery_commune: Option<String>,
    pub delivery_street: Option<String>,
    /// The day of the visit, for an experience.
    pub experience_date: Option<NaiveDate>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderList {
    pub orders: Vec<OrderSummaryJson>,
}

fn summary(o: &orders::Order, slug: String, name: String) -> OrderSummaryJson {
    OrderSummaryJson {
        id: o.id,
        code: o.code(),
        cooperative_slug: slug,
        cooperative_name: name,
        kind: o.kind.as_str().to_owned(),
        payment: o.payment.as_str().to_owned(),
        status: o.status.as_str().to_owned(),
        total_vnd: o.total,
        created_at: o.created_at,
    }
}

/// The signed-in user's orders as a buyer, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    responses((status = 200, body = OrderList), (status = 401, body = ErrorEnvelope)))]
pub async fn list_orders(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<OrderList>, AppError> {
    let rows = orders::of_buyer(state.db.conn(), user.id, 200).await?;
    Ok(Json(OrderList {
        orders: rows
            .into_iter()
            .map(|l| summary(&l.order, l.org_slug, l.org_name))
            .collect(),
    }))
}

/// One order with its lines and timeline.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = i64, Path)),
    responses((status = 200, body = OrderJson), (status = 401, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope)))]
pub async fn show_order(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId,
) -> Result<Json<OrderJson>, AppError> {
    let (order, _) = order_for(&state, &user, id).await?;
    let org = ketnoi_db::orgs::find(state.db.conn(), order.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = orders::items(state.db.conn(), order.id).await?;
    let timeline = orders::timeline(state.db.conn(), order.id).await?;
    Ok(Json(OrderJson {
        summary: summary(&order, org.slug, org.name),
        lines: lines
            .into_iter()
            .map(|i| OrderLineJson {
                listing_id: i.listing_id,
                title: i.title,
                offer_kind: i.offer_kind.as_str().to_owned(),
                unit: i.unit,
                quantity: i.quantity,
                unit_price_vnd: i.unit_price,
            })
            .collect(),
        timeline: timeline
            .into_iter()
            .map(|e| OrderEventJson {
                status: e.status,
                actor: e.actor,
                at: e.at,
            })
            .collect(),
        delivery_commune: order.delivery_commune.clone(),
        delivery_street: order.delivery_street.clone(),
        experience_date: order.experience_date,
    }))
}
