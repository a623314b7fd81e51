//! Every kind of message the code queues in the outbox has a phone form: an SMS form in
//! `forms::PHONE_FORMS` (which `ZNS_TEMPLATES` must then map, see `zns::Templates::parse`).
//! The kinds are read from the sources of every crate: `kind: "…"` (or a `const` it names) in
//! a file that builds a `NewMessage`, and the first string of each tuple a `let (kind, …) = …`
//! statement yields.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            // Tests queue made-up kinds; only product code counts.
            if path
                .file_name()
                .is_some_and(|n| n == "tests" || n == "target")
            {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The string literal at the start of `s` (after `"`), if it is snake_case.
fn literal(s: &str) -> Option<&str> {
    let s = s.strip_prefix('"')?;
    let end = s.find('"')?;
    Some(&s[..end]).filter(|k| snake(k))
}

fn kinds_in(source: &str) -> BTreeSet<String> {
    let mut kinds = BTreeSet::new();
    if !source.contains("NewMessage") {
        return kinds;
    }
    // `kind: "order",`
    for (i, _) in source.match_indices("kind: \"") {
        if let Some(k) = literal(&source[i + "kind: ".len()..]) {
            kinds.insert(k.to_owned());
        }
    }
    // `kind: DELIVERY_FAILED,` with `const DELIVERY_FAILED: &str = "delivery_failed";`
    for (i, _) in source.match_indices("kind: ") {
        let name: String = source[i + "kind: ".len()..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        let definition = format!("const {name}: &str = ");
        if !name.is_empty()
            && let Some(j) = source.find(&definition)
            && let Some(k) = literal(&source[j + definition.len()..])
        {
            kinds.insert(k.to_owned());
        }
    }
    // `let (kind, …) = match … { … => ("event_promoted", …), … };` and a block's tail
    // `("signup_confirm", locale, subject, body)`: tuples that open an arm's value or end
    // a block, not the `("name", value)` arguments inside it.
    for (i, _) in source.match_indices("let (kind") {
        let rest = &source[i..];
        let end = rest
            .find("\n    };")
            .or_else(|| rest.find("};"))
            .unwrap_or(rest.len());
        let statement = &rest[..end];
        for (j, _) in statement.match_indices("(\"") {
            let before = statement[..j].trim_end();
            let opens_value =
                before.ends_with("=>") || before.ends_with(';') || before.ends_with('{');
            if opens_value && let Some(k) = literal(&statement[j + 1..]) {
                kinds.insert(k.to_owned());
            }
        }
    }
    kinds
}

#[test]
fn every_kind_queued_anywhere_has_a_phone_form() {
    let services = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    rust_files(services, &mut files);
    let mut queued = BTreeSet::new();
    for f in &files {
        queued.extend(kinds_in(&std::fs::read_to_string(f).unwrap()));
    }
    // The reader must at least find the kinds known when this test was written, or it
    // has stopped reading the code and would pass on anything.
    for known in [
        "order",
        "digest",
        "password_reset",
        "signup_confirm",
        "signup_exists",
        "event_confirmed",
        "event_waitlisted",
        "event_promoted",
        "plan_reminder",
        "b2b_agenda",
        "case_update",
        "case_reminder",
        "delivery_failed",
    ] {
        assert!(
            queued.contains(known),
            "the source reader missed {known:?}: {queued:?}"
        );
    }
    let forms: BTreeSet<String> = ketnoi_notify::forms::kinds().map(str::to_owned).collect();
    let missing: Vec<&String> = queued.difference(&forms).collect();
    assert!(
        missing.is_empty(),
        "kinds queued without a phone form in notify's forms::PHONE_FORMS (and ZNS_TEMPLATES): {missing:?}"
    );
}
