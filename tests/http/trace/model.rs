//! The trace pages' read model (`ketnoi_app::trace::TraceModel`): a stamp's page is served
//! from memory, yet each scan counts on the next page at once, a write taken by this
//! instance shows at once, and a write taken elsewhere (another instance, the command line:
//! here, straight in the database) shows within `LOT_VIEW_TTL`. Serials the lot does not
//! have, or written another way, are not found.

use super::*;
use ketnoi_test_support::eventually_true;

on_both_backends!(the_trace_page_is_read_from_memory_and_still_shows_every_change);

async fn the_trace_page_is_read_from_memory_and_still_shows_every_change(app: TestApp) {
    let c = coop(&app, "htx-banh-com", "Bánh cốm Vòng").await;
    traceable(&c, "").await;
    let code = trace_code(&c).await;
    let l = lot(&c, "M1", &[]).await;
    stamps(&c, l, 3).await;
    let stamp = |serial: &str| format!("/t/{code}/10/M1/21/{serial}");
    let visitor = app.client();
    let first = visitor.get(&stamp("000001")).await;
    assert_eq!(first.status, 200);
    assert_eq!(
        text_of(&first.body, "trace-scans"),
        "Lần đầu tem này được quét"
    );
    // Each scan counts on the next page, before the writer has stored it.
    for n in 1..=3 {
        let page = visitor.get(&stamp("000001")).await;
        assert_eq!(
            text_of(&page.body, "trace-scans"),
            format!("{n} lượt quét trước đây")
        );
    }
    // Not stamps of this lot: beyond its last, or its serials written another way.
    for serial in ["000004", "00001", "0000001", "+00001", "000000"] {
        assert_eq!(visitor.get(&stamp(serial)).await.status, 404, "{serial}");
    }
    // A step recorded through this instance shows on the next page.
    step(
        &c,
        l,
        "packing",
        &format!("{}T08:00", day(-1)),
        "Xưởng đóng gói",
        "Đóng hộp quà Tết",
    )
    .await;
    assert!(
        visitor
            .get(&stamp("000002"))
            .await
            .body
            .contains("Đóng hộp quà Tết")
    );
    // Written elsewhere: two more stamps and a recall, straight in the database.
    let mut tx = app.db.begin().await.unwrap();
    ketnoi_db::trace::create_stamps(&mut tx, l, 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        ketnoi_db::trace::recall(app.db.conn(), l, "Bao bì lỗi")
            .await
            .unwrap()
    );
    let (visitor, path) = (&visitor, stamp("000005"));
    eventually_true(
        "the new stamp and the recall show",
        Duration::from_secs(10),
        || {
            let path = path.clone();
            async move {
                let page = visitor.get(&path).await;
                page.status == 200 && page.body.contains("Bao bì lỗi")
            }
        },
    )
    .await
    .unwrap();
}
