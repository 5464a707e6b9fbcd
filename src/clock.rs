//! The one clock of the service. "Today" is counted in the configured time
//! zone; tests replace the clock to move time.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

#[derive(Clone)]
pub struct Clock {
    zone: Tz,
    /// Added to the system time; only tests set it.
    offset: Arc<RwLock<Duration>>,
}

impl Clock {
    pub fn new(zone: Tz) -> Self {
        Self {
            zone,
            offset: Arc::new(RwLock::new(Duration::zero())),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let offset = *self
            .offset
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Utc::now() + offset
    }

    /// Now as the database stores it: UTC, without an offset.
    pub fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc()
    }

    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.zone).date_naive()
    }

    /// Moves the clock forward (or back) by `by`; for tests.
    pub fn advance(&self, by: Duration) {
        let mut offset = self
            .offset
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *offset += by;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_counted_in_the_configured_zone() {
        let clock = Clock::new(chrono_tz::Asia::Seoul);
        let seoul_today = Utc::now()
            .with_timezone(&chrono_tz::Asia::Seoul)
            .date_naive();
        assert_eq!(clock.today(), seoul_today);
    }

    #[test]
    fn advancing_moves_now_and_today() {
        let clock = Clock::new(chrono_tz::Asia::Seoul);
        let before = clock.today();
        clock.advance(Duration::days(3));
        assert_eq!(clock.today(), before + Duration::days(3));
    }
}
