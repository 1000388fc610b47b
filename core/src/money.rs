//! Money as integer minor units with an ISO 4217 currency: no floats anywhere near a till.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// An ISO 4217 currency code such as `RSD`, `EUR` or `ILS` (three ASCII capitals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a code as ISO 4217 writes it: exactly three ASCII capitals. Lower case is
    /// refused rather than guessed at: a POS that sends `rsd` has a bug worth seeing, and one
    /// spelling keeps stored codes comparable.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `currency` when it is not three ASCII capitals.
    pub fn new(code: &str) -> Result<Self> {
        match *code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Self([a, b, c])),
            _ => Err(Error::invalid(
                "currency",
                format!(
                    "`{}` is not an ISO 4217 code: use three capital letters, such as RSD or EUR",
                    code.escape_debug()
                ),
            )),
        }
    }

    /// Decimal places of the currency's minor unit (ISO 4217's exponent): 2 for most, 0 for
    /// JPY or KRW, 3 for KWD or BHD. The same table as `regulars_i18n::currency_exponent`,
    /// which formats amounts (that crate does not depend on this one).
    #[must_use]
    pub fn minor_digits(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" => 0,
            "KWD" | "BHD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
            _ => 2,
        }
    }

    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount in minor units (cents, para, agorot) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Minor units; negative only for refunds and discounts.
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in minor units.
    #[must_use]
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every currency regulars serves today has two minor digits; locale-aware formatting
        // for guests lives in regulars-i18n.
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_is_three_capitals_exactly() {
        assert_eq!(Currency::new("RSD").unwrap().as_str(), "RSD");
        for bad in ["rsd", "Rsd", "RS", "R$D", "EURO", "", "RS\0", " RSD", "ÉUR", "R\u{301}S"] {
            let Err(Error::InvalidInput { field, .. }) = Currency::new(bad) else { panic!("{bad:?} accepted") };
            assert_eq!(field, "currency");
        }
        assert!(serde_json::from_str::<Currency>("\"eur\"").is_err(), "deserializing is as strict");
        assert_eq!(serde_json::from_str::<Currency>("\"EUR\"").unwrap().as_str(), "EUR");
    }

    #[test]
    fn minor_digits_follow_iso_4217() {
        let digits = |code: &str| Currency::new(code).unwrap().minor_digits();
        assert_eq!((digits("RSD"), digits("EUR"), digits("JPY"), digits("KWD")), (2, 2, 0, 3));
    }

    #[test]
    fn money_displays_minor_units() {
        let rsd = Currency::new("RSD").unwrap();
        assert_eq!(Money::new(35_050, rsd).to_string(), "350.50 RSD");
        assert_eq!(Money::new(-5, rsd).to_string(), "-0.05 RSD");
    }
}
