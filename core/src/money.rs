//! Money as integer minor units with an ISO 4217 currency: no floats anywhere near a till.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// An ISO 4217 currency code such as `RSD`, `EUR` or `ILS` (three ASCII capitals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a three-letter code; lower case is accepted and normalised.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `currency` when it is not three ASCII letters.
    pub fn new(code: &str) -> Result<Self> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(Error::invalid("currency", format!("`{code}` is not a three-letter ISO 4217 code")));
        }
        Ok(Self([bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase(), bytes[2].to_ascii_uppercase()]))
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
    fn currency_normalises_and_rejects() {
        assert_eq!(Currency::new("rsd").unwrap().as_str(), "RSD");
        assert!(Currency::new("RS").is_err());
        assert!(Currency::new("R$D").is_err());
        assert!(Currency::new("EURO").is_err());
    }

    #[test]
    fn money_displays_minor_units() {
        let rsd = Currency::new("RSD").unwrap();
        assert_eq!(Money::new(35_050, rsd).to_string(), "350.50 RSD");
        assert_eq!(Money::new(-5, rsd).to_string(), "-0.05 RSD");
    }
}
