//! Wholesale sourcing in the demo (issue 21): a Hồ Tây hotel (account `khachsan.hotay@example.com`)
//! has two open requests for quotation. Rice, weekly for six months: the rice cooperatives
//! that can supply it were told; the Bát Tràng officer, acting for three of them, sent a
//! joint quote of two (Sóc Sơn leading, Đại Xuyên) and a quote for Ứng Hòa alone. Tea sets
//! for the rooms: it reached the demo pottery cooperative, whose owner (`htx.menlam@…`) can
//! quote. Only once (when the hotel has no request yet).

use chrono::Utc;
use ketnoi_app::sourcing::{RfqForm, check_rfq, post, submit_quote};
use ketnoi_db::Db;
use ketnoi_db::sourcing::{self as store, NewQuote};
use ketnoi_domain::time::today_hanoi;
use ketnoi_domain::trade::Share;

/// The demo's verified trade buyer: a hotel (buying for its kitchen), owned by
/// `khachsan.hotay@example.com`.
pub const TRADE_BUYER: &str = "buyer-26-khach-san-ho-tay-lotus-boutique";

/// The demo cooperative that shows its wholesale prices to verified trade buyers only (rice).
const WHOLESALE_FOR_VERIFIED: &str = "htx-lua-gao-huu-co-dong-xanh-soc-son";

/// Wholesale sourcing (issue 21): the hotel's tax code verified by the administrator, and the
/// rice cooperative's wholesale prices kept for verified buyers. Only the first time (while
/// the hotel is unverified), so a demo user's later choices stay.
pub async fn seed_trade(db: &Db) -> anyhow::Result<()> {
    let (Some(hotel), Some(admin)) = (
        ketnoi_db::orgs::find_by_slug(db.conn(), TRADE_BUYER).await?,
        ketnoi_db::users::find_by_email(db.conn(), "admin@example.com").await?,
    ) else {
        return Ok(());
    };
    if !ketnoi_db::trade_buyers::verify(db.conn(), hotel.id, admin.id).await? {
        return Ok(());
    }
    if let Some(coop) = ketnoi_db::orgs::find_by_slug(db.conn(), WHOLESALE_FOR_VERIFIED).await? {
        ketnoi_db::trade_buyers::set_wholesale_verified_only(db.conn(), coop.id, true).await?;
    }
    Ok(())
}

const HOTEL_LOGIN: &str = "khachsan.hotay@example.com";
const OFFICER_LOGIN: &str = "canbo.battrang@example.com";
/// The rice cooperatives the officer acts for: the joint quote's two, then the lone one.
const RICE: [&str; 3] = [
    "htx-lua-gao-huu-co-dong-xanh-soc-son",
    "htx-gao-sach-ruong-trung-dai-xuyen",
    "htx-nong-nghiep-hat-ngoc-ung-hoa",
];

pub async fn seed(db: &Db, public_url: &str) -> anyhow::Result<()> {
    let conn = || db.conn();
    let (Some(hotel), Some(officer)) = (
        ketnoi_db::orgs::find_by_slug(conn(), TRADE_BUYER).await?,
        ketnoi_db::users::find_by_email(conn(), OFFICER_LOGIN).await?,
    ) else {
        return Ok(());
    };
    let Some(buyer) = ketnoi_db::users::find_by_email(conn(), HOTEL_LOGIN).await? else {
        return Ok(());
    };
    let buyer = buyer.id;
    if !store::of_buyer(conn(), buyer).await?.is_empty() {
        return Ok(());
    }
    // The rice cooperatives declare what they can supply in a month, and grant the officer
    // proxy rights (most of them have nobody on Ketnoi).
    let mut rice = Vec::new();
    for slug in RICE {
        let Some(org) = ketnoi_db::orgs::find_by_slug(conn(), slug).await? else {
            continue;
        };
        ketnoi_db::orgs::grant_proxy(conn(), org.id, officer.id, officer.id).await?;
        let listings = ketnoi_db::listings::of_org(conn(), org.id).await?;
        let mut first = None;
        for l in listings
            .iter()
            .filter(|l| l.is_public() && l.category_id == "gao-ngu-coc")
        {
            store::set_monthly_capacity(conn(), l.id, Some(3_000)).await?;
            first.get_or_insert(l.id);
        }
        if let Some(listing) = first {
            rice.push((org.id, listing));
        }
    }
    let today = today_hanoi();
    let day = |days: i64| (today + chrono::Duration::days(days)).to_string();
    let requests = [
        RfqForm {
            title: "Gạo tám thơm cho bếp khách sạn, giao hằng tuần".into(),
            category: "gao-ngu-coc".into(),
            words: String::new(),
            quantity: "200".into(),
            unit: "kg".into(),
            target_price: "24.000".into(),
            delivery_commune: hotel.commune_code.clone().unwrap_or_default(),
            deliver_from: day(21),
            deliver_until: day(21 + 182),
            recurrence: "weekly".into(),
            deadline: day(10),
            visibility: "public".into(),
            ..RfqForm::default()
        },
        RfqForm {
            title: "Bộ ấm chén gốm men lam cho 60 phòng".into(),
            category: "gom-su".into(),
            quantity: "60".into(),
            unit: "bộ".into(),
            target_price: "450.000".into(),
            delivery_commune: hotel.commune_code.clone().unwrap_or_default(),
            deliver_from: day(30),
            recurrence: "once".into(),
            deadline: day(14),
            visibility: "public".into(),
            ..RfqForm::default()
        },
    ];
    let mut rice_rfq = None;
    for form in &requests {
        let new = check_rfq(form, hotel.id, buyer, today)
            .map_err(|e| anyhow::anyhow!("demo request refused: {e:?}"))?;
        let (id, reached) = post(db, None, public_url, &new, today).await?;
        tracing::info!(id, reached, "demo request for quotation");
        rice_rfq.get_or_insert(id);
    }
    let Some(rfq) = (match rice_rfq {
        Some(id) => store::rfq(conn(), id).await?,
        None => None,
    }) else {
        return Ok(());
    };
    let valid_until = Utc::now() + chrono::Duration::days(14);
    let quote = |shares: Vec<Share>, note: &str| NewQuote {
        rfq_id: rfq.id,
        shares,
        created_by: officer.id,
        by_proxy: true,
        valid_until,
        deliver_from: Some(rfq.new.deliver_from),
        note: Some(note.to_owned()),
        tiers: vec![],
    };
    if let [(a, la), (b, lb), rest @ ..] = rice.as_slice() {
        let joint = quote(
            vec![
                Share {
                    org_id: *a,
                    listing_id: *la,
                    quantity: 120,
                    unit_price: 23_000,
                },
                Share {
                    org_id: *b,
                    listing_id: *lb,
                    quantity: 80,
                    unit_price: 22_500,
                },
            ],
            "Hai hợp tác xã cùng giao mỗi thứ Hai, gạo xay trong tuần.",
        );
        submit_quote(db, public_url, &rfq, &joint).await?;
        if let Some((c, lc)) = rest.first() {
            let mut alone = quote(
                vec![Share {
                    org_id: *c,
                    listing_id: *lc,
                    quantity: 200,
                    unit_price: 24_500,
                }],
                "Giao đủ 200 kg mỗi tuần, xe của hợp tác xã.",
            );
            alone.tiers = vec![(400, 23_800)];
            submit_quote(db, public_url, &rfq, &alone).await?;
        }
    }
    Ok(())
}
