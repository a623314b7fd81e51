//! Support cases' figures for the plan (issue 19): credit referred, approved, declined and
//! disbursed by partner and by ward/commune for a year or a quarter, on the page, in its
//! XLSX and in the plan's JSON; a ward officer sees her own ward only; a cooperative founded
//! through a founding case counts once toward the plan's target, however often it is recorded.

use calamine::{Data, Reader, Xlsx};
use chrono::Datelike;
use ketnoi_app::cases::{StepInput, Who, take_step};
use ketnoi_db::cases::{Applicant, NewApplicant, NewCase, NewPartner};
use ketnoi_domain::cases::{ApplicantKind, CaseKind, PartnerKind, Step};
use ketnoi_domain::role::{PlatformRole, Scope};
use ketnoi_tests::{Client, TestApp, on_both_backends};

on_both_backends!(
    an_officer_sees_credit_by_partner_and_ward_and_the_same_in_xlsx,
    a_ward_officer_sees_her_ward_only,
    a_cooperative_founded_through_cases_counts_once_toward_the_plan,
);

const WARD: &str = "00577";
const OTHER_WARD: &str = "00004";

async fn partner(app: &TestApp, slug: &str, name: &str, kind: PartnerKind) -> i64 {
    ketnoi_db::cases::create_partner(
        app.db.conn(),
        &NewPartner {
            slug: slug.into(),
            name: name.into(),
            kind,
            phone: None,
            email: None,
        },
    )
    .await
    .unwrap()
}

/// A case of `kind` for `applicant` in `commune`, opened now.
async fn open(
    app: &TestApp,
    kind: CaseKind,
    applicant: Applicant,
    commune: &str,
    amount: Option<i64>,
) -> i64 {
    let mut tx = app.db.begin().await.unwrap();
    let id = ketnoi_db::cases::open(
        &mut tx,
        &NewCase {
            kind,
            applicant,
            commune_code: Some(commune.into()),
            amount_vnd: amount,
            purpose: amount.map(|_| "Mua giống".to_owned()),
            term_months: amount.map(|_| 12),
            opened_by: None,
            due_at: None,
            at: ketnoi_db::now(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// A credit case of `amount` đồng for a household business in `commune`.
async fn credit(app: &TestApp, commune: &str, amount: i64) -> i64 {
    let household = ketnoi_db::cases::create_applicant(
        app.db.conn(),
        &NewApplicant {
            kind: ApplicantKind::Household,
            name: format!("Hộ kinh doanh {commune}-{amount}"),
            user_id: None,
            phone: None,
            commune_code: Some(commune.into()),
            registered_by: None,
        },
    )
    .await
    .unwrap();
    open(
        app,
        CaseKind::Credit,
        Applicant::Other(household),
        commune,
        Some(amount),
    )
    .await
}

/// Takes `step` through the use case, as the pages do.
async fn step(app: &TestApp, case: i64, who: &Who, step: Step, input: StepInput) {
    take_step(&app.db, case, who, step, &input, ketnoi_db::now())
        .await
        .unwrap_or_else(|e| panic!("{step:?} on case {case}: {e:?}"));
}

fn refer(partner: i64) -> StepInput {
    StepInput {
        partner_id: Some(partner),
        ..StepInput::default()
    }
}

/// In the officer's ward, a case declined by Agribank, referred to TYM, approved and
/// disbursed (40 of the 50 million asked); in another ward, one referred to Agribank and
/// approved (100 million asked); and one not yet referred.
async fn credit_cases(app: &TestApp, officer: i64) {
    let bank = partner(app, "agribank", "Agribank Hà Nội", PartnerKind::Bank).await;
    let tym = partner(app, "tym", "Quỹ TYM", PartnerKind::Microfinance).await;
    let city = Who::Officer {
        user_id: officer,
        scope: Scope::City,
    };
    let staff = |p: i64| Who::Partner {
        user_id: officer,
        partners: vec![p],
    };
    let a = credit(app, WARD, 50_000_000).await;
    step(app, a, &city, Step::Refer, refer(bank)).await;
    step(app, a, &staff(bank), Step::Receive, StepInput::default()).await;
    let no = StepInput {
        note: Some("Chưa đủ tài sản bảo đảm".into()),
        ..StepInput::default()
    };
    step(app, a, &staff(bank), Step::Decline, no).await;
    step(app, a, &city, Step::Refer, refer(tym)).await;
    step(app, a, &staff(tym), Step::Receive, StepInput::default()).await;
    step(app, a, &staff(tym), Step::Approve, StepInput::default()).await;
    let paid = StepInput {
        amount_vnd: Some(40_000_000),
        ..StepInput::default()
    };
    step(app, a, &staff(tym), Step::Complete, paid).await;
    let b = credit(app, OTHER_WARD, 100_000_000).await;
    step(app, b, &city, Step::Refer, refer(bank)).await;
    step(app, b, &staff(bank), Step::Receive, StepInput::default()).await;
    step(app, b, &staff(bank), Step::Approve, StepInput::default()).await;
    credit(app, WARD, 9_000_000).await;
}

/// The texts of the cells of the table row marked `data-testid="{id}"`, its header first.
fn row(html: &str, id: &str) -> Vec<String> {
    let start = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no row {id}"));
    let tr = &html[start..];
    let tr = &tr[..tr.find("</tr>").unwrap()];
    tr.split("</t")
        .filter_map(|piece| {
            let cell = &piece[piece.rfind("<t")?..];
            Some(cell[cell.find('>')? + 1..].trim().to_owned())
        })
        .collect()
}

/// The text of the element marked `data-testid="{id}"`.
fn text(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[start..];
    let body = &rest[rest.find('>').unwrap() + 1..];
    body[..body.find('<').unwrap()].trim().to_owned()
}

fn this_year_and_quarter() -> (i32, u32) {
    let today = ketnoi_domain::time::today_hanoi();
    (today.year(), today.month0() / 3 + 1)
}

async fn workbook(c: &Client, query: &str) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    let res = c
        .http
        .get(c.url(&format!("/union/cases/figures.xlsx{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip");
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap()
}

fn rows(book: &mut Xlsx<std::io::Cursor<Vec<u8>>>, sheet: &str) -> Vec<Vec<Data>> {
    book.worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{sheet}: {e}"))
        .rows()
        .map(|r| r.to_vec())
        .collect()
}

fn numbers(cells: &[Data]) -> Vec<i64> {
    cells
        .iter()
        .map(|d| match d {
            Data::Float(f) => *f as i64,
            Data::Int(i) => *i,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn label(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => panic!("{other:?}"),
    }
}

fn commune_name(code: &str) -> String {
    ketnoi_domain::admin_units::commune(code)
        .unwrap()
        .name
        .clone()
}

async fn an_officer_sees_credit_by_partner_and_ward_and_the_same_in_xlsx(app: TestApp) {
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    credit_cases(&app, officer.id).await;
    let c = app.client_as(&officer).await;

    let dashboard = c.get("/union").await;
    assert!(
        dashboard
            .body
            .contains("href=\"/union/cases/figures\" data-testid=\"case-figures-link\""),
        "linked from her dashboard"
    );
    // This year by default.
    let page = c.get("/union/cases/figures").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (year, quarter) = this_year_and_quarter();
    assert!(page.body.contains(&format!("<strong>Năm {year}</strong>")));
    assert_eq!(
        row(&page.body, "partner-agribank"),
        [
            "Agribank Hà Nội",
            "2",
            "1",
            "1",
            "0",
            "0 ₫",
            "150.000.000 ₫"
        ]
    );
    assert_eq!(
        row(&page.body, "partner-tym"),
        [
            "Quỹ TYM",
            "1",
            "1",
            "0",
            "1",
            "40.000.000 ₫",
            "50.000.000 ₫"
        ]
    );
    assert_eq!(
        row(&page.body, &format!("commune-{WARD}")),
        [
            commune_name(WARD).as_str(),
            "2",
            "1",
            "1",
            "1",
            "40.000.000 ₫",
            "100.000.000 ₫"
        ]
    );
    assert_eq!(
        row(&page.body, &format!("commune-{OTHER_WARD}")),
        [
            commune_name(OTHER_WARD).as_str(),
            "1",
            "1",
            "0",
            "0",
            "0 ₫",
            "100.000.000 ₫"
        ]
    );
    for (id, value) in [
        ("total-referred", "3"),
        ("total-requested", "200.000.000 ₫"),
        ("total-approved", "2"),
        ("total-declined", "1"),
        ("total-disbursed", "1"),
        ("total-disbursed-vnd", "40.000.000 ₫"),
    ] {
        assert_eq!(text(&page.body, id), value, "{id}");
    }
    let xlsx_link = format!("href=\"/union/cases/figures.xlsx?year={year}\"");
    assert!(page.body.contains(&xlsx_link), "{xlsx_link}");
    // This quarter holds them all; a year before the cases, nothing.
    let q = c
        .get(&format!(
            "/union/cases/figures?year={year}&quarter={quarter}"
        ))
        .await;
    assert_eq!(text(&q.body, "total-referred"), "3");
    assert!(q.body.contains(&format!("Quý {quarter}/{year}")));
    let before = c.get("/union/cases/figures?year=2023").await;
    assert_eq!(text(&before.body, "total-referred"), "0");
    assert!(before.body.contains("data-testid=\"no-partner-figures\""));
    // A year it cannot be yet, or not a year: this year, not an error.
    let odd = c.get("/union/cases/figures?year=abc&quarter=9").await;
    assert_eq!(odd.status, 200);
    assert_eq!(text(&odd.body, "total-referred"), "3");

    // The workbook: the same numbers, one sheet per table.
    let mut book = workbook(&c, &format!("?year={year}")).await;
    let partners = rows(&mut book, "Theo đối tác");
    assert_eq!(label(&partners[1][0]), "Agribank Hà Nội");
    assert_eq!(
        numbers(&partners[1][1..]),
        [2, 1, 1, 0, 150_000_000, 0],
        "referred, approved, declined, disbursed, requested, disbursed"
    );
    assert_eq!(label(&partners[2][0]), "Quỹ TYM");
    assert_eq!(
        numbers(&partners[2][1..]),
        [1, 1, 0, 1, 50_000_000, 40_000_000]
    );
    assert_eq!(
        numbers(&partners[3][1..]),
        [3, 2, 1, 1, 200_000_000, 40_000_000],
        "the total"
    );
    let communes = rows(&mut book, "Theo phường, xã");
    let ward = communes
        .iter()
        .find(|r| r[0] == Data::String(WARD.into()))
        .unwrap();
    assert_eq!(label(&ward[1]), commune_name(WARD));
    assert_eq!(numbers(&ward[2..]), [2, 1, 1, 1, 100_000_000, 40_000_000]);
    assert_eq!(communes.len(), 4, "a header, two wards, a total");
    let totals = rows(&mut book, "Tổng hợp");
    assert_eq!(totals.len(), 2);
    assert_eq!(label(&totals[1][0]), "Toàn thành phố");
    assert_eq!(
        numbers(&totals[1][2..8]),
        [3, 2, 1, 1, 200_000_000, 40_000_000]
    );

    let mut quarter_book = workbook(&c, &format!("?year={year}&quarter={quarter}")).await;
    let totals = rows(&mut quarter_book, "Tổng hợp");
    assert_eq!(label(&totals[1][1]), format!("Quý {quarter}/{year}"));
    assert_eq!(numbers(&totals[1][2..3]), [3]);

    // The plan's JSON carries the period's credit figures too.
    let api = c
        .get(&format!("/api/v1/plan/progress?period={year}-y"))
        .await;
    assert_eq!(api.status, 200, "{}", api.body);
    let cases = &api.json()["cases"];
    assert_eq!(cases["credit_referred"], 3);
    assert_eq!(cases["credit_approved"], 2);
    assert_eq!(cases["credit_declined"], 1);
    assert_eq!(cases["credit_disbursed"], 1);
    assert_eq!(cases["credit_disbursed_vnd"], 40_000_000);
    assert_eq!(cases["credit_requested_vnd"], 200_000_000);
}

async fn a_ward_officer_sees_her_ward_only(app: TestApp) {
    let city = app
        .user("thanhpho@example.com", PlatformRole::UnionOfficer, None)
        .await;
    credit_cases(&app, city.id).await;
    let officer = app
        .user(
            "phuong@example.com",
            PlatformRole::UnionOfficer,
            Some(OTHER_WARD),
        )
        .await;
    let c = app.client_as(&officer).await;
    let page = c.get("/union/cases/figures").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&commune_name(OTHER_WARD)));
    assert_eq!(
        row(&page.body, "partner-agribank"),
        [
            "Agribank Hà Nội",
            "1",
            "1",
            "0",
            "0",
            "0 ₫",
            "100.000.000 ₫"
        ]
    );
    assert!(!page.body.contains("data-testid=\"partner-tym\""));
    assert!(
        !page
            .body
            .contains(&format!("data-testid=\"commune-{WARD}\""))
    );
    assert_eq!(text(&page.body, "total-referred"), "1");
    assert_eq!(text(&page.body, "total-disbursed-vnd"), "0 ₫");
    let mut book = workbook(&c, "").await;
    let partners = rows(&mut book, "Theo đối tác");
    assert_eq!(partners.len(), 3, "a header, Agribank, a total");
    assert_eq!(numbers(&partners[2][1..]), [1, 1, 0, 0, 100_000_000, 0]);
    let communes = rows(&mut book, "Theo phường, xã");
    assert_eq!(communes.len(), 3, "a header, her ward, a total");
    assert_eq!(communes[1][0], Data::String(OTHER_WARD.into()));
    // Not an officer: no figures.
    let member = app.user("lan@example.com", PlatformRole::User, None).await;
    let m = app.client_as(&member).await;
    assert_eq!(m.get("/union/cases/figures").await.status, 403);
    assert_eq!(m.get("/union/cases/figures.xlsx").await.status, 403);
}

async fn a_cooperative_founded_through_cases_counts_once_toward_the_plan(app: TestApp) {
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    let alliance = partner(&app, "lmhtx", "Liên minh HTX Hà Nội", PartnerKind::Alliance).await;
    let coop = app.cooperative("htx-may-tre-moi", WARD).await;
    let city = Who::Officer {
        user_id: officer.id,
        scope: Scope::City,
    };
    let staff = Who::Partner {
        user_id: officer.id,
        partners: vec![alliance],
    };
    let c = &app.client_as(&officer).await;
    let (year, _) = this_year_and_quarter();
    let plan_value = move || async move {
        let api = c
            .get(&format!("/api/v1/plan/progress?period={year}-y"))
            .await
            .json();
        let founded = api["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "htx-founded")
            .unwrap()["value"]
            .clone();
        (founded, api["cases"]["founded_htx"].clone())
    };
    assert_eq!(plan_value().await, (0.into(), 0.into()));
    // Founded through a case, then recorded again: a second case naming it, and a support
    // record of the founding.
    for _ in 0..2 {
        let id = open(
            &app,
            CaseKind::Founding,
            Applicant::Org(coop.id),
            WARD,
            None,
        )
        .await;
        step(&app, id, &city, Step::Refer, refer(alliance)).await;
        step(&app, id, &staff, Step::Receive, StepInput::default()).await;
        step(&app, id, &staff, Step::Approve, StepInput::default()).await;
        let founded = StepInput {
            founded_org_id: Some(coop.id),
            ..StepInput::default()
        };
        step(&app, id, &staff, Step::Complete, founded).await;
        assert_eq!(
            plan_value().await,
            (1.into(), 1.into()),
            "the plan's dashboard sees it at once"
        );
    }
    ketnoi_db::support::record(
        &app.db,
        &ketnoi_db::support::NewSupport {
            org_id: coop.id,
            kind: ketnoi_domain::plan::SupportKind::Founding,
            since: ketnoi_domain::time::today_hanoi(),
            until: None,
            note: None,
        },
        officer.id,
    )
    .await
    .unwrap();
    assert_eq!(plan_value().await, (1.into(), 1.into()));
    let page = c.get("/union/cases/figures").await;
    assert_eq!(text(&page.body, "founded-htx"), "1");
    assert_eq!(text(&page.body, "founded-tht"), "0");
    assert_eq!(text(&page.body, "founded-phase-count"), "1");
    let phase = if year <= 2025 {
        "2023–2025"
    } else {
        "2026–2030"
    };
    let target = if year <= 2025 { "6" } else { "15" };
    let against_target = format!(
        "{phase}, tính đến hết kỳ: <strong data-testid=\"founded-phase-count\">1</strong> / {target}"
    );
    assert!(page.body.contains(&against_target), "{}", page.body);
    let mut book = workbook(c, "").await;
    let totals = rows(&mut book, "Tổng hợp");
    assert_eq!(numbers(&totals[1][8..11]), [1, 0, 1]);
    assert_eq!(label(&totals[1][11]), target);
}
