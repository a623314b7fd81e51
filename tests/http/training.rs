//! Training records (issue 17): entered, imported, and what the plan counts.

use crate::imports::{count, import, listed_errors};
use ketnoi_domain::role::PlatformRole;
use ketnoi_sheets::{Cell, Sheet};
use ketnoi_tests::{TestApp, on_both_backends};

on_both_backends!(
    a_city_officer_imports_200_training_rows_and_exactly_the_3_bad_ones_are_named,
    a_ward_officer_cannot_import_training_of_another_wards_cooperative,
);

/// The headers of the Union's training sheets, as its staff type them.
const HEADERS: [&str; 9] = [
    "STT",
    "Họ và tên",
    "Hợp tác xã",
    "Chức danh",
    "Nội dung đào tạo",
    "Số giờ",
    "Ngày tổ chức",
    "Số chứng chỉ",
    "Đơn vị tổ chức",
];

const ROLES: [&str; 7] = [
    "Chủ tịch",
    "Giám đốc",
    "Thành viên HĐQT",
    "kiem soat vien",
    "Kế toán",
    "Thành viên",
    "Người lao động",
];
const TOPICS: [&str; 6] = [
    "Quản trị",
    "Kế toán",
    "Kiểm soát",
    "Thương mại điện tử",
    "Nghề - kỹ thuật",
    "chuyen doi so",
];

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// An XLSX workbook of training rows under [`HEADERS`]; each row is
/// (name, cooperative, role, topic, hours, date).
fn workbook(rows: &[[Cell; 6]]) -> Vec<u8> {
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, [name, coop, role, topic, hours, date])| {
            vec![
                Cell::Number(i as i64 + 1),
                name.clone(),
                coop.clone(),
                role.clone(),
                topic.clone(),
                hours.clone(),
                date.clone(),
                if i % 3 == 0 {
                    text(&format!("CC-2025-{i:03}"))
                } else {
                    Cell::Empty
                },
                text("Hội LHPN thành phố Hà Nội"),
            ]
        })
        .collect();
    ketnoi_sheets::write_workbook(
        &[Sheet {
            name: "Đào tạo 2025".into(),
            headers: HEADERS.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        }],
        false,
    )
    .unwrap()
}

/// 200 rows from the Union's sheet: cooperatives by slug and by name, officers without one,
/// dates typed both ways; the 18th, 89th and 151st data rows (sheet rows 19, 90 and 152)
/// are wrong: a topic nobody teaches, 12,5 hours, no name.
async fn a_city_officer_imports_200_training_rows_and_exactly_the_3_bad_ones_are_named(
    app: TestApp,
) {
    let gom = app.cooperative("htx-gom-bat-trang", "00577").await;
    let lua = app.cooperative("htx-lua-nhieu-hang", "00004").await;
    let city = app
        .user(
            "canbo.thanhpho@example.com",
            PlatformRole::UnionOfficer,
            None,
        )
        .await;
    let c = app.client_as(&city).await;
    let rows: Vec<[Cell; 6]> = (0..200)
        .map(|i| {
            let (coop, role) = match i % 4 {
                0 => (text(&gom.slug), text(ROLES[i % ROLES.len()])),
                1 => (text(&lua.name), text(ROLES[i % ROLES.len()])),
                2 => (
                    text(&format!(" {} ", gom.name.to_uppercase())),
                    text("Thành viên"),
                ),
                _ => (Cell::Empty, text("Cán bộ Hội")),
            };
            let name = match i {
                150 => Cell::Empty,
                _ => text(&format!("Nguyễn Thị Học Viên {i}")),
            };
            let topic = match i {
                17 => text("Nấu ăn"),
                _ => text(TOPICS[i % TOPICS.len()]),
            };
            let hours = match i {
                88 => text("12,5"),
                _ => Cell::Number(4 + (i as i64 % 20)),
            };
            let day = 1 + i % 28;
            let date = if i % 2 == 0 {
                text(&format!("{day:02}/03/2025"))
            } else {
                text(&format!("2025-04-{day:02}"))
            };
            [name, coop, role, topic, hours, date]
        })
        .collect();
    let bytes = workbook(&rows);

    let refused = import(&c, "training", "dao-tao-2025.xlsx", bytes.clone(), false).await;
    let mut errors = listed_errors(&refused);
    errors.sort();
    assert_eq!(
        errors,
        [
            (19, "topic".to_owned()),
            (90, "hours".to_owned()),
            (152, "person_name".to_owned()),
        ],
        "{}",
        refused.body
    );
    assert_eq!(
        (count(&refused, "created"), count(&refused, "skipped")),
        (0, 200)
    );
    assert!(refused.body.contains("Hồ sơ đào tạo, tập huấn"));
    assert!(
        ketnoi_db::training::list(app.db.conn(), None, 1000)
            .await
            .unwrap()
            .is_empty(),
        "a file with errors imports nothing"
    );

    let done = import(&c, "training", "dao-tao-2025.xlsx", bytes.clone(), true).await;
    assert_eq!(listed_errors(&done).len(), 3, "{}", done.body);
    assert_eq!(
        (count(&done, "created"), count(&done, "skipped")),
        (197, 3),
        "{}",
        done.body
    );
    let records = ketnoi_db::training::list(app.db.conn(), None, 1000)
        .await
        .unwrap();
    assert_eq!(records.len(), 197);
    assert!(records.iter().all(|r| r.source == "import"));
    assert!(
        records
            .iter()
            .all(|r| r.provider == "Hội LHPN thành phố Hà Nội")
    );
    let of = |name: &str| {
        records
            .iter()
            .find(|r| r.person_name == name)
            .unwrap_or_else(|| panic!("no record of {name}"))
    };
    // By slug, by name, by name in capitals, and an officer without a cooperative.
    let r = of("Nguyễn Thị Học Viên 0");
    assert_eq!(
        (r.org_id, r.commune_code.as_deref()),
        (Some(gom.id), Some("00577"))
    );
    assert_eq!((r.role.as_str(), r.topic.as_str()), ("chair", "governance"));
    assert_eq!(r.held_on.to_string(), "2025-03-01");
    assert_eq!(r.certificate_no.as_deref(), Some("CC-2025-000"));
    let r = of("Nguyễn Thị Học Viên 1");
    assert_eq!(
        (r.org_id, r.commune_code.as_deref()),
        (Some(lua.id), Some("00004"))
    );
    assert_eq!(
        (r.role.as_str(), r.topic.as_str(), r.hours),
        ("director", "accounting", 5)
    );
    assert_eq!(r.held_on.to_string(), "2025-04-02");
    assert_eq!(of("Nguyễn Thị Học Viên 2").org_id, Some(gom.id));
    let r = of("Nguyễn Thị Học Viên 3");
    assert_eq!(
        (r.org_id, r.commune_code.as_deref(), r.role.as_str()),
        (None, None, "officer")
    );
    // A quarter of the rows are of the cooperative in 00004, one of them (row 19) refused.
    assert_eq!(
        ketnoi_db::training::list(app.db.conn(), Some("00004"), 1000)
            .await
            .unwrap()
            .len(),
        49
    );

    // Records are only ever added, and the same sheet again adds nothing.
    let again = import(&c, "training", "dao-tao-2025.xlsx", bytes, true).await;
    assert_eq!(
        (count(&again, "created"), count(&again, "unchanged")),
        (0, 197),
        "{}",
        again.body
    );
    assert_eq!(
        ketnoi_db::training::list(app.db.conn(), None, 1000)
            .await
            .unwrap()
            .len(),
        197
    );
    // The export reads back under the canonical columns.
    let export = c.get("/union/exports/training.csv").await;
    assert_eq!(export.status, 200);
    assert!(
        export
            .body
            .contains("Nguyễn Thị Học Viên 1,htx-lua-nhieu-hang,director,accounting,5,2025-04-02"),
        "{}",
        export.body
    );
}

/// Bát Tràng's officer may record trainings of Bát Tràng's cooperatives and her own, not
/// another ward's cooperative's (nor an unknown one's).
async fn a_ward_officer_cannot_import_training_of_another_wards_cooperative(app: TestApp) {
    let gom = app.cooperative("htx-gom-bat-trang", "00577").await;
    let other = app.cooperative("htx-lua-nhieu-hang", "00004").await;
    let officer = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let c = app.client_as(&officer).await;
    let row = |name: &str, coop: Cell| {
        [
            text(name),
            coop,
            text("Giám đốc"),
            text("Chuyển đổi số"),
            Cell::Number(8),
            text("12/05/2025"),
        ]
    };
    let bytes = workbook(&[
        row("Lê Thị Mai", text(&gom.slug)),
        row("Phạm Thị Hạnh", text(&other.slug)),
        row("Đỗ Thị Thu", text("htx-khong-co")),
        row("Vũ Thị Nga", Cell::Empty),
    ]);
    let refused = import(&c, "training", "dao-tao.xlsx", bytes.clone(), false).await;
    assert_eq!(
        listed_errors(&refused),
        [(3, "cooperative".to_owned()), (4, "cooperative".to_owned())],
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Ngoài phạm vi của bạn"),
        "{}",
        refused.body
    );
    assert_eq!(count(&refused, "created"), 0);
    assert!(
        ketnoi_db::training::list(app.db.conn(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let done = import(&c, "training", "dao-tao.xlsx", bytes, true).await;
    assert_eq!(
        (count(&done, "created"), count(&done, "skipped")),
        (2, 2),
        "{}",
        done.body
    );
    let records = ketnoi_db::training::list(app.db.conn(), None, 10)
        .await
        .unwrap();
    let mut kept: Vec<(&str, Option<i64>, Option<&str>)> = records
        .iter()
        .map(|r| (r.person_name.as_str(), r.org_id, r.commune_code.as_deref()))
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        [
            ("Lê Thị Mai", Some(gom.id), Some("00577")),
            ("Vũ Thị Nga", None, Some("00577")),
        ]
    );
    assert!(records.iter().all(|r| r.org_id != Some(other.id)));
}
