//! Every URL of Ketnoi, grouped by who uses it, each with the [`Access`] that
//! [`crate::policy::authorize`] enforces. [`ROUTES`] is generated from the same table, so the
//! authorisation-matrix test walks exactly the routes that exist.

use crate::policy::{Access, authorize};
use crate::{AppState, api, middleware, pages, webhooks};
use axum::Router;
use axum::routing::{MethodRouter, delete, get, post, put};

/// One row of the route map.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// The route has a larger body limit: it takes `multipart/form-data` (file uploads) or,
    /// under `/webhooks/`, signed deliveries from a payment provider or bank.
    pub upload: bool,
}

/// Each row: `method "path" => handler, Access;` — or `…, Access, LIMIT;` to give the route a
/// larger body limit (a constant of [`crate::middleware`]) for uploads.
macro_rules! route_map {
    (@upload) => { false };
    (@upload $limit:ident) => { true };
    ($($method:ident $path:literal => $handler:path, $access:ident $(, $limit:ident)?;)*) => {
        /// The route map as data.
        pub const ROUTES: &[RouteSpec] = &[
            $(RouteSpec {
                method: stringify!($method),
                path: $path,
                access: Access::$access,
                upload: route_map!(@upload $($limit)?),
            },)*
        ];

        fn routes(state: &AppState) -> Router<AppState> {
            Router::new()
                $(.route($path, guarded(state, Access::$access, $method($handler)
                    $(.layer(axum::extract::DefaultBodyLimit::max(crate::middleware::$limit)))?)))*
        }
    };
}

fn guarded(
    state: &AppState,
    access: Access,
    route: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    route.route_layer(axum::middleware::from_fn_with_state(
        (state.clone(), access),
        authorize,
    ))
}

route_map! {
    // Everyone: home, health, assets, language, accounts.
    get "/" => pages::home::show_home, Public;
    get "/healthz" => pages::health::healthz, Public;
    get "/readyz" => pages::health::readyz, Public;
    get "/static/app.css" => pages::assets::stylesheet, Public;
    get "/static/search.js" => pages::assets::search_script, Public;
    get "/static/chat.js" => pages::assets::chat_script, Public;
    get "/static/card.js" => pages::assets::card_script, Public;
    get "/static/share.js" => pages::assets::share_script, Public;
    get "/static/pick.js" => pages::assets::pick_script, Public;
    get "/search" => pages::search::search_page, Public;
    get "/about" => pages::info::show_about, Public;
    get "/terms" => pages::info::show_terms, Public;
    get "/privacy" => pages::info::show_privacy, Public;
    get "/media/{*path}" => pages::media::show_media, Public;
    post "/lang" => pages::lang::switch_language, Public;
    get "/signup" => pages::auth::show_signup, Public;
    post "/signup" => pages::auth::create_account, Public;
    get "/signup/confirm" => pages::auth::show_confirm, Public;
    post "/signup/confirm" => pages::auth::confirm, Public;
    get "/signin" => pages::auth::show_signin, Public;
    post "/signin" => pages::auth::create_session, Public;
    get "/password/forgot" => pages::password::show_forgot, Public;
    post "/password/forgot" => pages::password::request_reset, Public;
    get "/password/reset" => pages::password::show_reset, Public;
    post "/password/reset" => pages::password::reset_password, Public;

    // Directory and catalogue.
    get "/orgs" => pages::directory::list_cooperatives, Public;
    get "/orgs/map" => pages::directory::map_cooperatives, Public;
    get "/plan" => pages::plan::show_register, Public;
    get "/orgs/{slug}" => pages::directory::show_org, Public;
    get "/listings" => pages::listings::list_listings, Public;
    get "/listings/{id}" => pages::listings::show_listing, Public;
    get "/categories/{id}" => pages::listings::show_category, Public;
    get "/events" => pages::events::list_events, Public;
    get "/events/{id}" => pages::events::show_event, Public;
    get "/events/{id}/event.ics" => pages::events::event_ics, Public;
    get "/static/scan.js" => pages::assets::scan_script, Public;
    // Product feeds for shopping platforms (Google Merchant Center XML and TSV, Meta CSV):
    // every cooperative's goods, or one cooperative's. `{file}` is `google.xml`,
    // `google.tsv` or `meta.csv`; anything else, like an unknown cooperative, is a 404.
    get "/feeds/{file}" => pages::feeds::show_feed, Public;
    get "/orgs/{slug}/feeds/{file}" => pages::feeds::show_org_feed, Public;
    // Traceability: a stamp's or a lot's GS1 Digital Link on our own domain (or the
    // equivalent path of our own trace code), answered as a page or as a resolver.
    get "/01/{gtin}" => pages::trace::resolve, Public;
    get "/01/{gtin}/10/{lot}" => pages::trace::resolve, Public;
    get "/01/{gtin}/10/{lot}/21/{serial}" => pages::trace::resolve, Public;
    get "/t/{code}" => pages::trace::resolve, Public;
    get "/t/{code}/10/{lot}" => pages::trace::resolve, Public;
    get "/t/{code}/10/{lot}/21/{serial}" => pages::trace::resolve, Public;

    // Signed-in users.
    post "/signout" => pages::auth::delete_session, SignedIn;
    get "/account" => pages::account::show_account, SignedIn;
    get "/my" => pages::my::show_my, SignedIn;
    post "/account/notifications" => pages::account::update_notifications, SignedIn;
    get "/orgs/new" => pages::orgs::new_org, SignedIn;

    // Events: registration and her tickets (each ticket handler checks it is hers).
    post "/events/{id}/registrations" => pages::events::register, SignedIn;
    get "/my/tickets" => pages::events::list_tickets, SignedIn;
    get "/my/tickets/{id}" => pages::events::show_ticket, SignedIn;
    get "/my/tickets/{id}/qr.png" => pages::events::ticket_qr, SignedIn;
    post "/my/tickets/{id}/cancel" => pages::events::cancel_ticket, SignedIn;
    // B2B sessions: each handler checks she holds a confirmed place (and the meeting is hers).
    get "/events/{id}/b2b" => pages::b2b::show_b2b, SignedIn;
    post "/events/{id}/b2b/profile" => pages::b2b::save_profile, SignedIn;
    post "/events/{id}/b2b/requests" => pages::b2b::request_meeting, SignedIn;
    get "/events/{id}/b2b/agenda.ics" => pages::b2b::agenda_ics, SignedIn;
    post "/b2b/meetings/{id}/answer" => pages::b2b::answer_meeting, SignedIn;
    post "/b2b/meetings/{id}/outcome" => pages::b2b::record_outcome, SignedIn;

    // Conversations: each handler checks that the user takes part in the conversation.
    post "/listings/{id}/inquiry" => pages::messages::create_inquiry, SignedIn;
    get "/conversations" => pages::messages::show_inbox, SignedIn;
    get "/conversations/live" => pages::messages::live_inbox, SignedIn;
    get "/conversations/search" => pages::messages::search_messages, SignedIn;
    get "/conversations/{id}" => pages::messages::show_conversation, SignedIn;
    post "/conversations/{id}/messages" => pages::messages::post_message, SignedIn;
    post "/conversations/{id}/read" => pages::messages::mark_read, SignedIn;
    post "/conversations/{id}/confirm" => pages::messages::confirm, SignedIn;
    post "/conversations/{id}/attachments" => pages::messages::post_attachment, SignedIn, UPLOAD_LIMIT;
    get "/conversations/{id}/attachments/{seq}" => pages::messages::show_attachment, SignedIn;
    get "/conversations/{id}/messages/{seq}/edit" => pages::messages::edit_form, SignedIn;
    post "/conversations/{id}/messages/{seq}/edit" => pages::messages::edit_message, SignedIn;
    post "/conversations/{id}/messages/{seq}/delete" => pages::messages::delete_message, SignedIn;
    post "/conversations/{id}/messages/{seq}/report" => pages::messages::report_message, SignedIn;
    get "/conversations/{id}/live" => pages::messages::live, SignedIn;
    get "/network" => pages::network::show_network, SignedIn;
    post "/network/join" => pages::network::join, SignedIn;
    post "/network/members/{id}/message" => pages::network::message_member, NetworkMember;
    post "/network/members/{id}/mentoring" => pages::network::ask_mentoring, NetworkMember;
    post "/network/mentoring/{id}/answer" => pages::network::answer_mentoring, SignedIn;
    get "/network/groups" => pages::network::show_groups, NetworkMember;
    post "/network/groups" => pages::network::create_group, Officer;
    post "/network/groups/{id}/join" => pages::network::join_group, NetworkMember;
    post "/network/groups/{id}/leave" => pages::network::leave_group, SignedIn;
    post "/network/groups/{id}/admins" => pages::network::add_group_admin, SignedIn;
    post "/users/{id}/block" => pages::network::block, SignedIn;
    post "/users/{id}/unblock" => pages::network::unblock, SignedIn;
    post "/orgs" => pages::orgs::create_org, SignedIn;

    // Support cases: her requests and one case's page; each case handler decides who she is
    // to the case (`ketnoi_app::cases::who_for`) and answers 404 to anyone else.
    get "/support" => pages::cases::show_mine, SignedIn;
    post "/support" => pages::cases::ask, SignedIn;
    get "/cases/{id}" => pages::cases::show_case, SignedIn;
    post "/cases/{id}/steps" => pages::cases::step_case, SignedIn;
    post "/cases/{id}/conversation" => pages::cases::open_conversation, SignedIn;
    // The partner desk: staff of a bank, a fund… see the cases referred to them.
    get "/partner" => pages::cases::show_desk, PartnerStaff;

    // Cart, checkout and orders: each order handler checks that the user is its buyer, a
    // manager of its cooperative, or an officer with the cooperative's proxy.
    get "/cart" => pages::cart::show_cart, SignedIn;
    post "/cart" => pages::cart::add_to_cart, SignedIn;
    post "/cart/lines" => pages::cart::update_line, SignedIn;
    post "/checkout" => pages::cart::checkout, SignedIn;
    get "/orders" => pages::orders::list_orders, SignedIn;
    get "/favourites" => pages::favourites::list_favourites, SignedIn;
    post "/listings/{id}/favourite" => pages::favourites::save_listing, SignedIn;
    get "/orders/{id}" => pages::orders::show_order, SignedIn;
    get "/orders/{id}/vietqr.png" => pages::orders::download_vietqr, SignedIn;
    post "/orders/{id}/steps" => pages::orders::step_order, SignedIn;
    post "/orders/{id}/inquiry" => pages::orders::ask_about_order, SignedIn;
    post "/orders/{id}/card" => pages::payments::start_card, SignedIn;
    get "/orders/{id}/card" => pages::payments::show_card, SignedIn;

    // Wholesale sourcing: requests for quotation and quotes. Every handler asks
    // `ketnoi_app::sourcing::side_of` who she is to the request and answers 404 to anyone else.
    get "/rfqs" => pages::sourcing::list_rfqs, SignedIn;
    get "/rfqs/new" => pages::sourcing::new_rfq, SignedIn;
    post "/rfqs" => pages::sourcing::create_rfq, SignedIn;
    get "/rfqs/{id}" => pages::sourcing::show_rfq, SignedIn;
    post "/rfqs/{id}/quotes" => pages::sourcing::submit_quote, SignedIn;
    post "/rfqs/{id}/close" => pages::sourcing::close_rfq, SignedIn;
    post "/quotes/{id}/accept" => pages::sourcing::accept_quote, SignedIn;
    post "/quotes/{id}/conversation" => pages::sourcing::quote_conversation, SignedIn;

    // Signed by their senders (Stripe; a bank; Zalo; eSMS through its signed request id),
    // not by a session: no CSRF token.
    post "/webhooks/stripe" => webhooks::stripe_webhook, Public, WEBHOOK_LIMIT;
    post "/webhooks/bank" => webhooks::bank_webhook, Public, WEBHOOK_LIMIT;
    post "/webhooks/zns" => webhooks::zns_webhook, Public, WEBHOOK_LIMIT;
    get "/webhooks/sms" => webhooks::sms_webhook, Public;

    // Organisation managers and owners.
    get "/orgs/{slug}/members" => pages::orgs::list_members, OrgManager;
    post "/orgs/{slug}/members" => pages::orgs::add_member, OrgManager;
    post "/orgs/{slug}/members/{user_id}/remove" => pages::orgs::remove_member, OrgOwner;

    // Cooperative managers, and officers the cooperative granted proxy rights.
    get "/orgs/{slug}/manage" => pages::manage::show_dashboard, OrgManager;
    get "/orgs/{slug}/profile" => pages::manage::edit_profile, OrgManager;
    post "/orgs/{slug}/profile" => pages::manage::update_profile, OrgManager;
    post "/orgs/{slug}/logo" => pages::manage::upload_logo, OrgManager, UPLOAD_LIMIT;
    get "/orgs/{slug}/listings/new" => pages::manage::new_listing, OrgManager;
    post "/orgs/{slug}/listings" => pages::manage::create_listing, OrgManager;
    get "/orgs/{slug}/listings/{id}" => pages::manage::edit_listing, OrgManager;
    post "/orgs/{slug}/listings/{id}" => pages::manage::update_listing, OrgManager;
    post "/orgs/{slug}/listings/{id}/photos" => pages::manage::add_photos, OrgManager, UPLOAD_LIMIT;
    post "/orgs/{slug}/listings/{id}/status" => pages::manage::update_listing_status, OrgManager;
    post "/orgs/{slug}/listings/{id}/capacity" => pages::manage::update_capacity, OrgManager;
    post "/orgs/{slug}/listings/{id}/photos/order" => pages::manage::order_photos, OrgManager;
    post "/orgs/{slug}/badges" => pages::manage::submit_badge, OrgManager, UPLOAD_LIMIT;
    get "/orgs/{slug}/orders" => pages::orders::list_org_orders, OrgManager;
    get "/orgs/{slug}/bank" => pages::orders::edit_bank, OrgManager;
    post "/orgs/{slug}/bank" => pages::orders::update_bank, OrgManager;
    get "/orgs/{slug}/reports" => pages::manage::list_reports, OrgManager;
    get "/orgs/{slug}/reports/{period}" => pages::manage::show_report, OrgManager;
    post "/orgs/{slug}/reports/{period}" => pages::manage::file_report, OrgManager;
    post "/orgs/{slug}/reports/{period}/correction" => pages::manage::correct_report, OrgManager;
    get "/orgs/{slug}/trace" => pages::manage::show_trace, OrgManager;
    post "/orgs/{slug}/trace/products" => pages::manage::enable_product, OrgManager;
    get "/orgs/{slug}/trace/{file}" => pages::manage::export_trace, OrgManager;
    get "/orgs/{slug}/lots/new" => pages::manage::new_lot, OrgManager;
    post "/orgs/{slug}/lots" => pages::manage::create_lot, OrgManager;
    get "/orgs/{slug}/lots/{id}" => pages::manage::show_lot, OrgManager;
    post "/orgs/{slug}/lots/{id}/steps" => pages::manage::record_step, OrgManager;
    post "/orgs/{slug}/lots/{id}/stamps" => pages::manage::make_stamps, OrgManager;
    get "/orgs/{slug}/lots/{id}/stamps.pdf" => pages::manage::print_stamps, OrgManager;
    post "/orgs/{slug}/lots/{id}/recall" => pages::manage::recall_lot, OrgManager;
    get "/orgs/{slug}/lots/{id}/epcis.jsonld" => pages::manage::lot_epcis, OrgManager;
    post "/orgs/{slug}/proxies" => pages::manage::grant_proxy, OrgOwner;
    post "/orgs/{slug}/proxies/{user_id}/revoke" => pages::manage::revoke_proxy, OrgOwner;

    // Union officers and administrators.
    get "/union" => pages::union::show_dashboard, Officer;
    get "/union/badges" => pages::union::list_badge_claims, Officer;
    get "/union/announcements" => pages::union::announcements::list_announcements, Officer;
    post "/union/announcements" => pages::union::announcements::create_announcement, Officer;
    get "/union/announcements/{id}" => pages::union::announcements::show_announcement, Officer;
    get "/union/network" => pages::union::network::show_requests, Officer;
    get "/union/reports" => pages::union::network::show_reports, Officer;
    post "/union/network/{id}/decision" => pages::union::network::decide, Officer;
    post "/union/badges/{id}/decision" => pages::union::decide_badge, Officer;
    post "/union/listings/{id}/hide" => pages::union::hide_listing, Officer;
    get "/union/evidence/{key}" => pages::union::show_evidence, Officer;
    get "/union/audit/{slug}" => pages::union::show_audit, OrgOfficer;
    get "/union/support/{slug}" => pages::union::support::show_support, OrgOfficer;
    post "/union/support/{slug}" => pages::union::support::create_support, OrgOfficer;
    get "/union/plan" => pages::union::plan::show_progress, Officer;
    get "/union/plan/export" => pages::union::plan::export_progress, Officer;
    get "/union/plan/unit-report" => pages::union::unit_report::show_unit_report, Officer;
    post "/union/plan/unit-report" => pages::union::unit_report::file_unit_report, Officer;
    get "/union/plan/{slug}/{period}" => pages::union::plan::show_coop_report, OrgOfficer;
    post "/union/plan/{slug}/{period}/decision" => pages::union::plan::decide_report, OrgOfficer;
    // Events the officer runs: each handler checks the event is in her scope.
    get "/union/events/new" => pages::union::events::new_event, Officer;
    post "/union/events" => pages::union::events::create_event, Officer;
    get "/union/events/{id}" => pages::union::events::show_event, Officer;
    post "/union/events/{id}" => pages::union::events::update_event, Officer;
    get "/union/events/{id}/edit" => pages::union::events::edit_event, Officer;
    post "/union/events/{id}/booths" => pages::union::events::allocate_booth, Officer;
    get "/union/events/{id}/checkin" => pages::union::events::show_checkin, Officer;
    post "/union/events/{id}/checkin" => pages::union::events::check_in, Officer;
    get "/union/events/{id}/b2b" => pages::union::b2b::show_b2b, Officer;
    post "/union/events/{id}/b2b/session" => pages::union::b2b::save_session, Officer;
    post "/union/events/{id}/b2b/schedule" => pages::union::b2b::run_schedule, Officer;
    post "/union/events/{id}/b2b/publish" => pages::union::b2b::publish, Officer;
    get "/union/events/{id}/b2b/report.xlsx" => pages::union::b2b::export_report, Officer;
    get "/union/training" => pages::union::training::show_training, Officer;
    post "/union/training" => pages::union::training::create_training, Officer;
    // Trade buyers' tax codes (issue 21): each handler checks the buyer is in her scope.
    get "/union/trade-buyers" => pages::union::trade_buyers::list_trade_buyers, Officer;
    post "/union/trade-buyers/{slug}/verify" => pages::union::trade_buyers::verify_trade_buyer, Officer;
    post "/union/trade-buyers/{slug}/unverify" => pages::union::trade_buyers::unverify_trade_buyer, Officer;
    get "/union/payouts" => pages::union::payouts::show_payouts, Officer;
    post "/union/payouts/{id}/paid" => pages::union::payouts::mark_payout_paid, Officer;
    // Support cases: figures for the plan.
    get "/union/cases/figures" => pages::union::case_figures::show_figures, Officer;
    get "/union/cases/figures.xlsx" => pages::union::case_figures::export_figures, Officer;
    // Support cases in her scope: the queue, and cases opened for those who asked in person.
    get "/union/cases" => pages::cases::show_queue, Officer;
    post "/union/cases" => pages::cases::open_for, Officer;
    get "/admin/users" => pages::admin::list_users, Admin;
    get "/admin/partners" => pages::cases::list_partners, Admin;
    post "/admin/partners" => pages::cases::create_partner, Admin;
    post "/admin/partners/{id}/staff" => pages::cases::add_staff, Admin;
    post "/admin/partners/{id}/staff/{user_id}/remove" => pages::cases::remove_staff, Admin;
    get "/admin/plan" => pages::plan::edit_register, Admin;
    post "/admin/plan/{slug}" => pages::plan::correct_indicator, Admin;
    post "/admin/users/{user_id}/role" => pages::admin::update_role, Admin;

    // Imports and exports (Union officers).
    get "/union/imports" => pages::union::imports::new_import, Officer;
    post "/union/imports" => pages::union::imports::create_import, Officer, UPLOAD_LIMIT;
    get "/union/imports/{id}" => pages::union::imports::show_import, Officer;
    get "/union/exports/{file}" => pages::union::imports::download_export, Officer;
    // -- end of imports and exports --

    // JSON API.
    get "/api/v1/openapi.json" => api::openapi::openapi_json, Public;
    get "/api/v1/communes" => api::reference::list_communes, Public;
    get "/api/v1/provinces" => api::reference::list_provinces, Public;
    get "/api/v1/plan/indicators" => api::plan::list_indicators, Public;
    get "/api/v1/plan/progress" => api::reports::show_progress, Officer;
    get "/api/v1/orgs/{slug}/reports" => api::reports::list_reports, OrgManager;
    get "/api/v1/orgs/{slug}/reports/{period}" => api::reports::show_report, OrgManager;
    put "/api/v1/orgs/{slug}/reports/{period}" => api::reports::file_report, OrgManager;
    get "/api/v1/cooperatives" => api::orgs::list_cooperatives, Public;
    get "/api/v1/cooperatives/{id}" => api::orgs::show_cooperative, Public;
    get "/api/v1/listings" => api::listings::list_listings, Public;
    get "/api/v1/listings/{id}" => api::listings::show_listing, Public;
    get "/api/v1/search" => api::search::search, Public;
    get "/api/v1/lots/{id}" => api::lots::show_lot, Public;
    get "/api/v1/lots/{id}/epcis" => api::lots::show_lot_epcis, Public;
    get "/api/v1/orgs/{slug}/members" => api::orgs::list_members, OrgMember;
    post "/api/v1/orgs/{slug}/listings" => api::listings::create_listing, OrgManager;
    put "/api/v1/orgs/{slug}/listings/{id}" => api::listings::update_listing, OrgManager;
    post "/api/v1/orgs/{slug}/listings/{id}/status" => api::listings::update_listing_status, OrgManager;
    post "/api/v1/accounts" => api::accounts::create_account, Public;
    post "/api/v1/accounts/confirm" => api::accounts::confirm_account, Public;
    post "/api/v1/session" => api::accounts::create_session, Public;
    delete "/api/v1/session" => api::accounts::delete_session, SignedIn;
    get "/api/v1/me" => api::accounts::show_me, SignedIn;
    get "/api/v1/orders" => api::orders::list_orders, SignedIn;
    get "/api/v1/orders/{id}" => api::orders::show_order, SignedIn;
}

/// The whole application: the route map under the middleware stack.
pub fn router(state: AppState) -> Router {
    let app = routes(&state).fallback(pages::error::not_found);
    middleware::stack(app, state.clone()).with_state(state)
}
