//! Saving a form unchanged changes nothing: every demo cooperative's profile, whatever it
//! holds (five women in management, no coordinates, a story in one language), its managers
//! and its verified badges included. Badge claims have no edit form (a claim is made once
//! and decided by an officer), so there is nothing to save unchanged there. Listings and
//! their offers are checked the same way in `listing_rules`.

use ketnoi_domain::role::{MemberRole, PlatformRole, Scope};
use ketnoi_tests::{TestApp, on_both_backends};

on_both_backends!(saving_every_demo_cooperatives_profile_unchanged_changes_nothing);

async fn saving_every_demo_cooperatives_profile_unchanged_changes_nothing(app: TestApp) {
    ketnoi_db::demo::import(&app.db).await.unwrap();
    let owner = app
        .user("chu.demo@example.com", PlatformRole::User, None)
        .await;
    let coops = ketnoi_db::orgs::cooperatives_in(app.db.conn(), &Scope::City, 1000)
        .await
        .unwrap();
    assert!(coops.len() >= 60, "{}", coops.len());
    let mut most_managers = 0;
    let c = app.client_as(&owner).await;
    for org in &coops {
        app.member(org, &owner, MemberRole::Owner).await;
        let state = || async {
            (
                ketnoi_db::orgs::find(app.db.conn(), org.id)
                    .await
                    .unwrap()
                    .unwrap(),
                ketnoi_db::orgs::managers(app.db.conn(), org.id)
                    .await
                    .unwrap(),
                // Its badges (women-managed, OCOP): the profile form has no field for
                // them, and they must come through its saving untouched.
                ketnoi_db::badges::of_org(app.db.conn(), org.id)
                    .await
                    .unwrap(),
            )
        };
        let before = state().await;
        most_managers = most_managers.max(before.1.len());
        let page = format!("/orgs/{}/profile", org.slug);
        let form = c.get(&page).await;
        assert_eq!(form.status, 200, "{page}");
        // What the browser sends back: every input of the form as the page filled it.
        let fields = ketnoi_tests::form_fields(&form.body, &page);
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| k != "csrf")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let saved = c.submit(&page, &page, &fields).await;
        assert_eq!(saved.status, 303, "{page}: {}", saved.body);
        assert_eq!(state().await, before, "{page}");
    }
    assert!(
        most_managers >= 5,
        "the demo has a board of {most_managers} at most"
    );
}
