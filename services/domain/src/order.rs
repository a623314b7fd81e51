//! An order's life as a state machine: which step may follow which, and who may take it.
//! Every change of an order goes through [`next`]; the store records each step with its
//! actor and time, and both sides see them as a timeline.
//!
//! Goods: `placed → confirmed → (awaiting payment → paid) → shipped → delivered →
//! completed`. Cash on delivery skips the payment steps: the money changes hands on
//! delivery. Before payment an order can be cancelled; after it, refunded. Experiences
//! (a visit, a workshop): `booked → confirmed → attended`, or cancelled.

use crate::catalog::OfferKind;
use crate::listing::Offer;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An order's code, `KN000123`: what the buyer, the cooperative and a bank transfer's
/// reference call it.
pub fn order_code(id: i64) -> String {
    format!("KN{id:06}")
}

/// What was ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Goods,
    Experience,
}

/// How the buyer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Bank transfer scanned from the order's VietQR code; the cooperative marks it received.
    VietQr,
    /// Cash on delivery.
    Cod,
    /// An international card through Stripe; its webhook marks it paid.
    Stripe,
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OrderStatus)]
pub enum Status {
    Placed,
    Booked,
    Confirmed,
    AwaitingPayment,
    Paid,
    Shipped,
    Delivered,
    Completed,
    Attended,
    Cancelled,
    Refunded,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Placed,
        Status::Booked,
        Status::Confirmed,
        Status::AwaitingPayment,
        Status::Paid,
        Status::Shipped,
        Status::Delivered,
        Status::Completed,
        Status::Attended,
        Status::Cancelled,
        Status::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Placed => "placed",
            Status::Booked => "booked",
            Status::Confirmed => "confirmed",
            Status::AwaitingPayment => "awaiting_payment",
            Status::Paid => "paid",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Completed => "completed",
            Status::Attended => "attended",
            Status::Cancelled => "cancelled",
            Status::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The states of an order waiting for its cooperative to confirm it: goods placed, an
    /// experience booked. The cooperative's count of orders to confirm and the confirmation
    /// timer look for these.
    pub const AWAITING_CONFIRMATION: [Status; 2] = [Status::Placed, Status::Booked];

    /// The order waits for its cooperative to confirm it (see
    /// [`Status::AWAITING_CONFIRMATION`]).
    pub fn is_awaiting_confirmation(self) -> bool {
        Status::AWAITING_CONFIRMATION.contains(&self)
    }

    /// Nothing follows: the order is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Completed | Status::Attended | Status::Cancelled | Status::Refunded
        )
    }

    /// Where an order of `kind` starts.
    pub fn initial(kind: OrderKind) -> Status {
        match kind {
            OrderKind::Goods => Status::Placed,
            OrderKind::Experience => Status::Booked,
        }
    }
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OrderActor)]
pub enum Actor {
    Buyer,
    /// An owner or manager of the selling cooperative.
    Cooperative,
    /// A Union officer acting for the cooperative (proxy mode).
    Proxy,
    /// The platform itself: timers, the payment provider's confirmed webhook.
    System,
}

/// A step someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Confirm,
    /// The money arrived (a transfer the cooperative saw, or Stripe's webhook).
    MarkPaid,
    Ship,
    Deliver,
    Complete,
    Attend,
    Cancel,
    Refund,
}

/// Why a step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("this step does not follow from the order's state")]
    NotNow,
    #[error("this person may not take this step")]
    NotYours,
}

impl OrderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Goods => "goods",
            OrderKind::Experience => "experience",
        }
    }
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::VietQr => "viet_qr",
            PaymentMethod::Cod => "cod",
            PaymentMethod::Stripe => "stripe",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentMethod> {
        [
            PaymentMethod::VietQr,
            PaymentMethod::Cod,
            PaymentMethod::Stripe,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

impl OrderKind {
    pub fn parse(s: &str) -> Option<OrderKind> {
        [OrderKind::Goods, OrderKind::Experience]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Buyer => "buyer",
            Actor::Cooperative => "cooperative",
            Actor::Proxy => "proxy",
            Actor::System => "system",
        }
    }
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Confirm,
        Step::MarkPaid,
        Step::Ship,
        Step::Deliver,
        Step::Complete,
        Step::Attend,
        Step::Cancel,
        Step::Refund,
    ];
    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|st| st.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Confirm => "confirm",
            Step::MarkPaid => "mark_paid",
            Step::Ship => "ship",
            Step::Deliver => "deliver",
            Step::Complete => "complete",
            Step::Attend => "attend",
            Step::Cancel => "cancel",
            Step::Refund => "refund",
        }
    }
}

/// The order the facts describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub kind: OrderKind,
    pub payment: PaymentMethod,
    pub status: Status,
}

fn seller(a: Actor) -> bool {
    matches!(a, Actor::Cooperative | Actor::Proxy)
}

/// The state after `step` by `actor`, or why not. Confirming an order paid in advance
/// (VietQR, Stripe) moves it to awaiting payment; cash on delivery goes from confirmed to
/// shipped, and its delivery is its payment.
pub fn next(order: Order, step: Step, actor: Actor) -> Result<Status, Refused> {
    use OrderKind::*;
    use Status::*;
    use Step::*;
    let prepaid = order.payment != PaymentMethod::Cod;
    // (the state it leads to, whether this actor may take it)
    let (to, allowed) = match (order.kind, order.status, step) {
        (Goods, Placed, Confirm) => (
            if prepaid { AwaitingPayment } else { Confirmed },
            seller(actor),
        ),
        (Experience, Booked, Confirm) => (Confirmed, seller(actor)),
        // A transfer is marked by the cooperative; a card payment by Stripe's webhook only.
        (Goods, AwaitingPayment, MarkPaid) => (
            Paid,
            match order.payment {
                PaymentMethod::VietQr => seller(actor) || actor == Actor::System,
                PaymentMethod::Stripe => actor == Actor::System,
                PaymentMethod::Cod => false,
            },
        ),
        (Goods, Paid, Ship) => (Shipped, seller(actor)),
        (Goods, Confirmed, Ship) if !prepaid => (Shipped, seller(actor)),
        (Goods, Shipped, Deliver) => (Delivered, seller(actor) || actor == Actor::Buyer),
        (Goods, Delivered, Complete) => {
            (Completed, actor == Actor::Buyer || actor == Actor::System)
        }
        (Experience, Confirmed, Attend) => (Attended, seller(actor)),
        // Before any money moved, either side (or the confirmation timer) cancels.
        (Goods, Placed | AwaitingPayment, Cancel)
        | (Goods, Confirmed, Cancel)
        | (Experience, Booked | Confirmed, Cancel) => (Cancelled, true),
        // Once paid, the cooperative (or an officer for it) refunds instead.
        (Goods, Paid | Shipped | Delivered, Refund) => (Refunded, seller(actor)),
        _ => return Err(Refused::NotNow),
    };
    if allowed {
        Ok(to)
    } else {
        Err(Refused::NotYours)
    }
}

/// What an offer asks of a line: the terms a cart line is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    pub kind: crate::catalog::OfferKind,
    /// Đồng per unit (per person, for experiences).
    pub price: i64,
    pub case_size: Option<i64>,
    pub min_order_qty: Option<i64>,
    pub max_group_size: Option<i64>,
    /// Rising in quantity (see [`crate::catalog::tiers_are_valid`]).
    pub tiers: &'a [crate::catalog::PriceTier],
}

impl<'a> From<&'a Offer> for Terms<'a> {
    /// The terms an offer sets its lines.
    fn from(offer: &'a Offer) -> Terms<'a> {
        Terms {
            kind: offer.kind,
            price: offer.price.0,
            case_size: offer.case_size,
            min_order_qty: offer.min_order_qty,
            max_group_size: offer.max_group_size,
            tiers: &offer.tiers,
        }
    }
}

impl OfferKind {
    /// The kind of order a line of this kind goes into.
    pub fn order_kind(self) -> OrderKind {
        match self {
            OfferKind::Experience => OrderKind::Experience,
            OfferKind::Retail | OfferKind::Wholesale => OrderKind::Goods,
        }
    }
}

/// Why a line cannot be ordered as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LineRefused {
    #[error("the quantity must be a whole number from 1 to 100000")]
    BadQuantity,
    #[error("at least {0} must be ordered")]
    BelowMinimum(i64),
    #[error("wholesale is sold in cases of {0}")]
    NotWholeCases(i64),
    #[error("groups of at most {0}")]
    GroupTooLarge(i64),
}

/// The most anyone orders of one thing in one line.
pub const MAX_LINE_QUANTITY: i64 = 100_000;

/// The unit price of `quantity` on these terms, or why the line cannot be ordered: wholesale
/// lines are whole cases, at least the minimum order, priced by the highest tier reached;
/// experience lines are a group within the offer's group size.
pub fn unit_price(terms: &Terms<'_>, quantity: i64) -> Result<i64, LineRefused> {
    if !(1..=MAX_LINE_QUANTITY).contains(&quantity) {
        return Err(LineRefused::BadQuantity);
    }
    match terms.kind {
        OfferKind::Retail => Ok(terms.price),
        OfferKind::Experience => match terms.max_group_size {
            Some(max) if quantity > max => Err(LineRefused::GroupTooLarge(max)),
            _ => Ok(terms.price),
        },
        OfferKind::Wholesale => {
            let minimum = terms
                .min_order_qty
                .or_else(|| terms.tiers.first().map(|t| t.min_qty))
                .unwrap_or(1);
            if quantity < minimum {
                return Err(LineRefused::BelowMinimum(minimum));
            }
            if let Some(case) = terms.case_size.filter(|c| *c > 1)
                && quantity % case != 0
            {
                return Err(LineRefused::NotWholeCases(case));
            }
            Ok(terms
                .tiers
                .iter()
                .rev()
                .find(|t| t.min_qty <= quantity)
                .map_or(terms.price, |t| t.price.0))
        }
    }
}

/// A cart line as the checkout plan reads it.
#[derive(Debug, Clone, Copy)]
pub struct CartItem<'a> {
    pub org_id: i64,
    pub offer_id: i64,
    pub quantity: i64,
    /// The day of the visit (experiences; `None` for goods, or for a day that is unreadable,
    /// which the store then refuses).
    pub experience_date: Option<NaiveDate>,
    pub terms: Terms<'a>,
}

/// A line of a planned order, priced on its offer's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedLine {
    pub offer_id: i64,
    pub quantity: i64,
    /// Đồng per unit on the offer's terms; the offer's list price when the line is refused.
    pub unit_price: i64,
    /// Why the terms refuse the line as it is (the store will not place it).
    pub refused: Option<LineRefused>,
}

impl PlannedLine {
    /// The line priced as the store will price it (see [`unit_price`]).
    pub fn of(item: &CartItem<'_>) -> PlannedLine {
        let priced = unit_price(&item.terms, item.quantity);
        PlannedLine {
            offer_id: item.offer_id,
            quantity: item.quantity,
            unit_price: *priced.as_ref().unwrap_or(&item.terms.price),
            refused: priced.err(),
        }
    }
    /// Đồng: the unit price times the quantity.
    pub fn total(&self) -> i64 {
        self.unit_price.saturating_mul(self.quantity)
    }
}

/// One order a checkout places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOrder {
    pub org_id: i64,
    pub kind: OrderKind,
    /// The day of the visit (a booking); `None` for goods.
    pub experience_date: Option<NaiveDate>,
    pub lines: Vec<PlannedLine>,
    /// Đồng: what the store will charge, the lines its terms accept.
    pub total: i64,
}

impl PlannedOrder {
    /// Đồng, every line counted (a refused one at its list price, as the cart shows it).
    pub fn shown_total(&self) -> i64 {
        self.lines
            .iter()
            .fold(0i64, |sum, l| sum.saturating_add(l.total()))
    }
}

/// What a cart becomes at checkout, in the cart's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub orders: Vec<PlannedOrder>,
}

impl Plan {
    /// The cooperative's goods order, if the cart has goods of it.
    pub fn goods_of(&self, org_id: i64) -> Option<&PlannedOrder> {
        self.orders
            .iter()
            .find(|o| o.org_id == org_id && o.kind == OrderKind::Goods)
    }
    /// The orders of one cooperative (its goods, then its bookings).
    pub fn of_org(&self, org_id: i64) -> impl Iterator<Item = &PlannedOrder> {
        self.orders.iter().filter(move |o| o.org_id == org_id)
    }
}

/// Splits a cart into the orders to place: a cooperative's goods lines make one order; each
/// experience line (its own day) makes one booking. Orders come in the order of their first
/// line; each total is priced with [`unit_price`].
pub fn plan(items: &[CartItem<'_>]) -> Plan {
    let mut orders: Vec<PlannedOrder> = Vec::new();
    for item in items {
        let kind = item.terms.kind.order_kind();
        let line = PlannedLine::of(item);
        let charged = if line.refused.is_none() {
            line.total()
        } else {
            0
        };
        let existing = match kind {
            OrderKind::Goods => orders
                .iter_mut()
                .find(|o| o.org_id == item.org_id && o.kind == OrderKind::Goods),
            OrderKind::Experience => None,
        };
        match existing {
            Some(o) => {
                o.total = o.total.saturating_add(charged);
                o.lines.push(line);
            }
            None => orders.push(PlannedOrder {
                org_id: item.org_id,
                kind,
                experience_date: match kind {
                    OrderKind::Goods => None,
                    OrderKind::Experience => item.experience_date,
                },
                lines: vec![line],
                total: charged,
            }),
        }
    }
    Plan { orders }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;
    use Status::*;
    use Step::*;

    fn goods(payment: PaymentMethod, status: Status) -> Order {
        Order {
            kind: OrderKind::Goods,
            payment,
            status,
        }
    }

    /// Walks `steps` from the start; every step must be allowed. Returns the states passed.
    fn walk(kind: OrderKind, payment: PaymentMethod, steps: &[(Step, Actor)]) -> Vec<Status> {
        let mut order = Order {
            kind,
            payment,
            status: Status::initial(kind),
        };
        let mut seen = vec![order.status];
        for &(step, actor) in steps {
            order.status = next(order, step, actor)
                .unwrap_or_else(|e| panic!("{step:?} by {actor:?} from {:?}: {e}", order.status));
            seen.push(order.status);
        }
        seen
    }

    #[test]
    fn the_happy_paths() {
        let vietqr = walk(
            OrderKind::Goods,
            PaymentMethod::VietQr,
            &[
                (Confirm, Cooperative),
                (MarkPaid, Cooperative),
                (Ship, Cooperative),
                (Deliver, Buyer),
                (Complete, Buyer),
            ],
        );
        assert_eq!(
            vietqr,
            [Placed, AwaitingPayment, Paid, Shipped, Delivered, Completed]
        );
        let cod = walk(
            OrderKind::Goods,
            PaymentMethod::Cod,
            &[
                (Confirm, Proxy),
                (Ship, Cooperative),
                (Deliver, Cooperative),
                (Complete, System),
            ],
        );
        assert_eq!(cod, [Placed, Confirmed, Shipped, Delivered, Completed]);
        let stripe = walk(
            OrderKind::Goods,
            PaymentMethod::Stripe,
            &[
                (Confirm, Cooperative),
                (MarkPaid, System),
                (Refund, Cooperative),
            ],
        );
        assert_eq!(stripe, [Placed, AwaitingPayment, Paid, Refunded]);
        let visit = walk(
            OrderKind::Experience,
            PaymentMethod::Cod,
            &[(Confirm, Cooperative), (Attend, Cooperative)],
        );
        assert_eq!(visit, [Booked, Confirmed, Attended]);
    }

    #[test]
    fn who_may_take_a_step() {
        let placed = goods(PaymentMethod::VietQr, Placed);
        assert_eq!(next(placed, Confirm, Buyer), Err(Refused::NotYours));
        assert_eq!(next(placed, Cancel, Buyer), Ok(Cancelled));
        assert_eq!(
            next(placed, Cancel, System),
            Ok(Cancelled),
            "the confirmation timer"
        );
        let awaiting = goods(PaymentMethod::VietQr, AwaitingPayment);
        assert_eq!(next(awaiting, MarkPaid, Buyer), Err(Refused::NotYours));
        let card = goods(PaymentMethod::Stripe, AwaitingPayment);
        assert_eq!(
            next(card, MarkPaid, Cooperative),
            Err(Refused::NotYours),
            "only Stripe says a card paid"
        );
        assert_eq!(
            next(goods(PaymentMethod::Cod, Paid), Refund, Buyer),
            Err(Refused::NotYours)
        );
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        assert_eq!(
            next(goods(PaymentMethod::VietQr, Placed), Ship, Cooperative),
            Err(Refused::NotNow)
        );
        assert_eq!(
            next(goods(PaymentMethod::VietQr, Confirmed), Ship, Cooperative),
            Err(Refused::NotNow),
            "a prepaid order ships once paid"
        );
        assert_eq!(
            next(goods(PaymentMethod::Cod, Confirmed), MarkPaid, Cooperative),
            Err(Refused::NotNow)
        );
        assert_eq!(
            next(goods(PaymentMethod::VietQr, Paid), Cancel, Buyer),
            Err(Refused::NotNow),
            "paid: refund, not cancel"
        );
        assert_eq!(
            next(goods(PaymentMethod::VietQr, Placed), Refund, Cooperative),
            Err(Refused::NotNow)
        );
        assert_eq!(
            next(
                Order {
                    kind: OrderKind::Experience,
                    payment: PaymentMethod::Cod,
                    status: Booked
                },
                Ship,
                Cooperative
            ),
            Err(Refused::NotNow)
        );
    }

    /// Nothing follows a final state, whoever asks.
    #[test]
    fn final_states_are_final() {
        let steps = [
            Confirm, MarkPaid, Ship, Deliver, Complete, Attend, Cancel, Refund,
        ];
        let actors = [Buyer, Cooperative, Proxy, System];
        for kind in [OrderKind::Goods, OrderKind::Experience] {
            for payment in [
                PaymentMethod::VietQr,
                PaymentMethod::Cod,
                PaymentMethod::Stripe,
            ] {
                for status in Status::ALL.into_iter().filter(|s| s.is_final()) {
                    for step in steps {
                        for actor in actors {
                            let order = Order {
                                kind,
                                payment,
                                status,
                            };
                            assert_eq!(
                                next(order, step, actor),
                                Err(Refused::NotNow),
                                "{order:?} {step:?} {actor:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("shipping"), None);
    }

    #[test]
    fn wholesale_lines_are_whole_cases_above_the_minimum_at_the_tier_reached() {
        use crate::Vnd;
        use crate::catalog::{OfferKind, PriceTier};
        let tiers = [
            PriceTier {
                min_qty: 20,
                price: Vnd(90_000),
            },
            PriceTier {
                min_qty: 100,
                price: Vnd(80_000),
            },
        ];
        let terms = Terms {
            kind: OfferKind::Wholesale,
            price: 95_000,
            case_size: Some(10),
            min_order_qty: Some(20),
            max_group_size: None,
            tiers: &tiers,
        };
        assert_eq!(unit_price(&terms, 10), Err(LineRefused::BelowMinimum(20)));
        assert_eq!(unit_price(&terms, 25), Err(LineRefused::NotWholeCases(10)));
        assert_eq!(unit_price(&terms, 20), Ok(90_000));
        assert_eq!(unit_price(&terms, 90), Ok(90_000));
        assert_eq!(unit_price(&terms, 100), Ok(80_000));
        assert_eq!(unit_price(&terms, 0), Err(LineRefused::BadQuantity));
        assert_eq!(
            unit_price(&terms, MAX_LINE_QUANTITY + 10),
            Err(LineRefused::BadQuantity)
        );
        let no_minimum = Terms {
            min_order_qty: None,
            ..terms
        };
        assert_eq!(
            unit_price(&no_minimum, 10),
            Err(LineRefused::BelowMinimum(20))
        );
    }

    #[test]
    fn retail_is_one_price_and_experiences_limit_the_group() {
        use crate::catalog::OfferKind;
        let retail = Terms {
            kind: OfferKind::Retail,
            price: 50_000,
            case_size: Some(12),
            min_order_qty: None,
            max_group_size: None,
            tiers: &[],
        };
        assert_eq!(unit_price(&retail, 3), Ok(50_000));
        let visit = Terms {
            kind: OfferKind::Experience,
            max_group_size: Some(15),
            ..retail
        };
        assert_eq!(unit_price(&visit, 15), Ok(50_000));
        assert_eq!(unit_price(&visit, 16), Err(LineRefused::GroupTooLarge(15)));
    }

    mod plans {
        use super::super::*;
        use crate::Vnd;
        use crate::catalog::{OfferKind, PriceTier};

        fn terms(kind: OfferKind, price: i64) -> Terms<'static> {
            Terms {
                kind,
                price,
                case_size: None,
                min_order_qty: None,
                max_group_size: Some(10),
                tiers: &[],
            }
        }

        fn item(
            org_id: i64,
            offer_id: i64,
            quantity: i64,
            terms: Terms<'static>,
            day: Option<NaiveDate>,
        ) -> CartItem<'static> {
            CartItem {
                org_id,
                offer_id,
                quantity,
                experience_date: day,
                terms,
            }
        }

        fn day(d: u32) -> Option<NaiveDate> {
            NaiveDate::from_ymd_opt(2030, 5, d)
        }

        #[test]
        fn two_cooperatives_make_two_goods_orders_with_their_totals() {
            static TIERS: [PriceTier; 1] = [PriceTier {
                min_qty: 10,
                price: Vnd(9_000),
            }];
            let wholesale = Terms {
                kind: OfferKind::Wholesale,
                price: 10_000,
                case_size: Some(10),
                min_order_qty: Some(10),
                max_group_size: None,
                tiers: &TIERS,
            };
            let p = plan(&[
                item(1, 11, 2, terms(OfferKind::Retail, 250_000), None),
                item(2, 21, 20, wholesale, None),
                item(1, 12, 3, terms(OfferKind::Retail, 40_000), None),
            ]);
            assert_eq!(p.orders.len(), 2);
            let (a, b) = (&p.orders[0], &p.orders[1]);
            assert_eq!((a.org_id, a.kind), (1, OrderKind::Goods));
            assert_eq!(
                a.lines.iter().map(|l| l.offer_id).collect::<Vec<_>>(),
                [11, 12]
            );
            assert_eq!(a.total, 2 * 250_000 + 3 * 40_000);
            assert_eq!((b.org_id, b.kind), (2, OrderKind::Goods));
            assert_eq!(b.total, 20 * 9_000, "priced at the tier reached");
            assert_eq!(p.goods_of(2), Some(b));
            assert_eq!(a.experience_date, None);
        }

        #[test]
        fn each_experience_line_is_its_own_booking() {
            let visit = terms(OfferKind::Experience, 150_000);
            let p = plan(&[item(1, 31, 4, visit, day(3)), item(1, 31, 2, visit, day(4))]);
            assert_eq!(p.orders.len(), 2);
            for (o, (d, people)) in p.orders.iter().zip([(day(3), 4), (day(4), 2)]) {
                assert_eq!(o.kind, OrderKind::Experience);
                assert_eq!(o.experience_date, d);
                assert_eq!(o.lines.len(), 1);
                assert_eq!(o.total, people * 150_000);
            }
            assert_eq!(p.goods_of(1), None);
        }

        #[test]
        fn goods_and_an_experience_of_one_cooperative_are_separate_orders() {
            let p = plan(&[
                item(1, 11, 1, terms(OfferKind::Retail, 100_000), None),
                item(1, 31, 3, terms(OfferKind::Experience, 50_000), day(9)),
                item(1, 12, 2, terms(OfferKind::Retail, 10_000), None),
            ]);
            let kinds: Vec<_> = p.orders.iter().map(|o| (o.org_id, o.kind)).collect();
            assert_eq!(kinds, [(1, OrderKind::Goods), (1, OrderKind::Experience)]);
            assert_eq!(p.orders[0].total, 100_000 + 2 * 10_000);
            assert_eq!(p.orders[1].total, 3 * 50_000);
            assert_eq!(p.of_org(1).count(), 2);
        }

        #[test]
        fn a_refused_line_is_not_charged_but_shown_at_its_list_price() {
            let p = plan(&[
                item(1, 11, 1, terms(OfferKind::Retail, 100_000), None),
                item(1, 31, 12, terms(OfferKind::Experience, 50_000), day(9)),
            ]);
            let booking = &p.orders[1];
            assert_eq!(
                booking.lines[0].refused,
                Some(LineRefused::GroupTooLarge(10))
            );
            assert_eq!(booking.total, 0);
            assert_eq!(booking.shown_total(), 12 * 50_000);
        }

        #[test]
        fn codes_and_awaiting_confirmation() {
            assert_eq!(order_code(123), "KN000123");
            assert!(Status::Placed.is_awaiting_confirmation());
            assert!(Status::Booked.is_awaiting_confirmation());
            assert!(!Status::Confirmed.is_awaiting_confirmation());
        }
    }
}
