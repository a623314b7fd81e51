//! Conversations over HTTP and WebSocket: a buyer's inquiry reaches the cooperative's
//! managers, nobody else reads or posts, live connections catch up exactly, bad messages are
//! refused with the text kept. (Two server processes on PostgreSQL:
//! `services/ketnoi/tests/two_servers.rs`.)

use ketnoi_db::listings::Listing;
use ketnoi_db::orgs::Org;
use ketnoi_db::users::User;
use ketnoi_domain::role::{MemberRole, PlatformRole};
use ketnoi_tests::{Client, TestApp, csrf_in, next_frame, on_both_backends};

on_both_backends!(
    a_buyer_asks_and_the_cooperative_answers,
    outsiders_cannot_read_post_or_listen,
    a_reconnecting_client_gets_exactly_what_it_missed,
    bad_messages_are_refused_and_the_text_is_kept,
    a_user_posting_too_fast_is_slowed_down_and_keeps_the_text,
    an_open_inbox_hears_only_of_its_own_conversations,
    announcement_counts_follow_three_recipients,
    a_question_to_a_cooperative_nobody_manages_reaches_its_communes_officer,
);

/// Most cooperatives are not on Ketnoi themselves: the listing page says who answers, and
/// the question goes to the ward's or commune's Union officer (not to another commune's),
/// who reads it in her inbox and answers in the conversation. A managed cooperative's
/// questions stay between the buyer and its people.
async fn a_question_to_a_cooperative_nobody_manages_reaches_its_communes_officer(app: TestApp) {
    let org = app.cooperative("htx-gom-khong-tai-khoan", "00577").await;
    let listing = ketnoi_tests::published_listing(&app, &org, "Bình gốm men lam").await;
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let officer = app
        .user(
            "canbo.battrang@example.com",
            PlatformRole::UnionOfficer,
            Some("00577"),
        )
        .await;
    let other = app
        .user(
            "canbo.khac@example.com",
            PlatformRole::UnionOfficer,
            Some("00004"),
        )
        .await;
    let buyer_c = app.client_as(&buyer).await;
    let page = buyer_c.get(&format!("/listings/{}", listing.id)).await;
    assert!(
        page.body.contains("câu hỏi của bạn đến cán bộ Hội LHPN"),
        "the buyer is told who reads her question"
    );
    let id = ask(&buyer_c, &listing, "Bình này cao bao nhiêu?").await;

    let officer_c = app.client_as(&officer).await;
    let inbox = officer_c.get("/conversations").await;
    assert!(
        inbox.body.contains("data-testid=\"unread\">1<"),
        "{}",
        inbox.body
    );
    let thread = officer_c.get(&format!("/conversations/{id}")).await;
    assert_eq!(thread.status, 200);
    assert!(thread.body.contains("Bình này cao bao nhiêu?"));
    send(
        &officer_c,
        id,
        "Dạ, bình cao 30 cm, tôi đã gọi hỏi hợp tác xã.",
    )
    .await;
    let seen = buyer_c.get(&format!("/conversations/{id}")).await;
    assert!(seen.body.contains("bình cao 30 cm"));

    let other_c = app.client_as(&other).await;
    assert!(
        !other_c
            .get("/conversations")
            .await
            .body
            .contains("Bình gốm men lam")
    );
    assert_eq!(
        other_c.get(&format!("/conversations/{id}")).await.status,
        404
    );

    // Once the cooperative has its own manager, new questions are hers alone.
    let managed = app.cooperative("htx-co-nguoi-quan-ly", "00577").await;
    let managed_listing = ketnoi_tests::published_listing(&app, &managed, "Khăn lụa").await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&managed, &manager, MemberRole::Manager).await;
    let asked = ask(&buyer_c, &managed_listing, "Còn hàng không?").await;
    assert_eq!(
        officer_c
            .get(&format!("/conversations/{asked}"))
            .await
            .status,
        404
    );
}

struct Setup {
    listing: Listing,
    buyer: User,
    manager: User,
    org: Org,
}

async fn setup(app: &TestApp) -> Setup {
    let org = app.cooperative("htx-lua-van-phuc", "00577").await;
    let listing = ketnoi_tests::published_listing(app, &org, "Khăn lụa tơ tằm").await;
    let buyer = app
        .user("nguoimua@example.com", PlatformRole::User, None)
        .await;
    let manager = app
        .user("quanly@example.com", PlatformRole::User, None)
        .await;
    app.member(&org, &manager, MemberRole::Manager).await;
    Setup {
        listing,
        buyer,
        manager,
        org,
    }
}

/// Posts the buyer's question from the listing page; returns the conversation id.
async fn ask(buyer: &Client, listing: &Listing, question: &str) -> i64 {
    let page = buyer.get(&format!("/listings/{}", listing.id)).await;
    assert!(page.body.contains("data-testid=\"inquiry-form\""));
    let res = buyer
        .post_form(
            &format!("/listings/{}/inquiry", listing.id),
            &[("csrf", csrf_in(&page.body).as_str()), ("body", question)],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let to = res.location.expect("redirect");
    to.trim_start_matches("/conversations/")
        .parse()
        .expect("conversation id")
}

async fn send(client: &Client, conversation: i64, text: &str) -> serde_json::Value {
    let page = client.get(&format!("/conversations/{conversation}")).await;
    let res = client
        .http
        .post(client.url(&format!("/conversations/{conversation}/messages")))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={}&body={}",
            csrf_in(&page.body),
            urlencode(text)
        ))
        .send()
        .await
        .unwrap();
    let res = Client::page(res).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn a_buyer_asks_and_the_cooperative_answers(app: TestApp) {
    let s = setup(&app).await;
    let buyer = app.client_as(&s.buyer).await;
    let manager = app.client_as(&s.manager).await;
    let id = ask(&buyer, &s.listing, "Khăn này có màu xanh không?").await;

    // The manager sees it in the inbox, unread, and in the thread with the listing card.
    let inbox = manager.get("/conversations").await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.body.contains("Khăn lụa tơ tằm"), "{}", inbox.body);
    assert!(
        inbox.body.contains("data-testid=\"unread\">1<"),
        "{}",
        inbox.body
    );
    let thread = manager.get(&format!("/conversations/{id}")).await;
    assert_eq!(thread.status, 200);
    assert!(thread.body.contains("Khăn này có màu xanh không?"));
    assert!(thread.body.contains("data-testid=\"listing-card\""));
    assert!(
        !manager
            .get("/conversations")
            .await
            .body
            .contains("data-testid=\"unread\""),
        "read once opened"
    );

    // The buyer's page is live: the manager's answer arrives over the socket.
    let mut live = buyer.live(id, 1).await.expect("live connection");
    let answer = send(&manager, id, "Dạ có ạ, màu xanh ngọc.").await;
    assert_eq!(answer["seq"], 2);
    let frame = next_frame(&mut live).await;
    assert_eq!(frame["type"], "message");
    assert_eq!(frame["seq"], 2);
    assert_eq!(frame["body"], "Dạ có ạ, màu xanh ngọc.");
    assert_eq!(frame["sender_id"], s.manager.id);
    let inbox = buyer.get("/conversations").await;
    assert!(
        inbox.body.contains("data-testid=\"unread\">1<"),
        "{}",
        inbox.body
    );
    assert!(
        inbox.body.contains("data-testid=\"header-unread\">1<"),
        "the header counts it too"
    );
    // Opening the conversation reads it: its page's header no longer counts it.
    let thread = buyer.get(&format!("/conversations/{id}")).await;
    assert!(thread.body.contains("Dạ có ạ, màu xanh ngọc."));
    assert!(
        !thread.body.contains("data-testid=\"header-unread\""),
        "nothing left unread once it is open"
    );

    // Asking again about the same listing continues the same conversation.
    assert_eq!(ask(&buyer, &s.listing, "Giá sỉ bao nhiêu?").await, id);
    let frame = next_frame(&mut live).await;
    assert_eq!(frame["seq"], 3);
    let _ = s.org;
}

async fn outsiders_cannot_read_post_or_listen(app: TestApp) {
    let s = setup(&app).await;
    let buyer = app.client_as(&s.buyer).await;
    let id = ask(&buyer, &s.listing, "Còn hàng không?").await;
    let stranger = app
        .user("nguoila@example.com", PlatformRole::User, None)
        .await;
    let member = app
        .user("thanhvien@example.com", PlatformRole::User, None)
        .await;
    // A plain member of the cooperative (not a manager) is not part of inquiries either.
    app.member(&s.org, &member, MemberRole::Member).await;
    for user in [&stranger, &member] {
        let c = app.client_as(user).await;
        assert_eq!(c.get(&format!("/conversations/{id}")).await.status, 404);
        let token = c.known_csrf();
        let posted = c
            .post_form(
                &format!("/conversations/{id}/messages"),
                &[("csrf", token.as_str()), ("body", "xin chào")],
            )
            .await;
        assert_eq!(posted.status, 404);
        assert!(c.live(id, 0).await.is_err(), "no live connection");
        assert!(
            !c.get("/conversations")
                .await
                .body
                .contains("Còn hàng không?"),
            "not in their inbox"
        );
    }
    // Signed out: sent to sign in; no socket.
    let anonymous = app.client();
    let page = anonymous.get(&format!("/conversations/{id}")).await;
    assert_eq!(page.status, 303);
    assert!(anonymous.live(id, 0).await.is_err());
    // A page of another site cannot open the socket with the buyer's cookies.
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{}/conversations/{id}/live",
            app.addr
        ))
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", buyer.cookie_header().parse().unwrap());
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
    // Nothing was added by any of them.
    let thread = buyer.get(&format!("/conversations/{id}")).await;
    assert_eq!(thread.body.matches("data-testid=\"message\"").count(), 1);
}

async fn a_reconnecting_client_gets_exactly_what_it_missed(app: TestApp) {
    let s = setup(&app).await;
    let buyer = app.client_as(&s.buyer).await;
    let manager = app.client_as(&s.manager).await;
    let id = ask(&buyer, &s.listing, "Tin nhắn đầu tiên").await;
    let mut live = buyer.live(id, 0).await.expect("live");
    assert_eq!(next_frame(&mut live).await["seq"], 1);
    drop(live);
    // The server notices the closed page and forgets the conversation's channel.
    ketnoi_tests::support::eventually(
        "the closed page's channel to be released",
        std::time::Duration::from_secs(10),
        || async { (app.state.hub.open_conversations() == 0).then_some(()) },
    )
    .await
    .unwrap();
    // (Through the store: the site allows one user 30 messages a minute.)
    for i in 1..=50 {
        let m = ketnoi_db::messaging::post(&app.db, id, s.manager.id, &format!("tin {i}"), None)
            .await
            .unwrap();
        ketnoi_web::realtime::stored(&app.db, &app.state.hub, &m);
    }
    let mut live = buyer.live(id, 1).await.expect("reconnect");
    for i in 1..=50 {
        let frame = next_frame(&mut live).await;
        assert_eq!(frame["seq"], i + 1);
        assert_eq!(frame["body"], format!("tin {i}"));
    }
    // Then live again, with nothing repeated in between.
    send(&manager, id, "tin mới").await;
    let frame = next_frame(&mut live).await;
    assert_eq!(
        (frame["seq"].as_i64(), frame["body"].as_str()),
        (Some(52), Some("tin mới"))
    );
}

async fn bad_messages_are_refused_and_the_text_is_kept(app: TestApp) {
    let s = setup(&app).await;
    let buyer = app.client_as(&s.buyer).await;
    let id = ask(&buyer, &s.listing, "Xin chào").await;
    let page = buyer.get(&format!("/conversations/{id}")).await;
    let token = csrf_in(&page.body);
    let long = "ơ".repeat(2001);
    let res = buyer
        .post_form(
            &format!("/conversations/{id}/messages"),
            &[("csrf", token.as_str()), ("body", long.as_str())],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("data-testid=\"body-error\""));
    assert!(res.body.contains(&long), "the text comes back in the form");
    let empty = buyer
        .post_form(
            &format!("/conversations/{id}/messages"),
            &[("csrf", token.as_str()), ("body", "   ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    let forged = buyer
        .post_form(
            &format!("/conversations/{id}/messages"),
            &[("csrf", "0000"), ("body", "xin chào")],
        )
        .await;
    assert_eq!(forged.status, 403);
    // NFC at the boundary: a decomposed "ệ" is stored composed.
    let decomposed = "Vie\u{0323}\u{0302}t";
    let m = send(&buyer, id, decomposed).await;
    assert_eq!(m["body"], "Việt");
    let thread = buyer.get(&format!("/conversations/{id}")).await;
    assert_eq!(thread.body.matches("data-testid=\"message\"").count(), 2);
}

async fn a_user_posting_too_fast_is_slowed_down_and_keeps_the_text(app: TestApp) {
    let s = setup(&app).await;
    let buyer = app.client_as(&s.buyer).await;
    let id = ask(&buyer, &s.listing, "tin 1").await;
    for i in 2..=30 {
        send(&buyer, id, &format!("tin {i}")).await;
    }
    let page = buyer.get(&format!("/conversations/{id}")).await;
    let res = buyer
        .post_form(
            &format!("/conversations/{id}/messages"),
            &[("csrf", csrf_in(&page.body).as_str()), ("body", "tin 31")],
        )
        .await;
    assert_eq!(res.status, 429);
    assert!(res.body.contains(">tin 31</textarea>"), "the text is kept");
    assert!(res.body.contains("data-testid=\"body-error\""));
    let thread = buyer.get(&format!("/conversations/{id}")).await;
    assert_eq!(thread.body.matches("data-testid=\"message\"").count(), 30);
}

async fn an_open_inbox_hears_only_of_its_own_conversations(app: TestApp) {
    let s = setup(&app).await;
    let buyer = app.client_as(&s.buyer).await;
    let manager = app.client_as(&s.manager).await;
    let other_org = app.cooperative("htx-gom-bat-trang", "00577").await;
    let other_listing = ketnoi_tests::published_listing(&app, &other_org, "Bình gốm").await;
    let other_manager = app
        .user("quanly2@example.com", PlatformRole::User, None)
        .await;
    app.member(&other_org, &other_manager, MemberRole::Owner)
        .await;
    let other = app.client_as(&other_manager).await;

    let mut manager_inbox = manager.live_inbox().await.expect("inbox socket");
    let mut other_inbox = other.live_inbox().await.expect("inbox socket");
    wait_for_inboxes(&app, 2).await;
    let first = ask(&buyer, &s.listing, "Câu hỏi cho HTX lụa").await;
    let second = ask(&buyer, &other_listing, "Câu hỏi cho HTX gốm").await;
    // Each inbox hears of its own cooperative's inquiry only: the other manager's first
    // frame is the second conversation, although the first was announced before it.
    assert_eq!(next_frame(&mut manager_inbox).await["id"], first);
    let frame = next_frame(&mut other_inbox).await;
    assert_eq!(
        (frame["type"].as_str(), frame["id"].as_i64()),
        (Some("conversation"), Some(second))
    );
}

/// Waits until `n` inbox pages are connected to this app's hub.
async fn wait_for_inboxes(app: &TestApp, n: usize) {
    ketnoi_tests::support::eventually(
        "the inbox sockets to connect",
        std::time::Duration::from_secs(10),
        || async { (app.state.hub.inbox_listeners() >= n).then_some(()) },
    )
    .await
    .unwrap();
}

/// An officer announces to three cooperative leaders, who read and confirm at different
/// times; the officer's counts follow each step exactly.
async fn announcement_counts_follow_three_recipients(app: TestApp) {
    let officer = app
        .user("canbo@example.com", PlatformRole::UnionOfficer, None)
        .await;
    let mut leaders = Vec::new();
    for (i, slug) in ["htx-a", "htx-b", "htx-c"].iter().enumerate() {
        let org = app.cooperative(slug, "00577").await;
        let u = app
            .user(
                &format!("chunhiem{i}@example.com"),
                PlatformRole::User,
                None,
            )
            .await;
        app.member(&org, &u, MemberRole::Owner).await;
        leaders.push(app.client_as(&u).await);
    }
    // Not a leader: a plain member of a cooperative gets nothing.
    let plain = app
        .user("thanhvien@example.com", PlatformRole::User, None)
        .await;
    let org = app.cooperative("htx-d", "00577").await;
    app.member(&org, &plain, MemberRole::Member).await;

    let o = app.client_as(&officer).await;
    let page = o.get("/union/announcements").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let res = o
        .post_form(
            "/union/announcements",
            &[
                ("csrf", csrf_in(&page.body).as_str()),
                ("title", "Hội chợ OCOP tháng 12"),
                ("body", "Đăng ký gian hàng trước ngày 5/12."),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let status_page = res.location.expect("redirect");
    let id: i64 = status_page
        .trim_start_matches("/union/announcements/")
        .parse()
        .unwrap();
    let summary = |body: &str| -> String {
        let start = body
            .find("data-testid=\"ann-summary\"><strong>")
            .expect("summary")
            + 34;
        body[start..].split('<').next().unwrap().to_owned()
    };
    let counts = || async { summary(&o.get(&status_page).await.body) };
    assert_eq!(counts().await, "0/3 đã đọc, 0 đã xác nhận");

    // Her inbox says whose announcement it is.
    let inbox = leaders[0].get("/conversations").await;
    assert!(
        inbox.body.contains("Thông báo của Người dùng thử ·"),
        "{}",
        inbox.body
    );
    // The first reads.
    let first = leaders[0].get(&format!("/conversations/{id}")).await;
    assert!(first.body.contains("Đăng ký gian hàng trước ngày 5/12."));
    assert!(
        !first.body.contains("data-testid=\"reply-form\""),
        "recipients do not post"
    );
    assert_eq!(counts().await, "1/3 đã đọc, 0 đã xác nhận");
    // The second reads and confirms (twice: counted once).
    let second = leaders[1].get(&format!("/conversations/{id}")).await;
    for _ in 0..2 {
        let r = leaders[1]
            .post_form(
                &format!("/conversations/{id}/confirm"),
                &[("csrf", csrf_in(&second.body).as_str()), ("seq", "1")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    assert_eq!(counts().await, "2/3 đã đọc, 1 đã xác nhận");
    // The third confirms straight from a link (confirming is reading).
    let token = leaders[2].known_csrf();
    let r = leaders[2]
        .post_form(
            &format!("/conversations/{id}/confirm"),
            &[("csrf", token.as_str()), ("seq", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(counts().await, "3/3 đã đọc, 2 đã xác nhận");
    let detail = o.get(&status_page).await;
    assert_eq!(detail.body.matches("data-testid=\"receipt\"").count(), 3);
    // A recipient cannot post, nor see the officer's status page; a non-leader sees nothing.
    let r = leaders[0]
        .post_form(
            &format!("/conversations/{id}/messages"),
            &[("csrf", csrf_in(&first.body).as_str()), ("body", "trả lời")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(leaders[0].get(&status_page).await.status, 403);
    let p = app.client_as(&plain).await;
    assert_eq!(p.get(&format!("/conversations/{id}")).await.status, 404);
}
