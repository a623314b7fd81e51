//! Demo data and user creation from the command line.

use anyhow::Context;
use ketnoi_db::Db;
use ketnoi_db::users::NewUser;
use ketnoi_domain::Locale;
use ketnoi_domain::contact::Login;
use ketnoi_domain::role::{MemberRole, PlatformRole};

/// Password of every demo account; printed in the README, never used outside `--demo`.
pub const DEMO_PASSWORD: &str = "ketnoi-demo";

/// Imports the demo organisations and creates the demo accounts (if missing).
pub async fn seed(db: &Db, public_url: &str) -> anyhow::Result<()> {
    let n = ketnoi_db::demo::import(db).await?;
    tracing::info!(organisations = n, "demo dataset imported");
    let accounts = [
        ("admin@example.com", "Quản trị Ketnoi", "admin", None, None),
        (
            "canbo.battrang@example.com",
            "Cán bộ Hội Bát Tràng",
            "union-officer",
            Some("00577"),
            None,
        ),
        (
            "htx.menlam@example.com",
            "Vũ Thị Oanh",
            "user",
            None,
            Some("htx-gom-su-men-lam-bat-trang"),
        ),
        ("nguoimua@example.com", "Trần Thu Hà", "user", None, None),
        (
            "khachsan.hotay@example.com",
            "Đặng Minh Thư",
            "user",
            None,
            Some(crate::demo_sourcing::TRADE_BUYER),
        ),
    ];
    for (login, name, role, commune, owns) in accounts {
        if ketnoi_db::users::find_by_email(db.conn(), login)
            .await?
            .is_some()
        {
            continue;
        }
        let user_id = insert_user(db, login, name, DEMO_PASSWORD, role, commune).await?;
        if let Some(slug) = owns
            && let Some(org) = ketnoi_db::orgs::find_by_slug(db.conn(), slug).await?
        {
            ketnoi_db::orgs::add_member(db.conn(), org.id, user_id, MemberRole::Owner).await?;
        }
    }
    // The demo cooperative takes VietQR transfers (a made-up account at Vietcombank), so an
    // order to it shows a scannable code.
    if let Some(org) =
        ketnoi_db::orgs::find_by_slug(db.conn(), "htx-gom-su-men-lam-bat-trang").await?
    {
        let bank = ketnoi_db::orgs::BankAccount {
            bin: "970436".into(),
            account: "0011000000001".into(),
            account_name: "HTX GOM SU MEN LAM".into(),
        };
        ketnoi_db::orgs::set_bank_account(db.conn(), org.id, Some(&bank)).await?;
    }
    crate::demo_sourcing::seed_trade(db).await?;
    seed_orders(db).await?;
    seed_events(db).await?;
    seed_trace(db).await?;
    seed_cases(db).await?;
    crate::demo_sourcing::seed(db, public_url).await?;
    tracing::info!("demo accounts ready (password: {DEMO_PASSWORD})");
    Ok(())
}

/// The demo accounts at the coming Tết fair: the buyer has a visitor's ticket, the demo
/// cooperative asked for a booth; the Bát Tràng officer holds an officers' training record.
/// Only once (when the buyer has no registration yet).
async fn seed_events(db: &Db) -> anyhow::Result<()> {
    use ketnoi_db::registrations::NewRegistration;
    use ketnoi_domain::event::TicketKind;
    let conn = || db.conn();
    let (Some(buyer), Some(owner), Some(officer)) = (
        ketnoi_db::users::find_by_email(conn(), "nguoimua@example.com").await?,
        ketnoi_db::users::find_by_email(conn(), "htx.menlam@example.com").await?,
        ketnoi_db::users::find_by_email(conn(), "canbo.battrang@example.com").await?,
    ) else {
        return Ok(());
    };
    if !ketnoi_db::registrations::of_user(conn(), buyer.id)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let today = ketnoi_domain::time::today_hanoi();
    let upcoming = ketnoi_db::events::upcoming(conn(), today, 50).await?;
    let Some(fair) = upcoming.iter().find(|e| e.kind == "fair") else {
        return Ok(());
    };
    let types = ketnoi_db::events::ticket_types(conn(), fair.id).await?;
    let org = ketnoi_db::orgs::find_by_slug(conn(), "htx-gom-su-men-lam-bat-trang").await?;
    let mut tx = db.begin().await?;
    for (user, kind, org_id, request) in [
        (&buyer, TicketKind::Visitor, None, None),
        (
            &owner,
            TicketKind::Exhibitor,
            org.as_ref().map(|o| o.id),
            Some("Hai gian liền nhau, gần khu trình diễn nghề".to_owned()),
        ),
    ] {
        let Some(t) = types.iter().find(|t| t.kind == kind.as_str()) else {
            continue;
        };
        let r = NewRegistration {
            event_id: fair.id,
            ticket_type_id: t.id,
            user_id: user.id,
            org_id,
            attendee_name: user.display_name.clone(),
            role: None,
            booth_request: request,
        };
        let _ = ketnoi_db::registrations::register(&mut tx, &r).await?;
    }
    // The coming B2B session: slots and tables set, the buyer and the demo cooperative have
    // profiles, and the buyer asked the cooperative for a meeting (hers to accept).
    if let Some(b2b) = upcoming.iter().find(|e| e.kind == "b2b_matchmaking") {
        ketnoi_db::b2b::set_session(
            &mut tx,
            &ketnoi_db::b2b::Session {
                event_id: b2b.id,
                first_slot: "09:00".into(),
                slot_minutes: 20,
                slots: 12,
                tables: 20,
                scheduled_at: None,
                published_at: None,
            },
        )
        .await?;
        let types = ketnoi_db::events::ticket_types(tx.conn(), b2b.id).await?;
        let mut regs = Vec::new();
        for (user, org_id) in [(&buyer, None), (&owner, org.as_ref().map(|o| o.id))] {
            let wanted = if org_id.is_some() {
                TicketKind::Exhibitor
            } else {
                TicketKind::Visitor
            };
            let Some(t) = types
                .iter()
                .find(|t| t.kind == wanted.as_str())
                .or_else(|| types.first())
            else {
                continue;
            };
            let r = NewRegistration {
                event_id: b2b.id,
                ticket_type_id: t.id,
                user_id: user.id,
                org_id,
                attendee_name: user.display_name.clone(),
                role: None,
                booth_request: None,
            };
            if let Ok(reg) = ketnoi_db::registrations::register(&mut tx, &r).await? {
                regs.push(reg.id);
            }
        }
        if let [b, c] = regs[..] {
            let all_day = (1i64 << 12) - 1;
            ketnoi_db::b2b::save_profile(
                tx.conn(),
                b,
                b2b.id,
                "buyer",
                "Chuỗi 12 cửa hàng thực phẩm sạch ở Hà Nội",
                "Gạo, rau an toàn, quà Tết làng nghề",
                all_day,
            )
            .await?;
            ketnoi_db::b2b::save_profile(
                tx.conn(),
                c,
                b2b.id,
                "cooperative",
                "Gốm sứ men lam, quà tặng doanh nghiệp",
                "Nhà phân phối, đơn hàng quà Tết",
                all_day & !0b11,
            )
            .await?;
            ketnoi_db::b2b::request(
                tx.conn(),
                b2b.id,
                b,
                c,
                b,
                Some("Chúng tôi muốn đặt quà Tết cho 12 cửa hàng."),
            )
            .await?;
        }
    }
    let held_on = chrono::NaiveDate::from_ymd_opt(2026, 4, 8).unwrap_or(today);
    ketnoi_db::training::record(
        tx.conn(),
        &ketnoi_db::training::NewTraining {
            person_name: officer.display_name.clone(),
            user_id: Some(officer.id),
            org_id: None,
            role: ketnoi_domain::event::Role::Officer,
            topic: ketnoi_domain::event::Topic::Governance,
            hours: 16,
            held_on,
            certificate_no: None,
            provider: "Hội LHPN thành phố Hà Nội".into(),
            event_id: None,
            registration_id: None,
            commune_code: officer.officer_commune_code.clone(),
        },
        ketnoi_db::training::Source::Entered,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Two orders from the demo buyer waiting for the demo cooperative's confirmation (cash on
/// delivery, and a VietQR transfer), so her home shows work to do and the buyer's orders
/// page is not empty. Only when the buyer has no order yet.
async fn seed_orders(db: &Db) -> anyhow::Result<()> {
    use ketnoi_db::orders::{Line, NewOrder};
    use ketnoi_domain::catalog::OfferKind;
    use ketnoi_domain::order::{OrderKind, PaymentMethod};
    let conn = || db.conn();
    let (Some(buyer), Some(org)) = (
        ketnoi_db::users::find_by_email(conn(), "nguoimua@example.com").await?,
        ketnoi_db::orgs::find_by_slug(conn(), "htx-gom-su-men-lam-bat-trang").await?,
    ) else {
        return Ok(());
    };
    if !ketnoi_db::orders::of_buyer(conn(), buyer.id, 1)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let mut retail = Vec::new();
    for l in ketnoi_db::listings::of_org(conn(), org.id).await? {
        if !l.is_public() || l.stock.is_some_and(|s| s < 5) {
            continue;
        }
        if let Some((offer_id, _)) = ketnoi_db::listings::offers_with_ids(conn(), l.id)
            .await?
            .into_iter()
            .find(|(_, o)| o.kind == OfferKind::Retail)
        {
            retail.push(offer_id);
        }
        if retail.len() == 2 {
            break;
        }
    }
    for (offer_id, payment, quantity) in retail
        .into_iter()
        .zip([(PaymentMethod::Cod, 2), (PaymentMethod::VietQr, 1)])
        .map(|(o, (p, q))| (o, p, q))
    {
        let lines = [Line::of(offer_id, quantity)];
        let placed = ketnoi_db::orders::place(
            db,
            &NewOrder {
                buyer_id: buyer.id,
                org_id: org.id,
                kind: OrderKind::Goods,
                payment,
                lines: &lines,
                experience_date: None,
                delivery_commune: Some("00577"),
                delivery_street: Some("Số 12, ngõ 3, thôn Giang Cao"),
                contact_phone: Some("+84912345678"),
                buyer_note: Some("Gói kỹ giúp em, hàng dễ vỡ."),
                recipient_name: None,
                quote_id: None,
            },
        )
        .await?;
        if let Err(unavailable) = placed {
            tracing::warn!(?unavailable, "a demo order could not be placed");
        }
    }
    Ok(())
}

/// Traceability a visitor can open at once: organic sticky rice from Sóc Sơn (with a GTIN)
/// harvested, milled and shipped; Tranh Khúc's bánh chưng made from that rice lot (another
/// cooperative's: one step back), processed and packed, with stamps; and the demo
/// cooperative's tea sets with stamps, one of them scanned from so many phones that it is
/// flagged as copied. Only once (when the rice has no trace code yet).
async fn seed_trace(db: &Db) -> anyhow::Result<()> {
    use chrono::{NaiveDate, TimeZone};
    use ketnoi_app::listings::Editor;
    use ketnoi_app::trace as app;
    use ketnoi_db::trace::{NewEvent, NewLot};
    use ketnoi_domain::epcis::Step;
    use ketnoi_domain::trace::Gtin;
    let conn = || db.conn();
    let Some(rice) = ketnoi_db::listings::find_by_external_id(conn(), "lst-0256").await? else {
        return Ok(());
    };
    if ketnoi_db::trace::product(conn(), rice.id).await?.is_some() {
        return Ok(());
    }
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).context("demo date");
    let at = |y: i32, m: u32, d: u32, h: u32| {
        ketnoi_domain::time::hanoi()
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .map(|t| t.with_timezone(&chrono::Utc))
            .context("demo time")
    };
    // (listing, GTIN, lot code, produced, expires, quantity, inputs' lot codes, steps, stamps)
    struct Demo {
        listing: &'static str,
        gtin: Option<&'static str>,
        lot: &'static str,
        produced: NaiveDate,
        expires: Option<NaiveDate>,
        quantity: i64,
        inputs: &'static [&'static str],
        steps: Vec<(
            Step,
            chrono::DateTime<chrono::Utc>,
            &'static str,
            &'static str,
        )>,
        stamps: i64,
    }
    let demos = [
        Demo {
            listing: "lst-0256",
            gtin: Some("8936000256005"),
            lot: "NCHV-2611",
            produced: day(2026, 11, 2)?,
            expires: Some(day(2027, 11, 2)?),
            quantity: 2_000,
            inputs: &[],
            steps: vec![
                (
                    Step::Transforming,
                    at(2026, 11, 5, 8)?,
                    "Xưởng xay xát của HTX",
                    "Phơi, xay và đánh bóng",
                ),
                (
                    Step::Packing,
                    at(2026, 11, 6, 9)?,
                    "Kho HTX",
                    "Đóng bao 25 kg",
                ),
                (
                    Step::Shipping,
                    at(2026, 11, 20, 7)?,
                    "Kho HTX",
                    "Giao 200 kg cho THT Bánh chưng Tranh Khúc",
                ),
            ],
            stamps: 80,
        },
        Demo {
            listing: "lst-0394",
            gtin: None,
            lot: "BC-TET-2027",
            produced: day(2026, 12, 1)?,
            expires: Some(day(2026, 12, 15)?),
            quantity: 400,
            inputs: &["NCHV-2611"],
            steps: vec![
                (
                    Step::Transforming,
                    at(2026, 12, 1, 5)?,
                    "Bếp của tổ",
                    "Gói lá dong, luộc 10 giờ",
                ),
                (
                    Step::Packing,
                    at(2026, 12, 1, 17)?,
                    "Bếp của tổ",
                    "Hút chân không từng chiếc",
                ),
            ],
            stamps: 40,
        },
        Demo {
            listing: "lst-0005",
            gtin: Some("8936000394004"),
            lot: "ML-2610",
            produced: day(2026, 10, 10)?,
            expires: None,
            quantity: 120,
            inputs: &[],
            steps: vec![
                (
                    Step::Transforming,
                    at(2026, 10, 10, 8)?,
                    "Lò gas của HTX",
                    "Vẽ men lam, nung 1.200 °C",
                ),
                (
                    Step::Packing,
                    at(2026, 10, 15, 14)?,
                    "Xưởng HTX",
                    "Hộp giấy có lót xốp",
                ),
            ],
            stamps: 40,
        },
    ];
    let mut lots: Vec<(&str, i64)> = Vec::new();
    for d in &demos {
        let Some(listing) = ketnoi_db::listings::find_by_external_id(conn(), d.listing).await?
        else {
            continue;
        };
        let Some(org) = ketnoi_db::orgs::find(conn(), listing.org_id).await? else {
            continue;
        };
        let ed = Editor {
            org_id: org.id,
            actor_id: None,
            on_behalf_of: None,
        };
        let gtin = d
            .gtin
            .map(Gtin::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if let Err(r) = app::enable_product(db, &ed, listing.id, gtin.as_ref()).await? {
            tracing::warn!(?r, "a demo product got no trace code");
            continue;
        }
        let new = NewLot {
            listing_id: listing.id,
            org_id: org.id,
            code: d.lot.into(),
            produced_on: d.produced,
            expires_on: d.expires,
            quantity: d.quantity,
            unit: listing.unit.clone(),
            commune_code: org.commune_code.clone(),
            latitude: org.profile.lat,
            longitude: org.profile.lon,
            note: None,
            created_by: None,
            inputs: d
                .inputs
                .iter()
                .filter_map(|code| lots.iter().find(|(c, _)| c == code).map(|(_, id)| *id))
                .collect(),
        };
        let Ok(lot_id) = app::create_lot(db, &ed, &new).await? else {
            continue;
        };
        lots.push((d.lot, lot_id));
        for (step, when, place, note) in &d.steps {
            app::record_step(
                db,
                &ed,
                &NewEvent {
                    lot_id,
                    step: step.as_str().into(),
                    occurred_at: *when,
                    offset_minutes: ketnoi_domain::time::HANOI_OFFSET_MINUTES,
                    commune_code: None,
                    place: Some((*place).into()),
                    quantity: None,
                    note: Some((*note).into()),
                    order_id: None,
                    recorded_by: None,
                },
            )
            .await?;
        }
        if let Some(lot) = ketnoi_db::trace::lot(conn(), lot_id).await? {
            let _ = app::make_stamps(db, &ed, &lot, d.stamps).await?;
        }
    }
    // One of the tea sets' stamps was copied onto other boxes: 25 different phones in a day.
    if let Some((_, lot_id)) = lots.iter().find(|(c, _)| *c == "ML-2610") {
        let now = ketnoi_db::now();
        let scans: Vec<ketnoi_db::trace::Scan> = (0..25)
            .map(|i| ketnoi_db::trace::Scan {
                lot_id: *lot_id,
                serial: ketnoi_db::trace::serial(7),
                client: format!("demo-{i}"),
                network: Some("113.160.0.0/16".into()),
                at: now - chrono::Duration::minutes(i64::from(i) * 20),
            })
            .collect();
        let rule = app::CopyRule::default();
        ketnoi_db::trace::record_scans(
            db,
            &scans,
            rule.threshold,
            chrono::Duration::from_std(rule.window).unwrap_or(chrono::Duration::hours(24)),
        )
        .await?;
    }
    Ok(())
}

/// Partners and support cases (issue 19): the Social Policy Bank's city branch and the TYM
/// microfinance institution, each with a staff account, a fund and the Cooperative Alliance;
/// Bát Tràng's cases at several steps — one waiting for the officer, one for the bank's
/// decision, one disbursed by TYM, a second credit case of the same cooperative referred to
/// the bank (flagged as possible duplicate lending), and a founding case that ended with a
/// registered THT. Only once (when there is no partner yet).
async fn seed_cases(db: &Db) -> anyhow::Result<()> {
    use ketnoi_app::cases::{For, Request, StepInput, Who};
    use ketnoi_db::cases::{self, NewApplicant, NewPartner};
    use ketnoi_domain::cases::{ApplicantKind, PartnerKind, Step};
    use ketnoi_domain::role::Scope;
    let conn = || db.conn();
    if !cases::partners(conn()).await?.is_empty() {
        return Ok(());
    }
    let mut partner_ids = Vec::new();
    for (slug, name, kind, staff) in [
        (
            "nhcsxh-ha-noi",
            "Ngân hàng Chính sách xã hội – Chi nhánh TP Hà Nội",
            PartnerKind::Bank,
            Some(("nhcsxh@example.com", "Nguyễn Thị Hạnh")),
        ),
        (
            "tym",
            "Tổ chức Tài chính vi mô TNHH MTV Tình Thương (TYM)",
            PartnerKind::Microfinance,
            Some(("tym@example.com", "Lê Thị Mai")),
        ),
        (
            "quy-htx-ha-noi",
            "Quỹ Hỗ trợ phát triển hợp tác xã Hà Nội",
            PartnerKind::Fund,
            None,
        ),
        (
            "lien-minh-htx-ha-noi",
            "Liên minh Hợp tác xã thành phố Hà Nội",
            PartnerKind::Alliance,
            Some(("lienminh@example.com", "Đỗ Thị Lan")),
        ),
    ] {
        let id = cases::create_partner(
            conn(),
            &NewPartner {
                slug: slug.into(),
                name: name.into(),
                kind,
                phone: None,
                email: None,
            },
        )
        .await?;
        let mut staff_id = None;
        if let Some((login, person)) = staff {
            let user = match ketnoi_db::users::find_by_email(conn(), login).await? {
                Some(u) => u.id,
                None => insert_user(db, login, person, DEMO_PASSWORD, "user", None).await?,
            };
            cases::add_staff(conn(), id, user).await?;
            staff_id = Some(user);
        }
        partner_ids.push((id, staff_id));
    }
    let (Some(officer), Some(leader)) = (
        ketnoi_db::users::find_by_email(conn(), "canbo.battrang@example.com").await?,
        ketnoi_db::users::find_by_email(conn(), "htx.menlam@example.com").await?,
    ) else {
        return Ok(());
    };
    let [
        (bank, Some(bank_staff)),
        (tym, Some(tym_staff)),
        _,
        (alliance, Some(alliance_staff)),
    ] = partner_ids[..]
    else {
        return Ok(());
    };
    let org = |slug: &'static str| async move {
        ketnoi_db::orgs::find_by_slug(conn(), slug)
            .await?
            .context(slug)
    };
    let (menlam, hoa_bien, hoa_buoi) = (
        org("htx-gom-su-men-lam-bat-trang").await?,
        org("htx-gom-hoa-bien-giang-cao").await?,
        org("tht-gom-ve-tay-hoa-buoi-bat-trang").await?,
    );
    let now = chrono::Utc::now();
    let ago = |days: i64| now - chrono::Duration::days(days);
    let by_officer = Who::Officer {
        user_id: officer.id,
        scope: Scope::Commune("00577".into()),
    };
    let by = |user_id: i64, partner: i64| Who::Partner {
        user_id,
        partners: vec![partner],
    };
    let ask = |kind: &str, amount: &str, purpose: &str, term: &str| Request {
        kind: kind.into(),
        amount: amount.into(),
        purpose: purpose.into(),
        term_months: term.into(),
    };
    let refer = |partner: i64| StepInput {
        partner_id: Some(partner),
        ..StepInput::default()
    };
    let plain = StepInput::default();
    let step = |id: i64, who: Who, step: Step, input: StepInput, at| async move {
        ketnoi_app::cases::take_step(db, id, &who, step, &input, at)
            .await
            .map_err(|e| anyhow::anyhow!("demo case {id}: {e}"))
    };
    let open = |applicant: For, by_user: i64, r: Request, at| async move {
        ketnoi_app::cases::open(db, &applicant, by_user, &r, at)
            .await
            .map_err(|e| anyhow::anyhow!("demo case: {e}"))
    };

    // Hỏa Biến: a loan disbursed by TYM in the autumn.
    let id = open(
        For::Org(Box::new(hoa_bien.clone())),
        officer.id,
        ask(
            "credit",
            "100000000",
            "Xây thêm một lò nung và mua men màu.",
            "24",
        ),
        ago(80),
    )
    .await?;
    step(id, by_officer.clone(), Step::Refer, refer(tym), ago(78)).await?;
    step(
        id,
        by(tym_staff, tym),
        Step::Receive,
        plain.clone(),
        ago(77),
    )
    .await?;
    step(
        id,
        by(tym_staff, tym),
        Step::Approve,
        plain.clone(),
        ago(70),
    )
    .await?;
    step(
        id,
        by(tym_staff, tym),
        Step::Complete,
        StepInput {
            amount_vnd: Some(100_000_000),
            done_on: Some((ago(60) + chrono::Duration::hours(7)).date_naive()),
            ..StepInput::default()
        },
        ago(60),
    )
    .await?;
    // …and now asks the bank for more: flagged to the officer and to the bank.
    let id = open(
        For::Org(Box::new(hoa_bien)),
        officer.id,
        ask("credit", "80000000", "Vốn lưu động cho đơn hàng Tết.", "12"),
        ago(3),
    )
    .await?;
    step(id, by_officer.clone(), Step::Refer, refer(bank), ago(2)).await?;
    // Men Lam: a loan waiting for the bank's decision…
    let id = open(
        For::Org(Box::new(menlam.clone())),
        leader.id,
        ask(
            "credit",
            "200000000",
            "Mua lò nung gas mới, tiết kiệm nhiên liệu.",
            "36",
        ),
        ago(12),
    )
    .await?;
    step(id, by_officer.clone(), Step::Refer, refer(bank), ago(10)).await?;
    step(
        id,
        by(bank_staff, bank),
        Step::Receive,
        plain.clone(),
        ago(9),
    )
    .await?;
    // …and a trademark request waiting for the officer.
    open(
        For::Org(Box::new(menlam)),
        leader.id,
        ask(
            "brand",
            "",
            "Đăng ký nhãn hiệu “Men Lam” cho dòng gốm men rạn.",
            "",
        ),
        ago(1),
    )
    .await?;
    // A household business that asked by phone, opened by the officer.
    let household = cases::create_applicant(
        conn(),
        &NewApplicant {
            kind: ApplicantKind::Household,
            name: "Hộ kinh doanh gốm Phạm Thị Thu".into(),
            user_id: None,
            phone: ketnoi_domain::contact::Phone::parse("0912000111")
                .ok()
                .map(|p| p.as_str().to_owned()),
            commune_code: Some("00577".into()),
            registered_by: Some(officer.id),
        },
    )
    .await?;
    if let Some(a) = cases::applicant(conn(), household).await? {
        open(
            For::Other(a),
            officer.id,
            ask("credit", "30000000", "Mua bàn xoay và men.", "12"),
            ago(2),
        )
        .await?;
    }
    // A group of painters that became a THT with the Alliance's help: counted once in the
    // plan's "founded with support".
    let founders = cases::create_applicant(
        conn(),
        &NewApplicant {
            kind: ApplicantKind::Founder,
            name: "Nhóm vẽ gốm Hoa Bưởi".into(),
            user_id: None,
            phone: None,
            commune_code: Some("00577".into()),
            registered_by: Some(officer.id),
        },
    )
    .await?;
    if let Some(a) = cases::applicant(conn(), founders).await? {
        let id = open(
            For::Other(a),
            officer.id,
            ask(
                "founding",
                "",
                "Thành lập tổ hợp tác vẽ gốm của 9 chị em.",
                "",
            ),
            ago(150),
        )
        .await?;
        step(
            id,
            by_officer.clone(),
            Step::Refer,
            refer(alliance),
            ago(148),
        )
        .await?;
        let alliance_desk = by(alliance_staff, alliance);
        step(
            id,
            alliance_desk.clone(),
            Step::Receive,
            plain.clone(),
            ago(147),
        )
        .await?;
        step(
            id,
            alliance_desk.clone(),
            Step::Approve,
            plain.clone(),
            ago(140),
        )
        .await?;
        step(
            id,
            alliance_desk,
            Step::Complete,
            StepInput {
                done_on: Some((ago(120) + chrono::Duration::hours(7)).date_naive()),
                founded_org_id: Some(hoa_buoi.id),
                note: Some("Đã đăng ký THT tại UBND xã.".into()),
                ..StepInput::default()
            },
            ago(120),
        )
        .await?;
    }
    Ok(())
}

pub async fn create_user(
    db: &Db,
    login: &str,
    name: &str,
    password: &str,
    role: &str,
    commune: Option<&str>,
) -> anyhow::Result<()> {
    let id = insert_user(db, login, name, password, role, commune).await?;
    tracing::info!(id, role, "user created");
    Ok(())
}

async fn insert_user(
    db: &Db,
    login: &str,
    name: &str,
    password: &str,
    role: &str,
    commune: Option<&str>,
) -> anyhow::Result<i64> {
    let role = PlatformRole::parse(&role.replace('-', "_"))
        .context("role must be user, union-officer or admin")?;
    let login = Login::parse(login).map_err(|e| anyhow::anyhow!("login: {e}"))?;
    anyhow::ensure!(
        password.chars().count() >= 8,
        "the password needs at least 8 characters"
    );
    if let Some(c) = commune {
        anyhow::ensure!(
            ketnoi_domain::admin_units::commune(c).is_some(),
            "unknown ward/commune code {c}"
        );
    }
    let hash = ketnoi_app::password::hash(password.to_owned()).await?;
    let (email, phone) = match &login {
        Login::Email(e) => (Some(e.as_str()), None),
        Login::Phone(p) => (None, Some(p.as_str())),
    };
    let user = ketnoi_db::users::insert(
        db.conn(),
        &NewUser {
            email,
            phone,
            display_name: &ketnoi_domain::text::clean(name),
            password_hash: &hash,
            locale: Locale::Vi,
            role,
            officer_commune_code: if role == PlatformRole::UnionOfficer {
                commune
            } else {
                None
            },
        },
    )
    .await?;
    Ok(user.id)
}
