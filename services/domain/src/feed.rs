//! Product feeds for shopping platforms (issue 21): which public listings become items, what
//! each item says, and the text of the three formats — Google Merchant Center's RSS 2.0 XML
//! and tab-separated text, and Meta's catalogue CSV. Pure: the store reads the listings, the
//! web layer streams what these functions write, batch by batch.
//!
//! The attribute names and values are the platforms' own (Google's product data
//! specification; Meta's catalogue fields): `in_stock` for Google, `in stock` for Meta, a
//! price as the number and the ISO 4217 code (`150000 VND`). Both platforms require an image,
//! so a listing without a photo is left out, as is one whose only price is a wholesale price
//! its cooperative shows to verified trade buyers only ([`crate::trade::
//! wholesale_prices_visible`]): a feed is read by anyone.

use crate::Vnd;
use std::io;

/// Changes whenever what an item says changes for the same data, so cached copies of a feed
/// (its `ETag`) are not taken for the new text.
pub const FORMAT_REVISION: u32 = 1;

/// Google's limits (product data specification): a title of at most 150 characters, a
/// description of at most 5,000, a brand of at most 70. Meta's are wider.
pub const TITLE_MAX: usize = 150;
pub const DESCRIPTION_MAX: usize = 5000;
pub const BRAND_MAX: usize = 70;

/// A feed's format, named by its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Google Merchant Center, RSS 2.0 with the `g:` namespace (`google.xml`).
    GoogleXml,
    /// Google Merchant Center, tab-separated text with a header row (`google.tsv`).
    GoogleTsv,
    /// Meta (Facebook, Instagram) catalogue, comma-separated with a header row (`meta.csv`).
    MetaCsv,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::GoogleXml, Format::GoogleTsv, Format::MetaCsv];

    pub fn file(self) -> &'static str {
        match self {
            Format::GoogleXml => "google.xml",
            Format::GoogleTsv => "google.tsv",
            Format::MetaCsv => "meta.csv",
        }
    }

    /// The format a file name asks for; any other name is not a feed.
    pub fn from_file(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.file() == name)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::GoogleXml => "application/xml; charset=utf-8",
            Format::GoogleTsv => "text/tab-separated-values; charset=utf-8",
            Format::MetaCsv => "text/csv; charset=utf-8",
        }
    }

    /// The columns of the text formats, in order (Google's attribute names without `g:`).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Format::GoogleXml | Format::GoogleTsv => &GOOGLE_COLUMNS,
            Format::MetaCsv => &META_COLUMNS,
        }
    }
}

const GOOGLE_COLUMNS: [&str; 11] = [
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "availability",
    "price",
    "brand",
    "gtin",
    "identifier_exists",
    "condition",
];

const META_COLUMNS: [&str; 10] = [
    "id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "link",
    "image_link",
    "brand",
    "gtin",
];

/// A public listing of goods as the store reads it for a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedListing {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// `None`: made to order, always available.
    pub stock: Option<i64>,
    pub org_name: String,
    /// The cooperative shows its wholesale prices to verified trade buyers only.
    pub wholesale_verified_only: bool,
    /// The lowest price of its retail offers.
    pub retail_price: Option<i64>,
    /// The lowest unit price of its wholesale offers.
    pub wholesale_price: Option<i64>,
    /// Storage key of its first photo.
    pub photo: Option<String>,
    /// Its GTIN-14, when its cooperative gave one (traceability).
    pub gtin: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    InStock,
    OutOfStock,
}

impl Availability {
    pub fn of(stock: Option<i64>) -> Availability {
        match stock {
            Some(n) if n <= 0 => Availability::OutOfStock,
            _ => Availability::InStock,
        }
    }
    /// Google's value (`in_stock`), or Meta's (`in stock`).
    pub fn text(self, format: Format) -> &'static str {
        match (self, format) {
            (Availability::InStock, Format::MetaCsv) => "in stock",
            (Availability::OutOfStock, Format::MetaCsv) => "out of stock",
            (Availability::InStock, _) => "in_stock",
            (Availability::OutOfStock, _) => "out_of_stock",
        }
    }
}

/// One product of a feed, every value ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// `KN-<listing id>`: stable for as long as the listing exists.
    pub id: String,
    pub title: String,
    pub description: String,
    pub link: String,
    pub image_link: String,
    pub availability: Availability,
    pub price: Vnd,
    pub brand: String,
    pub gtin: Option<String>,
}

impl Item {
    /// The item a listing becomes, with links under `site` (the public URL); `None` when it
    /// cannot be one: no photo, no title, or no price an anonymous reader may see.
    pub fn of(l: &FeedListing, site: &str) -> Option<Item> {
        let site = site.trim_end_matches('/');
        let wholesale = l
            .wholesale_price
            .filter(|_| crate::trade::wholesale_prices_visible(l.wholesale_verified_only, false));
        let price = l.retail_price.or(wholesale).filter(|p| *p > 0)?;
        let photo = l.photo.as_deref().filter(|k| url_safe(k))?;
        let title = one_line(&l.title, TITLE_MAX);
        if title.is_empty() {
            return None;
        }
        let description = match one_line(&l.description, DESCRIPTION_MAX) {
            d if d.is_empty() => title.clone(),
            d => d,
        };
        Some(Item {
            id: format!("KN-{}", l.id),
            title,
            description,
            link: format!("{site}/listings/{}", l.id),
            image_link: format!("{site}/media/img/{photo}-800.jpg"),
            availability: Availability::of(l.stock),
            price: Vnd(price),
            brand: one_line(&l.org_name, BRAND_MAX),
            gtin: l
                .gtin
                .clone()
                .filter(|g| g.len() == 14 && g.bytes().all(|b| b.is_ascii_digit())),
        })
    }
}

/// A media key as the store writes them (hex of a hash); anything else is not linked.
fn url_safe(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A price as both platforms read it: the whole number of đồng and the currency code.
pub fn price_text(p: Vnd) -> String {
    format!("{} VND", p.0)
}

/// Text on one line: every run of white space (tabs and line breaks too) one space, other
/// control characters and the non-characters XML 1.0 forbids dropped, at most `max`
/// characters.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut n = 0;
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' {
            continue;
        }
        if n + usize::from(space) + 1 > max {
            break;
        }
        if space {
            out.push(' ');
            n += 1;
            space = false;
        }
        out.push(c);
        n += 1;
    }
    out
}

/// What the XML feed says about itself (`<channel>`).
#[derive(Debug, Clone)]
pub struct Channel<'a> {
    pub title: &'a str,
    pub link: &'a str,
    pub description: &'a str,
}

/// Appends `s` escaped for XML text and attribute values.
fn xml_escape(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\'' => out.extend_from_slice(b"&apos;"),
            c if (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                || c == '\u{FFFE}'
                || c == '\u{FFFF}' => {}
            c => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

fn xml_element(name: &str, value: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"<");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b">");
    xml_escape(value, out);
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b">\n");
}

/// What comes before the first item: the XML prologue and channel, or the header row.
pub fn head(format: Format, channel: &Channel<'_>) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(512);
    match format {
        Format::GoogleXml => {
            out.extend_from_slice(
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                  <rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n",
            );
            xml_element("title", &one_line(channel.title, 200), &mut out);
            xml_element("link", channel.link, &mut out);
            xml_element(
                "description",
                &one_line(channel.description, 1000),
                &mut out,
            );
        }
        Format::GoogleTsv => {
            out.extend_from_slice(GOOGLE_COLUMNS.join("\t").as_bytes());
            out.push(b'\n');
        }
        Format::MetaCsv => {
            let mut w = csv_writer(&mut out);
            w.write_record(META_COLUMNS).map_err(io::Error::other)?;
            w.flush()?;
        }
    }
    Ok(out)
}

/// What comes after the last item.
pub fn tail(format: Format) -> &'static [u8] {
    match format {
        Format::GoogleXml => b"</channel>\n</rss>\n",
        Format::GoogleTsv | Format::MetaCsv => b"",
    }
}

fn csv_writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// Appends `items` in `format`.
pub fn write_items<'a>(
    format: Format,
    items: impl IntoIterator<Item = &'a Item>,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    match format {
        Format::GoogleXml => {
            for i in items {
                out.extend_from_slice(b"<item>\n");
                xml_element("g:id", &i.id, out);
                xml_element("g:title", &i.title, out);
                xml_element("g:description", &i.description, out);
                xml_element("g:link", &i.link, out);
                xml_element("g:image_link", &i.image_link, out);
                xml_element("g:availability", i.availability.text(format), out);
                xml_element("g:price", &price_text(i.price), out);
                xml_element("g:brand", &i.brand, out);
                match &i.gtin {
                    Some(g) => xml_element("g:gtin", g, out),
                    None => xml_element("g:identifier_exists", "no", out),
                }
                xml_element("g:condition", "new", out);
                out.extend_from_slice(b"</item>\n");
            }
        }
        Format::GoogleTsv => {
            for i in items {
                let price = price_text(i.price);
                let fields = [
                    i.id.as_str(),
                    &i.title,
                    &i.description,
                    &i.link,
                    &i.image_link,
                    i.availability.text(format),
                    &price,
                    &i.brand,
                    i.gtin.as_deref().unwrap_or(""),
                    if i.gtin.is_some() { "yes" } else { "no" },
                    "new",
                ];
                for (n, f) in fields.iter().enumerate() {
                    if n > 0 {
                        out.push(b'\t');
                    }
                    // Values are on one line already; a tab could only come from a link.
                    out.extend_from_slice(f.replace(['\t', '\n', '\r'], " ").as_bytes());
                }
                out.push(b'\n');
            }
        }
        Format::MetaCsv => {
            let mut w = csv_writer(out);
            for i in items {
                w.write_record([
                    i.id.as_str(),
                    &i.title,
                    &i.description,
                    i.availability.text(format),
                    "new",
                    &price_text(i.price),
                    &i.link,
                    &i.image_link,
                    &i.brand,
                    i.gtin.as_deref().unwrap_or(""),
                ])
                .map_err(io::Error::other)?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn listing() -> FeedListing {
        FeedListing {
            id: 42,
            title: "Bát men lam\tvẽ tay".into(),
            description: "Gốm Bát Tràng,\nmen lam <đẹp> & \"bền\"".into(),
            stock: None,
            org_name: "HTX Gốm sứ Bát Tràng".into(),
            wholesale_verified_only: false,
            retail_price: Some(150_000),
            wholesale_price: None,
            photo: Some("ab12cd".into()),
            gtin: None,
        }
    }

    const SITE: &str = "https://ketnoi.example/";

    #[test]
    fn an_item_carries_links_under_the_public_address_and_a_stable_id() {
        let i = Item::of(&listing(), SITE).unwrap();
        assert_eq!(i.id, "KN-42");
        assert_eq!(i.link, "https://ketnoi.example/listings/42");
        assert_eq!(
            i.image_link,
            "https://ketnoi.example/media/img/ab12cd-800.jpg"
        );
        assert_eq!(i.title, "Bát men lam vẽ tay");
        assert_eq!(i.description, "Gốm Bát Tràng, men lam <đẹp> & \"bền\"");
        assert_eq!(price_text(i.price), "150000 VND");
    }

    #[test]
    fn stock_decides_availability_and_made_to_order_is_in_stock() {
        assert_eq!(Availability::of(None), Availability::InStock);
        assert_eq!(Availability::of(Some(3)), Availability::InStock);
        assert_eq!(Availability::of(Some(0)), Availability::OutOfStock);
        assert_eq!(Availability::InStock.text(Format::GoogleXml), "in_stock");
        assert_eq!(
            Availability::OutOfStock.text(Format::GoogleTsv),
            "out_of_stock"
        );
        assert_eq!(Availability::InStock.text(Format::MetaCsv), "in stock");
        assert_eq!(
            Availability::OutOfStock.text(Format::MetaCsv),
            "out of stock"
        );
    }

    #[test]
    fn a_restricted_wholesale_price_never_reaches_a_feed() {
        let wholesale_only = FeedListing {
            retail_price: None,
            wholesale_price: Some(90_000),
            ..listing()
        };
        assert_eq!(
            Item::of(&wholesale_only, SITE).map(|i| i.price),
            Some(Vnd(90_000))
        );
        let restricted = FeedListing {
            wholesale_verified_only: true,
            ..wholesale_only
        };
        assert_eq!(Item::of(&restricted, SITE), None);
        // With a retail offer too, the item shows the retail price only.
        let both = FeedListing {
            retail_price: Some(120_000),
            ..restricted
        };
        assert_eq!(Item::of(&both, SITE).map(|i| i.price), Some(Vnd(120_000)));
        // Retail comes first even when wholesale is open to all.
        let open = FeedListing {
            wholesale_verified_only: false,
            ..both
        };
        assert_eq!(Item::of(&open, SITE).map(|i| i.price), Some(Vnd(120_000)));
    }

    #[test]
    fn a_listing_without_a_photo_or_a_title_is_left_out() {
        assert_eq!(
            Item::of(
                &FeedListing {
                    photo: None,
                    ..listing()
                },
                SITE
            ),
            None
        );
        assert_eq!(
            Item::of(
                &FeedListing {
                    photo: Some("../x".into()),
                    ..listing()
                },
                SITE
            ),
            None
        );
        assert_eq!(
            Item::of(
                &FeedListing {
                    title: " \u{7}\n".into(),
                    ..listing()
                },
                SITE
            ),
            None
        );
    }

    #[test]
    fn an_empty_description_is_the_title_and_only_real_gtins_are_kept() {
        let i = Item::of(
            &FeedListing {
                description: "  ".into(),
                gtin: Some("08930000000019".into()),
                ..listing()
            },
            SITE,
        )
        .unwrap();
        assert_eq!(i.description, i.title);
        assert_eq!(i.gtin.as_deref(), Some("08930000000019"));
        let bad = Item::of(
            &FeedListing {
                gtin: Some("KN12".into()),
                ..listing()
            },
            SITE,
        )
        .unwrap();
        assert_eq!(bad.gtin, None);
    }

    #[test]
    fn text_is_one_line_within_its_limit_counted_in_characters() {
        assert_eq!(one_line("  a\t\tb\r\nc  ", 100), "a b c");
        assert_eq!(one_line("ầầầầ", 3), "ầầầ");
        assert_eq!(one_line("ab cd", 3), "ab");
        assert_eq!(one_line("a\u{0}b\u{FFFF}", 10), "ab");
        let long = "ô".repeat(200);
        assert_eq!(one_line(&long, TITLE_MAX).chars().count(), TITLE_MAX);
    }

    #[test]
    fn xml_escapes_markup_and_drops_what_xml_forbids() {
        let mut out = Vec::new();
        xml_escape("a<b>&\"c'\u{1}\u{FFFE}đ", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a&lt;b&gt;&amp;&quot;c&apos;đ"
        );
    }

    fn whole(format: Format, items: &[Item]) -> String {
        let channel = Channel {
            title: "Ketnoi & co",
            link: "https://ketnoi.example",
            description: "Sản phẩm",
        };
        let mut out = head(format, &channel).unwrap();
        write_items(format, items, &mut out).unwrap();
        out.extend_from_slice(tail(format));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_xml_feed_is_rss_with_googles_namespace() {
        let gtin = Item {
            gtin: Some("08930000000019".into()),
            ..Item::of(&listing(), SITE).unwrap()
        };
        let text = whole(
            Format::GoogleXml,
            &[Item::of(&listing(), SITE).unwrap(), gtin],
        );
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">"));
        assert!(text.contains("<title>Ketnoi &amp; co</title>"));
        assert!(text.contains("<g:price>150000 VND</g:price>"));
        assert!(text.contains("<g:availability>in_stock</g:availability>"));
        assert!(text.contains("<g:identifier_exists>no</g:identifier_exists>"));
        assert!(text.contains("<g:gtin>08930000000019</g:gtin>"));
        assert!(text.contains("men lam &lt;đẹp&gt; &amp; &quot;bền&quot;"));
        assert_eq!(text.matches("<item>").count(), 2);
        assert!(text.ends_with("</channel>\n</rss>\n"));
    }

    #[test]
    fn the_tsv_feed_has_a_header_and_one_line_of_eleven_fields_per_item() {
        let mut i = Item::of(&listing(), SITE).unwrap();
        i.link.push('\t');
        let text = whole(Format::GoogleTsv, &[i]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], GOOGLE_COLUMNS.join("\t"));
        let fields: Vec<&str> = lines[1].split('\t').collect();
        assert_eq!(fields.len(), GOOGLE_COLUMNS.len());
        assert_eq!(fields[0], "KN-42");
        assert_eq!(fields[5], "in_stock");
        assert_eq!(fields[6], "150000 VND");
        assert_eq!(fields[9], "no");
    }

    #[test]
    fn the_csv_feed_quotes_commas_and_quotes_as_meta_reads_them() {
        let text = whole(Format::MetaCsv, &[Item::of(&listing(), SITE).unwrap()]);
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header, META_COLUMNS);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][2], "Gốm Bát Tràng, men lam <đẹp> & \"bền\"");
        assert_eq!(&rows[0][3], "in stock");
        assert_eq!(&rows[0][5], "150000 VND");
        assert_eq!(&rows[0][9], "");
    }

    #[test]
    fn files_name_the_formats_and_nothing_else() {
        for f in Format::ALL {
            assert_eq!(Format::from_file(f.file()), Some(f));
        }
        for bad in ["google.XML", "meta.tsv", "", "../google.xml"] {
            assert_eq!(Format::from_file(bad), None);
        }
    }
}
