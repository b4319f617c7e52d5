//! The time zone `usage` counts days and months in: the user's local zone
//! by default, or one named with `--tz`.
//!
//! The index keeps totals per UTC quarter hour ([`SLOT_SECS`]), so any zone
//! whose offsets are whole quarter hours (every zone in use today, daylight
//! saving time included) gets exact days from it without re-reading a
//! transcript.

use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

/// The length of the index's time slots: every UTC offset in use today is
/// a whole number of quarter hours (India +05:30, Nepal +05:45, Chatham
/// +12:45), so a local midnight always falls on a slot boundary.
pub const SLOT_SECS: i64 = 15 * 60;

/// A time zone and the name it is shown under.
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

/// A `--tz` value that names no time zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error("unknown time zone {0:?}: use an IANA name such as Europe/Berlin or America/Los_Angeles, UTC, or an offset such as +05:30")]
    Unknown(String),
    #[error("time zone offset {0:?} is not a whole number of quarter hours (such as +05:30 or -03:45)")]
    OffsetNotQuarterHour(String),
    #[error("time zone offset {0:?} is out of range (-12:00 to +14:00)")]
    OffsetOutOfRange(String),
}

/// `TZ` is set but names no zone.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot tell the local time zone: TZ={tz:?} names none ({reason})")]
pub struct LocalZoneError {
    /// The `TZ` environment variable.
    pub tz: String,
    reason: String,
}

impl Zone {
    /// UTC.
    pub fn utc() -> Self {
        Self { name: "UTC".to_string(), tz: TimeZone::UTC }
    }

    /// The user's local zone: `TZ` when set (an IANA name, a POSIX rule or
    /// a TZif path), else `/etc/localtime` on Linux and macOS, or the
    /// system setting on Windows (jiff's `TimeZone::try_system`).
    ///
    /// With no `TZ` and no readable system zone (a container without
    /// `/etc/localtime`), the zone is UTC, as freedesktop.org's
    /// localtime(5) prescribes.
    ///
    /// # Errors
    /// `TZ` is set but names no zone: callers fall back to [`Zone::utc`]
    /// and say so.
    pub fn local() -> Result<Self, LocalZoneError> {
        let env_tz = std::env::var_os("TZ").map(|t| t.to_string_lossy().into_owned());
        let tz = match TimeZone::try_system() {
            Ok(tz) => tz,
            Err(e) => match env_tz {
                None => return Ok(Self::utc()),
                Some(tz) => return Err(LocalZoneError { tz, reason: e.to_string() }),
            },
        };
        let name = match (tz.iana_name(), &env_tz) {
            (Some(n), _) => n.to_string(),
            // `TZ=` means UTC by convention (jiff follows it).
            (None, Some(t)) if t.is_empty() => "UTC".to_string(),
            // A POSIX rule (`TZ=CET-1CEST,M3.5.0,M10.5.0/3`) or a file path.
            (None, Some(t)) => t.trim_start_matches(':').to_string(),
            (None, None) => "local".to_string(),
        };
        Ok(Self { name, tz })
    }

    /// A zone from `--tz`: an IANA name (`Europe/Berlin`), `UTC`, or a fixed
    /// offset from UTC (`+05:30`, `-0800`, `+01`).
    ///
    /// # Errors
    /// The name is no zone known to the system's time zone database, or
    /// the offset is malformed, out of range or not whole quarter hours.
    pub fn parse(s: &str) -> Result<Self, ZoneError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("z") {
            return Ok(Self::utc());
        }
        if s.starts_with(['+', '-']) {
            let offset = parse_offset(s)?;
            return Ok(Self { name: offset.to_string(), tz: TimeZone::fixed(offset) });
        }
        let tz = TimeZone::get(s).map_err(|_| ZoneError::Unknown(s.to_string()))?;
        let name = tz.iana_name().unwrap_or(s).to_string();
        Ok(Self { name, tz })
    }

    /// The name the zone is shown under: its IANA name, `UTC`, or an offset.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local date (`YYYY-MM-DD`) at `unix_seconds`.
    pub fn date_of(&self, unix_seconds: i64) -> String {
        Timestamp::from_second(unix_seconds)
            .map_or_else(|_| "unknown".to_string(), |t| self.tz.to_datetime(t).date().to_string())
    }

    /// Today's local date (`YYYY-MM-DD`) at `now`.
    pub fn today(&self, now: time::OffsetDateTime) -> String {
        self.date_of(now.unix_timestamp())
    }
}

/// `+05:30`, `+0530`, `+05` or `-08:00`, whole quarter hours from -12:00
/// to +14:00 (the offsets in use on Earth).
fn parse_offset(s: &str) -> Result<Offset, ZoneError> {
    let unknown = || ZoneError::Unknown(s.to_string());
    let (sign, rest) = s.split_at(1);
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    let colons = rest.matches(':').count();
    let valid_shape = digits.chars().all(|c| c.is_ascii_digit())
        && match digits.len() {
            2 => colons == 0,
            4 => colons == 0 || (colons == 1 && rest.find(':') == Some(2)),
            _ => false,
        };
    if !valid_shape {
        return Err(unknown());
    }
    let hours: i32 = digits[..2].parse().map_err(|_| unknown())?;
    let minutes: i32 = match digits.get(2..) {
        Some(m) if !m.is_empty() => m.parse().map_err(|_| unknown())?,
        _ => 0,
    };
    if minutes >= 60 {
        return Err(unknown());
    }
    let mut seconds = hours * 3600 + minutes * 60;
    if sign == "-" {
        seconds = -seconds;
    }
    if !(-12 * 3600..=14 * 3600).contains(&seconds) {
        return Err(ZoneError::OffsetOutOfRange(s.to_string()));
    }
    if i64::from(seconds) % SLOT_SECS != 0 {
        return Err(ZoneError::OffsetNotQuarterHour(s.to_string()));
    }
    Offset::from_seconds(seconds).map_err(|_| ZoneError::OffsetOutOfRange(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
    }

    #[test]
    fn a_late_utc_evening_is_the_next_day_east_and_the_same_day_west() {
        let t = at("2026-11-29T23:30:00Z");
        let day = |z: &str| Zone::parse(z).unwrap().date_of(t);
        assert_eq!(day("UTC"), "2026-11-29");
        assert_eq!(day("Europe/Berlin"), "2026-11-30", "00:30 CET");
        assert_eq!(day("America/Los_Angeles"), "2026-11-29", "15:30 PST");
        assert_eq!(day("+05:30"), "2026-11-30", "05:00 IST");
        assert_eq!(day("-0800"), "2026-11-29");
    }

    #[test]
    fn dst_changes_move_midnight_by_an_hour() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        // 2026-10-25: CEST (+02) ends at 01:00 UTC; the day has 25 hours,
        // 2026-10-24T22:00Z to 2026-10-25T23:00Z.
        assert_eq!(berlin.date_of(at("2026-10-24T21:59:59Z")), "2026-10-24", "23:59:59 CEST");
        assert_eq!(berlin.date_of(at("2026-10-24T22:00:00Z")), "2026-10-25", "midnight CEST");
        assert_eq!(berlin.date_of(at("2026-10-25T22:59:59Z")), "2026-10-25", "23:59:59 CET");
        assert_eq!(berlin.date_of(at("2026-10-25T23:00:00Z")), "2026-10-26", "midnight CET");
        // 2026-03-29: CEST begins; the day has 23 hours, from 2026-03-28T23:00Z.
        assert_eq!(berlin.date_of(at("2026-03-28T22:59:59Z")), "2026-03-28");
        assert_eq!(berlin.date_of(at("2026-03-28T23:00:00Z")), "2026-03-29");
        assert_eq!(berlin.date_of(at("2026-03-29T21:59:59Z")), "2026-03-29");
        assert_eq!(berlin.date_of(at("2026-03-29T22:00:00Z")), "2026-03-30");
    }

    #[test]
    fn zone_names_and_offsets() {
        assert_eq!(Zone::parse("utc").unwrap().name(), "UTC");
        assert_eq!(Zone::parse("Europe/Berlin").unwrap().name(), "Europe/Berlin");
        assert_eq!(Zone::parse("+05:30").unwrap().name(), "+05:30");
        assert_eq!(Zone::parse("+0545").unwrap().name(), "+05:45");
        assert_eq!(Zone::parse("-03").unwrap().name(), "-03");
        assert_eq!(Zone::parse("Mars/Olympus_Mons").unwrap_err(), ZoneError::Unknown("Mars/Olympus_Mons".into()));
        assert_eq!(Zone::parse("+5:30").unwrap_err(), ZoneError::Unknown("+5:30".into()));
        assert_eq!(Zone::parse("+05:60").unwrap_err(), ZoneError::Unknown("+05:60".into()));
        assert_eq!(Zone::parse("+05:17").unwrap_err(), ZoneError::OffsetNotQuarterHour("+05:17".into()));
        assert_eq!(Zone::parse("+15:00").unwrap_err(), ZoneError::OffsetOutOfRange("+15:00".into()));
        assert!(Zone::parse("").is_err());
    }

    #[test]
    fn every_zone_in_the_database_changes_day_on_a_slot_boundary() {
        // The index's quarter-hour slots give exact days only if every
        // zone's offset is whole quarter hours: check the system's
        // database over the years the index will hold.
        let from = Timestamp::from_second(at("2024-01-01T00:00:00Z")).unwrap();
        let to = Timestamp::from_second(at("2030-01-01T00:00:00Z")).unwrap();
        let mut zones = 0;
        for name in jiff::tz::db().available() {
            let Ok(tz) = TimeZone::get(name.as_str()) else { continue };
            zones += 1;
            let first = tz.to_offset(from).seconds();
            assert_eq!(i64::from(first) % SLOT_SECS, 0, "{name} in 2024: offset {first} s");
            for t in tz.following(from).take_while(|t| t.timestamp() < to) {
                let off = t.offset().seconds();
                assert_eq!(i64::from(off) % SLOT_SECS, 0, "{name} from {}: offset {off} s", t.timestamp());
            }
        }
        assert!(zones > 300, "the system's time zone database was read: {zones} zones");
    }
}
