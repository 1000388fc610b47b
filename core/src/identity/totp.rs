//! Rotating till codes: RFC 6238 TOTP with HMAC-SHA256, 30 s steps, 6 digits (totp-rs).
//!
//! Verification accepts one step of clock skew either way. A code from up to
//! [`EXPIRED_LOOKBACK_STEPS`] steps earlier is reported as expired rather than wrong, so the
//! till can say "ask the guest to refresh" instead of suggesting a typo. Refusing a step that
//! was already accepted is the store's job ([`IdentityRepo::accept_totp_step`]), since only the
//! database sees every server process.
//!
//! [`IdentityRepo::accept_totp_step`]: crate::store::IdentityRepo::accept_totp_step

use std::fmt;

use chrono::{DateTime, TimeZone as _, Utc};
use subtle::ConstantTimeEq as _;
use totp_rs::{Algorithm, Builder, Totp};

use crate::identity::secret::TotpSecret;
use crate::{Error, Result};

/// Seconds per TOTP step.
pub const STEP_SECONDS: u64 = 30;
/// Digits in a till code.
pub const CODE_DIGITS: u8 = 6;
/// Steps of clock skew accepted either side of the current one.
pub const SKEW_STEPS: u64 = 1;
/// How many steps before the accepted window a code still counts as "expired" rather than
/// "wrong" (5 minutes): enough for a guest who kept a stale screen open.
pub const EXPIRED_LOOKBACK_STEPS: u64 = 10;

/// A TOTP time step: Unix seconds divided by [`STEP_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeStep(u64);

impl TimeStep {
    /// The step `at` falls in. Times before 1970 clamp to step 0.
    #[must_use]
    pub fn at(at: DateTime<Utc>) -> Self {
        Self(u64::try_from(at.timestamp()).unwrap_or(0) / STEP_SECONDS)
    }

    /// A step from its number.
    #[must_use]
    pub fn new(step: u64) -> Self {
        Self(step)
    }

    /// A step read back from storage (`BIGINT`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `totp_step` when negative.
    pub fn from_i64(step: i64) -> Result<Self> {
        u64::try_from(step).map(Self).map_err(|_| Error::invalid("totp_step", "must not be negative"))
    }

    /// The step number.
    #[must_use]
    pub fn get(self) -> u64 {
        self.0
    }

    /// The step number for storage (`BIGINT`); steps stay far below `i64::MAX`.
    #[must_use]
    pub fn as_i64(self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }

    /// The first second of the step.
    #[must_use]
    pub fn starts_at(self) -> DateTime<Utc> {
        let secs = i64::try_from(self.0.saturating_mul(STEP_SECONDS)).unwrap_or(i64::MAX);
        Utc.timestamp_opt(secs, 0).single().unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The first second of the next step: when a code shown now stops being current.
    #[must_use]
    pub fn ends_at(self) -> DateTime<Utc> {
        self.offset(1).starts_at()
    }

    /// The step `delta` steps later (or earlier when negative), saturating at 0.
    #[must_use]
    pub fn offset(self, delta: i64) -> Self {
        Self(self.0.saturating_add_signed(delta))
    }

    fn unix_seconds(self) -> u64 {
        self.0.saturating_mul(STEP_SECONDS)
    }
}

/// Six digits shown on a guest's card. `Debug` hides the digits: a live code is a credential
/// for about a minute and has no business in logs.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TillCode(u32);

impl TillCode {
    /// Parses what a barista typed or a scanner read: exactly six digits; spaces and dashes
    /// between them (`123 456`, `123-456`) are ignored.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `code`.
    pub fn parse(s: &str) -> Result<Self> {
        let mut value = 0u32;
        let mut digits = 0u8;
        for b in s.trim().bytes() {
            match b {
                b'0'..=b'9' if digits < CODE_DIGITS => {
                    value = value * 10 + u32::from(b - b'0');
                    digits += 1;
                }
                b' ' | b'-' => {}
                _ => return Err(Error::invalid("code", "enter the 6 digits shown under the guest's QR code")),
            }
        }
        if digits == CODE_DIGITS {
            Ok(Self(value))
        } else {
            Err(Error::invalid("code", "enter the 6 digits shown under the guest's QR code"))
        }
    }

    /// A code from its numeric value.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `code` when it has more than six digits.
    pub fn from_u32(value: u32) -> Result<Self> {
        if value < 1_000_000 { Ok(Self(value)) } else { Err(Error::invalid("code", "has more than 6 digits")) }
    }

    /// The numeric value (`000123` is 123).
    #[must_use]
    pub fn value(self) -> u32 {
        self.0
    }

    /// Compares without branching on the digits, so timing says nothing about how close a
    /// guess came.
    #[must_use]
    pub fn ct_eq(self, other: Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Display for TillCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl fmt::Debug for TillCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TillCode(******)")
    }
}

/// What a code says about a guest's secret at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code belongs to this step, within the accepted skew. Still to do: make sure the
    /// step was not accepted before.
    Valid(TimeStep),
    /// The code belongs to an older step: the guest's screen is stale.
    Expired(TimeStep),
    /// The code is not this guest's for any recent step.
    Wrong,
}

/// A guest's code generator. Holds the secret (wiped on drop by totp-rs' `zeroize` feature) and
/// prints `***`.
#[derive(Clone)]
pub struct GuestTotp {
    totp: Totp,
}

impl GuestTotp {
    /// The generator for a guest's secret.
    #[must_use]
    pub fn new(secret: &TotpSecret) -> Self {
        Self { totp: build(secret.expose(), CODE_DIGITS) }
    }

    /// The code for `step`.
    #[must_use]
    pub fn code_at(&self, step: TimeStep) -> TillCode {
        TillCode(token_value(&self.totp, step))
    }

    /// The code for `step` and the steps after it, `count` of them.
    #[must_use]
    pub fn codes_from(&self, first: TimeStep, count: usize) -> Vec<TillCode> {
        (0..count as u64).map(|i| self.code_at(TimeStep(first.0 + i))).collect()
    }

    /// Checks `code` at time `now`: current step ±[`SKEW_STEPS`], else up to
    /// [`EXPIRED_LOOKBACK_STEPS`] older steps for a clear "expired".
    #[must_use]
    pub fn verify(&self, code: TillCode, now: DateTime<Utc>) -> CodeCheck {
        let now_secs = u64::try_from(now.timestamp()).unwrap_or(0);
        // totp-rs checks the window [step - skew, step + skew] with a constant-time comparison
        // and tells which step matched.
        if let Some(step) = self.totp.check(&code.to_string(), now_secs) {
            return CodeCheck::Valid(TimeStep(step));
        }
        let current = TimeStep::at(now);
        let oldest = current.0.saturating_sub(SKEW_STEPS + EXPIRED_LOOKBACK_STEPS);
        let newest_expired = current.0.saturating_sub(SKEW_STEPS + 1);
        if current.0 < SKEW_STEPS + 1 {
            return CodeCheck::Wrong;
        }
        // Newest first: if a code matched two old steps, the newer one is the more likely story.
        (oldest..=newest_expired)
            .rev()
            .map(TimeStep)
            .find(|&step| self.code_at(step).ct_eq(code))
            .map_or(CodeCheck::Wrong, CodeCheck::Expired)
    }
}

impl fmt::Debug for GuestTotp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GuestTotp(***)")
    }
}

fn build(secret: &[u8], digits: u8) -> Totp {
    Builder::new()
        .with_algorithm(Algorithm::SHA256)
        .with_digits(digits)
        .with_skew(u16::try_from(SKEW_STEPS).unwrap_or(1))
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .build()
        // Only a secret under 128 bits or digits outside 6..=8 fail, and both are fixed here.
        .unwrap_or_else(|e| unreachable!("fixed TOTP parameters are valid: {e}"))
}

fn token_value(totp: &Totp, step: TimeStep) -> u32 {
    // totp-rs keeps the token's number private; its Display is the zero-padded digits.
    totp.generate(step.unix_seconds()).to_string().parse().unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SEED: &[u8; 32] = b"12345678901234567890123456789012";

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    #[test]
    fn rfc6238_sha256_vectors() {
        // RFC 6238 appendix B, SHA-256, 8 digits: the generator is the one GuestTotp uses.
        let totp = build(RFC_SEED, 8);
        assert_eq!(totp.generate(59).to_string(), "46119246");
        assert_eq!(totp.generate(1_111_111_109).to_string(), "68084774");
        // Six digits are the same dynamic truncation mod 10^6.
        let ours = GuestTotp::new(&TotpSecret::from_bytes(*RFC_SEED));
        assert_eq!(ours.code_at(TimeStep::at(at(59))).to_string(), "119246");
        assert_eq!(ours.code_at(TimeStep::at(at(1_111_111_109))).to_string(), "084774");
        assert_eq!(
            ours.verify(TillCode::parse("084774").unwrap(), at(1_111_111_109)),
            CodeCheck::Valid(TimeStep(37_037_036))
        );
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let totp = GuestTotp::new(&TotpSecret::generate());
        let now = at(1_800_000_015);
        let step = TimeStep::at(now);
        for delta in [-1, 0, 1] {
            let s = step.offset(delta);
            assert_eq!(totp.verify(totp.code_at(s), now), CodeCheck::Valid(s), "delta {delta}");
        }
        let future = step.offset(2);
        let check = totp.verify(totp.code_at(future), now);
        // Two steps ahead is neither valid nor expired (unless it collides by chance, 1e-5).
        assert!(check == CodeCheck::Wrong || matches!(check, CodeCheck::Expired(_) | CodeCheck::Valid(_)));
        assert_ne!(check, CodeCheck::Valid(future));
    }

    #[test]
    fn older_codes_are_expired_and_random_ones_wrong() {
        let totp = GuestTotp::new(&TotpSecret::from_bytes(*RFC_SEED));
        let now = at(1_800_000_015);
        let step = TimeStep::at(now);
        assert_eq!(totp.verify(totp.code_at(step.offset(-2)), now), CodeCheck::Expired(step.offset(-2)));
        assert_eq!(totp.verify(totp.code_at(step.offset(-11)), now), CodeCheck::Expired(step.offset(-11)));
        // Find a code that is none of the last 13 steps' codes: it must be Wrong.
        let recent: Vec<u32> = (-12..=1).map(|d| totp.code_at(step.offset(d)).value()).collect();
        let stranger = (0..1_000_000).find(|v| !recent.contains(v)).unwrap();
        assert_eq!(totp.verify(TillCode::from_u32(stranger).unwrap(), now), CodeCheck::Wrong);
    }

    #[test]
    fn codes_parse_strictly_and_hide_in_debug() {
        assert_eq!(TillCode::parse(" 012 345 ").unwrap().value(), 12_345);
        assert_eq!(TillCode::parse("012-345").unwrap().to_string(), "012345");
        for bad in ["12345", "1234567", "12a456", "", "１２３４５６"] {
            assert!(TillCode::parse(bad).is_err(), "{bad}");
        }
        let code = TillCode::parse("987654").unwrap();
        assert!(!format!("{code:?}").contains("987654"));
        let totp = GuestTotp::new(&TotpSecret::from_bytes(*RFC_SEED));
        assert_eq!(format!("{totp:?}"), "GuestTotp(***)");
        assert!(code.ct_eq(TillCode::from_u32(987_654).unwrap()) && !code.ct_eq(TillCode::from_u32(987_655).unwrap()));
    }

    #[test]
    fn steps_round_trip_through_time_and_storage() {
        let step = TimeStep::at(at(1_111_111_109));
        assert_eq!(step.get(), 37_037_036);
        assert!(step.starts_at() <= at(1_111_111_109) && at(1_111_111_109) < step.ends_at());
        assert_eq!(TimeStep::from_i64(step.as_i64()).unwrap(), step);
        assert!(TimeStep::from_i64(-1).is_err());
    }
}
