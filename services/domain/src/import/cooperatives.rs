//! A cooperative row validated into a [`CooperativeRecord`].

use super::cells::{Cells, NON_NEGATIVE, decimal_in};
use super::{ID_MAX, LONG_TEXT_MAX, NAME_MAX};
use crate::admin_units::Commune;
use crate::catalog::{self, CooperativeRecord};
use crate::contact::{Email, Phone};
use crate::org::OrgKind;
use chrono::Datelike;

const CODE_MAX: usize = 50;
const STREET_MAX: usize = 300;
const FIRST_FOUNDING_YEAR: i64 = 1950;
/// A box around Hanoi's 126 wards and communes, with a margin; a point outside is a typo
/// (swapped or truncated coordinates), not a cooperative.
const LAT_RANGE: (f64, f64) = (20.5, 21.5);
const LON_RANGE: (f64, f64) = (105.2, 106.1);

pub(super) fn cooperative(c: &mut Cells) -> Option<CooperativeRecord> {
    let external_id = c.line("external_id", ID_MAX, false);
    let registration_no = c.line("registration_no", CODE_MAX, false);
    let tax_code = c.line("tax_code", CODE_MAX, false);
    let name = c.line("name", NAME_MAX, true);
    let kind = c.code_of(
        "kind",
        true,
        |k| OrgKind::parse(k).filter(|k| k.is_cooperative()),
        (
            "Loại phải là htx (hợp tác xã) hoặc tht (tổ hợp tác)",
            "Kind must be htx (cooperative) or tht (cooperative group)",
        ),
    );
    let commune = c.commune("commune_code", true);
    let street = c
        .line("street", STREET_MAX, false)
        .and_then(|s| without_city_tail(&s, commune));
    let this_year = i64::from(chrono::Utc::now().with_timezone(&crate::time::HANOI).year());
    let founded_year = c.whole(
        "founded_year",
        |y| (FIRST_FOUNDING_YEAR..=this_year).contains(&y),
        (
            &format!("Năm thành lập phải là số từ {FIRST_FOUNDING_YEAR} đến {this_year}"),
            &format!("Founding year must be a number from {FIRST_FOUNDING_YEAR} to {this_year}"),
        ),
    );
    let sector = c.code_of(
        "sector",
        false,
        |s| catalog::sector(s).map(|s| s.id.clone()),
        (
            "Không phải mã ngành nghề đã biết (ví dụ gom_su, tra, rau_an_toan)",
            "Not a known sector id (e.g. gom_su, tra, rau_an_toan)",
        ),
    );
    let story_vi = c.block("story_vi", LONG_TEXT_MAX, false);
    let story_en = c.block("story_en", LONG_TEXT_MAX, false);
    let phone = c.parsed(
        "phone",
        |s| Phone::parse(s).ok().map(|p| p.as_str().to_owned()),
        (
            "Không phải số di động Việt Nam hợp lệ (ví dụ 0904 555 560)",
            "Not a valid Vietnamese mobile number (e.g. 0904 555 560)",
        ),
    );
    let email = c.parsed(
        "email",
        |s| Email::parse(s).ok().map(|e| e.as_str().to_owned()),
        (
            "Địa chỉ email không hợp lệ (ví dụ lan@example.com)",
            "Not a valid e-mail address (e.g. lan@example.com)",
        ),
    );
    let lat = c.parsed(
        "lat",
        |s| decimal_in(s, LAT_RANGE),
        (
            "Vĩ độ phải là số thập phân từ 20.5 đến 21.5 (trong Hà Nội, ví dụ 21.0285)",
            "Latitude must be a decimal number from 20.5 to 21.5 (in Hanoi, e.g. 21.0285)",
        ),
    );
    let lon = c.parsed(
        "lon",
        |s| decimal_in(s, LON_RANGE),
        (
            "Kinh độ phải là số thập phân từ 105.2 đến 106.1 (trong Hà Nội, ví dụ 105.8542)",
            "Longitude must be a decimal number from 105.2 to 106.1 (in Hanoi, e.g. 105.8542)",
        ),
    );
    for (missing, given) in [("lon", "lat"), ("lat", "lon")] {
        if c.is_empty(missing) && !c.is_empty(given) {
            c.fail(
                missing,
                "Cần nhập cả vĩ độ (lat) và kinh độ (lon), hoặc để trống cả hai",
                "Give both latitude (lat) and longitude (lon), or neither",
            );
        }
    }
    let members_total = c.whole("members_total", |n| n >= 0, NON_NEGATIVE);
    let members_female = c.whole("members_female", |n| n >= 0, NON_NEGATIVE);
    let jobs_female = c.whole("jobs_female", |n| n >= 0, NON_NEGATIVE);
    if let (Some(total), Some(female)) = (members_total, members_female)
        && female > total
    {
        c.fail(
            "members_female",
            format!("Số thành viên nữ không được lớn hơn tổng số thành viên ({total})"),
            format!("Female members cannot exceed total members ({total})"),
        );
    }
    if c.is_empty("external_id")
        && c.is_empty("registration_no")
        && (c.has_column("external_id") || c.has_column("registration_no"))
    {
        c.fail(
            "external_id",
            "Cần có mã (external_id) hoặc số đăng ký (registration_no), để lần nhập sau cập nhật thay vì tạo bản trùng",
            "Give an external_id or a registration_no, so that importing again updates instead of duplicating",
        );
    }
    if !c.is_ok() {
        return None;
    }
    Some(CooperativeRecord {
        external_id,
        registration_no,
        tax_code,
        name: name?,
        kind: kind?,
        commune_code: commune?.code.clone(),
        street,
        founded_year,
        sector,
        story_vi,
        story_en,
        phone,
        email,
        lat,
        lon,
        members_total,
        members_female,
        jobs_female,
    })
}

/// The demo addresses end with the commune and the city, which the record keeps separately.
fn without_city_tail(street: &str, commune: Option<&Commune>) -> Option<String> {
    let street = match commune {
        Some(c) => strip_suffix_ignore_case(street, &format!(", {}, Thành phố Hà Nội", c.name))
            .unwrap_or(street),
        None => street,
    };
    let street = street.trim_end_matches([',', ' ']);
    (!street.is_empty()).then(|| street.to_owned())
}

fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let mut chars = s.char_indices().rev();
    let mut cut = s.len();
    for expected in suffix.chars().rev() {
        let (i, c) = chars.next()?;
        if !c.to_lowercase().eq(expected.to_lowercase()) {
            return None;
        }
        cut = i;
    }
    s.get(..cut)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn one_error_per_bad_cell_and_several_per_row() {
        let parsed = coop(&[
            ("kind", "buyer"),
            ("founded_year", "1890"),
            ("sector", "dien_tu"),
            ("phone", "024 3825 1234"),
            ("email", "lan@"),
            ("lat", "35.1"),
            ("members_total", "10"),
            ("members_female", "12"),
            ("jobs_female", "-1"),
        ]);
        assert_eq!(
            error_at(&parsed.errors),
            vec![
                (2, "kind"),
                (2, "founded_year"),
                (2, "sector"),
                (2, "phone"),
                (2, "email"),
                (2, "lat"),
                (2, "lon"),
                (2, "members_female"),
                (2, "jobs_female"),
            ]
        );
        assert!(parsed.records.is_empty());
    }

    #[test]
    fn coordinates_come_in_pairs_inside_hanoi() {
        let parsed = coop(&[("lat", "21,0285"), ("lon", "105.8542")]);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.records[0].1.lat, Some(21.0285));
        let parsed = coop(&[("lon", "105.8542")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "lat")]);
        let parsed = coop(&[("lat", "21.0"), ("lon", "108.2")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "lon")]);
    }

    #[test]
    fn every_cooperative_needs_a_key() {
        let parsed = coop(&[("external_id", "")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "external_id")]);
        let parsed = coop(&[("external_id", ""), ("registration_no", "0101234567")]);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(
            parsed.records[0].1.registration_no.as_deref(),
            Some("0101234567")
        );
    }
}
