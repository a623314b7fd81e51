//! A lot's traceability record as a GS1 EPCIS 2.0 JSON-LD document, so that a buyer, an
//! auditor or a retailer's own EPCIS repository can read what a cooperative recorded
//! without knowing our database: the standard event types, CBV 2.0 business steps and
//! dispositions, and lots named by their Digital Link class URIs (see [`crate::trace`]).
//!
//! Our five steps map onto EPCIS as follows:
//! - commissioning: an `ObjectEvent` with action `ADD` (the lot comes into being);
//! - transforming: a `TransformationEvent` from the input lots to the output lot;
//! - packing: an `AggregationEvent` with action `ADD` (the lot goes into a package);
//! - shipping and receiving: `ObjectEvent`s with action `OBSERVE` and the owning parties.

use chrono::{DateTime, FixedOffset, Offset, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

/// The JSON-LD context of EPCIS 2.0 (the unversioned URL the standard's examples use).
pub const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld";

/// A step of a lot's journey, as recorded by a cooperative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Commissioning,
    Transforming,
    Packing,
    Shipping,
    Receiving,
}

impl Step {
    /// Every step, in the order a lot goes through them.
    pub const ALL: [Step; 5] = [
        Step::Commissioning,
        Step::Transforming,
        Step::Packing,
        Step::Shipping,
        Step::Receiving,
    ];

    /// The value as stored and as forms send it.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Commissioning => "commissioning",
            Step::Transforming => "transforming",
            Step::Packing => "packing",
            Step::Shipping => "shipping",
            Step::Receiving => "receiving",
        }
    }

    /// Reads a stored or submitted value.
    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.as_str() == s.trim())
    }

    /// The CBV 2.0 business step, as the bare word EPCIS 2.0 JSON-LD allows.
    ///
    /// CBV has no "transforming" step: the event type (`TransformationEvent`) already says
    /// that inputs were consumed, and the business step says what happened to the output,
    /// which is commissioned (a new lot, with its class identifier, comes into being).
    pub fn biz_step(self) -> &'static str {
        match self {
            Step::Commissioning | Step::Transforming => "commissioning",
            Step::Packing => "packing",
            Step::Shipping => "shipping",
            Step::Receiving => "receiving",
        }
    }

    /// The CBV 2.0 disposition of the lot after the step: `active` once made, `in_progress`
    /// while packed or held at the receiver, `in_transit` between shipping and receiving.
    pub fn disposition(self) -> &'static str {
        match self {
            Step::Commissioning | Step::Transforming => "active",
            Step::Packing | Step::Receiving => "in_progress",
            Step::Shipping => "in_transit",
        }
    }
}

/// An amount of a lot: its class-level URI (e.g.
/// `https://ketnoi.example.vn/01/08930000000019/10/L1`), and how much of it when known.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityElement {
    pub class: String,
    pub quantity: Option<f64>,
    /// A UN/ECE Recommendation 20 code (see [`uom`]); `None` for a count of items.
    pub uom: Option<&'static str>,
}

/// One recorded step, with everything the export needs already turned into URIs.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The eventID, a URI we give (e.g. `{public_url}/epcis/events/42`).
    pub id: String,
    pub step: Step,
    pub time: DateTime<Utc>,
    /// The offset of the place's local time, in minutes (+420 for Asia/Ho_Chi_Minh).
    pub offset_minutes: i32,
    /// The lot this event is about.
    pub output: QuantityElement,
    /// Transforming only: the input lots.
    pub inputs: Vec<QuantityElement>,
    /// Instance-level URIs (stamps), if any.
    pub epcs: Vec<String>,
    /// Packing: the package's URI.
    pub parent: Option<String>,
    /// Where it happened: the readPoint and (except while shipping) bizLocation URI.
    pub place: Option<String>,
    /// Shipping and receiving: the owning parties' URIs.
    pub source: Option<String>,
    pub destination: Option<String>,
    /// Who recorded the step, as typed; exported as the extension field `ketnoi:recordedBy`.
    pub recorded_by: Option<String>,
}

/// An EPCIS 2.0 JSON-LD `EPCISDocument` of `events`, created at `created`: `@context` is the
/// EPCIS context and the `ketnoi` prefix (`{public_url}/ns/epcis#`) our extension field
/// lives under.
pub fn document(events: &[Event], created: DateTime<Utc>, public_url: &str) -> Value {
    let ns = format!("{}/ns/epcis#", public_url.trim_end_matches('/'));
    json!({
        "@context": [CONTEXT, { "ketnoi": ns }],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        "epcisBody": { "eventList": events.iter().map(event).collect::<Vec<_>>() },
    })
}

/// The UN/ECE Recommendation 20 code of one of our units of sale, for the units that are a
/// measure; `None` for counts (piece, box, bag…), which EPCIS exports without `uom`.
///
/// `yến` (10 kg) has no code: convert it to kg (×10) before exporting. `tạ` is a decitonne.
pub fn uom(unit: &str) -> Option<&'static str> {
    Some(match unit.trim().to_lowercase().as_str() {
        "kg" | "ký" | "cân" => "KGM",
        "g" | "gam" => "GRM",
        "tạ" => "DTN",
        "tấn" => "TNE",
        "l" | "lít" => "LTR",
        "ml" => "MLT",
        "m" | "mét" => "MTR",
        "m2" | "m²" => "MTK",
        _ => return None,
    })
}

/// `+07:00` for 420 minutes. EPCIS allows offsets from -14:00 to +14:00; anything outside
/// is not a real time zone and is exported as UTC rather than as an invalid document.
fn offset(minutes: i32) -> (FixedOffset, String) {
    let minutes = if minutes.abs() <= 14 * 60 { minutes } else { 0 };
    let zone = FixedOffset::east_opt(minutes * 60).unwrap_or_else(|| Utc.fix());
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    (zone, format!("{sign}{:02}:{:02}", m / 60, m % 60))
}

fn quantity_element(q: &QuantityElement) -> Value {
    let mut o = Map::new();
    o.insert("epcClass".into(), q.class.clone().into());
    // A quantity that is not a number cannot be written in JSON; the unit means nothing
    // without a quantity (EPCIS: "uom only together with quantity").
    if let Some(n) = q.quantity.filter(|n| n.is_finite()) {
        o.insert("quantity".into(), n.into());
        if let Some(u) = q.uom {
            o.insert("uom".into(), u.into());
        }
    }
    Value::Object(o)
}

fn event(e: &Event) -> Value {
    let (zone, zone_text) = offset(e.offset_minutes);
    let mut o = Map::new();
    let kind = match e.step {
        Step::Commissioning | Step::Shipping | Step::Receiving => "ObjectEvent",
        Step::Transforming => "TransformationEvent",
        Step::Packing => "AggregationEvent",
    };
    o.insert("type".into(), kind.into());
    o.insert("eventID".into(), e.id.clone().into());
    o.insert(
        "eventTime".into(),
        e.time
            .with_timezone(&zone)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true)
            .into(),
    );
    o.insert("eventTimeZoneOffset".into(), zone_text.into());
    let output = Value::Array(vec![quantity_element(&e.output)]);
    let epcs = (!e.epcs.is_empty()).then(|| Value::from(e.epcs.clone()));
    match e.step {
        Step::Commissioning | Step::Shipping | Step::Receiving => {
            let action = if e.step == Step::Commissioning {
                "ADD"
            } else {
                "OBSERVE"
            };
            if let Some(epcs) = epcs {
                o.insert("epcList".into(), epcs);
            }
            o.insert("quantityList".into(), output);
            o.insert("action".into(), action.into());
        }
        Step::Transforming => {
            if e.inputs.is_empty() {
                // A transformation with outputs only must name the transformation it is
                // part of (EPCIS 2.0 §7.4.6); each of ours is one event, so its own ID.
                o.insert("transformationID".into(), e.id.clone().into());
            } else {
                let inputs: Vec<Value> = e.inputs.iter().map(quantity_element).collect();
                o.insert("inputQuantityList".into(), inputs.into());
            }
            if let Some(epcs) = epcs {
                o.insert("outputEPCList".into(), epcs);
            }
            o.insert("outputQuantityList".into(), output);
        }
        Step::Packing => {
            // EPCIS requires the package's identifier for an ADD. Without one recorded, the
            // packing event's own URI with `#package` names it: unique to this packing
            // (two packings of one lot are two packages) and under our domain.
            let parent = e
                .parent
                .clone()
                .unwrap_or_else(|| format!("{}#package", e.id));
            o.insert("parentID".into(), parent.into());
            if let Some(epcs) = epcs {
                o.insert("childEPCs".into(), epcs);
            }
            o.insert("childQuantityList".into(), output);
            o.insert("action".into(), "ADD".into());
        }
    }
    o.insert("bizStep".into(), e.step.biz_step().into());
    o.insert("disposition".into(), e.step.disposition().into());
    if let Some(place) = &e.place {
        o.insert("readPoint".into(), json!({ "id": place }));
        // Goods in transit are at no business location (CBV: shipping leaves bizLocation
        // out); the place they were shipped from is where it was read.
        if e.step != Step::Shipping {
            o.insert("bizLocation".into(), json!({ "id": place }));
        }
    }
    if let Some(source) = &e.source {
        o.insert(
            "sourceList".into(),
            json!([{ "type": "owning_party", "source": source }]),
        );
    }
    if let Some(destination) = &e.destination {
        o.insert(
            "destinationList".into(),
            json!([{ "type": "owning_party", "destination": destination }]),
        );
    }
    if let Some(name) = &e.recorded_by {
        o.insert("ketnoi:recordedBy".into(), name.clone().into());
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn lot(name: &str) -> QuantityElement {
        QuantityElement {
            class: format!("https://ketnoi.example.vn/01/08930000000019/10/{name}"),
            quantity: Some(12.5),
            uom: uom("kg"),
        }
    }

    fn at(step: Step) -> Event {
        Event {
            id: "https://ketnoi.example.vn/epcis/events/42".into(),
            step,
            time: Utc.with_ymd_and_hms(2026, 3, 1, 1, 0, 0).unwrap(),
            offset_minutes: 420,
            output: lot("L1"),
            inputs: vec![],
            epcs: vec![],
            parent: None,
            place: Some("https://ketnoi.example.vn/places/3".into()),
            source: None,
            destination: None,
            recorded_by: Some("Nguyễn Thị Lan".into()),
        }
    }

    #[test]
    fn steps_round_trip_and_map_to_cbv_words() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
        }
        assert_eq!(Step::parse("sowing"), None);
        assert_eq!(Step::Transforming.biz_step(), "commissioning");
        assert_eq!(Step::Shipping.disposition(), "in_transit");
    }

    #[test]
    fn times_carry_the_local_offset() {
        let d = document(
            &[at(Step::Commissioning)],
            at(Step::Packing).time,
            "https://k.vn/",
        );
        let e = &d["epcisBody"]["eventList"][0];
        assert_eq!(e["eventTime"], "2026-03-01T08:00:00+07:00");
        assert_eq!(e["eventTimeZoneOffset"], "+07:00");
        assert_eq!(d["creationDate"], "2026-03-01T01:00:00Z");
        assert_eq!(d["@context"][1]["ketnoi"], "https://k.vn/ns/epcis#");
        assert_eq!(e["ketnoi:recordedBy"], "Nguyễn Thị Lan");
        assert_eq!(e["quantityList"][0]["uom"], "KGM");
        assert_eq!(offset(-210).1, "-03:30");
        assert_eq!(offset(0).1, "+00:00");
        assert_eq!(offset(24 * 60).1, "+00:00");
    }

    #[test]
    fn each_step_is_its_event_type() {
        let d = |e: Event| {
            document(&[e], Utc::now(), "https://k.vn")["epcisBody"]["eventList"][0].clone()
        };
        let c = d(at(Step::Commissioning));
        assert_eq!(
            (&c["type"], &c["action"]),
            (&json!("ObjectEvent"), &json!("ADD"))
        );
        assert!(c.get("epcList").is_none());
        let mut t = at(Step::Transforming);
        t.inputs = vec![lot("A"), lot("B")];
        t.epcs = vec!["https://k.vn/01/08930000000019/10/L1/21/1".into()];
        let t = d(t);
        assert_eq!(t["type"], "TransformationEvent");
        assert_eq!(t["inputQuantityList"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            t["outputEPCList"][0],
            "https://k.vn/01/08930000000019/10/L1/21/1"
        );
        assert!(t.get("action").is_none() && t.get("transformationID").is_none());
        let alone = d(at(Step::Transforming));
        assert_eq!(alone["transformationID"], alone["eventID"]);
        let p = d(at(Step::Packing));
        assert_eq!(p["type"], "AggregationEvent");
        assert_eq!(
            p["parentID"],
            "https://ketnoi.example.vn/epcis/events/42#package"
        );
        let mut s = at(Step::Shipping);
        s.source = Some("https://k.vn/orgs/1".into());
        s.destination = Some("https://k.vn/orgs/2".into());
        let s = d(s);
        assert_eq!(s["action"], "OBSERVE");
        assert_eq!(s["sourceList"][0]["type"], "owning_party");
        assert_eq!(
            s["destinationList"][0]["destination"],
            "https://k.vn/orgs/2"
        );
        assert!(s.get("bizLocation").is_none() && s.get("readPoint").is_some());
        let r = d(at(Step::Receiving));
        assert_eq!(
            (&r["bizStep"], &r["disposition"]),
            (&json!("receiving"), &json!("in_progress"))
        );
    }

    #[test]
    fn measures_have_codes_and_counts_do_not() {
        assert_eq!(uom("kg"), Some("KGM"));
        assert_eq!(uom(" Lít "), Some("LTR"));
        assert_eq!(uom("tấn"), Some("TNE"));
        assert_eq!(uom("m2"), Some("MTK"));
        assert_eq!(uom("chiếc"), None);
        assert_eq!(uom("yến"), None);
        let mut q = lot("L1");
        q.quantity = None;
        assert_eq!(quantity_element(&q), json!({ "epcClass": q.class }));
        q.quantity = Some(f64::NAN);
        assert_eq!(quantity_element(&q), json!({ "epcClass": q.class }));
    }
}
