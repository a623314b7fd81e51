//! A recall lists the buyers who received the lot and tells each once, in her order's own
//! conversation.

use super::*;

on_both_backends!(
    a_recall_lists_the_seven_buyers_who_received_the_lot_and_messages_each_once,
    a_recall_message_is_in_the_orders_own_conversation,
);

/// The messages in `user`'s conversations that contain `text`.
async fn messages_containing(app: &TestApp, user: &User, text: &str) -> Vec<(i64, String)> {
    let mut found = Vec::new();
    for entry in ketnoi_db::messaging::inbox(app.db.conn(), user.id)
        .await
        .unwrap()
    {
        let id = entry.conversation.id;
        for m in ketnoi_db::messaging::latest(app.db.conn(), id, 500)
            .await
            .unwrap()
        {
            if m.body.contains(text) {
                found.push((id, m.body));
            }
        }
    }
    found
}

async fn a_recall_lists_the_seven_buyers_who_received_the_lot_and_messages_each_once(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, GTIN).await;
    let bad = lot(&c, "C1", &[]).await;
    let good = lot(&c, "C2", &[]).await;
    let mut buyers = Vec::new();
    let mut codes = Vec::new();
    for i in 1..=7 {
        let buyer = person(
            &app,
            &format!("nguoimua{i}@example.com"),
            &format!("Người mua số {i}"),
        )
        .await;
        let o = order(&app, &buyer, &c).await;
        ship(&c, o.id, bad).await;
        codes.push(o.code.clone().unwrap());
        buyers.push(buyer);
    }
    // The eighth got the other lot.
    let eighth = person(&app, "nguoimua8@example.com", "Người mua số 8").await;
    let o8 = order(&app, &eighth, &c).await;
    ship(&c, o8.id, good).await;

    let page = c.manager.get(&c.lot_path(bad, "")).await;
    assert_eq!(page.status, 200);
    assert_eq!(count_of(&page.body, "lot-recipient"), 7, "{}", page.body);
    for (i, code) in codes.iter().enumerate() {
        assert!(page.body.contains(code.as_str()), "{code}: {}", page.body);
        assert!(page.body.contains(&format!("Người mua số {}", i + 1)));
    }
    assert!(!page.body.contains(o8.code.as_deref().unwrap()));
    assert!(!page.body.contains("Người mua số 8"));
    // The shipping is a step of the lot.
    assert_eq!(
        page.body.matches("Xuất hàng").count(),
        7 + 1,
        "seven shipping steps and the form's choice: {}",
        page.body
    );

    let reason = "Phát hiện nấm mốc trong một số gói";
    let recalled = c
        .manager
        .submit(
            &c.lot_path(bad, ""),
            &c.lot_path(bad, "/recall"),
            &[("reason", reason)],
        )
        .await;
    assert_eq!(recalled.status, 303, "{}", recalled.body);
    let location = recalled.location.unwrap();
    assert!(location.contains("told=7"), "{location}");
    let after = c.manager.get(&location).await;
    assert!(
        text_of(&after.body, "saved").contains("nhắn cho 7 người mua"),
        "{}",
        after.body
    );
    assert!(after.body.contains("data-testid=\"lot-recalled\""));
    assert!(!after.body.contains("data-testid=\"recall-form\""));
    assert!(!after.body.contains("data-testid=\"stamp-form\""));
    assert!(text_of(&after.body, "recall-notices").contains('7'));

    for (buyer, code) in buyers.iter().zip(&codes) {
        let told = messages_containing(&app, buyer, "THU HỒI").await;
        assert_eq!(told.len(), 1, "{}: {told:?}", buyer.display_name);
        let (conversation, body) = &told[0];
        assert!(
            body.contains(reason) && body.contains(code.as_str()),
            "{body}"
        );
        assert!(
            body.contains(&format!("{}{}", app.url, gtin_path("C1", None))),
            "{body}"
        );
        assert!(body.contains("RECALL"), "and in English: {body}");
        // She reads it in her conversation.
        let b = app.client_as(buyer).await;
        let inbox = b.get("/conversations").await;
        assert!(
            inbox
                .body
                .contains(&format!("/conversations/{conversation}")),
            "{}",
            inbox.body
        );
        let thread = b.get(&format!("/conversations/{conversation}")).await;
        assert_eq!(thread.status, 200);
        assert!(thread.body.contains("THU HỒI"), "{}", thread.body);
    }
    assert!(
        messages_containing(&app, &eighth, "THU HỒI")
            .await
            .is_empty(),
        "the eighth buyer got another lot"
    );

    // Recalled again (a double tap): nobody is told twice.
    let again = c
        .manager
        .submit(
            &c.lot_path(bad, ""),
            &c.lot_path(bad, "/recall"),
            &[("reason", "Nhắc lại")],
        )
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert!(again.location.unwrap().contains("told=0"));
    for buyer in &buyers {
        assert_eq!(messages_containing(&app, buyer, "THU HỒI").await.len(), 1);
    }
    assert!(
        messages_containing(&app, &eighth, "THU HỒI")
            .await
            .is_empty()
    );
    let lot_now = ketnoi_db::trace::lot(app.db.conn(), bad)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lot_now.recall_reason.as_deref(), Some(reason));

    // Whoever scans its stamps is told; the other lot is not recalled.
    let visitor = app.client();
    let public = visitor.get(&gtin_path("C1", None)).await;
    assert!(
        public.body.contains("data-testid=\"trace-recalled\""),
        "{}",
        public.body
    );
    assert!(public.body.contains(reason));
    let other = visitor.get(&gtin_path("C2", None)).await;
    assert!(!other.body.contains("data-testid=\"trace-recalled\""));
    // A recalled lot is not offered when shipping, and gets no more stamps.
    let ninth = person(&app, "nguoimua9@example.com", "Người mua số 9").await;
    let o9 = order(&app, &ninth, &c).await;
    let confirmed = c
        .manager
        .submit(
            &format!("/orders/{}", o9.id),
            &format!("/orders/{}/steps", o9.id),
            &[("step", "confirm")],
        )
        .await;
    assert_eq!(confirmed.status, 303);
    let ship_page = c.manager.get(&format!("/orders/{}", o9.id)).await;
    assert!(
        ship_page
            .body
            .contains(&format!("<option value=\"{good}\">"))
    );
    assert!(
        !ship_page
            .body
            .contains(&format!("<option value=\"{bad}\">"))
    );
    let more = post_stamps(&c, bad, "10").await;
    assert_eq!(more.status, 422, "{}", more.body);
}

/// The conversation a question about `order` goes to, asked through the order's page.
async fn order_thread(client: &Client, order: i64) -> Page {
    client
        .submit(
            &format!("/orders/{order}"),
            &format!("/orders/{order}/inquiry"),
            &[("body", "")],
        )
        .await
}

/// A recall's message is the order's own conversation: where the buyer who had asked about
/// her order already talks with the cooperative, or, for one who had not, the thread her
/// order keeps from then on, so that her questions about the order and the cooperative's
/// follow-up land beside the notice instead of in new threads.
async fn a_recall_message_is_in_the_orders_own_conversation(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, GTIN).await;
    let l = lot(&c, "C1", &[]).await;
    let asked = person(&app, "hoi@example.com", "Người đã hỏi").await;
    let silent = person(&app, "im@example.com", "Người chưa hỏi").await;
    let (asked_client, silent_client) = (app.client_as(&asked).await, app.client_as(&silent).await);
    let o1 = order(&app, &asked, &c).await;
    let o2 = order(&app, &silent, &c).await;
    let first = order_thread(&asked_client, o1.id).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let asked_thread = first.location.unwrap();
    ship(&c, o1.id, l).await;
    ship(&c, o2.id, l).await;
    let recalled = c
        .manager
        .submit(
            &c.lot_path(l, ""),
            &c.lot_path(l, "/recall"),
            &[("reason", "Nấm mốc")],
        )
        .await;
    assert!(recalled.location.unwrap().contains("told=2"));

    // She who had asked finds the notice in that conversation.
    let told = messages_containing(&app, &asked, "THU HỒI").await;
    assert_eq!(told.len(), 1);
    assert_eq!(format!("/conversations/{}", told[0].0), asked_thread);
    // She who had not: her question about the order, and the cooperative's, go where the
    // notice is.
    let told = messages_containing(&app, &silent, "THU HỒI").await;
    assert_eq!(told.len(), 1);
    let notice_thread = format!("/conversations/{}", told[0].0);
    let hers = order_thread(&silent_client, o2.id).await;
    assert_eq!(hers.status, 303, "{}", hers.body);
    assert_eq!(
        hers.location.as_deref(),
        Some(notice_thread.as_str()),
        "her question about the recalled order opens another thread than the notice's"
    );
    let theirs = order_thread(&c.manager, o2.id).await;
    assert_eq!(
        theirs.status, 303,
        "the cooperative cannot write to her about the order"
    );
    assert_eq!(theirs.location.as_deref(), Some(notice_thread.as_str()));
}
