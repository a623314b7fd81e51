//! The women leaders' network over HTTP: joining through an officer of the right scope,
//! the directory and its opt-in contact details, direct conversations and blocks, groups
//! and their size limit.

use ketnoi_db::network::{self, Joined};
use ketnoi_db::orgs::Org;
use ketnoi_db::users::User;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, csrf_in, on_both_backends};

on_both_backends!(
    a_leader_joins_once_an_officer_of_her_commune_approves,
    the_directory_shows_only_the_contact_details_a_member_chose,
    members_talk_directly_until_one_blocks_the_other,
    groups_are_joined_left_and_read_by_their_members_only,
    a_group_never_grows_past_its_limit,
    a_mentoring_request_opens_a_conversation_once_accepted,
);

/// A cooperative in `commune` with `login` as its manager.
async fn leader(app: &TestApp, slug: &str, commune: &str, login: &str) -> (Org, User) {
    let org = app.cooperative(slug, commune).await;
    let user = app.user(login, PlatformRole::User, None).await;
    app.member(&org, &user, MemberRole::Manager).await;
    (org, user)
}

/// Sends the join form of `/network`.
async fn ask_to_join(client: &Client, org: &Org, extra: &[(&str, &str)]) -> ketnoi_tests::Page {
    let page = client.get("/network").await;
    assert_eq!(page.status, 200);
    let csrf = csrf_in(&page.body);
    let org_id = org.id.to_string();
    let mut form = vec![("csrf", csrf.as_str()), ("org_id", org_id.as_str())];
    form.extend_from_slice(extra);
    client.post_form("/network/join", &form).await
}

/// A leader who has joined and been approved (through the store).
async fn approved(app: &TestApp, slug: &str, login: &str, show_phone: bool) -> (Org, User) {
    let (org, user) = leader(app, slug, "00577", login).await;
    let profile = network::Profile {
        intro: Some("Chủ nhiệm HTX"),
        show_phone,
        show_email: false,
    };
    network::request_join(app.db.conn(), user.id, org.id, profile)
        .await
        .unwrap();
    assert!(
        network::decide(
            app.db.conn(),
            user.id,
            user.id,
            &ketnoi_domain::role::Scope::City,
            true
        )
        .await
        .unwrap()
    );
    (org, user)
}

async fn a_leader_joins_once_an_officer_of_her_commune_approves(app: TestApp) {
    let (org, lan) = leader(&app, "htx-lua-van-phuc", "00577", "lan@example.com").await;
    let lan_c = app.client_as(&lan).await;
    let page = lan_c.get("/network").await;
    assert!(
        page.body.contains("data-testid=\"join-form\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("network-directory"), "not inside yet");

    let res = ask_to_join(&lan_c, &org, &[("intro", "Dệt lụa từ năm 1998")]).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = lan_c.get("/network").await;
    assert!(page.body.contains("data-testid=\"join-pending\""));
    assert_eq!(lan_c.get("/network/groups").await.status, 403);

    // Someone who leads no cooperative cannot ask for one.
    let buyer = app.user("mua@example.com", PlatformRole::User, None).await;
    let buyer_c = app.client_as(&buyer).await;
    assert!(!buyer_c.get("/network").await.body.contains("join-form"));
    assert_eq!(ask_to_join(&buyer_c, &org, &[]).await.status, 422);

    // An officer of another ward neither sees nor decides the request.
    let elsewhere = app
        .user(
            "canbo.khac@example.com",
            PlatformRole::UnionOfficer,
            Some("00004"),
        )
        .await;
    let elsewhere_c = app.client_as(&elsewhere).await;
    let list = elsewhere_c.get("/union/network").await;
    assert_eq!(list.status, 200);
    assert!(!list.body.contains(&format!("data-user=\"{}\"", lan.id)));
    let res = elsewhere_c
        .post_form(
            &format!("/union/network/{}/decision", lan.id),
            &[("csrf", &csrf_in(&list.body)), ("decision", "approve")],
        )
        .await;
    assert_eq!(res.status, 404);
    // Nor does a plain member.
    assert_eq!(buyer_c.get("/union/network").await.status, 403);

    // The officer of her ward approves.
    let officer = app
        .user(
            "canbo@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let officer_c = app.client_as(&officer).await;
    let list = officer_c.get("/union/network").await;
    assert!(
        list.body.contains(&format!("data-user=\"{}\"", lan.id)),
        "{}",
        list.body
    );
    assert!(list.body.contains("Dệt lụa từ năm 1998"));
    let res = officer_c
        .post_form(
            &format!("/union/network/{}/decision", lan.id),
            &[("csrf", &csrf_in(&list.body)), ("decision", "maybe")],
        )
        .await;
    assert_eq!(res.status, 422, "an unknown decision is refused");
    let res = officer_c
        .post_form(
            &format!("/union/network/{}/decision", lan.id),
            &[("csrf", &csrf_in(&list.body)), ("decision", "approve")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        !officer_c
            .get("/union/network")
            .await
            .body
            .contains("data-testid=\"join-request\"")
    );

    let page = lan_c.get("/network").await;
    assert!(page.body.contains("data-testid=\"network-directory\""));
    assert!(page.body.contains(&format!("data-user=\"{}\"", lan.id)));
    assert_eq!(lan_c.get("/network/groups").await.status, 200);
    // Updating her profile keeps her approved.
    assert_eq!(
        ask_to_join(&lan_c, &org, &[("intro", "Mới")]).await.status,
        303
    );
    assert!(network::is_member(app.db.conn(), lan.id).await.unwrap());

    // An introduction too long is refused, with the text kept.
    let long = "a".repeat(501);
    let res = ask_to_join(&lan_c, &org, &[("intro", long.as_str())]).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains(&long));
}

async fn the_directory_shows_only_the_contact_details_a_member_chose(app: TestApp) {
    let (_, hoa) = approved(&app, "htx-gom-bat-trang", "0912345678", true).await;
    let (_, mai) = approved(&app, "htx-che-thai", "0987654321", false).await;
    let mai_c = app.client_as(&mai).await;
    let page = mai_c.get("/network").await;
    assert!(page.body.contains(&format!("data-user=\"{}\"", hoa.id)));
    let hoa_phone = hoa.phone.clone().expect("phone");
    let mai_phone = mai.phone.clone().expect("phone");
    assert!(page.body.contains(&hoa_phone), "Hoa shows her phone");
    assert!(!page.body.contains(&mai_phone), "Mai does not");
    assert!(!page.body.contains("data-testid=\"member-email\""));
    // Outside the network, nobody sees anyone.
    let visitor = app
        .user("khach@example.com", PlatformRole::User, None)
        .await;
    let page = app.client_as(&visitor).await.get("/network").await;
    assert!(!page.body.contains(&hoa_phone));
    assert!(!page.body.contains("network-directory"));
}

/// Posts `text` to the conversation's page form (no JavaScript).
async fn post(client: &Client, id: i64, text: &str) -> ketnoi_tests::Page {
    let page = client.get(&format!("/conversations/{id}")).await;
    client
        .post_form(
            &format!("/conversations/{id}/messages"),
            &[("csrf", &csrf_in(&page.body)), ("body", text)],
        )
        .await
}

/// Clicks "message" on the directory; returns the conversation id.
async fn message_member(client: &Client, other: &User) -> i64 {
    let page = client.get("/network").await;
    let res = client
        .post_form(
            &format!("/network/members/{}/message", other.id),
            &[("csrf", &csrf_in(&page.body))],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    res.location
        .expect("redirect")
        .trim_start_matches("/conversations/")
        .parse()
        .expect("id")
}

async fn members_talk_directly_until_one_blocks_the_other(app: TestApp) {
    let (_, hoa) = approved(&app, "htx-gom-bat-trang", "hoa@example.com", false).await;
    let (_, mai) = approved(&app, "htx-che-thai", "mai@example.com", false).await;
    let (hoa_c, mai_c) = (app.client_as(&hoa).await, app.client_as(&mai).await);
    let id = message_member(&hoa_c, &mai).await;
    assert_eq!(
        message_member(&hoa_c, &mai).await,
        id,
        "one conversation per pair"
    );
    assert_eq!(message_member(&mai_c, &hoa).await, id, "from either side");
    assert_eq!(post(&hoa_c, id, "Chào chị Mai!").await.status, 303);
    let inbox = mai_c.get("/conversations").await;
    assert!(
        inbox.body.contains("data-testid=\"unread\">1<"),
        "{}",
        inbox.body
    );

    // Outsiders can neither open a direct conversation nor read this one.
    let (_, outsider) = leader(&app, "htx-khac", "00577", "ngoai@example.com").await;
    let outsider_c = app.client_as(&outsider).await;
    let page = outsider_c.get("/network").await;
    let res = outsider_c
        .post_form(
            &format!("/network/members/{}/message", hoa.id),
            &[("csrf", &csrf_in(&page.body))],
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(
        outsider_c.get(&format!("/conversations/{id}")).await.status,
        404
    );

    // Mai blocks Hoa: Hoa's next message is refused, with her text kept.
    let page = mai_c.get(&format!("/conversations/{id}")).await;
    assert!(page.body.contains("data-testid=\"block\""));
    let res = mai_c
        .post_form(
            &format!("/users/{}/block", hoa.id),
            &[("csrf", &csrf_in(&page.body)), ("back", &id.to_string())],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(
        mai_c
            .get(&format!("/conversations/{id}"))
            .await
            .body
            .contains("data-testid=\"you-blocked\"")
    );
    let res = post(&hoa_c, id, "Chị ơi?").await;
    assert_eq!(res.status, 403, "{}", res.body);
    assert!(res.body.contains("Chị ơi?"), "the text is kept");
    let stored = ketnoi_db::messaging::latest(app.db.conn(), id, 10)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "nothing stored");
    // Mai can still write to Hoa; once she unblocks, Hoa can answer.
    assert_eq!(post(&mai_c, id, "Em bận chút ạ").await.status, 303);
    let page = mai_c.get(&format!("/conversations/{id}")).await;
    let res = mai_c
        .post_form(
            &format!("/users/{}/unblock", hoa.id),
            &[("csrf", &csrf_in(&page.body)), ("back", &id.to_string())],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(post(&hoa_c, id, "Dạ vâng").await.status, 303);
}

async fn groups_are_joined_left_and_read_by_their_members_only(app: TestApp) {
    let (_, hoa) = approved(&app, "htx-gom-bat-trang", "hoa@example.com", false).await;
    let (_, mai) = approved(&app, "htx-che-thai", "mai@example.com", false).await;
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    let officer_c = app.client_as(&officer).await;
    let (hoa_c, mai_c) = (app.client_as(&hoa).await, app.client_as(&mai).await);

    // Members do not open groups; officers do.
    let page = hoa_c.get("/network/groups").await;
    assert!(!page.body.contains("group-form"));
    let res = hoa_c
        .post_form(
            "/network/groups",
            &[("csrf", &csrf_in(&page.body)), ("title", "Nhóm")],
        )
        .await;
    assert_eq!(res.status, 403);
    let page = officer_c.get("/network/groups").await;
    let res = officer_c
        .post_form(
            "/network/groups",
            &[("csrf", &csrf_in(&page.body)), ("title", "  ")],
        )
        .await;
    assert_eq!(res.status, 422, "a group needs a name");
    let res = officer_c
        .post_form(
            "/network/groups",
            &[
                ("csrf", &csrf_in(&page.body)),
                ("title", "Gốm sứ"),
                ("description", "HTX ngành gốm"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let group: i64 = res
        .location
        .expect("redirect")
        .trim_start_matches("/conversations/")
        .parse()
        .unwrap();

    // Hoa joins and writes; Mai, not in it, cannot read or post.
    let page = hoa_c.get("/network/groups").await;
    assert!(page.body.contains("Gốm sứ") && page.body.contains("data-testid=\"join-group\""));
    let res = hoa_c
        .post_form(
            &format!("/network/groups/{group}/join"),
            &[("csrf", &csrf_in(&page.body))],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(post(&hoa_c, group, "Chào cả nhóm").await.status, 303);
    assert_eq!(
        mai_c.get(&format!("/conversations/{group}")).await.status,
        404
    );
    assert_eq!(post(&mai_c, group, "xin chào").await.status, 404);
    let page = officer_c.get(&format!("/conversations/{group}")).await;
    assert!(
        page.body.contains("data-testid=\"group-members\"") && page.body.contains("Chào cả nhóm")
    );

    // Mai joins later: what was said before does not count as unread for her.
    let page = mai_c.get("/network/groups").await;
    let res = mai_c
        .post_form(
            &format!("/network/groups/{group}/join"),
            &[("csrf", &csrf_in(&page.body))],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(
        !mai_c
            .get("/conversations")
            .await
            .body
            .contains("data-testid=\"unread\"")
    );
    // A block does not silence a group member.
    network::block(app.db.conn(), mai.id, hoa.id).await.unwrap();
    assert_eq!(post(&hoa_c, group, "Tin thứ hai").await.status, 303);

    // Hoa leaves: the group is no longer hers to read.
    let page = hoa_c.get("/network/groups").await;
    let res = hoa_c
        .post_form(
            &format!("/network/groups/{group}/leave"),
            &[("csrf", &csrf_in(&page.body))],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(
        hoa_c.get(&format!("/conversations/{group}")).await.status,
        404
    );
    // An unknown group: not found.
    let res = hoa_c
        .post_form(
            "/network/groups/999999/join",
            &[("csrf", &csrf_in(&page.body))],
        )
        .await;
    assert_eq!(res.status, 404);
}

async fn a_group_never_grows_past_its_limit(app: TestApp) {
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    let group = network::create_group(&app.db, officer.id, "Trà", None)
        .await
        .unwrap();
    let mut users = Vec::new();
    for i in 0..12 {
        users.push(
            app.user(&format!("tv{i}@example.com"), PlatformRole::User, None)
                .await,
        );
    }
    // Twelve ask at once for the 4 places left beside the officer (limit 5).
    let mut tasks = tokio::task::JoinSet::new();
    for u in &users {
        let db = app.db.clone();
        let id = u.id;
        tasks.spawn(async move { network::join_group(&db, group, id, 5).await });
    }
    let mut joined = 0;
    while let Some(done) = tasks.join_next().await {
        match done.unwrap().unwrap() {
            Joined::Joined => joined += 1,
            Joined::Full => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(joined, 4);
    let members = network::members_of(app.db.conn(), group).await.unwrap();
    assert_eq!(members.len(), 5);
    assert_eq!(
        network::join_group(&app.db, group, users[0].id, 5)
            .await
            .unwrap(),
        if members.iter().any(|m| m.0 == users[0].id) {
            Joined::AlreadyMember
        } else {
            Joined::Full
        }
    );
}

async fn a_mentoring_request_opens_a_conversation_once_accepted(app: TestApp) {
    let (_, hoa) = approved(&app, "htx-gom-bat-trang", "hoa@example.com", false).await;
    let (_, mai) = approved(&app, "htx-che-thai", "mai@example.com", false).await;
    let (hoa_c, mai_c) = (app.client_as(&hoa).await, app.client_as(&mai).await);
    let ask = |topic: &'static str| {
        let hoa_c = &hoa_c;
        let mai_id = mai.id;
        async move {
            let page = hoa_c.get("/network").await;
            hoa_c
                .post_form(
                    &format!("/network/members/{mai_id}/mentoring"),
                    &[("csrf", &csrf_in(&page.body)), ("topic", topic)],
                )
                .await
        }
    };
    // No topic: the page comes back saying so.
    let res = ask("  ").await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("data-testid=\"mentoring-error\""));
    assert_eq!(ask("Cách đăng ký sản phẩm OCOP").await.status, 303);

    // Mai sees it and accepts: their conversation opens with Hoa's request.
    let page = mai_c.get("/network").await;
    assert!(page.body.contains("Cách đăng ký sản phẩm OCOP"));
    assert!(page.body.contains("data-testid=\"accept-mentoring\""));
    let requests = ketnoi_db::network::mentoring_of(app.db.conn(), mai.id)
        .await
        .unwrap();
    let id = requests[0].id;
    // Hoa cannot answer her own request.
    let hoa_page = hoa_c.get("/network").await;
    assert!(!hoa_page.body.contains("data-testid=\"accept-mentoring\""));
    let res = hoa_c
        .post_form(
            &format!("/network/mentoring/{id}/answer"),
            &[("csrf", &csrf_in(&hoa_page.body)), ("decision", "accept")],
        )
        .await;
    assert_eq!(res.status, 404);
    let res = mai_c
        .post_form(
            &format!("/network/mentoring/{id}/answer"),
            &[("csrf", &csrf_in(&page.body)), ("decision", "accept")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let conv: i64 = res
        .location
        .unwrap()
        .trim_start_matches("/conversations/")
        .parse()
        .unwrap();
    let first = ketnoi_db::messaging::latest(app.db.conn(), conv, 5)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].body, "Cách đăng ký sản phẩm OCOP");
    assert_eq!(first[0].sender_id, Some(hoa.id));
    // Answered once: a second answer finds nothing pending.
    let res = mai_c
        .post_form(
            &format!("/network/mentoring/{id}/answer"),
            &[("csrf", &csrf_in(&page.body)), ("decision", "decline")],
        )
        .await;
    assert_eq!(res.status, 404);
    assert!(
        hoa_c
            .get("/network")
            .await
            .body
            .contains("data-status=\"accepted\"")
    );
}
