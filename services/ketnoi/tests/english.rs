//! Every page in English is English: `ketnoi seed --demo` then `serve`, and each of the four
//! demo roles (and a visitor) walks the site in English — following every link the pages
//! offer, as a person would — and no page may show one of the product's own Vietnamese UI
//! words or units.
//!
//! Content without an English field (a cooperative's name, an event's title, a message a
//! person wrote) is exempt, and the page must say so: the element that holds it carries
//! `lang="vi"`, which is also what a screen reader needs to read it aloud correctly.
//!
//! PostgreSQL is skipped when it is not installed, unless `KETNOI_REQUIRE_POSTGRES=1` (as in CI).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use scraper::{Html, Node};
use std::collections::{BTreeMap, HashMap, VecDeque};
use support::{Engine, Server, Store};

/// The product's own words, as its Vietnamese pages say them: navigation, actions, states
/// and the names of its things, all phrases no name or English text would contain. None of
/// them may appear on an English page outside content marked `lang="vi"`.
const UI_WORDS: &[&str] = &[
    // navigation and things
    "trang chủ",
    "tìm kiếm",
    "giỏ hàng",
    "đơn hàng",
    "tin nhắn",
    "tài khoản",
    "đăng nhập",
    "đăng xuất",
    "đăng ký",
    "sản phẩm",
    "hợp tác xã",
    "tổ hợp tác",
    "sự kiện",
    "bản đồ",
    "danh mục",
    "mạng lưới",
    "thành viên",
    "báo cáo",
    "ngân hàng",
    "hội chợ",
    "khóa học",
    "người mua",
    "người bán",
    "địa chỉ",
    "điện thoại",
    "mô tả",
    "số lượng",
    "số tài khoản",
    // actions
    "xác nhận",
    "hủy đơn",
    "lưu thay đổi",
    "gửi tin nhắn",
    "cập nhật",
    "tải lên",
    "quản lý",
    "thanh toán",
    "chuyển khoản",
    "đặt hàng",
    "trả lời",
    "xem thêm",
    "thêm vào giỏ",
    // states and phrases
    "tồn kho",
    "còn hàng",
    "hết hàng",
    "đã xác minh",
    "xác minh bởi",
    "chờ xác nhận",
    "đã giao",
    "dữ liệu mẫu",
    "tất cả",
    "trạng thái",
    "chưa có",
];

/// The units listings are sold in, found where the interface writes a unit: after a price
/// (`/ chiếc`) or a quantity (`2 chiếc`), so that a product's own name ("Nếp cái hoa vàng")
/// is not taken for one.
const UNITS: &[&str] = &[
    "chiếc",
    "cái",
    "bộ",
    "vé",
    "hộp",
    "gói",
    "túi",
    "lọ",
    "chai",
    "đôi",
    "gian hàng",
    "suất",
    "người",
    "tấm",
    "cuộn",
    "mét",
    "bó",
    "cành",
    "quả",
    "con",
    "lít",
    "tấn",
    "yến",
    "khay",
];

/// Attributes whose text a person reads or hears.
const READ_ATTRIBUTES: &[&str] = &["placeholder", "aria-label", "title", "alt"];

/// At most this many pages of one shape (digits and query values aside) per role: the walk
/// sees every kind of page without paging through all 60 cooperatives.
const PER_SHAPE: usize = 3;
const MAX_PAGES: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_english_is_english_on_sqlite() {
    walk_in_english(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_english_is_english_on_postgres() {
    walk_in_english(Engine::Postgres).await;
}

async fn walk_in_english(engine: Engine) {
    let Some(store) = Store::new(engine) else {
        return;
    };
    let seeded = store.ketnoi().args(["seed", "--demo"]).output().unwrap();
    assert!(seeded.status.success(), "{seeded:?}");
    let server = Server::start(&store).await;

    let roles: [(&str, Option<&str>, &[&str]); 5] = [
        (
            "visitor",
            None,
            &[
                "/",
                "/signin",
                "/signup",
                "/password/forgot",
                // Search is a form, not a link: a Vietnamese query typed without its
                // accents, an English one, and one that finds nothing.
                "/search?q=gom+men+lam",
                "/search?q=silk+scarf",
                "/search?q=zzzz",
                "/orgs/htx-gom-su-men-lam-bat-trang",
            ],
        ),
        (
            "buyer",
            Some("nguoimua@example.com"),
            &["/", "/cart", "/orders", "/account"],
        ),
        (
            "owner",
            Some("htx.menlam@example.com"),
            &["/my", "/conversations", "/network"],
        ),
        (
            "officer",
            Some("canbo.battrang@example.com"),
            &["/union", "/network"],
        ),
        (
            "admin",
            Some("admin@example.com"),
            &["/admin/users", "/union"],
        ),
    ];
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut walked = 0;
    for (role, login, start) in roles {
        let client = english_client(&server.base, login).await;
        let pages = walk(&client, &server.base, start, &mut |url, html| {
            for problem in problems(html) {
                failures
                    .entry(format!("{role} {url}"))
                    .or_default()
                    .push(problem);
            }
        })
        .await;
        for (url, status) in &pages.broken {
            failures
                .entry(format!("{role} {url}"))
                .or_default()
                .push(format!("answered {status}"));
        }
        eprintln!("{engine:?} {role}: {} pages walked", pages.seen);
        if std::env::var_os("KETNOI_WALK_LIST").is_some() {
            eprintln!("{}", pages.list.join("\n"));
        }
        assert!(pages.seen >= 5, "{role} walked only {} pages", pages.seen);
        walked += pages.seen;
    }
    assert!(walked >= 60, "only {walked} pages walked");
    // One line per problem, with the pages that show it (the same line is on many pages).
    let mut by_problem: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (page, problems) in &failures {
        for p in problems {
            by_problem.entry(p).or_default().push(page);
        }
    }
    assert!(
        by_problem.is_empty(),
        "Vietnamese UI words on {} English pages:\n{}",
        failures.len(),
        by_problem
            .iter()
            .map(|(p, pages)| format!(
                "{p}\n    on {} page(s): {}",
                pages.len(),
                pages.iter().take(3).copied().collect::<Vec<_>>().join(", ")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A client whose visitor chose English (the language switch's cookie), signed in through
/// the sign-in form when `login` is given.
async fn english_client(base: &str, login: Option<&str>) -> reqwest::Client {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let url: reqwest::Url = base.parse().unwrap();
    jar.add_cookie_str("kn_lang=en; Path=/", &url);
    let client = reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap();
    if let Some(login) = login {
        let form = client
            .get(format!("{base}/signin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = input_value(&form, "csrf").expect("a CSRF field on the sign-in form");
        let signed_in = client
            .post(format!("{base}/signin"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", login),
                ("password", "ketnoi-demo"),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        let page = signed_in.text().await.unwrap();
        assert!(page.contains("/signout"), "{login} is signed in");
        assert!(
            page.contains("<html lang=\"en\""),
            "{login} stays in English"
        );
    }
    client
}

fn input_value(html: &str, name: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
    doc.select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_owned)
}

struct Walked {
    seen: usize,
    list: Vec<String>,
    broken: Vec<(String, u16)>,
}

/// Breadth-first over the links (`<a href>`) of the site's own pages, from `start`.
async fn walk(
    client: &reqwest::Client,
    base: &str,
    start: &[&str],
    check: &mut impl FnMut(&str, &str),
) -> Walked {
    let mut queue: VecDeque<String> = start.iter().map(|s| (*s).to_owned()).collect();
    let mut visited = std::collections::HashSet::new();
    let mut shapes: HashMap<String, usize> = HashMap::new();
    let mut walked = Walked {
        seen: 0,
        list: Vec::new(),
        broken: Vec::new(),
    };
    while let Some(path) = queue.pop_front() {
        if walked.seen >= MAX_PAGES || !visited.insert(path.clone()) {
            continue;
        }
        let count = shapes.entry(shape(&path)).or_default();
        if *count >= PER_SHAPE {
            continue;
        }
        *count += 1;
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        let status = res.status().as_u16();
        let html_page = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let body = res.text().await.unwrap_or_default();
        if status >= 400 {
            walked.broken.push((path.clone(), status));
        }
        if !html_page {
            continue;
        }
        walked.seen += 1;
        walked.list.push(path.clone());
        check(&path, &body);
        for link in links(&body) {
            if !visited.contains(&link) {
                queue.push_back(link);
            }
        }
    }
    walked
}

/// The site's own page links of a page, as paths with their query (no fragment); links
/// that act (sign out), download files or leave the pages (API, media) are left out.
fn links(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let a = scraper::Selector::parse("a[href]").unwrap();
    doc.select(&a)
        .filter(|e| e.value().attr("download").is_none())
        .filter_map(|e| e.value().attr("href"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split('#').next().unwrap_or(h).to_owned())
        .filter(|h| {
            let path = h.split('?').next().unwrap_or(h);
            !(path.starts_with("/api/")
                || path.starts_with("/static/")
                || path.starts_with("/media/")
                || path == "/signout"
                || [".csv", ".xlsx", ".png", ".svg", ".json", ".pdf", ".txt"]
                    .iter()
                    .any(|ext| path.ends_with(ext)))
        })
        .collect()
}

/// A page's kind: its path with ids and slugs as `N` and its query's names without values.
fn shape(path: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let p: String = p
        .split('/')
        .map(|seg| {
            // An id or a slug ("htx-gom-su-men-lam-bat-trang", "gom-su").
            if seg.chars().any(|c| c.is_ascii_digit() || c == '-') {
                "N"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut names: Vec<&str> = q
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    format!("{p}?{}", names.join("&"))
}

/// What an English page shows in Vietnamese: its `lang`, and each UI word found in its text
/// or read attributes outside `lang="vi"` content, `<script>` and `<style>`.
fn problems(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut found = Vec::new();
    if !html.contains("<html lang=\"en\"") {
        found.push("the page is not marked English".to_owned());
    }
    let mut texts: Vec<String> = Vec::new();
    for node in doc.tree.nodes() {
        let exempt = node.ancestors().chain(std::iter::once(node)).any(|a| {
            a.value().as_element().is_some_and(|e| {
                matches!(e.name(), "script" | "style" | "template")
                    || e.attr("lang").is_some_and(|l| !l.starts_with("en"))
            })
        });
        if exempt {
            continue;
        }
        match node.value() {
            Node::Text(t) => texts.push(t.to_string()),
            Node::Element(e) => {
                for attr in READ_ATTRIBUTES {
                    if let Some(v) = e.attr(attr) {
                        texts.push(v.to_owned());
                    }
                }
                let is_button_input = e.name() == "input"
                    && matches!(e.attr("type"), Some("submit" | "button" | "reset"));
                if is_button_input && let Some(v) = e.attr("value") {
                    texts.push(v.to_owned());
                }
            }
            _ => {}
        }
    }
    for text in texts {
        let lower = text.to_lowercase();
        let shown = || text.trim().chars().take(90).collect::<String>();
        for word in UI_WORDS {
            if contains_word(&lower, word) {
                found.push(format!("{word:?} in {:?}", shown()));
            }
        }
        for unit in UNITS {
            if has_unit(&lower, unit) {
                found.push(format!("unit {unit:?} in {:?}", shown()));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// `word` in `text` with no letter or digit either side.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// `unit` written as a unit: after `/` or a number (spaces between).
fn has_unit(text: &str, unit: &str) -> bool {
    text.match_indices(unit).any(|(i, _)| {
        let after = text[i + unit.len()..].chars().next();
        let before = text[..i].trim_end().chars().next_back();
        i > 0
            && text[..i].ends_with(char::is_whitespace)
            && before.is_some_and(|c| c == '/' || c.is_ascii_digit())
            && !after.is_some_and(char::is_alphanumeric)
    })
}

#[test]
fn a_word_is_found_only_whole_and_only_outside_marked_content() {
    assert!(contains_word("2 chiếc", "chiếc"));
    assert!(!contains_word("bội", "bộ"));
    assert!(has_unit("120.000 ₫ / chiếc", "chiếc"));
    assert!(has_unit("2 chiếc", "chiếc"));
    assert!(!has_unit("nếp cái hoa vàng", "cái"));
    assert!(!has_unit("2 chiếcx", "chiếc"));
    let page = |body: &str| format!("<html lang=\"en\"><body>{body}</body></html>");
    assert_eq!(problems(&page("<p>Cart</p>")), Vec::<String>::new());
    assert_eq!(
        problems(&page("<p lang=\"vi\">Giỏ hàng</p>")),
        Vec::<String>::new()
    );
    assert_eq!(problems(&page("<p>Giỏ hàng</p>")).len(), 1);
    assert_eq!(problems(&page("<input placeholder=\"Tìm kiếm\">")).len(), 1);
    assert_eq!(problems("<html lang=\"vi\"><body></body></html>").len(), 1);
    assert_eq!(
        shape("/orgs/htx-men-lam/orders?page=3&q=a"),
        "/orgs/N/orders?page&q"
    );
}
