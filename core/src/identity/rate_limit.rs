//! Rate limit and lock for wrong codes, per staff member and per terminal.
//!
//! The decision is a pure function of the recent failure times, which the store keeps as
//! security events ([`IdentityRepo::failed_code_attempts`]), so every server process sees the
//! same count and a lock holds whichever process the next request lands on.
//!
//! [`IdentityRepo::failed_code_attempts`]: crate::store::IdentityRepo::failed_code_attempts

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::TerminalId;
use crate::ids::StaffId;

/// Whose failures are counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AttemptSubject {
    /// A staff member, wherever they work from.
    Staff(StaffId),
    /// A till or chat, whoever works at it.
    Terminal(TerminalId),
}

impl fmt::Display for AttemptSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Staff(id) => write!(f, "staff:{id}"),
            Self::Terminal(id) => write!(f, "terminal:{id}"),
        }
    }
}

/// How many wrong codes are allowed and what happens after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitPolicy {
    /// Wrong codes allowed within `window` before the lock.
    pub max_failures: u32,
    /// The sliding window failures are counted in.
    pub window: Duration,
    /// How long code entry stays locked after the limit is reached. At least `window`, so
    /// the failures that caused a lock have aged out when it lifts.
    pub lock: Duration,
}

impl Default for RateLimitPolicy {
    /// 5 wrong codes per minute, then 5 minutes locked.
    fn default() -> Self {
        Self { max_failures: 5, window: Duration::minutes(1), lock: Duration::minutes(5) }
    }
}

/// Whether a subject may try a code now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead; this many more wrong codes are allowed in the current window.
    Open {
        /// Wrong codes left before the lock.
        failures_left: u32,
    },
    /// Code entry is locked until the time given.
    Locked {
        /// When code entry opens again.
        until: DateTime<Utc>,
    },
}

impl RateLimitPolicy {
    /// How far back the store must return failures for [`RateLimitPolicy::admit`] to decide.
    #[must_use]
    pub fn lookback(&self) -> Duration {
        self.window + self.lock.max(self.window)
    }

    /// Decides from the times of recent failures (any order; older ones are ignored).
    #[must_use]
    pub fn admit(&self, failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Admission {
        let max = usize::try_from(self.max_failures.max(1)).unwrap_or(usize::MAX);
        let lock = self.lock.max(self.window);
        let mut times: Vec<DateTime<Utc>> =
            failures.iter().copied().filter(|t| *t > now - self.lookback() && *t <= now).collect();
        times.sort_unstable();
        // Any `max` failures inside one window lock until `lock` after the last of them.
        let locked_until =
            times.windows(max).filter(|run| run[max - 1] - run[0] < self.window).map(|run| run[max - 1] + lock).max();
        if let Some(until) = locked_until.filter(|until| *until > now) {
            return Admission::Locked { until };
        }
        let in_window = times.iter().filter(|t| **t > now - self.window).count();
        Admission::Open { failures_left: u32::try_from(max.saturating_sub(in_window)).unwrap_or(0) }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn five_wrong_in_a_minute_lock_for_five_minutes() {
        let policy = RateLimitPolicy::default();
        let mut failures = Vec::new();
        for i in 0..4 {
            failures.push(t(i * 10));
            assert_eq!(
                policy.admit(&failures, t(i * 10 + 1)),
                Admission::Open { failures_left: 4 - u32::try_from(i).unwrap() }
            );
        }
        failures.push(t(45));
        assert_eq!(policy.admit(&failures, t(46)), Admission::Locked { until: t(45 + 300) });
        assert_eq!(policy.admit(&failures, t(344)), Admission::Locked { until: t(345) });
        assert_eq!(policy.admit(&failures, t(345)), Admission::Open { failures_left: 5 });
    }

    #[test]
    fn slow_failures_never_lock() {
        let policy = RateLimitPolicy::default();
        let failures: Vec<_> = (0..20).map(|i| t(i * 15)).collect();
        assert!(matches!(policy.admit(&failures, t(300)), Admission::Open { failures_left: 2 }));
        let spread: Vec<_> = (0..20).map(|i| t(i * 16)).collect();
        assert!(matches!(policy.admit(&spread, t(320)), Admission::Open { .. }));
    }
}
