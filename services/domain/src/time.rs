//! Times are stored in UTC and shown in Hanoi time (UTC+7, no daylight saving).

use chrono::{DateTime, FixedOffset, Utc};

/// Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975, so a fixed offset is
/// exact and saves shipping a time-zone database.
pub const HANOI: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+7 is a valid offset"),
};

/// Asia/Ho_Chi_Minh's offset from UTC in minutes (no daylight saving time).
pub const HANOI_OFFSET_MINUTES: i64 = 7 * 60;

pub fn hanoi() -> FixedOffset {
    HANOI
}

/// `dd/mm/yyyy HH:MM` in Hanoi time, the way Vietnamese documents write dates.
pub fn format_hanoi(t: DateTime<Utc>) -> String {
    t.with_timezone(&hanoi())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// `HH:MM dd/mm` in Hanoi time: when a message was sent, as a conversation shows it.
pub fn format_hanoi_short(t: DateTime<Utc>) -> String {
    t.with_timezone(&hanoi()).format("%H:%M %d/%m").to_string()
}

/// `dd/mm/yyyy` in Hanoi time.
pub fn format_hanoi_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&hanoi()).format("%d/%m/%Y").to_string()
}

/// Today's date in Hanoi; badges expire by this calendar, not by UTC's.
pub fn today_hanoi() -> chrono::NaiveDate {
    Utc::now().with_timezone(&HANOI).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn late_utc_evening_is_next_morning_in_hanoi() {
        let t = Utc.with_ymd_and_hms(2026, 11, 26, 20, 30, 0).single();
        assert_eq!(t.map(format_hanoi), Some("27/11/2026 03:30".to_owned()));
    }
}
