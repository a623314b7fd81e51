//! VietQR payloads of 20 generated orders, read back by an independent decoder (the npm
//! package `vietnam-qr-pay`, installed in `tests/vietqr` by `.ci/run`): the same bank,
//! account, amount and reference, a valid CRC, VND and Vietnam.
//!
//! Needs Node.js and `npm ci --prefix tests/vietqr`; skipped without them unless
//! `KETNOI_REQUIRE_NODE=1`, as in CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ketnoi_payments::vietqr::{self, Transfer};
use ketnoi_test_support::NodeChecker;

#[test]
fn twenty_orders_decode_to_the_same_bank_account_amount_and_reference() {
    let Some(decoder) = NodeChecker::find("vietqr", "vietnam-qr-pay") else {
        return;
    };
    let banks = vietqr::banks();
    let mut orders = Vec::new();
    for i in 0..20u32 {
        let bank = &banks[(i as usize * 7) % banks.len()];
        // Accounts of several lengths; amounts from 1 đồng to billions; references from
        // order codes with Vietnamese text in them.
        let account =
            format!("{}{}", 10 + i, "0123456789".repeat(2))[..(6 + (i as usize % 13))].to_owned();
        let amount = [1, 15_000, 150_000, 1_250_000, 99_999_999, 2_500_000_000][i as usize % 6]
            + i64::from(i) * 1_000;
        let reference = vietqr::reference(&format!("Đơn KN-2611-{:04} Hợp tác xã", 40 + i));
        orders.push((bank.bin.clone(), account, amount, reference));
    }
    let payloads: Vec<String> = orders
        .iter()
        .map(|(bin, account, amount, reference)| {
            vietqr::payload(&Transfer {
                bin,
                account,
                amount: *amount,
                reference,
            })
            .unwrap()
        })
        .collect();

    let input: String = payloads.iter().map(|p| format!("{p}\n")).collect();
    let out = decoder.run("decode.js", input.as_bytes()).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoded: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(decoded.len(), 20);
    for ((bin, account, amount, reference), d) in orders.iter().zip(&decoded) {
        assert_eq!(d["valid"], true, "{d}");
        assert_eq!(d["provider"], "VIETQR", "{d}");
        assert_eq!(d["bin"], bin.as_str(), "{d}");
        assert_eq!(d["account"], account.as_str(), "{d}");
        assert_eq!(d["amount"], amount.to_string(), "{d}");
        assert_eq!(d["purpose"], reference.as_str(), "{d}");
        assert_eq!(d["currency"], "704", "{d}");
        assert_eq!(d["nation"], "VN", "{d}");
        assert!(reference.len() <= vietqr::MAX_REFERENCE_CHARS && reference.is_ascii());
    }
    // A payload with one character changed fails the decoder's CRC check.
    let mut broken = payloads[0].clone().into_bytes();
    let at = broken.len() - 10;
    broken[at] = if broken[at] == b'1' { b'2' } else { b'1' };
    let out = decoder.run("decode.js", &broken).unwrap();
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["valid"], false, "{d}");
}
