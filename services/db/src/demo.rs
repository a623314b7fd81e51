//! The fictional demo dataset in `data/demo`, compiled in and imported idempotently: each
//! record keeps its dataset id as `external_id`, so importing twice changes nothing.

use crate::orgs::{self, NewOrg};
use crate::{Db, DbError, Result};
use ketnoi_domain::org::{BuyerType, OrgKind};
use ketnoi_domain::plan::SupportKind;
use ketnoi_domain::text;
use serde::Deserialize;

static COOPERATIVES: &str = include_str!("../../../data/demo/cooperatives.json");
static BUYERS: &str = include_str!("../../../data/demo/buyers.json");

#[derive(Deserialize)]
struct Managers {
    id: String,
    women_managers: Vec<ManagerJson>,
    certifications: Vec<String>,
}

#[derive(Deserialize)]
struct ManagerJson {
    name: String,
    role: String,
}

#[derive(Deserialize)]
struct ListingBadges {
    id: String,
    ocop_stars: i64,
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

/// A made-up but valid Hanoi tax code (`01…`, its check digit computed) for the demo's
/// Vietnamese businesses; people buying for themselves and foreign importers have none.
fn demo_tax_code(n: usize, kind: &str) -> Option<String> {
    if matches!(kind, "individual" | "importer") {
        return None;
    }
    (0..11).find_map(|k| {
        let nine = format!("0108{:05}", (n * 7919 + k * 131) % 100_000);
        (0..=9).find_map(|d| {
            ketnoi_domain::trade::TaxCode::parse(&format!("{nine}{d}"))
                .ok()
                .map(|c| c.as_str().to_owned())
        })
    })
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

static LISTINGS: &str = include_str!("../../../data/demo/listings.json");
static EVENTS: &str = include_str!("../../../data/demo/events.json");

#[derive(Deserialize)]
struct EventJson {
    id: String,
    name: String,
    kind: String,
    start_date: chrono::NaiveDate,
    end_date: chrono::NaiveDate,
    registration_deadline: Option<chrono::NaiveDate>,
    venue: VenueJson,
    capacity: Option<i64>,
    capacity_unit: Option<String>,
    fee_vnd: i64,
    categories: Vec<String>,
    organizer: String,
    description: String,
}

#[derive(Deserialize)]
struct VenueJson {
    name: String,
    address: String,
    commune_code: Option<String>,
    province_code: String,
}

/// The Union branch that stands as verifier of the demo badges.
const DEMO_VERIFIER: &str = "Hội LHPN Thành phố Hà Nội (dữ liệu mẫu)";

/// Imports the demo cooperatives (with their women managers and verified badges), buyers and
/// listings in one transaction; returns how many organisations.
/// Ticket types for a demo event, unless it has some: booths for a fair counted in booths
/// (with free admission for visitors), else places for people.
async fn demo_tickets(
    tx: &mut crate::Tx,
    event_id: i64,
    capacity: Option<i64>,
    unit: Option<&str>,
    fee: i64,
) -> Result<()> {
    use crate::events::NewTicketType;
    use ketnoi_domain::event::TicketKind;
    if !crate::events::ticket_types(tx.conn(), event_id)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let quota = capacity.unwrap_or(100).max(1);
    let types = if unit == Some("gian hàng") {
        vec![
            NewTicketType {
                kind: TicketKind::Visitor,
                name_vi: "Khách tham quan".into(),
                name_en: "Visitor".into(),
                quota: 500,
                price_vnd: 0,
            },
            NewTicketType {
                kind: TicketKind::Exhibitor,
                name_vi: "Gian hàng hợp tác xã".into(),
                name_en: "Cooperative booth".into(),
                quota,
                price_vnd: fee,
            },
        ]
    } else {
        vec![NewTicketType {
            kind: TicketKind::Visitor,
            name_vi: "Vé tham dự".into(),
            name_en: "Admission".into(),
            quota,
            price_vnd: fee,
        }]
    };
    for (i, t) in (0i64..).zip(&types) {
        crate::events::add_ticket_type(tx.conn(), event_id, t, i).await?;
    }
    Ok(())
}

/// Governance training records of a demo cooperative's women managers (fictional).
async fn demo_training(
    tx: &mut crate::Tx,
    org: &orgs::Org,
    managers: &[orgs::Manager],
) -> Result<()> {
    use ketnoi_domain::event::{Role, Topic};
    let held_on = chrono::NaiveDate::from_ymd_opt(2025, 10, 14)
        .ok_or_else(|| DbError::Corrupt("demo training date".into()))?;
    for m in managers {
        let role = match m.role.as_str() {
            "chu_tich" => Role::Chair,
            "giam_doc" => Role::Director,
            "ban_kiem_soat" => Role::Supervisor,
            _ => Role::Board,
        };
        crate::training::record(
            tx.conn(),
            &crate::training::NewTraining {
                person_name: m.name.clone(),
                user_id: None,
                org_id: Some(org.id),
                role,
                topic: Topic::Governance,
                hours: 24,
                held_on,
                certificate_no: None,
                provider: "Liên minh Hợp tác xã thành phố Hà Nội".into(),
                event_id: None,
                registration_id: None,
                commune_code: org.commune_code.clone(),
            },
            crate::training::Source::Entered,
            None,
        )
        .await?;
    }
    Ok(())
}

async fn demo_support(
    tx: &mut crate::Tx,
    org_id: i64,
    kind: SupportKind,
    (y, m, d): (i32, u32, u32),
) -> Result<()> {
    let since = chrono::NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| DbError::Corrupt("demo support date".into()))?;
    let s = crate::support::NewSupport {
        org_id,
        kind,
        since,
        until: None,
        note: None,
    };
    crate::support::insert(tx, &s, None).await?;
    Ok(())
}

/// Two periods of fictional, plausible reports (2026's six-monthly and annual): the first
/// half accepted for most cooperatives, the year in every state (accepted, waiting for the
/// officer, returned with a comment, a correction under way, or not filed: overdue).
async fn demo_reports(tx: &mut crate::Tx, n: usize, org: &orgs::Org) -> Result<()> {
    use ketnoi_domain::report::{Figures, Period, State};
    let n = n as i64;
    let members = org.members_total.unwrap_or(12 + n % 17).max(3);
    let women = org.members_female.unwrap_or(members * 2 / 3).min(members);
    let figures = |grow: i64| Figures {
        members_total: Some(members + grow),
        members_women: Some(women + grow),
        workers_total: Some(members + grow + n % 5),
        workers_women: Some(women + grow),
        chair_women: Some(1),
        board_women: Some(1 + n % 3),
        director_women: Some(i64::from(n % 2 == 0)),
        supervisors_women: Some(1),
        accountant_women: Some(1),
        managers_certified: Some(1 + n % 2),
        members_vocational: Some((members + grow) * (20 + n % 40) / 100),
        members_ecommerce: Some((members + grow) * (10 + n % 50) / 100),
        jobs_created: Some(grow + n % 4),
        charter_capital: Some(200_000_000 + n * 15_000_000),
        revenue: Some((1_200_000_000 + n * 85_000_000) / if grow == 0 { 2 } else { 1 }),
        profit: Some(60_000_000 + n * 4_000_000 - 90_000_000 * i64::from(n % 11 == 5)),
        groups: [
            Some(n % 6),
            Some(i64::from(n % 9 == 1) * 3),
            Some(i64::from(n % 7 == 2)),
            Some(n % 4 * 2),
            Some(n % 3),
        ],
        difficulties: (n % 4 == 0).then(|| {
            "Thiếu vốn lưu động vào mùa cao điểm; khó tìm đầu ra ổn định cho sản phẩm.".to_owned()
        }),
        needs: (n % 4 == 0)
            .then(|| "Cần hỗ trợ kết nối ngân hàng và tập huấn bán hàng trực tuyến.".to_owned()),
    };
    let w = crate::reports::Writer {
        org_id: org.id,
        actor_id: None,
        on_behalf_of: None,
    };
    let half = if n % 10 == 9 {
        None
    } else {
        Some(State::Accepted)
    };
    // Bát Tràng (the demo officer's commune) has one report waiting for her and one she
    // returned, so that her list shows both.
    let year = match org.slug.as_str() {
        "htx-gom-moc-sen-hong" => Some(State::Submitted),
        "htx-rau-mau-van-duc-ven-song" => Some(State::Returned),
        _ => match n % 8 {
            0..=3 => Some(State::Accepted),
            4 => Some(State::Submitted),
            5 => Some(State::Returned),
            6 => Some(State::Draft),
            _ => None,
        },
    };
    for (period, state, grow) in [
        (Period::half(2026), half, 0),
        (Period::annual(2026), year, 2),
    ] {
        let Some(state) = state else { continue };
        let r = crate::reports::insert(tx, &w, period, 1, state, &figures(grow)).await?;
        if state == State::Returned {
            crate::reports::set_comment(
                tx,
                r.id,
                "Số lao động nữ chưa khớp với danh sách đóng bảo hiểm; đề nghị kiểm tra lại.",
            )
            .await?;
        }
    }
    Ok(())
}

/// The wards' and communes' reports to the city for 2026: every unit with cooperatives has
/// reported both periods (the first half accepted, the year submitted), except the last one
/// in code order, which is late for both, so that the city's dashboard lists a late unit.
async fn demo_unit_reports(tx: &mut crate::Tx) -> Result<()> {
    use ketnoi_domain::report::{Period, State};
    let units = crate::unit_reports::units_due(tx.conn()).await?;
    let Some((_late, on_time)) = units.split_last() else {
        return Ok(());
    };
    for code in on_time {
        for (period, state) in [
            (Period::half(2026), State::Accepted),
            (Period::annual(2026), State::Submitted),
        ] {
            let q = crate::reports::TallyQuery {
                period,
                phase_start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                    .ok_or_else(|| DbError::Corrupt("demo date".into()))?,
                commune: Some(code.clone()),
                sector: None,
                kind: None,
            };
            let tally: ketnoi_domain::progress::Tally =
                crate::reports::tallies(tx.conn(), &q, crate::reports::Grouping::Unit)
                    .await?
                    .into_iter()
                    .map(|(_, t)| t)
                    .sum();
            let figures = serde_json::to_string(&tally)
                .map_err(|e| DbError::Corrupt(format!("demo unit figures: {e}")))?;
            crate::unit_reports::insert(
                tx,
                code,
                period,
                state,
                "Các HTX, THT duy trì hoạt động ổn định; doanh thu tăng nhờ tham gia hội chợ và bán hàng trực tuyến. \
                 Khó khăn: thiếu vốn lưu động, mặt bằng sản xuất chật. Kiến nghị thành phố hỗ trợ kết nối tín dụng ưu đãi.",
                &figures,
            )
            .await?;
        }
    }
    Ok(())
}

pub async fn import(db: &Db) -> Result<usize> {
    let corrupt = |what: &str, e: String| DbError::Corrupt(format!("demo {what}: {e}"));
    let coops = ketnoi_domain::import::demo_cooperatives(COOPERATIVES)
        .map_err(|e| corrupt("cooperatives", e))?;
    let extras: Vec<Managers> =
        serde_json::from_str(COOPERATIVES).map_err(|e| corrupt("managers", e.to_string()))?;
    let buyers: Vec<Buyer> =
        serde_json::from_str(BUYERS).map_err(|e| corrupt("buyers", e.to_string()))?;
    let listings =
        ketnoi_domain::import::demo_listings(LISTINGS).map_err(|e| corrupt("listings", e))?;
    let listing_badges: Vec<ListingBadges> =
        serde_json::from_str(LISTINGS).map_err(|e| corrupt("listing badges", e.to_string()))?;
    let verified_at = chrono::DateTime::parse_from_rfc3339("2026-01-15T03:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| corrupt("date", e.to_string()))?;
    let expires = chrono::NaiveDate::from_ymd_opt(2028, 12, 31);

    let mut tx = db.begin().await?;
    for (n, c) in coops.iter().enumerate() {
        let (org, outcome) = crate::import::save_cooperative(&mut tx, c).await?;
        if outcome != crate::import::Outcome::Created {
            continue;
        }
        // Two cooperatives in three are supported by the Union since the plan's first phase
        // (fictional, as the rest of the demo); those with certificates also for selling.
        if n % 3 != 2 {
            demo_support(&mut tx, org.id, SupportKind::Consolidation, (2024, 3, 1)).await?;
            let certified = extras
                .iter()
                .any(|e| Some(&e.id) == c.external_id.as_ref() && !e.certifications.is_empty());
            if certified {
                demo_support(&mut tx, org.id, SupportKind::Distribution, (2025, 6, 1)).await?;
            }
            // A few were founded with the Union's help in this phase.
            if n % 10 == 3 {
                demo_support(&mut tx, org.id, SupportKind::Founding, (2026, 2, 1)).await?;
            }
        }
        demo_reports(&mut tx, n, &org).await?;
        let Some(extra) = extras
            .iter()
            .find(|e| Some(&e.id) == c.external_id.as_ref())
        else {
            continue;
        };
        let managers: Vec<orgs::Manager> = extra
            .women_managers
            .iter()
            .map(|m| orgs::Manager {
                name: text::clean(&m.name),
                role: m.role.clone(),
                since_year: None,
            })
            .collect();
        orgs::replace_managers(&mut tx, org.id, &managers).await?;
        // Most supported cooperatives' managers took the Union's governance course (records
        // the plan's "women managers trained" counts); one in four has not yet.
        if n % 3 != 2 && n % 4 != 1 {
            demo_training(&mut tx, &org, &managers).await?;
        }
        let mut kinds = vec![ketnoi_domain::catalog::BadgeKind::WomenManaged];
        for cert in &extra.certifications {
            match cert.as_str() {
                "vietgap" => kinds.push(ketnoi_domain::catalog::BadgeKind::Vietgap),
                "huu_co" => kinds.push(ketnoi_domain::catalog::BadgeKind::Organic),
                _ => {}
            }
        }
        for kind in kinds {
            let claim = crate::badges::Claim {
                org_id: org.id,
                kind: Some(kind),
                expires_on: expires,
                ..Default::default()
            };
            verify_demo_badge(&mut tx, &claim, verified_at).await?;
        }
    }
    for (i, b) in buyers.iter().enumerate() {
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
                profile: orgs::Profile {
                    tax_code: demo_tax_code(i, &b.kind),
                    ..orgs::Profile::default()
                },
                ..NewOrg::default()
            },
        )
        .await?;
    }
    for l in &listings {
        let Some(org) = crate::import::cooperative_by_key(&mut tx, &l.cooperative).await? else {
            continue;
        };
        let (_, outcome) = crate::import::save_listing(&mut tx, &org, l).await?;
        if outcome != crate::import::Outcome::Created {
            continue;
        }
        let stars = listing_badges
            .iter()
            .find(|b| Some(&b.id) == l.external_id.as_ref())
            .map(|b| b.ocop_stars);
        let (Some(stars @ 3..=5), Some(x)) = (stars, l.external_id.as_deref()) else {
            continue;
        };
        let Some(listing) = crate::listings::find_by_external_id(tx.conn(), x).await? else {
            continue;
        };
        let claim = crate::badges::Claim {
            org_id: listing.org_id,
            listing_id: Some(listing.id),
            kind: Some(ketnoi_domain::catalog::BadgeKind::Ocop),
            stars: Some(stars),
            product_group: ketnoi_domain::catalog::category(&listing.category_id)
                .map(|c| c.name_vi.clone()),
            expires_on: expires,
            ..Default::default()
        };
        verify_demo_badge(&mut tx, &claim, verified_at).await?;
    }
    let events: Vec<EventJson> =
        serde_json::from_str(EVENTS).map_err(|e| corrupt("events", e.to_string()))?;
    for ev in events {
        let kind = ev.kind.clone();
        let (capacity, unit, fee) = (ev.capacity, ev.capacity_unit.clone(), ev.fee_vnd);
        let audience = match kind.as_str() {
            "fair" => "cooperatives|buyers|public",
            "b2b_matchmaking" => "cooperatives|buyers",
            "training" => "cooperatives",
            _ => "cooperatives|network",
        };
        let topic = (kind == "training").then(|| {
            if ev.name.contains("thương mại điện tử") {
                "ecommerce"
            } else {
                "governance"
            }
        });
        // The Bát Tràng festival is the ward's own: its officer runs it.
        let scope = (ev.venue.commune_code.as_deref() == Some("00577")).then(|| "00577".to_owned());
        let id = crate::events::upsert(
            tx.conn(),
            &crate::events::Event {
                external_id: Some(ev.id),
                name: text::clean(&ev.name),
                kind: ev.kind,
                start_date: ev.start_date,
                end_date: ev.end_date,
                registration_deadline: ev.registration_deadline,
                venue_name: text::clean(&ev.venue.name),
                venue_address: text::clean(&ev.venue.address),
                venue_commune_code: ev.venue.commune_code,
                province_code: ev.venue.province_code,
                capacity: ev.capacity,
                capacity_unit: ev.capacity_unit,
                fee_vnd: ev.fee_vnd,
                categories: ev.categories.join("|"),
                organizer: text::clean(&ev.organizer),
                description: text::clean(&ev.description),
                audience: audience.into(),
                training_topic: topic.map(str::to_owned),
                training_hours: topic.map(|_| 16),
                scope_commune_code: scope,
                ..Default::default()
            },
        )
        .await?;
        demo_tickets(&mut tx, id, capacity, unit.as_deref(), fee).await?;
    }
    demo_unit_reports(&mut tx).await?;
    tx.commit().await?;
    Ok(coops.len() + buyers.len())
}

async fn verify_demo_badge(
    tx: &mut crate::Tx,
    claim: &crate::badges::Claim,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let badge = crate::badges::submit(tx.conn(), claim, None).await?;
    crate::badges::decide(
        tx.conn(),
        badge.id,
        ketnoi_domain::catalog::BadgeStatus::Verified,
        None,
        None,
        DEMO_VERIFIER,
        at,
    )
    .await?;
    Ok(())
}

/// What a seller adds to a product's name: pack, grade, occasion. Each pair is Vietnamese
/// and English; the generator combines them so copies read like real, distinct listings.
const VARIANTS: &[(&str, &str)] = &[
    ("loại đặc biệt", "premium grade"),
    ("hàng tuyển", "hand-picked"),
    ("quà Tết", "Tet gift"),
    ("đóng hộp quà", "gift box"),
    ("túi 500g", "500 g bag"),
    ("gói 1kg", "1 kg pack"),
    ("thùng 10 hộp", "case of 10"),
    ("mẫu mới", "new design"),
    ("làm thủ công", "handmade"),
    ("theo đơn đặt hàng", "made to order"),
    ("mùa vụ mới", "new season"),
    ("cỡ lớn", "large"),
    ("cỡ nhỏ", "small"),
    ("bán sỉ", "wholesale lot"),
    ("phiên bản gia đình", "family size"),
    ("truyền thống", "traditional"),
    ("chuẩn xuất khẩu", "export standard"),
    ("không chất bảo quản", "no preservatives"),
    ("ít đường", "low sugar"),
    ("combo tiết kiệm", "value combo"),
];

/// A small deterministic mixer (SplitMix64), so the same target always yields the same data.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Grows the catalogue to `target` published listings for benchmarks: variants of the demo
/// listings (new external ids `lst-0001-c2`, …), each with one or two qualifiers from
/// [`VARIANTS`] in both languages, a price within ±30% and the original's cooperative,
/// category, season and offers. Deterministic. Returns how many it added.
pub async fn scale_listings(db: &Db, target: usize) -> Result<usize> {
    let originals = ketnoi_domain::import::demo_listings(LISTINGS)
        .map_err(|e| DbError::Corrupt(format!("demo listings: {e}")))?;
    let have = crate::listings::count_public(db.conn()).await? as usize;
    let mut added = 0;
    let mut copy: u64 = 2;
    let mut tx = db.begin().await?;
    'outer: while have + added < target {
        for (i, l) in originals.iter().enumerate() {
            if have + added >= target {
                break 'outer;
            }
            let h = mix(copy << 20 | i as u64);
            let n = VARIANTS.len() as u64;
            let a = VARIANTS[(h % n) as usize];
            let b = VARIANTS[((h >> 8) % n) as usize];
            let two = (h >> 16).is_multiple_of(3) && a != b;
            let mut r = l.clone();
            r.external_id = l.external_id.as_ref().map(|x| format!("{x}-c{copy}"));
            r.title_vi = if two {
                format!("{} {}, {}", l.title_vi, a.0, b.0)
            } else {
                format!("{} {}", l.title_vi, a.0)
            };
            r.title_en = l.title_en.as_ref().map(|t| {
                if two {
                    format!("{t}, {}, {}", a.1, b.1)
                } else {
                    format!("{t}, {}", a.1)
                }
            });
            // ±30%, rounded to 1,000 đồng; tiers scale with the price.
            let factor = 70 + (h >> 24) % 61;
            let scale = |v: i64| ((v * factor as i64 / 100) / 1000).max(1) * 1000;
            r.price = ketnoi_domain::Vnd(scale(l.price.0));
            for t in &mut r.tiers {
                t.price = ketnoi_domain::Vnd(scale(t.price.0));
            }
            if let Some(org) = crate::import::cooperative_by_key(&mut tx, &r.cooperative).await?
                && crate::import::save_listing(&mut tx, &org, &r).await?.1
                    == crate::import::Outcome::Created
            {
                added += 1;
            }
            if added % 1000 == 0 {
                tx.commit().await?;
                tx = db.begin().await?;
            }
        }
        copy += 1;
    }
    tx.commit().await?;
    Ok(added)
}

/// Fills the plan's benchmark (issue 16): fictional cooperatives until there are `target`
/// HTX/THT, spread over Hanoi's 126 wards/communes, two in three supported, each with an
/// accepted report for each of the eight periods 2023–2026 (a few still submitted).
/// Idempotent: cooperatives already there are kept, and their reports not duplicated.
pub async fn scale_plan(db: &Db, target: usize) -> Result<usize> {
    use ketnoi_domain::report::{Figures, Period, State};
    let communes = ketnoi_domain::admin_units::hanoi_communes();
    let have: i64 = crate::on!(db.conn(), e => sqlx::query_scalar(
        "SELECT COUNT(*) FROM organisations WHERE kind IN ('htx', 'tht')")
        .fetch_one(e)
        .await)?;
    let periods: Vec<Period> = (2023..=2026)
        .flat_map(|y| [Period::half(y), Period::annual(y)])
        .collect();
    let mut added = 0;
    let mut n = have as usize;
    while n < target {
        let mut tx = db.begin().await?;
        for _ in 0..500 {
            if n >= target {
                break;
            }
            let h = mix(n as u64 + 7);
            let commune = &communes[n % communes.len()];
            let name = format!("HTX Thử nghiệm {n}");
            let org = NewOrg {
                external_id: Some(format!("bench-plan-{n}")),
                slug: format!("htx-thu-nghiem-{n}"),
                kind: Some(if h.is_multiple_of(3) {
                    OrgKind::Tht
                } else {
                    OrgKind::Htx
                }),
                name,
                commune_code: Some(commune.code.clone()),
                province_code: "01".into(),
                members_total: Some(8 + (h % 60) as i64),
                profile: orgs::Profile {
                    sector: Some(
                        ["gom_su", "rau_an_toan", "lua_det_theu"][(h % 3) as usize].into(),
                    ),
                    ..orgs::Profile::default()
                },
                ..NewOrg::default()
            };
            let org = orgs::upsert(tx.conn(), &org).await?;
            n += 1;
            added += 1;
            if h % 3 != 2 {
                let kind = SupportKind::ALL[((h >> 8) % 7) as usize];
                demo_support(&mut tx, org.id, kind, (2023 + ((h >> 12) % 3) as i32, 3, 1)).await?;
            }
            let w = crate::reports::Writer {
                org_id: org.id,
                actor_id: None,
                on_behalf_of: None,
            };
            for (i, p) in periods.iter().enumerate() {
                let members = 8 + ((h >> 4) % 60) as i64 + i as i64;
                let f = Figures {
                    members_total: Some(members),
                    members_women: Some(members * 3 / 4),
                    workers_total: Some(members + 3),
                    workers_women: Some(members * 3 / 4),
                    chair_women: Some(1),
                    director_women: Some(1),
                    accountant_women: Some(1),
                    managers_certified: Some(((h >> 20) % 3) as i64),
                    members_vocational: Some(members / 3),
                    members_ecommerce: Some(members / 4),
                    jobs_created: Some(((h >> 24) % 5) as i64),
                    charter_capital: Some(300_000_000),
                    revenue: Some(900_000_000 + ((h >> 28) % 50) as i64 * 10_000_000),
                    profit: Some(45_000_000),
                    groups: [
                        Some(((h >> 32) % 6) as i64),
                        Some(0),
                        Some(1),
                        Some(2),
                        Some(0),
                    ],
                    ..Figures::default()
                };
                let state = if (h >> 36).is_multiple_of(10) && i == periods.len() - 1 {
                    State::Submitted
                } else {
                    State::Accepted
                };
                crate::reports::insert(&mut tx, &w, *p, 1, state, &f).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(added)
}
