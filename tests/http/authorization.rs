//! The authorisation matrix over HTTP: every route of the route map, as every kind of
//! visitor, against the expected outcome of its access level.

use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, Page, TestApp, on_both_backends};
use ketnoi_web::policy::Access;
use ketnoi_web::routes::ROUTES;

on_both_backends!(every_route_answers_every_role_as_the_policy_says);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    SignIn,
    Denied,
}

const PERSONAS: [&str; 10] = [
    "anonymous",
    "user",
    "member",
    "manager",
    "owner",
    "officer-proxy",
    "officer-here",
    "officer-city",
    "admin",
    "partner",
];

/// Rows: access levels; columns: the personas above. The org is a cooperative in 00577 that
/// granted proxy rights to `officer-proxy` (whose own scope is another ward).
fn expected(access: Access) -> [Outcome; 10] {
    use Outcome::*;
    match access {
        Access::Public => [Allowed; 10],
        Access::SignedIn => [
            SignIn, Allowed, Allowed, Allowed, Allowed, Allowed, Allowed, Allowed, Allowed, Allowed,
        ],
        Access::OrgMember => [
            SignIn, Denied, Allowed, Allowed, Allowed, Denied, Denied, Denied, Allowed, Denied,
        ],
        Access::OrgManager => [
            SignIn, Denied, Denied, Allowed, Allowed, Allowed, Denied, Denied, Allowed, Denied,
        ],
        Access::OrgOwner => [
            SignIn, Denied, Denied, Denied, Allowed, Denied, Denied, Denied, Allowed, Denied,
        ],
        Access::Officer => [
            SignIn, Denied, Denied, Denied, Denied, Allowed, Allowed, Allowed, Allowed, Denied,
        ],
        Access::OrgOfficer => [
            SignIn, Denied, Denied, Denied, Denied, Denied, Allowed, Allowed, Allowed, Denied,
        ],
        // The fixture's users are not network members: officers and the admin are let in.
        Access::NetworkMember => [
            SignIn, Denied, Denied, Denied, Denied, Allowed, Allowed, Allowed, Allowed, Denied,
        ],
        // Only staff of a partner (and administrators) reach the partner desk.
        Access::PartnerStaff => [
            SignIn, Denied, Denied, Denied, Denied, Denied, Denied, Denied, Allowed, Allowed,
        ],
        Access::Admin => [
            SignIn, Denied, Denied, Denied, Denied, Denied, Denied, Denied, Allowed, Denied,
        ],
    }
}

fn classify(path: &str, page: &Page) -> Outcome {
    let to_signin = page.status == 303
        && page
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/signin?next="));
    match page.status {
        401 => Outcome::SignIn,
        303 if to_signin && !path.starts_with("/api/") => Outcome::SignIn,
        403 => Outcome::Denied,
        s if s >= 500 => panic!("{path} answered {s}: {}", page.body),
        _ => Outcome::Allowed,
    }
}

async fn send(c: &Client, method: &str, path: &str) -> Page {
    match method {
        "get" => c.get(path).await,
        "post" if path.starts_with("/api/") => {
            c.request("POST", path, Some("application/json"), b"{}".to_vec())
                .await
        }
        "post" => {
            let token = c.known_csrf();
            c.request(
                "POST",
                path,
                Some("application/x-www-form-urlencoded"),
                format!("csrf={token}").into_bytes(),
            )
            .await
        }
        other => c.request(&other.to_uppercase(), path, None, vec![]).await,
    }
}

async fn every_route_answers_every_role_as_the_policy_says(app: TestApp) {
    let org = app.cooperative("htx-thu", "00577").await;
    let mut users = Vec::new();
    for (i, persona) in PERSONAS.iter().enumerate().skip(1) {
        let (role, commune) = match *persona {
            "officer-proxy" => (PlatformRole::UnionOfficer, Some("00004")),
            "officer-here" => (PlatformRole::UnionOfficer, Some("00577")),
            "officer-city" => (PlatformRole::UnionOfficer, None),
            "admin" => (PlatformRole::Admin, None),
            _ => (PlatformRole::User, None),
        };
        let u = app.user(&format!("p{i}@example.com"), role, commune).await;
        match *persona {
            "member" => app.member(&org, &u, MemberRole::Member).await,
            "manager" => app.member(&org, &u, MemberRole::Manager).await,
            "owner" => app.member(&org, &u, MemberRole::Owner).await,
            "officer-proxy" => ketnoi_db::orgs::grant_proxy(app.db.conn(), org.id, u.id, u.id)
                .await
                .unwrap(),
            "partner" => {
                let partner = ketnoi_db::cases::create_partner(
                    app.db.conn(),
                    &ketnoi_db::cases::NewPartner {
                        slug: "ngan-hang".into(),
                        name: "Ngân hàng".into(),
                        kind: ketnoi_domain::cases::PartnerKind::Bank,
                        phone: None,
                        email: None,
                    },
                )
                .await
                .unwrap();
                ketnoi_db::cases::add_staff(app.db.conn(), partner, u.id)
                    .await
                    .unwrap();
            }
            _ => {}
        }
        users.push(u);
    }
    // A member the remove route can point at, who is not one of the personas.
    let target = app
        .user("target@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &target, MemberRole::Member).await;

    let mut checked = 0;
    let mut failures = Vec::new();
    for route in ROUTES {
        let path = route
            .path
            .replace("{slug}", &org.slug)
            .replace("{user_id}", &target.id.to_string())
            .replace("{id}", "1")
            .replace("{period}", "2026-h1")
            .replace("{gtin}", "08930000000019")
            .replace("{code}", "KN0000001000011")
            .replace("{lot}", "L1")
            .replace("{serial}", "000001")
            .replace("{file}", "lots.csv")
            .replace("{*path}", "img/none.jpg");
        for (i, persona) in PERSONAS.iter().enumerate() {
            // A fresh session per request: some routes (sign-out) end the session they use.
            let client = if i == 0 {
                app.client()
            } else {
                app.client_as(&users[i - 1]).await
            };
            let got = classify(&path, &send(&client, route.method, &path).await);
            let want = expected(route.access)[i];
            if got != want {
                failures.push(format!(
                    "{} {} as {persona}: got {got:?}, want {want:?}",
                    route.method, route.path
                ));
            }
            checked += 1;
            // Keep the target a member for the next persona.
            app.member(&org, &target, MemberRole::Member).await;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, ROUTES.len() * PERSONAS.len());
}
