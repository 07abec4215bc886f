//! The mock's virtual clock: real time plus an offset the control plane can advance, and glide date-times.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::macros::format_description;

/// Seconds since the Unix epoch.
pub type VirtualInstant = i64;

/// Wall-clock time shifted by an offset, so expiry is tested without sleeping. One per running mock, read
/// by every request without taking the instance's lock.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> VirtualInstant {
        real_now().saturating_add(self.offset_seconds())
    }

    /// Moves virtual time forward (never backwards: a negative amount is ignored).
    pub fn advance(&self, seconds: i64) {
        let _ = self
            .offset_seconds
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |offset| {
                Some(offset.saturating_add(seconds.max(0)))
            });
    }

    /// Back to real time, as the mock started.
    pub fn rewind(&self) {
        self.offset_seconds.store(0, Ordering::Release);
    }

    pub fn offset_seconds(&self) -> i64 {
        self.offset_seconds.load(Ordering::Acquire)
    }
}

/// Real time, in seconds since the Unix epoch (0 if the system clock is set before it).
pub fn real_now() -> VirtualInstant {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Formats an instant as ServiceNow stores date-times: `YYYY-MM-DD HH:MM:SS` in UTC; empty when out of
/// range. Written digit by digit: every issued token formats two of these.
pub fn glide_datetime(instant: VirtualInstant) -> String {
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
pub fn parse_glide_datetime(text: &str) -> Option<VirtualInstant> {
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

    #[test]
    fn advancing_moves_now_forward_only_and_rewinding_returns_to_real_time() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(3600);
        clock.advance(-7200);
        assert!(clock.now() - before >= 3600);
        assert_eq!(clock.offset_seconds(), 3600);
        clock.rewind();
        assert_eq!(clock.offset_seconds(), 0);
        assert!(clock.now() - real_now() <= 1);
    }
}
