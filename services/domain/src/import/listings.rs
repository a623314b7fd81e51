//! A listing row validated into a [`ListingRecord`].

use super::ID_MAX;
use super::cells::{
    Cells, NON_NEGATIVE, POSITIVE, parse_months, parse_price, parse_tiers, text_messages,
};
use crate::Vnd;
use crate::catalog::{self, ListingRecord, Months, OfferKind, PriceTier};
use crate::listing::{self, Field, Invalid, ListingInput, OfferField, OfferInput};
use crate::text::TextError;

const TIERS: (&str, &str) = (
    "Bậc giá phải có dạng số_lượng:giá cách nhau bởi |, số lượng tăng dần và giá giảm dần \
     (hoặc giữ nguyên), ví dụ 30:315000|150:290000",
    "Price tiers must be quantity:price pairs separated by |, quantities rising and prices \
     falling (or equal), e.g. 30:315000|150:290000",
);
const SEASON: (&str, &str) = (
    "Mùa vụ phải là mã mùa (quanh_nam, xuan, he, thu, dong, tet) hoặc các tháng như 2|3|4; \
     để trống nếu bán quanh năm",
    "Season must be a season code (quanh_nam, xuan, he, thu, dong, tet) or months such as \
     2|3|4; leave empty for all year",
);
const PRICE: (&str, &str) = (
    "Giá phải là số nguyên đồng lớn hơn 0 (ví dụ 150000)",
    "Price must be a whole number of đồng above 0 (e.g. 150000)",
);

/// The sheet column of a field of the listing rules (a row holds one offer).
fn column(f: Field) -> &'static str {
    match f {
        Field::Months => "season",
        Field::Offers | Field::Offer(_, OfferField::Kind) => "kind",
        Field::Offer(_, OfferField::Price) => "price_vnd",
        Field::Offer(_, OfferField::Tiers) => "price_tiers",
        f => f.name(),
    }
}

/// What a problem reads like to someone editing the sheet, in Vietnamese and English.
fn message(field: Field, invalid: &Invalid, input: &OfferInput) -> (String, String) {
    let pair = |(vi, en): (&str, &str)| (vi.to_owned(), en.to_owned());
    match (field, invalid) {
        (Field::Offer(_, OfferField::MaxGroupSize), Invalid::Text(TextError::Required)) => pair((
            "Trải nghiệm cần số khách tối đa mỗi nhóm (số nguyên lớn hơn 0)",
            "Experiences need a maximum group size (a whole number above 0)",
        )),
        (_, Invalid::Text(e)) => text_messages(*e),
        (Field::Offer(_, OfferField::Price), _) => pair(PRICE),
        (Field::Category, _) => pair((
            "Không phải mã danh mục đã biết (ví dụ gom-su, rau-cu-qua, workshop)",
            "Not a known category id (e.g. gom-su, rau-cu-qua, workshop)",
        )),
        (Field::Unit, _) => (
            format!(
                "Đơn vị không có trong danh sách: {}",
                catalog::UNITS.join(", ")
            ),
            format!(
                "Not one of the accepted units: {}",
                catalog::UNITS.join(", ")
            ),
        ),
        (Field::Certifications, _) => {
            let known: Vec<&str> = catalog::certifications()
                .iter()
                .map(|c| c.id.as_str())
                .collect();
            (
                format!(
                    "Chứng nhận không rõ: chỉ nhận {}, cách nhau bởi |",
                    known.join(", ")
                ),
                format!(
                    "Unknown certification: use {}, separated by |",
                    known.join(", ")
                ),
            )
        }
        (Field::Months, _) => pair(SEASON),
        (Field::OriginCommune, _) => pair((
            "Không phải mã phường/xã của Hà Nội",
            "Not a Hanoi ward/commune code",
        )),
        (Field::Stock, _) => pair(NON_NEGATIVE),
        (_, Invalid::TiersWholesaleOnly) => pair((
            "Bậc giá chỉ dùng cho hàng sỉ (kind = wholesale)",
            "Price tiers are only for wholesale listings (kind = wholesale)",
        )),
        (_, Invalid::TiersStart) => {
            let q = input.tiers.first().map(|t| t.min_qty).unwrap_or_default();
            (
                format!("Hàng sỉ: số lượng tối thiểu phải bằng số lượng của bậc giá đầu ({q})"),
                format!("Wholesale: the minimum order must equal the first tier's quantity ({q})"),
            )
        }
        (_, Invalid::TiersOrder) => pair(TIERS),
        (Field::Offers | Field::Offer(_, OfferField::Kind), _) => pair(KIND),
        _ => pair(POSITIVE),
    }
}

const KIND: (&str, &str) = (
    "Loại tin phải là product, retail, wholesale hoặc experience",
    "Kind must be product, retail, wholesale or experience",
);

/// A listing row: its cells read (a number, a code, a season), then checked by the listing
/// rules every surface shares (`crate::listing`), problems reported on their columns.
pub(super) fn listing(c: &mut Cells) -> Option<ListingRecord> {
    let external_id = c.line("external_id", ID_MAX, false);
    let cooperative = c.line("cooperative", ID_MAX, true);
    let kind = c.code_of("kind", true, OfferKind::from_dataset, KIND);
    let price = c.parsed("price_vnd", parse_price, PRICE);
    if c.is_empty("price_vnd") && c.has_column("price_vnd") {
        c.fail("price_vnd", PRICE.0, PRICE.1);
    }
    let any = |_: i64| true;
    let min_order_qty = c.whole("min_order_qty", any, POSITIVE);
    let tiers = c.parsed("price_tiers", parse_tiers, TIERS);
    let months = c.parsed("season", parse_months, SEASON);
    let stock = c.whole("stock", any, NON_NEGATIVE);
    let duration_hours = c.whole("duration_hours", any, POSITIVE);
    let max_group_size = c.whole("max_group_size", any, POSITIVE);
    let ocop_stars = c.whole(
        "ocop_stars",
        |n| matches!(n, 0 | 3 | 4 | 5),
        (
            "Số sao OCOP phải là 0, 3, 4 hoặc 5",
            "OCOP stars must be 0, 3, 4 or 5",
        ),
    );
    let origin = c.commune("origin_commune_code", false);
    let certifications: Vec<String> = c
        .get("certifications")
        .to_lowercase()
        .split(['|', ',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();

    // A wholesale offer always sells by tiers, starting at its minimum order; other offers
    // have one price per unit.
    let tiers = tiers.unwrap_or_default();
    let (min_order_qty, tiers) = match (kind, tiers.first().copied()) {
        (Some(OfferKind::Wholesale), None) => {
            let min_qty = min_order_qty.unwrap_or(1);
            let tier = price.map(|p| PriceTier {
                min_qty,
                price: Vnd(p),
            });
            (Some(min_qty), tier.into_iter().collect())
        }
        _ => (min_order_qty, tiers),
    };
    let offer = OfferInput {
        kind: kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        price,
        case_size: None,
        min_order_qty,
        duration_hours,
        max_group_size,
        tiers,
    };
    let input = ListingInput {
        title_vi: c.get("title_vi").to_owned(),
        title_en: c.get("title_en").to_owned(),
        description_vi: c.get("description_vi").to_owned(),
        description_en: c.get("description_en").to_owned(),
        category: c.get("category").to_lowercase(),
        unit: c.get("unit").to_lowercase(),
        stock,
        months: months.unwrap_or(Months::ALL).list(),
        origin_commune_code: origin.map(|o| o.code.clone()).unwrap_or_default(),
        certifications,
        offers: vec![offer.clone()],
    };
    let draft = match listing::validate(&input) {
        Ok(draft) => Some(draft),
        Err(problems) => {
            for p in &problems.0 {
                let col = column(p.field);
                // A missing column is reported once, on the header; a cell that could not
                // be read, once, as unreadable.
                if !c.has_column(col) || (kind.is_none() && col == "kind") {
                    continue;
                }
                if matches!(p.field, Field::Offer(_, OfferField::Price)) && price.is_none() {
                    continue;
                }
                let (vi, en) = message(p.field, &p.invalid, &offer);
                c.fail(col, vi, en);
            }
            None
        }
    };
    c.sort_errors();
    if !c.is_ok() {
        return None;
    }
    let draft = draft?;
    let offer = draft.offers.into_iter().next()?;
    let min_order_qty = match offer.kind {
        OfferKind::Wholesale => offer
            .tiers
            .first()
            .map(|t| t.min_qty)
            .or(offer.min_order_qty),
        _ => offer.min_order_qty,
    };
    Some(ListingRecord {
        external_id,
        cooperative: cooperative?,
        kind: offer.kind,
        title_vi: draft.title_vi,
        title_en: draft.title_en,
        description_vi: draft.description_vi,
        description_en: draft.description_en,
        category: draft.category_id,
        price: offer.price,
        unit: draft.unit,
        min_order_qty,
        tiers: offer.tiers,
        months: draft.months,
        stock: draft.stock,
        duration_hours: offer.duration_hours,
        max_group_size: offer.max_group_size,
        certifications: draft.certifications,
        ocop_stars,
        origin_commune_code: draft.origin_commune_code,
    })
}

#[cfg(test)]
mod tests {
    use super::super::LISTING_COLUMNS;
    use super::super::testing::*;
    use crate::Vnd;
    use crate::catalog::{Months, OfferKind, PriceTier};

    #[test]
    fn exactly_the_broken_cells_are_reported() {
        let mut rows = demo_listing_rows();
        let col = |name: &str| LISTING_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
        rows[5 - 2][col("price_vnd")] = "12,5".into();
        rows[17 - 2][col("unit")] = "thùng".into();
        rows[230 - 2][col("category")] = "do-dien-tu".into();
        let parsed = listings_from(&rows);
        assert_eq!(
            error_at(&parsed.errors),
            vec![(5, "price_vnd"), (17, "unit"), (230, "category")]
        );
        assert_eq!(parsed.records.len(), 397);
        assert_eq!(
            parsed.errors[0].message_en,
            "Price must be a whole number of đồng above 0 (e.g. 150000)"
        );
        assert!(parsed.errors[1].message_vi.contains("kg, yến"));
    }

    #[test]
    fn wholesale_tiers_start_at_the_minimum_order() {
        let base = [("kind", "wholesale"), ("price_vnd", "315000")];
        let with = |extra: &[(&'static str, &'static str)]| {
            let cells: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
            retail(&cells)
        };
        let parsed = with(&[("price_tiers", "30:315000|150:290.000")]);
        assert_eq!(parsed.errors, vec![]);
        let r = &parsed.records[0].1;
        assert_eq!(r.min_order_qty, Some(30));
        assert_eq!(
            r.tiers[1],
            PriceTier {
                min_qty: 150,
                price: Vnd(290_000)
            }
        );

        let parsed = with(&[
            ("price_tiers", "30:315000|150:290000"),
            ("min_order_qty", "20"),
        ]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "min_order_qty")]);

        let parsed = with(&[("min_order_qty", "50")]);
        assert_eq!(
            parsed.records[0].1.tiers,
            vec![PriceTier {
                min_qty: 50,
                price: Vnd(315_000)
            }]
        );
        let parsed = with(&[]);
        assert_eq!(
            parsed.records[0].1.tiers,
            vec![PriceTier {
                min_qty: 1,
                price: Vnd(315_000)
            }]
        );
        assert_eq!(parsed.records[0].1.min_order_qty, Some(1));

        for bad in [
            "30:315000|20:290000",
            "30:315000|150:320000",
            "30-315000",
            "30:12,5",
        ] {
            let parsed = with(&[("price_tiers", bad)]);
            assert_eq!(error_at(&parsed.errors), vec![(2, "price_tiers")], "{bad}");
        }
        let parsed = retail(&[("price_tiers", "30:315000")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "price_tiers")]);
    }

    #[test]
    fn experiences_need_a_group_size() {
        let parsed = retail(&[("kind", "experience"), ("unit", "vé")]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "max_group_size")]);
        let parsed = retail(&[
            ("kind", "experience"),
            ("unit", "vé"),
            ("max_group_size", "0"),
        ]);
        assert_eq!(error_at(&parsed.errors), vec![(2, "max_group_size")]);
        let parsed = retail(&[
            ("kind", "Experience"),
            ("unit", "vé"),
            ("max_group_size", "12"),
            ("duration_hours", "3"),
        ]);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.records[0].1.kind, OfferKind::Experience);
    }

    #[test]
    fn seasons_certifications_stars_and_stock() {
        let parsed = retail(&[
            ("season", "2|3|4"),
            ("certifications", "VietGAP|ocop|ocop"),
            ("ocop_stars", "4"),
            ("stock", "1.200"),
        ]);
        assert_eq!(parsed.errors, vec![]);
        let r = &parsed.records[0].1;
        assert_eq!(r.months, Months::of_season("xuan").unwrap_or_default());
        assert_eq!(r.certifications, vec!["vietgap", "ocop"]);
        assert_eq!(r.ocop_stars, Some(4));
        assert_eq!(r.stock, Some(1200));
        assert_eq!(
            retail(&[("season", "tet")]).records[0].1.months.list(),
            vec![1, 2, 12]
        );
        let r = &retail(&[]).records[0].1;
        assert_eq!((r.months, r.stock), (Months::ALL, None));

        let parsed = retail(&[
            ("season", "13"),
            ("certifications", "iso9001"),
            ("ocop_stars", "2"),
            ("stock", "-1"),
            ("category", "thu-cong"),
        ]);
        assert_eq!(
            error_at(&parsed.errors),
            vec![
                (2, "season"),
                (2, "stock"),
                (2, "certifications"),
                (2, "ocop_stars")
            ]
        );
    }
}
