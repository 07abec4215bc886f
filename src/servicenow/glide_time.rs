//! Time as ServiceNow shows it: glide date-times (`YYYY-MM-DD HH:MM:SS`, UTC) and real time in Unix seconds.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::macros::format_description;

/// Seconds since the Unix epoch.
pub(crate) type UnixSeconds = i64;

/// Real time, in seconds since the Unix epoch (0 if the system clock is set before it).
pub(crate) fn real_now() -> UnixSeconds {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Formats an instant as ServiceNow stores date-times: `YYYY-MM-DD HH:MM:SS` in UTC; empty when out of
/// range. Written digit by digit: every issued token formats two of these.
pub(crate) fn glide_datetime(instant: UnixSeconds) -> String {
    let Ok(moment) = OffsetDateTime::from_unix_timestamp(instant) else {
        return String::new();
    };
    let Some(year) = u16::try_from(moment.year())
        .ok()
        .filter(|year| *year <= 9999)
    else {
        let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        return moment.format(&format).unwrap_or_default();
    };
    let (hour, minute, second) = moment.to_hms();
    let pairs = [
        year / 100,
        year % 100,
        u8::from(moment.month()).into(),
        moment.day().into(),
        hour.into(),
        minute.into(),
        second.into(),
    ];
    let after = ["", "-", "-", " ", ":", ":", ""];
    let mut text = String::with_capacity(19);
    for (pair, separator) in pairs.into_iter().zip(after) {
        text.push(char::from(b'0' + (pair / 10) as u8));
        text.push(char::from(b'0' + (pair % 10) as u8));
        text.push_str(separator);
    }
    text
}

/// Parses a glide date-time back into an instant; `None` when it is not one.
pub(crate) fn parse_glide_datetime(text: &str) -> Option<UnixSeconds> {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(|moment| moment.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_glide_datetimes() {
        assert_eq!(glide_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(glide_datetime(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(glide_datetime(253_402_300_799), "9999-12-31 23:59:59");
        assert_eq!(glide_datetime(-62_135_596_800), "0001-01-01 00:00:00");
        assert_eq!(glide_datetime(-62_198_755_200), "-0001-01-01 00:00:00");
        assert_eq!(glide_datetime(i64::MAX), "");
        assert_eq!(
            parse_glide_datetime("2023-11-14 22:13:20"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_glide_datetime("yesterday"), None);
    }
}
