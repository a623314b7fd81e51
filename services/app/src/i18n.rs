//! Translations from the Fluent files in `web/locales`, compiled into the binary.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use ketnoi_domain::Locale;
use ketnoi_domain::catalog::{LineUnit, OfferKind};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

static_loader! {
    static LOCALES = {
        locales: "../../web/locales",
        fallback_language: "vi",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static VI: LanguageIdentifier = langid!("vi");
static EN: LanguageIdentifier = langid!("en");

fn langid(locale: Locale) -> &'static LanguageIdentifier {
    match locale {
        Locale::Vi => &VI,
        Locale::En => &EN,
    }
}

/// Messages without arguments as formatted, per language (Vietnamese, English): the same
/// for every request, and a page shows dozens of them (its header and footer alone), where
/// formatting one walks the loader's bundles and the message's pattern. Bounded, in case a
/// key is ever made from data.
static PLAIN: LazyLock<[Formatted; 2]> =
    LazyLock::new(|| [Formatted::default(), Formatted::default()]);
/// One language's formatted messages, by key.
type Formatted = RwLock<HashMap<Box<str>, Arc<str>>>;
const PLAIN_MAX: usize = 5_000;

/// Looks up `key` in `locale`; a missing key shows itself rather than failing the page.
pub fn t(locale: Locale, key: &str) -> String {
    let memo = &PLAIN[match locale {
        Locale::Vi => 0,
        Locale::En => 1,
    }];
    if let Some(text) = memo.read().ok().and_then(|m| m.get(key).cloned()) {
        return text.to_string();
    }
    let text = LOCALES
        .try_lookup(langid(locale), key)
        .unwrap_or_else(|| key.to_owned());
    if let Ok(mut m) = memo.write()
        && m.len() < PLAIN_MAX
    {
        m.insert(key.into(), text.as_str().into());
    }
    text
}

/// Looks up `key` with named arguments.
/// An argument as Fluent sees it: a whole number written plainly ("3", "-2") is a number,
/// so that plural and `[0]`, `[1]` variants select on it; anything else ("000002", a lot code,
/// "1.5") stays text exactly as written.
fn value(v: &str) -> FluentValue<'static> {
    match v.parse::<i64>() {
        Ok(n) if n.to_string() == v => FluentValue::from(n),
        _ => FluentValue::from(v.to_owned()),
    }
}

pub fn t_args(locale: Locale, key: &str, args: &[(&'static str, String)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), value(v)))
        .collect();
    LOCALES
        .try_lookup_with_args(langid(locale), key, &args)
        .unwrap_or_else(|| key.to_owned())
}

/// `key`'s message with `args`, split around its argument `slot`: the text before it and
/// after it, so that a page can put the argument (a name, content in another language) in
/// an element of its own. Without the slot in the message, all of it comes first.
pub fn around(
    locale: Locale,
    key: &str,
    args: &[(&'static str, String)],
    slot: &'static str,
) -> (String, String) {
    const MARK: &str = "\u{E000}";
    let mut with_mark = args.to_vec();
    with_mark.retain(|(k, _)| *k != slot);
    with_mark.push((slot, MARK.to_owned()));
    let text = t_args(locale, key, &with_mark);
    match text.split_once(MARK) {
        Some((before, after)) => (before.to_owned(), after.to_owned()),
        None => (text, String::new()),
    }
}

/// What `quantity` on a line of `kind` counts, in `locale`: people for an experience, the
/// listing's own unit otherwise (see [`OfferKind::line_unit`]).
pub fn line_unit(locale: Locale, kind: OfferKind, listing_unit: &str, quantity: i64) -> String {
    match kind.line_unit(listing_unit) {
        LineUnit::People => t(locale, "cart-people"),
        LineUnit::Listing(unit) => ketnoi_domain::units::display_count(unit, quantity, locale),
    }
}

/// A translator bound to one request's language; templates call `t.get("key")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn get(&self, key: &str) -> String {
        t(self.locale, key)
    }
    pub fn with(&self, key: &str, name: &'static str, value: &str) -> String {
        t_args(self.locale, key, &[(name, value.to_owned())])
    }
    /// See [`line_unit`].
    pub fn line_unit(&self, kind: OfferKind, listing_unit: &str, quantity: i64) -> String {
        line_unit(self.locale, kind, listing_unit, quantity)
    }

    /// A listing's unit of sale in this language (see `ketnoi_domain::units`).
    pub fn unit(&self, unit: &str) -> String {
        ketnoi_domain::units::display(unit, self.locale)
    }
    pub fn lang(&self) -> &'static str {
        self.locale.code()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The message ids of a Fluent file.
    pub(crate) fn keys(src: &str) -> BTreeSet<String> {
        src.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t', '.']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next().map(str::to_owned))
            .collect()
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let files = [
            (
                "main",
                include_str!("../../../web/locales/vi/main.ftl"),
                include_str!("../../../web/locales/en/main.ftl"),
            ),
            (
                "imports",
                include_str!("../../../web/locales/vi/imports.ftl"),
                include_str!("../../../web/locales/en/imports.ftl"),
            ),
            (
                "events",
                include_str!("../../../web/locales/vi/events.ftl"),
                include_str!("../../../web/locales/en/events.ftl"),
            ),
            (
                "trace",
                include_str!("../../../web/locales/vi/trace.ftl"),
                include_str!("../../../web/locales/en/trace.ftl"),
            ),
            (
                "cases",
                include_str!("../../../web/locales/vi/cases.ftl"),
                include_str!("../../../web/locales/en/cases.ftl"),
            ),
            (
                "trade",
                include_str!("../../../web/locales/vi/trade.ftl"),
                include_str!("../../../web/locales/en/trade.ftl"),
            ),
            (
                "sourcing",
                include_str!("../../../web/locales/vi/sourcing.ftl"),
                include_str!("../../../web/locales/en/sourcing.ftl"),
            ),
            (
                "feeds",
                include_str!("../../../web/locales/vi/feeds.ftl"),
                include_str!("../../../web/locales/en/feeds.ftl"),
            ),
        ];
        for (name, vi, en) in files {
            // A file that does not parse would fail every page at its first lookup.
            for (lang, text) in [("vi", vi), ("en", en)] {
                let parsed =
                    fluent_templates::fluent_bundle::FluentResource::try_new(text.to_owned());
                assert!(
                    parsed.is_ok(),
                    "{lang}/{name}.ftl does not parse: {:?}",
                    parsed.err().map(|e| e.1)
                );
            }
            let (vi, en) = (keys(vi), keys(en));
            assert!(vi.len() > 10, "{name}: vi has only {} keys", vi.len());
            let only_vi: Vec<_> = vi.difference(&en).collect();
            let only_en: Vec<_> = en.difference(&vi).collect();
            assert!(
                only_vi.is_empty() && only_en.is_empty(),
                "{name}: only vi: {only_vi:?}, only en: {only_en:?}"
            );
        }
    }

    #[test]
    fn whole_numbers_select_variants_and_codes_stay_as_written() {
        let args = |n: &str| vec![("count", n.to_owned())];
        assert_eq!(t_args(Locale::En, "trace-stamps-n", &args("1")), "1 stamp");
        assert_eq!(
            t_args(Locale::En, "trace-stamps-n", &args("40")),
            "40 stamps"
        );
        assert_eq!(
            t_args(Locale::Vi, "trace-scans", &args("0")),
            "Lần đầu tem này được quét"
        );
        assert_eq!(
            t_args(Locale::Vi, "trace-scans", &args("000002")),
            "000002 lượt quét trước đây"
        );
    }

    #[test]
    fn vietnamese_is_default_and_english_is_available() {
        assert_eq!(t(Locale::Vi, "nav-signin"), "Đăng nhập");
        assert_eq!(t(Locale::En, "nav-signin"), "Sign in");
        assert_eq!(
            t_args(Locale::En, "err-too-long", &[("max", "5".into())]),
            "At most 5 characters."
        );
    }

    #[test]
    fn a_message_splits_around_its_argument_in_either_order() {
        let date = [("date", "15/01/2026".to_owned())];
        assert_eq!(
            around(Locale::En, "badge-verified-by", &date, "who"),
            ("Verified by ".to_owned(), " on 15/01/2026".to_owned())
        );
        assert_eq!(
            around(Locale::Vi, "badge-verified-by", &date, "who"),
            (String::new(), " xác minh ngày 15/01/2026".to_owned())
        );
    }
}
