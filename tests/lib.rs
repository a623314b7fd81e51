//! The harness of the black-box tests: the real app on port 0 over a fresh SQLite file or a
//! fresh PostgreSQL database, HTTP clients with cookies, and personas to sign in as.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ketnoi_db::Db;
use ketnoi_db::orgs::{NewOrg, Org};
use ketnoi_db::users::{NewUser, User};
use ketnoi_domain::Locale;
use ketnoi_domain::org::OrgKind;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_test_support::{TempPostgres, TempSqlite};
use ketnoi_web::config::Secret;
use ketnoi_web::{AppConfig, AppState};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use ketnoi_test_support as support;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The password every test user has.
pub const PASSWORD: &str = "mật-khẩu-thử-1";
pub const SECRET: &[u8] = b"test-secret-key-0123456789abcdef0123456789";

/// A running Ketnoi on its own database, stopped when dropped.
pub struct TestApp {
    pub addr: SocketAddr,
    pub url: String,
    pub db: Db,
    pub state: AppState,
    /// The search index the app serves, fed by an indexer task from the change log.
    pub search: std::sync::Arc<dyn ketnoi_search::SearchIndex>,
    stop: Option<oneshot::Sender<()>>,
    stop_indexer: tokio::sync::watch::Sender<bool>,
    _sqlite: Option<TempSqlite>,
    _pg: Option<TempPostgres>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.stop_indexer.send(true);
    }
}

impl TestApp {
    /// `None` when the backend is PostgreSQL and it is not available (and not required).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// [`TestApp::spawn`] with a configuration changed by `configure` (e.g. Stripe turned on).
    pub async fn spawn_with(
        backend: Backend,
        configure: impl FnOnce(&mut AppConfig),
    ) -> Option<TestApp> {
        TestApp::spawn_configured(backend, configure, ketnoi_web::ConnectionConfig::default()).await
    }

    /// [`TestApp::spawn_with`] with connection timeouts and limit of its own.
    pub async fn spawn_configured(
        backend: Backend,
        configure: impl FnOnce(&mut AppConfig),
        connections: ketnoi_web::ConnectionConfig,
    ) -> Option<TestApp> {
        let (url, sqlite, pg) = match backend {
            Backend::Sqlite => {
                let t = TempSqlite::new();
                (t.url.clone(), Some(t), None)
            }
            Backend::Postgres => {
                let t = TempPostgres::new()?;
                (t.url.clone(), None, Some(t))
            }
        };
        let db = Db::connect_and_migrate(&url).await.expect("database");
        let search: std::sync::Arc<dyn ketnoi_search::SearchIndex> = std::sync::Arc::new(
            ketnoi_search::tantivy_index::TantivyIndex::in_memory().expect("search index"),
        );
        let (stop_indexer, indexer_stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(ketnoi_app::search_feed::follow(
            db.clone(),
            search.clone(),
            std::time::Duration::from_millis(20),
            indexer_stopped,
        ));
        let (addr, base, state, stop) =
            serve(db.clone(), search.clone(), configure, connections).await;
        Some(TestApp {
            addr,
            url: base,
            db,
            state,
            search,
            stop: Some(stop),
            stop_indexer,
            _sqlite: sqlite,
            _pg: pg,
        })
    }

    /// The SQLite database file, when the app runs on SQLite.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self._sqlite.as_ref().map(TempSqlite::path)
    }

    /// A client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> Client {
        self.client_from(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
    }

    /// [`TestApp::client`] connecting from another loopback address (e.g. `127.0.0.2`), so
    /// the server sees another client address without trusting a proxy header.
    pub fn client_from(&self, ip: std::net::IpAddr) -> Client {
        self.client_built(reqwest::Client::builder().local_address(ip))
    }

    /// [`TestApp::client`] whose every request says `Accept-Language: {languages}`, as a
    /// browser set to that language does.
    pub fn client_accepting(&self, languages: &str) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_str(languages).unwrap(),
        );
        self.client_built(reqwest::Client::builder().default_headers(headers))
    }

    fn client_built(&self, builder: reqwest::ClientBuilder) -> Client {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Client {
            http: builder
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.url.clone(),
            jar,
        }
    }

    /// The path of the sign-up link last sent to `recipient` (e-mail, or phone as E.164).
    pub async fn sign_up_link(&self, recipient: &str) -> String {
        let mail = ketnoi_db::outbox::for_recipient(self.db.conn(), recipient)
            .await
            .unwrap();
        let body = &mail
            .iter()
            .find(|m| m.kind == "signup_confirm")
            .unwrap_or_else(|| panic!("no sign-up link sent to {recipient}: {mail:?}"))
            .body;
        let start = body.find("/signup/confirm?token=").expect("a link");
        body[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// Signs up through the form as a person does, then opens the link sent to `recipient`
    /// and presses its button; returns that last answer (303 to `/account` when it worked).
    pub async fn sign_up(&self, c: &Client, fields: &[(&str, &str)], recipient: &str) -> Page {
        let sent = c.submit("/signup", "/signup", fields).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        assert!(
            sent.body.contains("data-testid=\"notice\""),
            "{}",
            sent.body
        );
        let link = self.sign_up_link(recipient).await;
        let token = link.split("token=").nth(1).unwrap_or_default();
        c.submit(&link, "/signup/confirm", &[("token", token)])
            .await
    }

    pub async fn user(
        &self,
        login: &str,
        role: PlatformRole,
        officer_commune: Option<&str>,
    ) -> User {
        let hash = ketnoi_app::password::hash(PASSWORD.to_owned())
            .await
            .unwrap();
        let login = ketnoi_domain::contact::Login::parse(login).unwrap();
        let (email, phone) = match &login {
            ketnoi_domain::contact::Login::Email(e) => (Some(e.as_str()), None),
            ketnoi_domain::contact::Login::Phone(p) => (None, Some(p.as_str())),
        };
        ketnoi_db::users::insert(
            self.db.conn(),
            &NewUser {
                email,
                phone,
                display_name: "Người dùng thử",
                password_hash: &hash,
                locale: Locale::Vi,
                role,
                officer_commune_code: officer_commune,
            },
        )
        .await
        .unwrap()
    }

    pub async fn cooperative(&self, slug: &str, commune: &str) -> Org {
        ketnoi_db::orgs::upsert(
            self.db.conn(),
            &NewOrg {
                slug: slug.into(),
                kind: Some(OrgKind::Htx),
                name: format!("HTX {slug}"),
                commune_code: Some(commune.into()),
                province_code: "01".into(),
                ..NewOrg::default()
            },
        )
        .await
        .unwrap()
    }

    pub async fn member(&self, org: &Org, user: &User, role: MemberRole) {
        ketnoi_db::orgs::add_member(self.db.conn(), org.id, user.id, role)
            .await
            .unwrap();
    }

    /// A client already signed in as `user`, through a session written straight to the
    /// database (no password check, no rate limit).
    pub async fn client_as(&self, user: &User) -> Client {
        let token = ketnoi_web::session::create(&self.db, user.id)
            .await
            .unwrap();
        let client = self.client();
        client.set_cookie(ketnoi_web::session::SESSION_COOKIE, &token);
        client
    }
}

/// An HTTP client bound to one app, with helpers for forms.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

/// The anchor every test client uses for CSRF, so tokens can be computed.
pub const CSRF_ANCHOR: &str = "testanchor_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A published listing of `org` (one retail offer at 250,000 ₫).
/// Creates an event through a Union officer's form (a two-day forum with 20 free places
/// unless `fields` say otherwise: each field given replaces the default); its id.
pub async fn create_event(officer: &Client, fields: &[(&str, &str)]) -> i64 {
    let mut all: Vec<(&str, &str)> = vec![
        ("kind", "forum"),
        ("name", "Diễn đàn Phụ nữ Khởi nghiệp Hợp tác xã"),
        ("name_en", "Women's Cooperative Start-up Forum"),
        (
            "description",
            "Gặp gỡ, chia sẻ kinh nghiệm quản trị hợp tác xã.",
        ),
        ("start_date", "2099-03-08"),
        ("end_date", "2099-03-09"),
        ("venue_name", "Bảo tàng Phụ nữ Việt Nam"),
        ("venue_address", "36 Lý Thường Kiệt"),
        ("venue_commune", "00070"),
        ("latitude", "21,0245"),
        ("longitude", "105.8510"),
        ("audience_cooperatives", "on"),
        ("audience_buyers", "on"),
        ("organizer", "Hội LHPN Hà Nội"),
        ("visitor_quota", "20"),
    ];
    for (k, v) in fields {
        all.retain(|(key, _)| key != k);
        all.push((k, v));
    }
    let saved = officer
        .submit("/union/events/new", "/union/events", &all)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    saved
        .location
        .unwrap()
        .trim_start_matches("/union/events/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Registers through the event's page; the answer (303 to her ticket when done).
pub async fn register_for(c: &Client, event: i64, fields: &[(&str, &str)]) -> Page {
    let page = format!("/events/{event}");
    c.submit(&page, &format!("/events/{event}/registrations"), fields)
        .await
}

pub async fn published_listing(
    app: &TestApp,
    org: &Org,
    title: &str,
) -> ketnoi_db::listings::Listing {
    listing_with_offer(
        app,
        org,
        title,
        ketnoi_db::listings::Offer {
            kind: ketnoi_domain::catalog::OfferKind::Retail,
            price: ketnoi_domain::Vnd(250_000),
            case_size: None,
            min_order_qty: None,
            duration_hours: None,
            max_group_size: None,
            tiers: vec![],
        },
        Some(50),
    )
    .await
}

/// An order of goods from `org_id`, delivered to a street in ward 00577, paid by `payment`.
pub fn goods_order<'a>(
    buyer_id: i64,
    org_id: i64,
    payment: ketnoi_domain::order::PaymentMethod,
    lines: &'a [ketnoi_db::orders::Line],
) -> ketnoi_db::orders::NewOrder<'a> {
    ketnoi_db::orders::NewOrder {
        buyer_id,
        org_id,
        kind: ketnoi_domain::order::OrderKind::Goods,
        payment,
        lines,
        experience_date: None,
        delivery_commune: Some("00577"),
        delivery_street: Some("Thôn 3"),
        contact_phone: Some("+84912345678"),
        buyer_note: None,
        recipient_name: None,
        quote_id: None,
    }
}

/// Gives the cooperative a bank account (`bin` from the NAPAS list) so its orders can be paid
/// by VietQR transfer.
pub async fn bank_account(app: &TestApp, org: &Org, bin: &str, account: &str) {
    ketnoi_db::orgs::set_bank_account(
        app.db.conn(),
        org.id,
        Some(&ketnoi_db::orgs::BankAccount {
            bin: bin.into(),
            account: account.into(),
            account_name: "HTX".into(),
        }),
    )
    .await
    .unwrap();
}

/// A published listing with one `offer` and `stock`.
pub async fn listing_with_offer(
    app: &TestApp,
    org: &Org,
    title: &str,
    offer: ketnoi_db::listings::Offer,
    stock: Option<i64>,
) -> ketnoi_db::listings::Listing {
    listing_keyed(app, org, None, title, offer, stock).await
}

/// A published listing with one `offer` and `stock`, and an external id when given (the key a
/// spreadsheet updates it by).
pub async fn listing_keyed(
    app: &TestApp,
    org: &Org,
    external_id: Option<&str>,
    title: &str,
    offer: ketnoi_db::listings::Offer,
    stock: Option<i64>,
) -> ketnoi_db::listings::Listing {
    use ketnoi_domain::catalog::{ListingStatus, Months};
    let draft = ketnoi_db::listings::Draft {
        title_vi: title.into(),
        title_en: None,
        description_vi: "Mô tả".into(),
        description_en: None,
        category_id: "gom-su".into(),
        unit: "chiếc".into(),
        stock,
        months: Months::ALL,
        origin_commune_code: Some("00577".into()),
        certifications: vec![],
        ocop_claim: None,
        offers: vec![offer],
    };
    let mut tx = app.db.begin().await.unwrap();
    let listing = ketnoi_db::listings::create(
        &mut tx,
        org.id,
        external_id,
        &draft,
        ListingStatus::Published,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    listing
}

/// Serves the app over `db` and `search` on a free loopback port: its address, base URL,
/// state, and the sender that stops it.
async fn serve(
    db: Db,
    search: std::sync::Arc<dyn ketnoi_search::SearchIndex>,
    configure: impl FnOnce(&mut AppConfig),
    connections: ketnoi_web::ConnectionConfig,
) -> (SocketAddr, String, AppState, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base = format!("http://{addr}");
    let mut config = AppConfig::local(base.clone(), Secret::new(SECRET.to_vec()));
    configure(&mut config);
    let state = AppState::new(db, ketnoi_media::MediaStore::in_memory(), search, config);
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(ketnoi_web::serve_with(
        listener,
        state.clone(),
        connections,
        async move {
            let _ = stopped.await;
        },
    ));
    (addr, base, state, stop)
}

/// A live conversation connection (WebSocket) of a test client.
pub type LiveSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next message frame of a live connection (fails after 10 s).
pub async fn next_frame(ws: &mut LiveSocket) -> serde_json::Value {
    use futures::StreamExt;
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("a live message within 10 s")
            .expect("the connection is open")
            .expect("a frame");
        if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
            return serde_json::from_str(text.as_str()).expect("JSON frame");
        }
    }
}

impl Client {
    /// The cookies this client sends, as a `Cookie` header value.
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.base.parse().unwrap();
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Opens the inbox's live connection with this client's cookies.
    pub async fn live_inbox(&self) -> Result<LiveSocket, tokio_tungstenite::tungstenite::Error> {
        self.socket(&self.base, "/conversations/live").await
    }

    /// A WebSocket to `path` on `server`, with this client's cookies.
    async fn socket(
        &self,
        server: &str,
        path: &str,
    ) -> Result<LiveSocket, tokio_tungstenite::tungstenite::Error> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!("{}{path}", server.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request()?;
        if let Ok(v) = self.cookie_header().parse() {
            request.headers_mut().insert("cookie", v);
        }
        tokio_tungstenite::connect_async(request)
            .await
            .map(|(ws, _)| ws)
    }

    /// Opens `conversation`'s live connection with this client's cookies, as a page that
    /// has seen messages up to `after`.
    pub async fn live(
        &self,
        conversation: i64,
        after: i64,
    ) -> Result<LiveSocket, tokio_tungstenite::tungstenite::Error> {
        let path = format!("/conversations/{conversation}/live?after={after}");
        self.socket(&self.base, &path).await
    }

    /// Puts a cookie in this client's jar, as the server would have.
    pub fn set_cookie(&self, name: &str, value: &str) {
        let url: reqwest::Url = self.base.parse().unwrap();
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &url);
    }

    /// Gives this client a known CSRF anchor and returns the token that goes with it.
    pub fn known_csrf(&self) -> String {
        self.set_cookie(ketnoi_web::session::CSRF_COOKIE, CSRF_ANCHOR);
        ketnoi_web::csrf::token(SECRET, CSRF_ANCHOR)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Reads a response the way every helper here does.
    pub async fn page(res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let headers = res.headers().clone();
        Page {
            status,
            location,
            content_type,
            headers,
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.http.get(self.url(path)).send().await.unwrap()).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = self.http.get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::page(req.send().await.unwrap()).await
    }

    /// Loads `form_page` and posts `fields` to `action` with that page's CSRF token.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(form_page).await;
        let token = csrf_in(&page.body);
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        Self::page(
            self.http
                .post(self.url(path))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> Page {
        Self::page(
            self.http
                .post(self.url(path))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Page {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, self.url(path)).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        Self::page(req.send().await.unwrap()).await
    }
}

/// The fields the form posting to `action` sends as the page filled it in: text and hidden
/// inputs, checked boxes and radios, the selected option of each select, textareas.
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let form = &html[start..];
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    let unescape = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let attr = |tag: &str, name: &str| -> Option<String> {
        let marker = format!(" {name}=\"");
        let at = tag.find(&marker)? + marker.len();
        Some(unescape(&tag[at..at + tag[at..].find('"')?]))
    };
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(open) = rest.find('<') {
        rest = &rest[open..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.starts_with("<input") {
            let kind = attr(tag, "type").unwrap_or_else(|| "text".into());
            if let Some(name) = attr(tag, "name")
                && !matches!(kind.as_str(), "file" | "submit")
                && (!matches!(kind.as_str(), "checkbox" | "radio") || tag.contains(" checked"))
            {
                out.push((name, attr(tag, "value").unwrap_or_else(|| "on".into())));
            }
        } else if tag.starts_with("<textarea")
            && let Some(name) = attr(tag, "name")
        {
            let body = &rest[end + 1..];
            let text = &body[..body.find("</textarea>").unwrap_or(0)];
            out.push((name, unescape(text)));
        } else if tag.starts_with("<select")
            && let Some(name) = attr(tag, "name")
        {
            let body = &rest[end + 1..];
            let body = &body[..body.find("</select>").unwrap_or(0)];
            let chosen = body
                .split("<option")
                .find(|o| o.contains(" selected"))
                .and_then(|o| attr(o, "value"))
                .unwrap_or_default();
            out.push((name, chosen));
        }
        rest = &rest[end.min(rest.len())..];
        if rest.len() <= 1 {
            break;
        }
        rest = &rest[1..];
    }
    out
}

/// The CSRF token embedded in a page's forms.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf field in: {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Runs an async test body against a fresh app on SQLite and on PostgreSQL:
/// `on_both_backends!(name_a, name_b)` where `async fn name_a(app: TestApp)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::TestApp::spawn($crate::Backend::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::TestApp::spawn($crate::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}
