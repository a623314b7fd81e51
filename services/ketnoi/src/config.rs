//! Configuration from the environment (or flags), with defaults that run on a laptop.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `sqlite:data/ketnoi.db` | `sqlite:<file>` or `postgres://…` |
//! | `DATABASE_POOL_SIZE` | PostgreSQL: twice the cores, plus two; SQLite: 4 | most database connections open at once (more only make PostgreSQL's processes, or SQLite's connection threads, take turns on the cores) |
//! | `BIND` | `127.0.0.1:8080` | address to listen on |
//! | `PUBLIC_URL` | `http://<BIND>` | address users reach; `https://` makes cookies Secure |
//! | `SECRET_KEY` | generated into `<DATA_DIR>/secret_key` | signs CSRF tokens; never logged |
//! | `DATA_DIR` | `data` | local state: SQLite file, secret key, mail |
//! | `MAIL_DIR` | `<DATA_DIR>/mail` | where messages go without `SMTP_URL` (and messages to phones without `ZNS_API_URL` or `SMS_GATEWAY_URL`) |
//! | `SMTP_URL` | (none) | e-mail over SMTP: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`, `smtps://…`; never logged |
//! | `MAIL_FROM` | `Ketnoi <no-reply@ketnoi.vn>` | the sender of e-mails |
//! | `SMS_GATEWAY_URL` | (none) | messages to phones by SMS through eSMS.vn: `https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/` |
//! | `SMS_API_KEY`, `SMS_SECRET_KEY` | (none) | eSMS credentials (both needed with `SMS_GATEWAY_URL`); the secret also signs delivery reports; never logged |
//! | `SMS_BRANDNAME` | (none) | the sender name registered with eSMS (needed with `SMS_GATEWAY_URL`) |
//! | `SMS_TYPE` | `2` | eSMS message type (2: customer care) |
//! | `ZNS_API_URL` | (none) | messages to phones as Zalo ZNS templates: `https://business.openapi.zalo.me/message/template`; with SMS too, ZNS first and SMS for whoever Zalo cannot reach |
//! | `ZNS_ACCESS_TOKEN` | (none) | the Official Account's access token (needed with `ZNS_API_URL`); never logged |
//! | `ZNS_TEMPLATES` | (none) | each message kind's template: a JSON file path or inline JSON (docs/operations.md, "Phone channel"); needed with `ZNS_API_URL` |
//! | `ZALO_APP_ID`, `ZALO_OA_SECRET_KEY` | (none) | check Zalo's signed delivery events (`POST /webhooks/zns`); unset: endpoint off; the key is never logged |
//! | `DIGEST_DELAY_MINUTES` | `15` | how long a message stays unread before it goes into an e-mail digest |
//! | `MEDIA_URL` | `<DATA_DIR>/media` | uploads: a directory, `file:///…`, or `s3://bucket?endpoint=…&region=…` |
//! | `SEARCH_URL` | (empty: tantivy in `<DATA_DIR>/search`) | `http://…` of a Meilisearch server |
//! | `MEILISEARCH_KEY` | (none) | Meilisearch API key; never logged |
//! | `MEILISEARCH_INDEX` | `ketnoi` | the Meilisearch index of this database's documents |
//! | `MAP_TILES_URL` | (none: the maps draw every ward's and commune's centre) | a base map under the maps, from an XYZ tile server, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png` (mind its usage policy) |
//! | `MAP_TILES_ATTRIBUTION` | OpenStreetMap's for its servers | the tile server's credit shown under the map |
//! | `PAGE_CACHE_SECONDS` | `10` | how long anonymous visitors get stored public pages; 0: off |
//! | `REPORT_DEADLINE_HALF` | `06-15` | when the six-monthly report is due (month-day of its year) |
//! | `REPORT_DEADLINE_YEAR` | `10-30` | when the annual report is due (the plan: before 30 October) |
//! | `MESSAGES_PER_MINUTE` | `30` | messages one user may post per minute |
//! | `STAMP_COPY_CLIENTS` | `20` | a stamp scanned by more distinct clients than this within `STAMP_COPY_HOURS` is flagged as possibly copied |
//! | `STAMP_COPY_HOURS` | `24` | the window of that count |
//! | `STRIPE_SECRET_KEY`, `STRIPE_PUBLISHABLE_KEY`, `STRIPE_WEBHOOK_SECRET` | (none) | all three turn on card payments; secrets never logged |
//! | `STRIPE_API_BASE` | Stripe's | the Stripe API's address (localstripe in development) |
//! | `STRIPE_JS_URL` | `https://js.stripe.com/v3/` | where browsers load Stripe.js |
//! | `BANK_WEBHOOK_SECRET` | (none) | HMAC secret of bank notifications; unset turns the endpoint off |
//! | `ORDER_REMIND_HOURS`, `ORDER_ESCALATE_HOURS`, `ORDER_CANCEL_HOURS` | `12`, `24`, `48` | an unconfirmed order reminds the cooperative, then its proxy officers, then cancels itself |
//! | `GROUP_MAX_MEMBERS` | `2000` | most members a network group may have |
//! | `ATTACHMENT_MAX_MB` | `5` | largest picture a message may carry |
//! | `SEARCH_CACHE_ENTRIES` | `10000` | search answers kept per index version (embedded: its commit; Meilisearch: the indexer's position, read every second, and 60 s at most); 0: off |
//! | `SEARCH_UNIT_CACHE_MB` | `256` | matches of query syllables the embedded index keeps (not answers: every search still runs); 0: off |
//! | `TRUST_PROXY` | `false` | take the client IP from `X-Forwarded-For` |
//! | `SIGNIN_PER_ACCOUNT_PER_MINUTE` | `5` | sign-in attempts per account |
//! | `SIGNIN_PER_IP_PER_MINUTE` | `30` | sign-in attempts per client IP |
//! | `HEADER_TIMEOUT_SECONDS` | `10` | a connection must send a complete request head this soon after connecting or after its previous response (so also bounds idle keep-alive) |
//! | `IDLE_TIMEOUT_SECONDS` | `60` | a connection with no byte either way this long in the middle of a request or response is closed (WebSockets exempt) |
//! | `MAX_CONNECTIONS` | derived | connections open at once; default: the open-file limit (raised to its hard limit at start) less a quarter, at least 512, kept back; at most 65536 |
//! | `MIN_FREE_DISK_MB` | `100` | below this much free space on the disk of `DATA_DIR` or of the SQLite file, `/readyz` answers 503 and changes are refused with 503 |
//! | `LOG_FORMAT` | `text` | `text` or `json` |
//! | `RUST_LOG` | `info` | log filter |

use anyhow::Context;
use clap::Args;
use ketnoi_web::config::Secret;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct Config {
    /// Database: `sqlite:<file>` (created if missing) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        default_value = "sqlite:data/ketnoi.db"
    )]
    pub database_url: String,
    /// Most database connections open at once [default: PostgreSQL twice the cores, plus two; SQLite 4].
    #[arg(long, env = "DATABASE_POOL_SIZE", global = true, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool_size: Option<u32>,
    /// Address to listen on.
    #[arg(long, env = "BIND", global = true, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Address users reach the site at, used in links sent by e-mail [default: http://<BIND>].
    #[arg(long, env = "PUBLIC_URL", global = true, default_value = "")]
    pub public_url: String,
    /// Secret for signing tokens; generated and kept in <DATA_DIR>/secret_key when absent.
    #[arg(long, env = "SECRET_KEY", global = true, hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Directory for local state (SQLite file, generated secret, development mail).
    #[arg(long, env = "DATA_DIR", global = true, default_value = "data")]
    pub data_dir: PathBuf,
    /// Directory the development mail sink writes messages to [default: <DATA_DIR>/mail].
    #[arg(long, env = "MAIL_DIR", global = true)]
    pub mail_dir: Option<PathBuf>,

    /// E-mail over SMTP (`smtp://host:port`, `smtps://user:pass@host`); never logged.
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of e-mails.
    #[arg(
        long,
        env = "MAIL_FROM",
        global = true,
        default_value = "Ketnoi <no-reply@ketnoi.vn>"
    )]
    pub mail_from: String,

    /// Messages to phones by SMS: the eSMS.vn `SendMultipleMessage_V4_post_json` endpoint.
    #[arg(long, env = "SMS_GATEWAY_URL", global = true)]
    pub sms_gateway_url: Option<String>,
    /// eSMS API key.
    #[arg(long, env = "SMS_API_KEY", global = true, hide_env_values = true)]
    pub sms_api_key: Option<String>,
    /// eSMS secret key (also signs the request ids delivery reports come back with).
    #[arg(long, env = "SMS_SECRET_KEY", global = true, hide_env_values = true)]
    pub sms_secret_key: Option<String>,
    /// The SMS sender name (brandname) registered with eSMS.
    #[arg(long, env = "SMS_BRANDNAME", global = true)]
    pub sms_brandname: Option<String>,
    /// eSMS message type (2: customer care).
    #[arg(long, env = "SMS_TYPE", global = true, default_value = "2")]
    pub sms_type: String,
    /// Messages to phones as Zalo ZNS templates: `https://business.openapi.zalo.me/message/template`.
    #[arg(long, env = "ZNS_API_URL", global = true)]
    pub zns_api_url: Option<String>,
    /// The Zalo Official Account's access token.
    #[arg(long, env = "ZNS_ACCESS_TOKEN", global = true, hide_env_values = true)]
    pub zns_access_token: Option<String>,
    /// Each message kind's ZNS template: a JSON file path or inline JSON.
    #[arg(long, env = "ZNS_TEMPLATES", global = true)]
    pub zns_templates: Option<String>,
    /// The Zalo application id, to check Zalo's signed delivery events.
    #[arg(long, env = "ZALO_APP_ID", global = true)]
    pub zalo_app_id: Option<String>,
    /// The Official Account's secret key (not the application's), to check Zalo's events.
    #[arg(
        long,
        env = "ZALO_OA_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub zalo_oa_secret_key: Option<String>,

    /// Minutes a message stays unread before it goes into an e-mail digest.
    #[arg(
        long,
        env = "DIGEST_DELAY_MINUTES",
        global = true,
        default_value_t = 15
    )]
    pub digest_delay_minutes: u64,
    /// Where uploads are stored: a directory, `file:///abs/path`, or
    /// `s3://bucket[/prefix]?endpoint=…&region=…` (credentials from AWS_* variables) [default: <DATA_DIR>/media].
    #[arg(long, env = "MEDIA_URL", global = true)]
    pub media_url: Option<String>,
    /// Search backend: empty for the embedded tantivy index in <DATA_DIR>/search, or the
    /// `http://…` address of a Meilisearch server.
    #[arg(long, env = "SEARCH_URL", global = true, default_value = "")]
    pub search_url: String,
    /// Meilisearch API key.
    #[arg(long, env = "MEILISEARCH_KEY", global = true, hide_env_values = true)]
    pub meilisearch_key: Option<String>,
    /// The Meilisearch index this database's documents go to: one per database, so that
    /// two deployments (or staging and production) sharing a server keep theirs apart.
    #[arg(
        long,
        env = "MEILISEARCH_INDEX",
        global = true,
        default_value = "ketnoi"
    )]
    pub meilisearch_index: String,
    /// Trust `X-Forwarded-For` for the client address (only behind your own proxy).
    #[arg(long, env = "TRUST_PROXY", global = true, default_value_t = false)]
    pub trust_proxy: bool,
    /// A base map for the maps: an XYZ tile server, `https://…/{z}/{x}/{y}.png`.
    #[arg(long, env = "MAP_TILES_URL", global = true)]
    pub map_tiles_url: Option<String>,
    /// The tile server's credit shown under the map (OpenStreetMap's is known).
    #[arg(long, env = "MAP_TILES_ATTRIBUTION", global = true)]
    pub map_tiles_attribution: Option<String>,
    /// When the six-monthly report is due, as month-day of the period's year.
    #[arg(
        long,
        env = "REPORT_DEADLINE_HALF",
        global = true,
        default_value = "06-15"
    )]
    pub report_deadline_half: String,
    /// When the annual report is due (the plan: before 30 October), as month-day.
    #[arg(
        long,
        env = "REPORT_DEADLINE_YEAR",
        global = true,
        default_value = "10-30"
    )]
    pub report_deadline_year: String,
    /// Seconds an anonymous visitor may be served a stored public page (directory,
    /// profiles, listings, categories, events); 0 turns the page cache off.
    #[arg(long, env = "PAGE_CACHE_SECONDS", global = true, default_value_t = 10)]
    pub page_cache_seconds: u64,

    /// Messages one user may post per minute.
    #[arg(long, env = "MESSAGES_PER_MINUTE", global = true, default_value_t = 30)]
    pub messages_per_minute: u32,

    /// A stamp scanned by more distinct clients than this within `STAMP_COPY_HOURS` is
    /// flagged as possibly copied.
    #[arg(long, env = "STAMP_COPY_CLIENTS", global = true, default_value_t = 20)]
    pub stamp_copy_clients: i64,
    /// The window, in hours, of the copied-stamp count.
    #[arg(long, env = "STAMP_COPY_HOURS", global = true, default_value_t = 24)]
    pub stamp_copy_hours: u64,

    /// Stripe secret key (`sk_…`); with the publishable key and webhook secret, turns on
    /// card payments.
    #[arg(long, env = "STRIPE_SECRET_KEY", global = true, hide_env_values = true)]
    pub stripe_secret_key: Option<String>,

    /// Stripe publishable key (`pk_…`), given to Stripe.js on the card page.
    #[arg(long, env = "STRIPE_PUBLISHABLE_KEY", global = true)]
    pub stripe_publishable_key: Option<String>,

    /// Secret that signs Stripe's webhook deliveries (`whsec_…`).
    #[arg(
        long,
        env = "STRIPE_WEBHOOK_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub stripe_webhook_secret: Option<String>,

    /// Stripe API base URL (a localstripe address in development).
    #[arg(long, env = "STRIPE_API_BASE", global = true)]
    pub stripe_api_base: Option<String>,

    /// Where browsers load Stripe.js from.
    #[arg(
        long,
        env = "STRIPE_JS_URL",
        global = true,
        default_value = "https://js.stripe.com/v3/"
    )]
    pub stripe_js_url: String,

    /// HMAC-SHA256 secret of bank notifications (`POST /webhooks/bank`); unset: endpoint off.
    #[arg(
        long,
        env = "BANK_WEBHOOK_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub bank_webhook_secret: Option<String>,

    /// Hours after which an unconfirmed order reminds its cooperative.
    #[arg(long, env = "ORDER_REMIND_HOURS", global = true, default_value_t = 12)]
    pub order_remind_hours: i64,

    /// Hours after which an unconfirmed order is escalated to the cooperative's proxy officers.
    #[arg(
        long,
        env = "ORDER_ESCALATE_HOURS",
        global = true,
        default_value_t = 24
    )]
    pub order_escalate_hours: i64,

    /// Hours after which an unconfirmed order cancels itself.
    #[arg(long, env = "ORDER_CANCEL_HOURS", global = true, default_value_t = 48)]
    pub order_cancel_hours: i64,

    /// Most members a network group may have.
    #[arg(long, env = "GROUP_MAX_MEMBERS", global = true, default_value_t = 2000)]
    pub group_max_members: i64,

    /// Largest picture a message may carry, in MiB.
    #[arg(long, env = "ATTACHMENT_MAX_MB", global = true, default_value_t = 5)]
    pub attachment_max_mb: usize,

    /// Search answers kept (per index version: the embedded index's commit, or the
    /// indexer's position with Meilisearch; 0: none).
    #[arg(
        long,
        env = "SEARCH_CACHE_ENTRIES",
        global = true,
        default_value_t = 10_000
    )]
    pub search_cache_entries: u64,
    /// Mebibytes of query-syllable matches the embedded search index keeps (0: none).
    #[arg(
        long,
        env = "SEARCH_UNIT_CACHE_MB",
        global = true,
        default_value_t = 256
    )]
    pub search_unit_cache_mb: u64,
    /// Failed sign-ins per (client address, account) before each further failure doubles
    /// the wait for that pair (no account lockout).
    #[arg(long, env = "SIGNIN_FREE_FAILURES", global = true, default_value_t = 5)]
    pub signin_free_failures: u32,
    /// Password-reset requests allowed per account per minute.
    #[arg(
        long,
        env = "RESETS_PER_ACCOUNT_PER_MINUTE",
        global = true,
        default_value_t = 5
    )]
    pub resets_per_account_per_minute: u32,
    /// Sign-ups allowed per client address per hour (at most 5 at once).
    #[arg(
        long,
        env = "SIGNUPS_PER_IP_PER_HOUR",
        global = true,
        default_value_t = 20
    )]
    pub signups_per_ip_per_hour: u32,
    /// Requests carrying uploads per client address per minute.
    #[arg(
        long,
        env = "UPLOADS_PER_IP_PER_MINUTE",
        global = true,
        default_value_t = 30
    )]
    pub uploads_per_ip_per_minute: u32,
    /// Memory (MiB) that pictures being decoded may hold together.
    #[arg(
        long,
        env = "IMAGE_DECODE_BUDGET_MIB",
        global = true,
        default_value_t = 192
    )]
    pub image_decode_budget_mib: u32,
    /// Sign-in attempts allowed per client IP per minute.
    #[arg(
        long,
        env = "SIGNIN_PER_IP_PER_MINUTE",
        global = true,
        default_value_t = 30
    )]
    pub signin_per_ip_per_minute: u32,
    /// Seconds a connection has to send a complete request head, after connecting or after
    /// its previous response (so also how long an idle keep-alive connection stays open).
    #[arg(
        long,
        env = "HEADER_TIMEOUT_SECONDS",
        global = true,
        default_value_t = 10
    )]
    pub header_timeout_seconds: u64,
    /// Seconds without a byte either way, in the middle of a request or response, after
    /// which a connection is closed (WebSockets are exempt).
    #[arg(
        long,
        env = "IDLE_TIMEOUT_SECONDS",
        global = true,
        default_value_t = 60
    )]
    pub idle_timeout_seconds: u64,
    /// Connections open at once (more wait in the listen backlog) [default: derived from the
    /// open-file limit].
    #[arg(long, env = "MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,
    /// Free disk space, in MiB, below which the server refuses changes and is not ready.
    #[arg(long, env = "MIN_FREE_DISK_MB", global = true, default_value_t = 100)]
    pub min_free_disk_mb: u64,
    /// Log format: text or json.
    #[arg(long, env = "LOG_FORMAT", global = true, default_value = "text")]
    pub log_format: String,
}

pub fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

impl Config {
    /// The SQLite database file `DATABASE_URL` names; `None` for PostgreSQL.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let path = self.database_url.strip_prefix("sqlite:")?;
        let path = path
            .trim_start_matches("//")
            .split('?')
            .next()
            .unwrap_or_default();
        Some(PathBuf::from(path))
    }

    /// Connects and migrates; a SQLite file's directory is created first.
    pub async fn database(&self) -> anyhow::Result<ketnoi_db::Db> {
        if let Some(path) = self.sqlite_path()
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            create_private_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        ketnoi_db::Db::connect_and_migrate_with(&self.database_url, self.database_pool_size)
            .await
            .context("opening the database (check DATABASE_URL)")
    }

    pub fn media(&self) -> anyhow::Result<ketnoi_media::MediaStore> {
        ketnoi_media::MediaStore::from_url(&self.media_location())
            .map_err(|e| anyhow::anyhow!("MEDIA_URL: {e}"))
    }

    /// `MEDIA_URL`, or `<DATA_DIR>/media` when it is not set.
    pub fn media_location(&self) -> String {
        self.media_url
            .clone()
            .unwrap_or_else(|| self.data_dir.join("media").to_string_lossy().into_owned())
    }

    /// The local directory media is kept in (a plain path or `file://`); `None` when media
    /// lives elsewhere (`s3://`, `memory://`).
    pub fn local_media_dir(&self) -> Option<PathBuf> {
        let url = self.media_location();
        let url = url.trim();
        if let Some(path) = url.strip_prefix("file://") {
            return Some(PathBuf::from(path));
        }
        (!url.is_empty() && !url.contains("://")).then(|| PathBuf::from(url))
    }

    /// E-mail through `SMTP_URL` if set; phones through ZNS and/or SMS when configured;
    /// everything else into `MAIL_DIR`.
    pub fn channels(&self) -> anyhow::Result<ketnoi_notify::Channels> {
        let dir = self
            .mail_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("mail"));
        let mut channels = ketnoi_notify::Channels::mailbox(dir);
        if let Some(url) = self.smtp_url.as_deref().filter(|u| !u.is_empty()) {
            let smtp = ketnoi_notify::Smtp::new(url, &self.mail_from)
                .map_err(|e| anyhow::anyhow!("SMTP_URL or MAIL_FROM: {e}"))?;
            channels.email = std::sync::Arc::new(smtp);
        }
        let zns = self.zns()?.map(ketnoi_notify::zns::Zns::new).transpose()?;
        let sms = self.sms()?.map(ketnoi_notify::sms::Sms::new).transpose()?;
        if zns.is_some() || sms.is_some() {
            channels.phone = std::sync::Arc::new(ketnoi_notify::Phone { zns, sms });
        }
        Ok(channels)
    }

    fn sms(&self) -> anyhow::Result<Option<ketnoi_notify::sms::SmsConfig>> {
        let Some(url) = set(&self.sms_gateway_url) else {
            return Ok(None);
        };
        let need = |v: &Option<String>, name: &str| {
            set(v)
                .map(str::to_owned)
                .ok_or_else(|| anyhow::anyhow!("SMS_GATEWAY_URL is set: {name} is needed too"))
        };
        Ok(Some(ketnoi_notify::sms::SmsConfig {
            url: url.to_owned(),
            api_key: need(&self.sms_api_key, "SMS_API_KEY")?,
            secret_key: need(&self.sms_secret_key, "SMS_SECRET_KEY")?,
            brandname: need(&self.sms_brandname, "SMS_BRANDNAME")?,
            sms_type: self.sms_type.clone(),
            callback_url: (!self.public_url.is_empty())
                .then(|| format!("{}/webhooks/sms", self.site_url())),
        }))
    }

    fn zns(&self) -> anyhow::Result<Option<ketnoi_notify::zns::ZnsConfig>> {
        let Some(url) = set(&self.zns_api_url) else {
            return Ok(None);
        };
        let token = set(&self.zns_access_token)
            .ok_or_else(|| anyhow::anyhow!("ZNS_API_URL is set: ZNS_ACCESS_TOKEN is needed too"))?;
        let templates = set(&self.zns_templates)
            .ok_or_else(|| anyhow::anyhow!("ZNS_API_URL is set: ZNS_TEMPLATES is needed too"))?;
        Ok(Some(ketnoi_notify::zns::ZnsConfig {
            url: url.to_owned(),
            access_token: token.to_owned(),
            templates: ketnoi_notify::zns::Templates::load(templates)?,
        }))
    }

    /// The keys the phone providers' delivery reports are checked with (web's webhooks).
    pub fn phone_callbacks(&self) -> ketnoi_notify::callbacks::Keys {
        ketnoi_notify::callbacks::Keys {
            sms_secret_key: set(&self.sms_gateway_url)
                .and(set(&self.sms_secret_key))
                .map(str::to_owned),
            zalo: match (set(&self.zalo_app_id), set(&self.zalo_oa_secret_key)) {
                (Some(app_id), Some(key)) => Some(ketnoi_notify::callbacks::ZaloKeys {
                    app_id: app_id.to_owned(),
                    oa_secret_key: key.to_owned(),
                }),
                _ => None,
            },
        }
    }

    fn secret(&self) -> anyhow::Result<Secret> {
        if let Some(s) = self.secret_key.as_deref().filter(|s| !s.is_empty()) {
            return Ok(Secret::checked("SECRET_KEY", s, 32, 96.0)?);
        }
        let path = self.data_dir.join("secret_key");
        if let Ok(existing) = std::fs::read_to_string(&path)
            && let Ok(key) = Secret::checked("secret_key file", existing.trim(), 64, 96.0)
        {
            return Ok(key);
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("getrandom: {e}"))?;
        let key = hex::encode(bytes);
        create_private_dir(&self.data_dir)?;
        write_private(&path, &key).with_context(|| format!("writing {}", path.display()))?;
        tracing::info!(path = %path.display(), "generated a new secret key");
        Ok(Secret::new(key.into_bytes()))
    }

    /// The site's address as links in e-mails name it: `PUBLIC_URL`, else the bind address.
    pub fn site_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.bind)
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }

    pub fn app_config(&self) -> anyhow::Result<ketnoi_web::AppConfig> {
        Ok(ketnoi_web::AppConfig {
            public_url: self.site_url(),
            secret_key: self.secret()?,
            signin_free_failures: self.signin_free_failures,
            resets_per_account_per_minute: self.resets_per_account_per_minute,
            signups_per_ip_per_hour: self.signups_per_ip_per_hour,
            uploads_per_ip_per_minute: self.uploads_per_ip_per_minute,
            image_decode_budget_mib: self.image_decode_budget_mib,
            signin_per_ip_per_minute: self.signin_per_ip_per_minute,
            trust_proxy: self.trust_proxy,
            page_cache_ttl: std::time::Duration::from_secs(self.page_cache_seconds),
            messages_per_minute: self.messages_per_minute,
            stamp_copy: ketnoi_app::trace::CopyRule {
                threshold: self.stamp_copy_clients.max(1),
                window: std::time::Duration::from_secs(
                    self.stamp_copy_hours.clamp(1, 24 * 365) * 3600,
                ),
            },
            group_max_members: self.group_max_members,
            attachment_max_bytes: self.attachment_max_mb.saturating_mul(1024 * 1024),
            stripe: self.stripe()?,
            bank_webhook_secret: self
                .bank_webhook_secret
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| Secret::checked("BANK_WEBHOOK_SECRET", s, 24, 64.0))
                .transpose()?,
            phone_callbacks: self.phone_callbacks(),
            confirm_timer: self.confirm_timer()?,
            storage: ketnoi_web::storage::StorageConfig {
                data_dir: Some(self.data_dir.clone()),
                min_free_bytes: self.min_free_disk_mb.saturating_mul(1024 * 1024),
            },
            report_deadlines: self.report_deadlines()?,
            map_tiles: match self.map_tiles_url.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(url) => Some(
                    ketnoi_web::map::TileSource::parse(url, self.map_tiles_attribution.as_deref())
                        .map_err(|e| anyhow::anyhow!(e))?,
                ),
            },
        })
    }

    pub fn report_deadlines(&self) -> anyhow::Result<ketnoi_domain::report::Deadlines> {
        use ketnoi_domain::report::Deadlines;
        let day = |name: &str, raw: &str| {
            Deadlines::parse_day(raw).ok_or_else(|| {
                anyhow::anyhow!("{name} must be a month and day such as 06-15, not {raw:?}")
            })
        };
        Ok(Deadlines {
            half: day("REPORT_DEADLINE_HALF", &self.report_deadline_half)?,
            year: day("REPORT_DEADLINE_YEAR", &self.report_deadline_year)?,
        })
    }

    /// Connection timeouts and limit; `fd_limit` is the process's open-file limit.
    pub fn connections(
        &self,
        fd_limit: Option<u64>,
    ) -> anyhow::Result<ketnoi_web::ConnectionConfig> {
        anyhow::ensure!(
            self.header_timeout_seconds > 0 && self.idle_timeout_seconds > 0,
            "HEADER_TIMEOUT_SECONDS and IDLE_TIMEOUT_SECONDS must be above 0"
        );
        anyhow::ensure!(
            self.max_connections != Some(0),
            "MAX_CONNECTIONS must be above 0"
        );
        Ok(ketnoi_web::ConnectionConfig {
            header_timeout: std::time::Duration::from_secs(self.header_timeout_seconds),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout_seconds),
            max_connections: self
                .max_connections
                .unwrap_or_else(|| ketnoi_web::default_max_connections(fd_limit)),
        })
    }

    fn stripe(&self) -> anyhow::Result<Option<ketnoi_payments::stripe::StripeConfig>> {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let (Some(secret_key), Some(publishable_key), Some(webhook_secret)) = (
            nonempty(&self.stripe_secret_key),
            nonempty(&self.stripe_publishable_key),
            nonempty(&self.stripe_webhook_secret),
        ) else {
            return Ok(None);
        };
        // Stripe's signing secrets are `whsec_` and 32 random characters.
        Secret::checked("STRIPE_WEBHOOK_SECRET", &webhook_secret, 24, 64.0)?;
        Ok(Some(ketnoi_payments::stripe::StripeConfig {
            secret_key,
            publishable_key,
            webhook_secret,
            api_base: nonempty(&self.stripe_api_base),
            js_url: self.stripe_js_url.clone(),
        }))
    }

    pub fn confirm_timer(&self) -> anyhow::Result<ketnoi_app::config::ConfirmTimer> {
        let (r, e, c) = (
            self.order_remind_hours,
            self.order_escalate_hours,
            self.order_cancel_hours,
        );
        anyhow::ensure!(
            0 < r && r <= e && e <= c,
            "ORDER_REMIND_HOURS <= ORDER_ESCALATE_HOURS <= ORDER_CANCEL_HOURS, all above 0"
        );
        Ok(ketnoi_app::config::ConfirmTimer {
            remind_after: chrono::Duration::hours(r),
            escalate_after: chrono::Duration::hours(e),
            cancel_after: chrono::Duration::hours(c),
        })
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

/// Creates `dir` and its missing parents with mode 0700 (existing ones are left as they are).
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// How long a start waits for Meilisearch to answer (it may be starting too), trying again
/// with growing pauses, before giving up.
const MEILI_START_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

impl Config {
    /// Whether the search index lives in this process (tantivy) rather than on a server.
    pub fn search_is_embedded(&self) -> bool {
        self.search_url.is_empty()
    }

    /// Opens the configured search index, to write to it (feed it, rebuild it).
    pub async fn search_index(
        &self,
    ) -> anyhow::Result<std::sync::Arc<dyn ketnoi_search::SearchIndex>> {
        self.open_search_index(true).await
    }

    /// Opens the configured search index; without `writes` (`serve --no-worker` on
    /// Meilisearch), for searching only, which a search-only API key allows.
    pub async fn open_search_index(
        &self,
        writes: bool,
    ) -> anyhow::Result<std::sync::Arc<dyn ketnoi_search::SearchIndex>> {
        if self.search_is_embedded() {
            let dir = self.data_dir.join("search");
            let index = ketnoi_search::tantivy_index::TantivyIndex::open(&dir)
                .with_context(|| format!("opening the search index in {}", dir.display()))?
                .with_result_cache(self.search_cache_entries)
                .with_unit_cache(self.search_unit_cache_mb.saturating_mul(1 << 20));
            return Ok(std::sync::Arc::new(index));
        }
        let started = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(250);
        let index = loop {
            let (url, key, name) = (
                &self.search_url,
                self.meilisearch_key.as_deref(),
                &self.meilisearch_index,
            );
            let opened = if writes {
                ketnoi_search::meili::MeiliIndex::connect(url, key, name).await
            } else {
                ketnoi_search::meili::MeiliIndex::open_for_search(url, key, name).await
            };
            match opened {
                Err(ketnoi_search::SearchError::Unavailable(why))
                    if started.elapsed() + pause < MEILI_START_WAIT =>
                {
                    tracing::warn!(problem = %why, retry_in_ms = pause.as_millis() as u64, "Meilisearch not answering yet");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(5));
                }
                other => {
                    break other.with_context(|| {
                        format!(
                            "connecting to Meilisearch at {} (index {})",
                            self.search_url, self.meilisearch_index
                        )
                    })?;
                }
            }
        };
        Ok(std::sync::Arc::new(index))
    }
}

/// A variable's value unless it is unset or blank.
fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
