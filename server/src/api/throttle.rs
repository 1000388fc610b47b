//! Login throttling: per login name, per client address and per terminal, with governor's
//! keyed GCRA limiters (no hand-made counters). An attempt over the limit is refused before
//! the password is even hashed, answered 429 with `Retry-After`.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use regulars_core::Error;

/// Attempts a login name may make in a burst, then one more every 12 seconds: enough for a
/// person mistyping, far too few for guessing.
const PER_LOGIN_BURST: u32 = 5;
const PER_LOGIN_EVERY: Duration = Duration::from_secs(12);
/// Attempts one address may make (a shared office or cafe Wi-Fi has several people).
const PER_ADDRESS_BURST: u32 = 20;
const PER_ADDRESS_EVERY: Duration = Duration::from_secs(3);
/// PIN attempts one terminal may make: a 4-digit PIN has only 10,000 values.
const PER_TERMINAL_BURST: u32 = 5;
const PER_TERMINAL_EVERY: Duration = Duration::from_secs(20);
/// Keys kept before stale ones are dropped.
const MAX_KEYS: usize = 10_000;

/// The limiters of one server process.
#[derive(Debug)]
pub struct Throttle {
    logins: DefaultKeyedRateLimiter<String>,
    addresses: DefaultKeyedRateLimiter<String>,
    terminals: DefaultKeyedRateLimiter<String>,
}

fn quota(burst: u32, every: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(every).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN)).allow_burst(burst)
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            logins: RateLimiter::keyed(quota(PER_LOGIN_BURST, PER_LOGIN_EVERY)),
            addresses: RateLimiter::keyed(quota(PER_ADDRESS_BURST, PER_ADDRESS_EVERY)),
            terminals: RateLimiter::keyed(quota(PER_TERMINAL_BURST, PER_TERMINAL_EVERY)),
        }
    }
}

impl Throttle {
    /// Counts a password login attempt for `login` from `address`.
    ///
    /// # Errors
    /// [`Error::RateLimited`] saying when to try again.
    pub fn password_attempt(&self, login: &str, address: &str) -> Result<(), Error> {
        check(&self.addresses, address, "sign-ins from this address")?;
        check(&self.logins, login, "sign-ins to this account")
    }

    /// Counts a PIN attempt on `terminal` from `address`.
    ///
    /// # Errors
    /// [`Error::RateLimited`] saying when to try again.
    pub fn pin_attempt(&self, terminal: &str, address: &str) -> Result<(), Error> {
        check(&self.addresses, address, "sign-ins from this address")?;
        check(&self.terminals, terminal, "PIN attempts on this terminal")
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<String>, key: &str, what: &str) -> Result<(), Error> {
    if limiter.len() > MAX_KEYS {
        limiter.retain_recent();
    }
    limiter.check_key(&key.to_owned()).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        Error::RateLimited { message: format!("too many {what}"), retry_after_seconds: wait.as_secs().max(1) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_throttled_after_its_burst_and_others_are_not() {
        let throttle = Throttle::default();
        for _ in 0..PER_LOGIN_BURST {
            throttle.password_attempt("ana", "10.0.0.1").unwrap();
        }
        let e = throttle.password_attempt("ana", "10.0.0.1").unwrap_err();
        assert!(
            matches!(e, Error::RateLimited { retry_after_seconds, .. } if (1..=12).contains(&retry_after_seconds)),
            "{e}"
        );
        throttle.password_attempt("milan", "10.0.0.1").unwrap();
        for _ in 0..PER_TERMINAL_BURST {
            throttle.pin_attempt("terminal:1", "10.0.0.2").unwrap();
        }
        assert!(throttle.pin_attempt("terminal:1", "10.0.0.2").is_err());
    }
}
