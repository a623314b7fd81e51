//! Saving a prepared sheet's rows, kind by kind, each with its audit entry: cooperatives,
//! listings, report figures and training records.

use super::*;

/// A sheet row as its columns and values, for the audit log.
pub(super) fn row_json(columns: &[&str], values: Vec<String>, row: Option<usize>) -> String {
    let mut map: serde_json::Map<String, serde_json::Value> = columns
        .iter()
        .zip(values)
        .map(|(c, v)| ((*c).to_owned(), serde_json::Value::String(v)))
        .collect();
    if let Some(row) = row {
        map.insert("sheet_row".to_owned(), row.into());
    }
    serde_json::Value::Object(map).to_string()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn audit_row(
    tx: &mut Tx,
    by: &Operator,
    org_id: Option<i64>,
    entity: &'static str,
    entity_id: i64,
    before: Option<String>,
    after: String,
) -> Result<(), DbError> {
    ketnoi_db::audit::record(
        tx.conn(),
        &ketnoi_db::audit::Entry {
            org_id,
            actor_id: by.actor_id,
            on_behalf_of: None,
            entity,
            entity_id: entity_id.to_string(),
            action: "import",
            before,
            after: Some(after),
        },
    )
    .await
}

pub(super) async fn save_cooperatives(
    tx: &mut Tx,
    by: &Operator,
    mut report: Report,
    records: &[&(usize, CooperativeRecord)],
    progress: &mut impl FnMut(usize, usize),
) -> Result<Report, ImportError> {
    let total = records.len();
    progress(0, total);
    for (i, (row, r)) in records.iter().enumerate() {
        let (org, outcome, before) = save_cooperative_keeping_before(tx, r).await?;
        if outcome != Outcome::Unchanged {
            let columns = rules::COOPERATIVE_COLUMNS;
            let before = before.map(|o| {
                row_json(
                    columns,
                    rules::cooperative_row(&cooperative_record(&o)),
                    None,
                )
            });
            let after = row_json(
                columns,
                rules::cooperative_row(&cooperative_record(&org)),
                Some(*row),
            );
            audit_row(tx, by, Some(org.id), "cooperative", org.id, before, after).await?;
        }
        report.count(outcome);
        progress(i + 1, total);
    }
    Ok(report)
}

/// `Err` (inside `Ok`) when a listing's cooperative could not be found at write time.
pub(super) async fn save_listings(
    tx: &mut Tx,
    by: &Operator,
    mut report: Report,
    records: &[&(usize, ListingRecord)],
    progress: &mut impl FnMut(usize, usize),
) -> Result<Result<Report, (Report, Vec<RowError>)>, ImportError> {
    let total = records.len();
    progress(0, total);
    for (i, (row, r)) in records.iter().enumerate() {
        let Some(org) = cooperative_by_key(tx, &r.cooperative).await? else {
            return Ok(Err((
                report,
                vec![unknown_cooperative(*row, &r.cooperative)],
            )));
        };
        let before = match r.external_id.as_deref() {
            Some(x) => match ketnoi_db::listings::find_by_external_id(tx.conn(), x).await? {
                Some(l) => {
                    let offers = ketnoi_db::listings::offers(tx.conn(), l.id).await?;
                    listing_record(&l, &offers, &r.cooperative)
                }
                None => None,
            },
            None => None,
        };
        let (id, outcome) = save_listing(tx, &org, r).await?;
        if outcome != Outcome::Unchanged {
            let columns = rules::LISTING_COLUMNS;
            let before = before.map(|b| row_json(columns, rules::listing_row(&b), None));
            let after = row_json(columns, rules::listing_row(r), Some(*row));
            audit_row(tx, by, Some(org.id), "listing", id, before, after).await?;
        }
        report.count(outcome);
        progress(i + 1, total);
    }
    Ok(Ok(report))
}

/// Saves figures as accepted reports (a new version when they differ from the accepted
/// ones). `Err` (inside `Ok`) when a row cannot be written: its cooperative vanished, or
/// the cooperative's own report for the period is open (her work is not overwritten).
pub(super) async fn save_reports(
    tx: &mut Tx,
    by: &Operator,
    mut report: Report,
    records: &[&(usize, ketnoi_domain::report::ReportRecord)],
    progress: &mut impl FnMut(usize, usize),
) -> Result<Result<Report, (Report, Vec<RowError>)>, ImportError> {
    use ketnoi_db::reports::Imported;
    let total = records.len();
    progress(0, total);
    let columns = rules::REPORT_COLUMNS;
    for (i, (row, r)) in records.iter().enumerate() {
        let Some(org) = cooperative_by_key(tx, &r.cooperative).await? else {
            return Ok(Err((
                report,
                vec![unknown_cooperative(*row, &r.cooperative)],
            )));
        };
        let w = ketnoi_db::reports::Writer {
            org_id: org.id,
            actor_id: by.actor_id,
            on_behalf_of: None,
        };
        let as_record = |rep: &ketnoi_db::reports::Report| ketnoi_domain::report::ReportRecord {
            cooperative: r.cooperative.clone(),
            period: rep.period,
            figures: rep.figures.clone(),
        };
        let outcome = match ketnoi_db::reports::import(tx, &w, r.period, &r.figures).await? {
            Imported::Created(after) => {
                let after_json =
                    row_json(columns, rules::report_row(&as_record(&after)), Some(*row));
                audit_row(
                    tx,
                    by,
                    Some(org.id),
                    "coop_report",
                    after.id,
                    None,
                    after_json,
                )
                .await?;
                Outcome::Created
            }
            Imported::Corrected { before, after } => {
                let b = row_json(columns, rules::report_row(&as_record(&before)), None);
                let a = row_json(columns, rules::report_row(&as_record(&after)), Some(*row));
                audit_row(tx, by, Some(org.id), "coop_report", after.id, Some(b), a).await?;
                Outcome::Updated
            }
            Imported::Unchanged => Outcome::Unchanged,
            Imported::InProgress(state) => {
                return Ok(Err((
                    report,
                    vec![RowError {
                        row: *row,
                        column: "period".to_owned(),
                        message_vi: format!(
                            "Hợp tác xã «{}» đang tự lập báo cáo kỳ này ({}): không ghi đè; hãy duyệt hoặc trả lại báo cáo đó trước",
                            org.name,
                            state.as_str()
                        ),
                        message_en: format!(
                            "«{}» is writing its own report for this period ({}): not overwritten; accept or return that report first",
                            org.name,
                            state.as_str()
                        ),
                    }],
                )));
            }
        };
        report.count(outcome);
        progress(i + 1, total);
    }
    Ok(Ok(report))
}

/// Keeps training records (append-only): a row already recorded (the same person, role,
/// topic, hours, day, certificate and provider) is left unchanged, so importing the same
/// sheet again adds nothing. A record counts for its cooperative's ward/commune, or, for
/// someone outside a cooperative, for the importing officer's (none for the city).
pub(super) async fn save_training(
    tx: &mut Tx,
    by: &Operator,
    mut report: Report,
    records: &[&(usize, rules::TrainingRecord)],
    found: &mut FoundCooperatives,
    progress: &mut impl FnMut(usize, usize),
) -> Result<Result<Report, (Report, Vec<RowError>)>, ImportError> {
    use ketnoi_db::training::{NewTraining, Source};
    let total = records.len();
    progress(0, total);
    let mut recorded: std::collections::HashSet<String> =
        ketnoi_db::training::list(tx.conn(), None, i64::MAX)
            .await?
            .iter()
            .map(|t| {
                training_key(
                    t.user_id,
                    t.org_id,
                    &t.person_name,
                    (&t.role, &t.topic, t.hours, t.held_on),
                    t.certificate_no.as_deref(),
                    &t.provider,
                )
            })
            .collect();
    let columns = rules::TRAINING_COLUMNS;
    for (i, (row, r)) in records.iter().enumerate() {
        let org = match r.cooperative.as_deref() {
            None => None,
            Some(key) => match found.find(tx, key).await? {
                Found::One(org) => Some(*org),
                Found::Unknown | Found::SameName => {
                    return Ok(Err((report, vec![unknown_training_cooperative(*row, key)])));
                }
            },
        };
        let t = NewTraining {
            person_name: r.person_name.clone(),
            user_id: None,
            org_id: org.as_ref().map(|o| o.id),
            role: r.role,
            topic: r.topic,
            hours: r.hours,
            held_on: r.held_on,
            certificate_no: r.certificate_no.clone(),
            provider: r.provider.clone(),
            event_id: None,
            registration_id: None,
            commune_code: match &org {
                Some(o) => o.commune_code.clone(),
                None => by.scope.commune().map(str::to_owned),
            },
        };
        let key = training_key(
            None,
            t.org_id,
            &t.person_name,
            (t.role.as_str(), t.topic.as_str(), t.hours, t.held_on),
            t.certificate_no.as_deref(),
            &t.provider,
        );
        let outcome = if !recorded.insert(key) {
            Outcome::Unchanged
        } else {
            match ketnoi_db::training::record(tx.conn(), &t, Source::Import, by.actor_id).await? {
                Some(id) => {
                    let after = row_json(columns, rules::training_row(r), Some(*row));
                    audit_row(tx, by, t.org_id, "training_record", id, None, after).await?;
                    Outcome::Created
                }
                None => Outcome::Unchanged,
            }
        };
        report.count(outcome);
        progress(i + 1, total);
    }
    Ok(Ok(report))
}

/// What makes two training records the same: the person (see
/// [`ketnoi_domain::event::person_key`]), what and when, the certificate and the provider
/// (case, spacing and diacritics aside).
pub(super) fn training_key(
    user_id: Option<i64>,
    org_id: Option<i64>,
    name: &str,
    (role, topic, hours, held_on): (&str, &str, i64, chrono::NaiveDate),
    certificate_no: Option<&str>,
    provider: &str,
) -> String {
    let fold = |s: &str| {
        ketnoi_domain::text::fold(s)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "{}|{role}|{topic}|{hours}|{held_on}|{}|{}",
        ketnoi_domain::event::person_key(user_id, org_id, name),
        certificate_no.map(fold).unwrap_or_default(),
        fold(provider),
    )
}

/// A cooperative named by a training row.
#[derive(Debug, Clone)]
pub(super) enum Found {
    One(Box<Org>),
    Unknown,
    /// Several cooperatives have the name the row gives.
    SameName,
}

/// The cooperatives training rows name, each name looked up once: by `external_id`,
/// registration number or slug, else by its name as written (case and spacing aside).
#[derive(Default)]
pub(super) struct FoundCooperatives {
    known: HashMap<String, Found>,
    /// Every cooperative by [`name_key`], read when a row first names one by name.
    by_name: Option<HashMap<String, Vec<Org>>>,
}

impl FoundCooperatives {
    pub(super) async fn find(&mut self, tx: &mut Tx, key: &str) -> Result<Found, DbError> {
        if let Some(found) = self.known.get(key) {
            return Ok(found.clone());
        }
        let found = match cooperative_by_key(tx, key).await? {
            Some(org) => Found::One(Box::new(org)),
            None => {
                if self.by_name.is_none() {
                    let all =
                        ketnoi_db::orgs::cooperatives_in(tx.conn(), &Scope::City, i64::MAX).await?;
                    let mut by_name: HashMap<String, Vec<Org>> = HashMap::new();
                    for org in all {
                        by_name.entry(name_key(&org.name)).or_default().push(org);
                    }
                    self.by_name = Some(by_name);
                }
                match self
                    .by_name
                    .as_ref()
                    .and_then(|m| m.get(&name_key(key)))
                    .map(Vec::as_slice)
                {
                    Some([org]) => Found::One(Box::new(org.clone())),
                    Some([_, _, ..]) => Found::SameName,
                    _ => Found::Unknown,
                }
            }
        };
        self.known.insert(key.to_owned(), found.clone());
        Ok(found)
    }
}

/// A cooperative's name as rows may write it: NFC, case and runs of spaces aside.
pub(super) fn name_key(name: &str) -> String {
    ketnoi_domain::text::clean(name)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
