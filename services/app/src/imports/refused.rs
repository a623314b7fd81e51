//! The rows an operator may not import: cooperatives outside her ward/commune, unknown
//! cooperatives, and the row errors that say so.

use super::save::FoundCooperatives;
use super::*;

/// The report rows the operator may not write: unknown cooperative, or outside her scope.
pub(super) async fn reports_refused(
    tx: &mut Tx,
    scope: &Scope,
    records: &[(usize, ketnoi_domain::report::ReportRecord)],
) -> Result<Vec<RowError>, ImportError> {
    let mut errors = Vec::new();
    for (row, r) in records {
        match cooperative_by_key(tx, &r.cooperative).await? {
            None => errors.push(unknown_cooperative(*row, &r.cooperative)),
            Some(org) if !scope.covers(org.commune_code.as_deref()) => {
                errors.push(outside_scope(*row, "cooperative", &org.name));
            }
            Some(_) => {}
        }
    }
    Ok(errors)
}

/// The training rows the operator may not write: their cooperative is unknown, its name is
/// shared by several, or it is outside her scope. Rows without a cooperative count for her
/// own ward/commune, so they are always hers to import.
pub(super) async fn training_refused(
    tx: &mut Tx,
    scope: &Scope,
    records: &[(usize, rules::TrainingRecord)],
    found: &mut FoundCooperatives,
) -> Result<Vec<RowError>, ImportError> {
    let mut errors = Vec::new();
    for (row, r) in records {
        let Some(key) = r.cooperative.as_deref() else {
            continue;
        };
        match found.find(tx, key).await? {
            Found::Unknown => errors.push(unknown_training_cooperative(*row, key)),
            Found::SameName => errors.push(RowError {
                row: *row,
                column: "cooperative".to_owned(),
                message_vi: format!(
                    "Có nhiều hợp tác xã cùng tên «{key}»: hãy ghi mã (slug) của hợp tác xã thay cho tên"
                ),
                message_en: format!(
                    "Several cooperatives are named «{key}»: give the cooperative's slug instead of its name"
                ),
            }),
            Found::One(org) if !scope.covers(org.commune_code.as_deref()) => {
                errors.push(outside_scope(*row, "cooperative", &org.name));
            }
            Found::One(_) => {}
        }
    }
    Ok(errors)
}

pub(super) fn unknown_training_cooperative(row: usize, key: &str) -> RowError {
    RowError {
        row,
        column: "cooperative".to_owned(),
        message_vi: format!(
            "Không tìm thấy hợp tác xã «{key}»: hãy ghi đúng tên hoặc mã (slug) của hợp tác xã, hoặc để trống nếu người này không thuộc hợp tác xã nào"
        ),
        message_en: format!(
            "No cooperative «{key}»: give the cooperative's exact name or its slug, or leave the cell empty for someone outside any cooperative"
        ),
    }
}

/// The cooperative rows the operator may not write: the row puts the cooperative in a
/// ward/commune outside her scope, or the cooperative it updates is outside it now.
pub(super) async fn cooperatives_outside(
    tx: &mut Tx,
    scope: &Scope,
    records: &[(usize, CooperativeRecord)],
) -> Result<Vec<RowError>, ImportError> {
    let mut errors = Vec::new();
    if *scope == Scope::City {
        return Ok(errors);
    }
    for (row, r) in records {
        let existing = ketnoi_db::orgs::find_by_key(
            tx.conn(),
            r.external_id.as_deref(),
            r.registration_no.as_deref(),
        )
        .await?;
        let inside = scope.covers(Some(&r.commune_code))
            && existing.is_none_or(|o| scope.covers(o.commune_code.as_deref()));
        if !inside {
            errors.push(outside_scope(*row, "commune_code", &r.name));
        }
    }
    Ok(errors)
}

/// The listing rows that cannot be saved: their cooperative is unknown (by `external_id`,
/// registration number or slug), or it is outside the operator's scope, or the listing the
/// row updates belongs to a cooperative outside it. Each key is looked up once.
pub(super) async fn listings_refused(
    tx: &mut Tx,
    scope: &Scope,
    records: &[(usize, ListingRecord)],
) -> Result<Vec<RowError>, ImportError> {
    let mut known: HashMap<&str, Option<Org>> = HashMap::new();
    let mut errors = Vec::new();
    for (row, r) in records {
        let key = r.cooperative.as_str();
        let org = match known.get(key) {
            Some(org) => org.clone(),
            None => {
                let org = cooperative_by_key(tx, key).await?;
                known.insert(key, org.clone());
                org
            }
        };
        let Some(org) = org else {
            errors.push(unknown_cooperative(*row, key));
            continue;
        };
        if !scope.covers(org.commune_code.as_deref()) {
            errors.push(outside_scope(*row, "cooperative", &org.name));
            continue;
        }
        if *scope != Scope::City
            && let Some(x) = r.external_id.as_deref()
            && let Some(l) = ketnoi_db::listings::find_by_external_id(tx.conn(), x).await?
            && l.org_id != org.id
        {
            let owner = ketnoi_db::orgs::find(tx.conn(), l.org_id).await?;
            if owner.is_none_or(|o| !scope.covers(o.commune_code.as_deref())) {
                errors.push(outside_scope(*row, "external_id", &org.name));
            }
        }
    }
    Ok(errors)
}

pub(super) fn outside_scope(row: usize, column: &str, name: &str) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        message_vi: format!(
            "Ngoài phạm vi của bạn: «{name}» thuộc phường/xã khác; hãy nhờ cán bộ Hội ở đó hoặc cán bộ thành phố nhập dòng này"
        ),
        message_en: format!(
            "Outside your area: «{name}» is in another ward/commune; ask an officer there or a city officer to import this row"
        ),
    }
}

pub(super) fn unknown_cooperative(row: usize, key: &str) -> RowError {
    RowError {
        row,
        column: "cooperative".to_owned(),
        message_vi: format!(
            "Không tìm thấy hợp tác xã «{key}»: hãy nhập hợp tác xã trước, hoặc ghi đúng mã external_id, số đăng ký hoặc slug của hợp tác xã"
        ),
        message_en: format!(
            "No cooperative «{key}»: import the cooperatives first, or give its external_id, registration number or slug"
        ),
    }
}
