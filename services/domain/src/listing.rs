//! A listing as someone gives it (the cooperative's form, the JSON API, a spreadsheet row),
//! checked by one set of rules. Each surface reads its own format into a [`ListingInput`]
//! (text from a form or a cell, numbers from JSON) and names the [`Field`]s of the
//! [`Problem`]s its own way: form inputs, JSON paths, sheet columns.

use crate::Vnd;
use crate::admin_units;
use crate::catalog::{self, ListingRecord, Months, OfferKind, PriceTier};
use crate::text::{self, TextError};

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 5000;
/// A listing sells in one to this many ways.
pub const OFFERS_MAX: usize = 3;

/// One way a listing is sold.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub kind: OfferKind,
    pub price: Vnd,
    pub case_size: Option<i64>,
    pub min_order_qty: Option<i64>,
    pub duration_hours: Option<i64>,
    pub max_group_size: Option<i64>,
    pub tiers: Vec<PriceTier>,
}

/// Everything a cooperative writes about a listing, valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub title_vi: String,
    pub title_en: Option<String>,
    pub description_vi: String,
    pub description_en: Option<String>,
    pub category_id: String,
    pub unit: String,
    pub stock: Option<i64>,
    pub months: Months,
    pub origin_commune_code: Option<String>,
    pub certifications: Vec<String>,
    /// The OCOP stars the cooperative claims (what shows comes from verified badges).
    pub ocop_claim: Option<i64>,
    pub offers: Vec<Offer>,
}

impl Draft {
    /// The lowest price of any offer or tier: what list pages sort and filter by.
    pub fn min_price(&self) -> i64 {
        self.offers
            .iter()
            .flat_map(|o| std::iter::once(o.price.0).chain(o.tiers.iter().map(|t| t.price.0)))
            .min()
            .unwrap_or(0)
    }

    /// The category group the listing is filed under.
    pub fn group(&self) -> String {
        catalog::group_of(&self.category_id)
    }

    /// The draft of a spreadsheet or dataset row: one offer of the row's kind.
    pub fn from_record(r: &ListingRecord) -> Draft {
        Draft {
            title_vi: r.title_vi.clone(),
            title_en: r.title_en.clone(),
            description_vi: r.description_vi.clone(),
            description_en: r.description_en.clone(),
            category_id: r.category.clone(),
            unit: r.unit.clone(),
            stock: r.stock,
            months: r.months,
            origin_commune_code: r.origin_commune_code.clone(),
            certifications: r.certifications.clone(),
            ocop_claim: r.ocop_stars,
            offers: vec![Offer {
                kind: r.kind,
                price: r.price,
                case_size: None,
                min_order_qty: r.min_order_qty,
                duration_hours: r.duration_hours,
                max_group_size: r.max_group_size,
                tiers: r.tiers.clone(),
            }],
        }
    }

    /// This draft as an edit of `stored` by an input that carries only `carried`: what the
    /// input does not carry stays as it was (certifications it has no say on, the OCOP claim,
    /// offers after the ones it gives).
    pub fn keeping(mut self, stored: &Draft, carried: &Carried) -> Draft {
        if let Some(decides) = carried.certifications {
            // In the stored order, so that saving an unchanged form changes nothing.
            let given = std::mem::take(&mut self.certifications);
            let mut kept: Vec<String> = stored
                .certifications
                .iter()
                .filter(|c| !decides.contains(&c.as_str()) || given.contains(c))
                .cloned()
                .collect();
            for c in given {
                if !kept.contains(&c) {
                    kept.push(c);
                }
            }
            self.certifications = kept;
        }
        if !carried.ocop_claim {
            self.ocop_claim = stored.ocop_claim;
        }
        if let Some(n) = carried.offers {
            self.offers.truncate(n);
            self.offers
                .extend(stored.offers.iter().skip(self.offers.len()).cloned());
        }
        self
    }
}

/// What an input speaks for when it edits a listing; the rest is kept (see
/// [`Draft::keeping`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    /// The certifications the input decides on (`None`: all of them).
    pub certifications: Option<&'static [&'static str]>,
    pub ocop_claim: bool,
    /// How many offers the input gives (`None`: all of them).
    pub offers: Option<usize>,
}

impl Carried {
    /// The cooperative's form: the self-declared certifications, the first offer.
    pub const FORM: Carried = Carried {
        certifications: Some(&["vietgap", "huu_co"]),
        ocop_claim: false,
        offers: Some(1),
    };
    /// The JSON API: everything but the OCOP claim.
    pub const API: Carried = Carried {
        certifications: None,
        ocop_claim: false,
        offers: None,
    };
}

/// A listing as given, before any rule is checked. Numbers are already numbers: each surface
/// reads its own format (and reports what it cannot read) before this.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListingInput {
    pub title_vi: String,
    pub title_en: String,
    pub description_vi: String,
    pub description_en: String,
    pub category: String,
    pub unit: String,
    pub stock: Option<i64>,
    /// Months in season, 1–12; none means all year.
    pub months: Vec<u32>,
    /// A ward/commune code, or empty.
    pub origin_commune_code: String,
    pub certifications: Vec<String>,
    pub offers: Vec<OfferInput>,
}

/// One offer as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferInput {
    /// `retail`, `wholesale` or `experience`.
    pub kind: String,
    pub price: Option<i64>,
    pub case_size: Option<i64>,
    pub min_order_qty: Option<i64>,
    pub duration_hours: Option<i64>,
    pub max_group_size: Option<i64>,
    pub tiers: Vec<PriceTier>,
}

/// A part of a listing a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    TitleVi,
    TitleEn,
    DescriptionVi,
    DescriptionEn,
    Category,
    Unit,
    Stock,
    Months,
    OriginCommune,
    Certifications,
    /// The number of offers.
    Offers,
    /// A field of the offer at this position.
    Offer(usize, OfferField),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OfferField {
    Kind,
    Price,
    CaseSize,
    MinOrderQty,
    Tiers,
    DurationHours,
    MaxGroupSize,
}

impl Field {
    /// The field's own name, which surfaces use unless they name it otherwise.
    pub fn name(self) -> &'static str {
        match self {
            Field::TitleVi => "title_vi",
            Field::TitleEn => "title_en",
            Field::DescriptionVi => "description_vi",
            Field::DescriptionEn => "description_en",
            Field::Category => "category",
            Field::Unit => "unit",
            Field::Stock => "stock",
            Field::Months => "months",
            Field::OriginCommune => "origin_commune_code",
            Field::Certifications => "certifications",
            Field::Offers => "offers",
            Field::Offer(_, f) => f.name(),
        }
    }
}

impl OfferField {
    pub fn name(self) -> &'static str {
        match self {
            OfferField::Kind => "kind",
            OfferField::Price => "price",
            OfferField::CaseSize => "case_size",
            OfferField::MinOrderQty => "min_order_qty",
            OfferField::Tiers => "tiers",
            OfferField::DurationHours => "duration_hours",
            OfferField::MaxGroupSize => "max_group_size",
        }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    Text(TextError),
    /// Not one of the choices (category, unit, kind, commune, certification).
    Choice,
    /// A number out of its range.
    Number,
    /// A price that is not a whole number of đồng above 0.
    Price,
    OffersCount,
    /// Tiers must go up in quantity and not up in price.
    TiersOrder,
    /// A wholesale offer's first tier starts at its minimum order.
    TiersStart,
    /// Only wholesale offers have tiers.
    TiersWholesaleOnly,
}

impl Invalid {
    /// The message's Fluent key.
    pub fn key(&self) -> &'static str {
        match self {
            Invalid::Text(TextError::Required) => "err-required",
            Invalid::Text(TextError::TooLong { .. }) => "err-too-long",
            Invalid::Text(TextError::ControlCharacters) => "err-control-chars",
            Invalid::Choice => "err-invalid-choice",
            Invalid::Number => "err-invalid-number",
            Invalid::Price => "err-price-invalid",
            Invalid::OffersCount => "err-offers-count",
            Invalid::TiersOrder => "err-tiers-order",
            Invalid::TiersStart => "err-tiers-start",
            Invalid::TiersWholesaleOnly => "err-tiers-wholesale-only",
        }
    }

    /// The message's Fluent arguments.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Invalid::Text(TextError::TooLong { max }) => vec![("max", max.to_string())],
            _ => Vec::new(),
        }
    }
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub invalid: Invalid,
}

/// The listing's problems, in the order of its fields; at most one per field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    fn add(&mut self, field: Field, invalid: Invalid) {
        if !self.has(field) {
            self.0.push(Problem { field, invalid });
        }
    }
    pub fn has(&self, field: Field) -> bool {
        self.0.iter().any(|p| p.field == field)
    }
    fn check<T>(&mut self, field: Field, r: Result<T, Invalid>) -> Option<T> {
        r.map_err(|e| self.add(field, e)).ok()
    }
}

fn in_range(
    p: &mut Problems,
    field: Field,
    v: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
) -> Option<i64> {
    let v = v?;
    p.check(
        field,
        range.contains(&v).then_some(v).ok_or(Invalid::Number),
    )
}

/// Checks a listing against the rules every surface shares; the draft it describes (with no
/// OCOP claim: that is the dataset's and the stored listing's), or every problem.
pub fn validate(i: &ListingInput) -> Result<Draft, Problems> {
    let mut p = Problems::default();
    let text = |r: Result<Option<String>, TextError>| r.map_err(Invalid::Text);
    let required = |r: Result<Option<String>, TextError>| {
        r.and_then(|v| v.ok_or(TextError::Required))
            .map_err(Invalid::Text)
    };
    let title_vi = p.check(
        Field::TitleVi,
        required(text::optional_line(&i.title_vi, TITLE_MAX)),
    );
    let title_en = p
        .check(
            Field::TitleEn,
            text(text::optional_line(&i.title_en, TITLE_MAX)),
        )
        .flatten();
    let description_vi = p.check(
        Field::DescriptionVi,
        required(text::optional_block(&i.description_vi, DESCRIPTION_MAX)),
    );
    let description_en = p
        .check(
            Field::DescriptionEn,
            text(text::optional_block(&i.description_en, DESCRIPTION_MAX)),
        )
        .flatten();
    let category = p.check(
        Field::Category,
        catalog::category(i.category.trim())
            .map(|c| c.id.clone())
            .ok_or(Invalid::Choice),
    );
    let unit = p.check(
        Field::Unit,
        Some(i.unit.trim())
            .filter(|u| catalog::is_unit(u))
            .map(str::to_owned)
            .ok_or(Invalid::Choice),
    );
    let stock = in_range(&mut p, Field::Stock, i.stock, 0..=catalog::QUANTITY_MAX);
    if i.months.iter().any(|m| !(1..=12).contains(m)) {
        p.add(Field::Months, Invalid::Number);
    }
    let months = if i.months.is_empty() {
        Months::ALL
    } else {
        Months::from_list(&i.months)
    };
    let origin_commune_code = match i.origin_commune_code.trim() {
        "" => None,
        c => p.check(
            Field::OriginCommune,
            admin_units::commune(c)
                .map(|c| c.code.clone())
                .ok_or(Invalid::Choice),
        ),
    };
    let mut certifications: Vec<String> = Vec::new();
    for c in &i.certifications {
        match catalog::certification(c.trim()) {
            Some(known) if certifications.contains(&known.id) => {}
            Some(known) => certifications.push(known.id.clone()),
            None => p.add(Field::Certifications, Invalid::Choice),
        }
    }
    if i.offers.is_empty() || i.offers.len() > OFFERS_MAX {
        p.add(Field::Offers, Invalid::OffersCount);
    }
    let offers: Vec<Offer> = i
        .offers
        .iter()
        .enumerate()
        .filter_map(|(n, o)| offer(&mut p, n, o))
        .collect();
    match (title_vi, description_vi, category, unit) {
        (Some(title_vi), Some(description_vi), Some(category_id), Some(unit)) if p.0.is_empty() => {
            Ok(Draft {
                title_vi,
                title_en,
                description_vi,
                description_en,
                category_id,
                unit,
                stock,
                months,
                origin_commune_code,
                certifications,
                ocop_claim: None,
                offers,
            })
        }
        _ => Err(p),
    }
}

fn offer(p: &mut Problems, n: usize, o: &OfferInput) -> Option<Offer> {
    let field = |f| Field::Offer(n, f);
    let kind = p.check(
        field(OfferField::Kind),
        OfferKind::parse(o.kind.trim()).ok_or(Invalid::Choice),
    );
    let price = match o.price {
        None => {
            p.add(field(OfferField::Price), Invalid::Text(TextError::Required));
            None
        }
        Some(v) => p.check(
            field(OfferField::Price),
            (1..=catalog::PRICE_MAX)
                .contains(&v)
                .then_some(Vnd(v))
                .ok_or(Invalid::Price),
        ),
    };
    let case_size = in_range(p, field(OfferField::CaseSize), o.case_size, 1..=1_000_000);
    let min_order_qty = in_range(
        p,
        field(OfferField::MinOrderQty),
        o.min_order_qty,
        1..=catalog::QUANTITY_MAX,
    );
    let duration_hours = in_range(
        p,
        field(OfferField::DurationHours),
        o.duration_hours,
        1..=240,
    );
    let max_group_size = in_range(
        p,
        field(OfferField::MaxGroupSize),
        o.max_group_size,
        1..=1000,
    );
    if kind == Some(OfferKind::Experience) && o.max_group_size.is_none() {
        p.add(
            field(OfferField::MaxGroupSize),
            Invalid::Text(TextError::Required),
        );
    }
    if !o.tiers.is_empty() && kind.is_some_and(|k| k != OfferKind::Wholesale) {
        p.add(field(OfferField::Tiers), Invalid::TiersWholesaleOnly);
    }
    if !catalog::tiers_are_valid(&o.tiers) {
        p.add(field(OfferField::Tiers), Invalid::TiersOrder);
    }
    if let (Some(min), Some(first)) = (o.min_order_qty, o.tiers.first())
        && first.min_qty != min
    {
        p.add(field(OfferField::MinOrderQty), Invalid::TiersStart);
    }
    Some(Offer {
        kind: kind?,
        price: price?,
        case_size,
        min_order_qty,
        duration_hours,
        max_group_size,
        tiers: o.tiers.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ListingInput {
        ListingInput {
            title_vi: "Bình gốm men lam".into(),
            description_vi: "Gốm Bát Tràng".into(),
            category: "gom-su".into(),
            unit: "chiếc".into(),
            offers: vec![OfferInput {
                kind: "retail".into(),
                price: Some(250_000),
                ..OfferInput::default()
            }],
            ..ListingInput::default()
        }
    }

    #[test]
    fn a_good_listing_is_a_draft() {
        let d = validate(&good()).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(d.months, Months::ALL);
        assert_eq!(d.min_price(), 250_000);
        assert_eq!(d.group(), "thu-cong");
    }

    #[test]
    fn each_rule_names_its_field() {
        let with = |f: &dyn Fn(&mut ListingInput)| {
            let mut i = good();
            f(&mut i);
            validate(&i).err().map(|p| p.0).unwrap_or_default()
        };
        let fields = |f: &dyn Fn(&mut ListingInput)| -> Vec<Field> {
            with(f).into_iter().map(|p| p.field).collect()
        };
        assert_eq!(fields(&|i| i.title_vi.clear()), vec![Field::TitleVi]);
        assert_eq!(fields(&|i| i.unit = "thùng".into()), vec![Field::Unit]);
        assert_eq!(fields(&|i| i.stock = Some(-1)), vec![Field::Stock]);
        assert_eq!(fields(&|i| i.offers.clear()), vec![Field::Offers]);
        assert_eq!(
            fields(&|i| i.offers[0].price = Some(0)),
            vec![Field::Offer(0, OfferField::Price)]
        );
        assert_eq!(
            fields(&|i| i.offers[0].tiers = vec![PriceTier {
                min_qty: 10,
                price: Vnd(1)
            }]),
            vec![Field::Offer(0, OfferField::Tiers)]
        );
        assert_eq!(
            with(&|i| i.title_en = "x".repeat(201))[0].invalid,
            Invalid::Text(TextError::TooLong { max: 200 })
        );
    }

    #[test]
    fn an_edit_keeps_what_its_input_does_not_carry() {
        let mut stored = validate(&good()).unwrap_or_else(|p| panic!("{p:?}"));
        stored.certifications = vec!["ocop".into(), "vietgap".into()];
        stored.ocop_claim = Some(4);
        let second = Offer {
            kind: OfferKind::Wholesale,
            ..stored.offers[0].clone()
        };
        stored.offers.push(second);
        let edit = validate(&good()).unwrap_or_else(|p| panic!("{p:?}"));
        let kept = edit.clone().keeping(&stored, &Carried::FORM);
        assert_eq!(kept.certifications, vec!["ocop"]);
        assert_eq!(kept.ocop_claim, Some(4));
        assert_eq!(kept.offers.len(), 2);
        let replaced = edit.keeping(&stored, &Carried::API);
        assert!(replaced.certifications.is_empty());
        assert_eq!(replaced.offers.len(), 1);
        assert_eq!(replaced.ocop_claim, Some(4));
    }
}
