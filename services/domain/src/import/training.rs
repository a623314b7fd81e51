//! A row of the Union's training sheets (who was trained, in what, for how long, by whom)
//! validated into a [`TrainingRecord`]. Roles and topics are read as the Union's staff write
//! them, in Vietnamese or English, with or without diacritics.

use super::cells::Cells;
use super::{ID_MAX, NAME_MAX};
use crate::event::{Role, Topic};
use crate::text;
use chrono::{Datelike, NaiveDate};

/// One training of one person, as a sheet row gives it. Whether the cooperative exists (and
/// is in the operator's scope) is for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingRecord {
    pub person_name: String,
    /// The cooperative's `external_id`, registration number, slug or exact name; `None` for
    /// someone trained outside a cooperative (the Union's own officers).
    pub cooperative: Option<String>,
    pub role: Role,
    pub topic: Topic,
    pub hours: i64,
    pub held_on: NaiveDate,
    pub certificate_no: Option<String>,
    pub provider: String,
}

pub const MAX_HOURS: i64 = 2000;

/// The words a cell may use for each role, folded (see [`words`]).
const ROLE_WORDS: &[(Role, &[&str])] = &[
    (
        Role::Chair,
        &[
            "chu tich",
            "chu tich hdqt",
            "chu tich hoi dong quan tri",
            "chair",
            "chairwoman",
            "chairperson",
        ],
    ),
    (Role::Director, &["giam doc", "giam doc htx", "director"]),
    (
        Role::Board,
        &[
            "thanh vien hdqt",
            "thanh vien hoi dong quan tri",
            "board",
            "board member",
        ],
    ),
    (
        Role::Supervisor,
        &[
            "kiem soat vien",
            "kiem soat",
            "truong ban kiem soat",
            "thanh vien ban kiem soat",
            "supervisor",
        ],
    ),
    (
        Role::Accountant,
        &["ke toan", "ke toan truong", "ke toan vien", "accountant"],
    ),
    (
        Role::Member,
        &["thanh vien", "thanh vien htx", "xa vien", "member"],
    ),
    (
        Role::Worker,
        &[
            "nguoi lao dong",
            "lao dong",
            "cong nhan",
            "worker",
            "employee",
        ],
    ),
    (
        Role::Officer,
        &[
            "can bo hoi",
            "can bo hoi phu nu",
            "can bo hoi lhpn",
            "can bo",
            "officer",
            "union officer",
        ],
    ),
];

/// The words a cell may use for each topic, folded (see [`words`]).
const TOPIC_WORDS: &[(Topic, &[&str])] = &[
    (
        Topic::Governance,
        &[
            "quan tri",
            "quan tri htx",
            "quan tri hop tac xa",
            "quan ly",
            "quan ly htx",
            "governance",
        ],
    ),
    (
        Topic::Accounting,
        &[
            "ke toan",
            "tai chinh ke toan",
            "ke toan tai chinh",
            "accounting",
        ],
    ),
    (
        Topic::Supervision,
        &["kiem soat", "kiem soat noi bo", "supervision"],
    ),
    (
        Topic::Ecommerce,
        &[
            "thuong mai dien tu",
            "tmdt",
            "ban hang truc tuyen",
            "ban hang online",
            "ecommerce",
            "e commerce",
        ],
    ),
    (
        Topic::Vocational,
        &[
            "nghe ky thuat",
            "nghe",
            "ky thuat",
            "day nghe",
            "dao tao nghe",
            "vocational",
        ],
    ),
    (
        Topic::Digital,
        &["chuyen doi so", "cds", "ky nang so", "digital"],
    ),
];

/// A cell as its words: diacritics and case folded, `-`, `_`, `/` and `–` read as spaces,
/// runs of spaces made one. "Nghề - Kỹ thuật" and "nghe ky thuat" are the same words.
fn words(s: &str) -> String {
    text::fold(s)
        .replace(['-', '_', '/', '–', '—', '.', ','], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn lookup<T: Copy>(table: &[(T, &[&str])], s: &str, canonical: fn(&str) -> Option<T>) -> Option<T> {
    let w = words(s);
    canonical(&w.replace(' ', "_")).or_else(|| {
        table
            .iter()
            .find(|(_, list)| list.contains(&w.as_str()))
            .map(|(v, _)| *v)
    })
}

pub(super) fn role(s: &str) -> Option<Role> {
    lookup(ROLE_WORDS, s, Role::parse)
}

pub(super) fn topic(s: &str) -> Option<Topic> {
    lookup(TOPIC_WORDS, s, Topic::parse)
}

/// The first day of the first Excel serial date accepted (1 January 1990) and the last
/// (31 December 2099): a bare number outside them is not a date someone meant.
const SERIAL_RANGE: std::ops::RangeInclusive<i64> = 32_874..=73_050;

/// A date as the Union's sheets hold it: `dd/mm/yyyy` (also with `-` or `.`), `yyyy-mm-dd`
/// (what an Excel date cell reads as, possibly with a time), or an Excel serial number (a
/// date cell without a date format). Years 1990 to 2099.
pub(super) fn date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let day_part = s.split([' ', 'T']).next().unwrap_or(s);
    let parsed = if s.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        // Excel's day 0 is 30 December 1899 (counting its 29 February 1900).
        SERIAL_RANGE
            .contains(&n)
            .then(|| NaiveDate::from_ymd_opt(1899, 12, 30))
            .flatten()
            .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(n.unsigned_abs())))
    } else {
        ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(day_part, f).ok())
    };
    parsed.filter(|d| (1990..=2099).contains(&d.year()))
}

const ROLE: (&str, &str) = (
    "Chức danh phải là một trong: chủ tịch, giám đốc, thành viên HĐQT, kiểm soát viên, kế toán, thành viên, người lao động, cán bộ Hội",
    "The role must be one of: chair, director, board, supervisor, accountant, member, worker, officer",
);
const TOPIC: (&str, &str) = (
    "Nội dung phải là một trong: quản trị, kế toán, kiểm soát, thương mại điện tử, nghề - kỹ thuật, chuyển đổi số",
    "The topic must be one of: governance, accounting, supervision, ecommerce, vocational, digital",
);
const HOURS: (&str, &str) = (
    "Số giờ phải là số nguyên từ 1 đến 2000 (ví dụ 16)",
    "Hours must be a whole number from 1 to 2000 (e.g. 16)",
);
const DATE: (&str, &str) = (
    "Ngày phải có dạng ngày/tháng/năm (ví dụ 15/03/2025) hoặc năm-tháng-ngày (2025-03-15), từ năm 1990",
    "The date must be day/month/year (e.g. 15/03/2025) or year-month-day (2025-03-15), from 1990",
);

pub(super) fn training(c: &mut Cells) -> Option<TrainingRecord> {
    let person_name = c
        .line("person_name", NAME_MAX, true)
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "));
    let cooperative = c.line("cooperative", NAME_MAX, false);
    let role = required(c, "role", role, ROLE);
    let topic = required(c, "topic", topic, TOPIC);
    let hours = c
        .present("hours", true)
        .then(|| c.whole("hours", |n| (1..=MAX_HOURS).contains(&n), HOURS))
        .flatten();
    let held_on = required(c, "held_on", date, DATE);
    let certificate_no = c.line("certificate_no", ID_MAX, false);
    let provider = c.line("provider", NAME_MAX, true);
    if !c.is_ok() {
        return None;
    }
    Some(TrainingRecord {
        person_name: person_name?,
        cooperative,
        role: role?,
        topic: topic?,
        hours: hours?,
        held_on: held_on?,
        certificate_no,
        provider: provider?,
    })
}

/// A required cell through `parse`: empty is "required", unreadable is `message`.
fn required<T>(
    c: &mut Cells,
    col: &str,
    parse: fn(&str) -> Option<T>,
    message: (&str, &str),
) -> Option<T> {
    if !c.present(col, true) {
        return None;
    }
    c.parsed(col, parse, message)
}

/// What makes two rows the same training: the same person (name folded) in the same
/// cooperative, with the same role, topic, hours, day, certificate and provider.
pub(super) fn same_key(r: &TrainingRecord) -> String {
    let fold = |s: &str| words(s);
    format!(
        "{}|{}|{}|{}|{}|{}|{}|{}",
        fold(&r.person_name),
        r.cooperative.as_deref().map(fold).unwrap_or_default(),
        r.role.as_str(),
        r.topic.as_str(),
        r.hours,
        r.held_on,
        r.certificate_no.as_deref().map(fold).unwrap_or_default(),
        fold(&r.provider),
    )
}

/// A record as a sheet row, under [`super::TRAINING_COLUMNS`].
pub fn training_row(r: &TrainingRecord) -> Vec<String> {
    vec![
        r.person_name.clone(),
        r.cooperative.clone().unwrap_or_default(),
        r.role.as_str().to_owned(),
        r.topic.as_str().to_owned(),
        r.hours.to_string(),
        r.held_on.format("%Y-%m-%d").to_string(),
        r.certificate_no.clone().unwrap_or_default(),
        r.provider.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testing::{error_at, row, strings};
    use super::super::{TRAINING_COLUMNS, training as parse};
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    const GOOD: &[(&str, &str)] = &[
        ("person_name", "Nguyễn Thị Lan"),
        ("cooperative", "htx-gom-bat-trang"),
        ("role", "Giám đốc"),
        ("topic", "Quản trị"),
        ("hours", "16"),
        ("held_on", "15/03/2025"),
        ("certificate_no", "CC-2025-001"),
        ("provider", "Hội LHPN Hà Nội"),
    ];

    fn one(cells: &[(&str, &str)]) -> super::super::Parsed<TrainingRecord> {
        let mut all = GOOD.to_vec();
        for (c, v) in cells {
            all.retain(|(k, _)| k != c);
            all.push((c, v));
        }
        parse(&strings(TRAINING_COLUMNS), &[row(TRAINING_COLUMNS, &all)])
    }

    #[test]
    fn a_good_row_reads_into_a_record() {
        let parsed = one(&[]);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(
            parsed.records,
            vec![(
                2,
                TrainingRecord {
                    person_name: "Nguyễn Thị Lan".into(),
                    cooperative: Some("htx-gom-bat-trang".into()),
                    role: Role::Director,
                    topic: Topic::Governance,
                    hours: 16,
                    held_on: day(2025, 3, 15),
                    certificate_no: Some("CC-2025-001".into()),
                    provider: "Hội LHPN Hà Nội".into(),
                }
            )]
        );
        let row = training_row(&parsed.records[0].1);
        let again = parse(&strings(TRAINING_COLUMNS), &[row]);
        assert_eq!(again.records, parsed.records, "an exported row reads back");
    }

    #[test]
    fn the_unions_vietnamese_headers_are_accepted() {
        let headers = strings(&[
            "STT",
            "Họ và tên",
            "Hợp tác xã",
            "Chức danh",
            "Nội dung đào tạo",
            "Số giờ",
            "Ngày tổ chức",
            "Số chứng chỉ",
            "Đơn vị tổ chức",
        ]);
        let parsed = parse(
            &headers,
            &[strings(&[
                "1",
                "  Trần  Thị Hoa ",
                "",
                "Cán bộ Hội",
                "Chuyển đổi số",
                "8",
                "2025-11-02",
                "",
                "Trung tâm Khuyến công",
            ])],
        );
        assert_eq!(parsed.errors, vec![]);
        let r = &parsed.records[0].1;
        assert_eq!(r.person_name, "Trần Thị Hoa");
        assert_eq!(r.cooperative, None);
        assert_eq!(
            (r.role, r.topic, r.hours),
            (Role::Officer, Topic::Digital, 8)
        );
        assert_eq!(r.held_on, day(2025, 11, 2));
        assert_eq!(r.certificate_no, None);
    }

    #[test]
    fn roles_and_topics_in_either_language_with_or_without_diacritics() {
        for (cell, expected) in [
            ("chủ tịch", Role::Chair),
            ("CHU TICH", Role::Chair),
            ("Chair", Role::Chair),
            ("giam doc", Role::Director),
            ("Thành viên HĐQT", Role::Board),
            ("thanh vien hdqt", Role::Board),
            ("board", Role::Board),
            ("Kiểm soát viên", Role::Supervisor),
            ("Kế toán", Role::Accountant),
            ("accountant", Role::Accountant),
            ("Thành viên", Role::Member),
            ("Người lao động", Role::Worker),
            ("worker", Role::Worker),
            ("cán bộ hội", Role::Officer),
            ("Officer", Role::Officer),
        ] {
            assert_eq!(role(cell), Some(expected), "{cell}");
        }
        for (cell, expected) in [
            ("Quản trị", Topic::Governance),
            ("governance", Topic::Governance),
            ("kế toán", Topic::Accounting),
            ("Kiểm soát", Topic::Supervision),
            ("Thương mại điện tử", Topic::Ecommerce),
            ("thuong mai dien tu", Topic::Ecommerce),
            ("E-commerce", Topic::Ecommerce),
            ("Nghề - kỹ thuật", Topic::Vocational),
            ("nghe ky thuat", Topic::Vocational),
            ("Chuyển đổi số", Topic::Digital),
            ("DIGITAL", Topic::Digital),
        ] {
            assert_eq!(topic(cell), Some(expected), "{cell}");
        }
        // Decomposed text (macOS) reads like composed text.
        assert_eq!(role("Gia\u{301}m đô\u{302}\u{301}c"), Some(Role::Director));
        assert_eq!(role("chủ nhiệm"), None);
        assert_eq!(topic("nấu ăn"), None);
    }

    #[test]
    fn dates_as_people_and_excel_write_them() {
        for (cell, expected) in [
            ("15/03/2025", day(2025, 3, 15)),
            ("5/3/2025", day(2025, 3, 5)),
            ("15-03-2025", day(2025, 3, 15)),
            ("15.03.2025", day(2025, 3, 15)),
            ("2025-03-15", day(2025, 3, 15)),
            ("2025-03-15 08:30:00", day(2025, 3, 15)),
            ("45731", day(2025, 3, 15)),
        ] {
            assert_eq!(date(cell), Some(expected), "{cell}");
        }
        for bad in [
            "31/02/2025",
            "2025-13-01",
            "15/03/25",
            "mùa xuân",
            "12",
            "1/1/1850",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }

    #[test]
    fn each_bad_cell_is_an_error_on_its_row_and_column() {
        for (col, bad) in [
            ("topic", "nấu ăn"),
            ("role", "chủ nhiệm"),
            ("hours", "12,5"),
            ("hours", "0"),
            ("hours", "2001"),
            ("held_on", "30/02/2025"),
            ("person_name", ""),
            ("provider", " "),
            ("role", ""),
        ] {
            let parsed = one(&[(col, bad)]);
            assert_eq!(error_at(&parsed.errors), vec![(2, col)], "{col} {bad:?}");
            assert!(parsed.records.is_empty());
        }
        let parsed = one(&[("hours", "12,5")]);
        assert!(parsed.errors[0].message_vi.contains("từ 1 đến 2000"));
        assert!(parsed.errors[0].message_en.contains("from 1 to 2000"));
        // Optional cells may be empty.
        let parsed = one(&[("cooperative", ""), ("certificate_no", "")]);
        assert_eq!(parsed.errors, vec![]);
    }

    #[test]
    fn missing_columns_and_repeated_rows() {
        let parsed = parse(
            &strings(&["person_name", "role"]),
            &[strings(&["A", "member"])],
        );
        assert_eq!(
            error_at(&parsed.errors),
            vec![(1, "topic"), (1, "hours"), (1, "held_on"), (1, "provider")]
        );
        assert!(parsed.records.is_empty());
        let good = row(TRAINING_COLUMNS, GOOD);
        let mut same = good.clone();
        // The same person and training, typed differently.
        same[0] = "nguyen thi  LAN".into();
        let parsed = parse(
            &strings(TRAINING_COLUMNS),
            &[good, vec![String::new(); TRAINING_COLUMNS.len()], same],
        );
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(error_at(&parsed.errors), vec![(4, "person_name")]);
        assert!(parsed.errors[0].message_en.contains("row 2"));
    }
}
