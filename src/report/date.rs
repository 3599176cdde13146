//! Dates of bounces as Unix seconds: parsed from RFC 3339 (`2024-05-01T10:00:00Z`)
//! or RFC 2822 (`Wed, 1 May 2024 10:00:00 +0200`, as in an email's `Date:`),
//! and written back as RFC 3339 in UTC.
//!
//! ```
//! use rebound::report::date;
//!
//! let a = date::parse("2024-05-01T10:00:00+02:00").unwrap();
//! let b = date::parse("Wed, 1 May 2024 08:00:00 +0000").unwrap();
//! assert_eq!(a, b);
//! assert_eq!(date::format(a), "2024-05-01T08:00:00Z");
//! assert_eq!(date::format_day(date::day(a)), "2024-05-01");
//! assert_eq!(date::parse("yesterday"), None);
//! ```

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Parses an RFC 3339 or RFC 2822 date into Unix seconds; `None` when the
/// text is neither or names an impossible date.
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        if let Some(t) = parse_rfc3339(text) {
            return Some(t);
        }
    }
    let dt = mail_parser::DateTime::parse_rfc822(text)?;
    let valid = dt.is_valid() && u32::from(dt.day) <= days_in_month(i64::from(dt.year), u32::from(dt.month));
    valid.then(|| dt.to_timestamp())
}

/// The time at the start of an MTA log line, in Unix seconds: an RFC 3339
/// stamp (`2024-05-01T10:00:00.123+02:00 mx postfix/...`, rsyslog's high
/// precision format), Exim's `2024-05-01 10:00:00` (taken as UTC), or the
/// classic syslog `May  1 10:00:00`, which has no year: the year is the one
/// of `now` (Unix seconds), or the one before when that would put the line
/// more than a day after `now`.
///
/// ```
/// use rebound::report::date::{self, parse_log_prefix};
/// let now = date::parse("2024-06-01T00:00:00Z").unwrap();
/// let t = |line: &str| parse_log_prefix(line, now).map(date::format);
/// assert_eq!(t("2024-05-01T10:00:00.5+02:00 mx postfix/smtp[1]: ..."), Some("2024-05-01T08:00:00Z".into()));
/// assert_eq!(t("2024-05-01 10:00:00 1rVabc-000Xyz-1A ** bob@example.net ..."), Some("2024-05-01T10:00:00Z".into()));
/// assert_eq!(t("May  1 10:00:00 mx postfix/smtp[1]: ..."), Some("2024-05-01T10:00:00Z".into()));
/// assert_eq!(t("Dec 31 23:00:00 mx postfix/smtp[1]: ..."), Some("2023-12-31T23:00:00Z".into()));
/// assert_eq!(t("postfix/smtp[1]: no stamp"), None);
/// ```
pub fn parse_log_prefix(line: &str, now: i64) -> Option<i64> {
    let first = line.split_ascii_whitespace().next()?;
    if first.len() > 10 {
        if let Some(t) = parse_rfc3339(first) {
            return Some(t);
        }
    }
    let b = line.as_bytes();
    if b.len() >= 19 && first.len() == 10 && b[10] == b' ' {
        return parse_rfc3339(&format!("{}T{}Z", &line[..10], line.get(11..19)?));
    }
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| line.starts_with(m))? as u32 + 1;
    let rest = line.get(3..15)?;
    let day: u32 = rest.get(..3)?.trim().parse().ok()?;
    let clock = rest.get(4..12)?;
    let (year, ..) = civil_from_days(day_of(now));
    for y in [year, year - 1] {
        if day == 0 || day > days_in_month(y, month) {
            continue;
        }
        let t = parse_rfc3339(&format!("{y:04}-{month:02}-{day:02}T{clock}Z"))?;
        if t <= now + DAY {
            return Some(t);
        }
    }
    None
}

fn day_of(t: i64) -> i64 {
    t.div_euclid(DAY)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac](Z|±HH:MM)`, or a bare `YYYY-MM-DD` (midnight UTC).
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(i64::from(year), month) {
        return None;
    }
    let date = days_from_civil(i64::from(year), month, day) * DAY;
    if b.len() == 10 {
        return Some(date);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            if sign == b'+' {
                secs
            } else {
                -secs
            }
        }
        _ => return None,
    };
    Some(date + i64::from(hour * 3600 + minute * 60 + second) - offset)
}

/// The day number (days since 1970-01-01) of a time.
pub fn day(t: i64) -> i64 {
    t.div_euclid(DAY)
}

/// A time as RFC 3339 in UTC: `2024-05-01T08:00:00Z`.
pub fn format(t: i64) -> String {
    let secs = t.rem_euclid(DAY);
    format!("{}T{:02}:{:02}:{:02}Z", format_day(day(t)), secs / 3600, secs / 60 % 60, secs % 60)
}

/// A day number as `YYYY-MM-DD`.
pub fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_forms() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("1970-01-01 00:00:01.250Z"), Some(1));
        assert_eq!(parse("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse("2024-02-29"), Some(days_from_civil(2024, 2, 29) * DAY));
        for bad in ["2023-02-29", "2024-13-01", "2024-05-01T24:00:00Z", "2024-05-01T10:00:00", "2024-05-01T10:00Z", ""]
        {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc2822_forms() {
        assert_eq!(parse("Thu, 01 Jan 1970 00:00:00 +0000"), Some(0));
        assert_eq!(parse("Thu, 1 Jan 1970 01:00:00 +0100 (CET)"), Some(0));
        assert_eq!(parse("Mon, 31 Feb 2020 00:00:00 +0000"), None);
    }

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 11_016, 19_844, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(format(-1), "1969-12-31T23:59:59Z");
    }
}
