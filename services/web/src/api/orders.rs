//! Orders over JSON, for buyers whose own systems follow what they ordered (distributors,
//! e-commerce platforms): their orders, and one order with its lines and timeline. The same
//! rule as the pages: an order is visible to its buyer, its cooperative's owners and
//! managers, and officers with the cooperative's proxy; to anyone else it does not exist.

use crate::AppState;
use crate::api::openapi::{BadRequest, NotFound, Unauthorized};
use crate::context::CurrentUser;
use crate::error::AppError;
use crate::extract::PathId;
use crate::pages::orders::order_for;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use ketnoi_db::orders;
use ketnoi_domain::catalog::OfferKind;
use ketnoi_domain::order::{Actor, OrderKind, PaymentMethod, Status};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderSummaryJson {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub id: i64,
    /// `KN000123`: the reference of its bank transfer, too.
    pub code: String,
    pub cooperative_slug: String,
    pub cooperative_name: String,
    pub kind: OrderKind,
    pub payment: PaymentMethod,
    pub status: Status,
    /// Đồng.
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub total_vnd: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderLineJson {
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub listing_id: i64,
    pub title: String,
    pub offer_kind: OfferKind,
    pub unit: String,
    #[schema(minimum = 1, maximum = 9223372036854775807_i64)]
    pub quantity: i64,
    /// Đồng.
    #[schema(minimum = 0, maximum = 9223372036854775807_i64)]
    pub unit_price_vnd: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderEventJson {
    /// The status the order reached.
    #[schema(value_type = Status)]
    pub status: String,
    #[schema(value_type = Actor)]
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
        kind: o.kind,
        payment: o.payment,
        status: o.status,
        total_vnd: o.total,
        created_at: o.created_at,
    }
}

/// The signed-in user's orders as a buyer, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    security(("session" = [])),
    responses((status = 200, body = OrderList), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized)))]
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
    params(("id" = i64, Path, minimum = 1, maximum = 9223372036854775807_i64)),
    security(("session" = [])),
    responses((status = 200, body = OrderJson), (status = 400, response = BadRequest),
              (status = 401, response = Unauthorized), (status = 404, response = NotFound)))]
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
                offer_kind: i.offer_kind,
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
