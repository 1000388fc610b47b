//! TOTP secrets and their encryption at rest.
//!
//! A guest's secret is 32 random bytes. The database only ever holds it sealed with
//! XChaCha20-Poly1305 under a server key: a fresh random 24-byte nonce per seal (random nonces
//! of that size never collide in practice, unlike 12-byte ones), and the chain and guest ids as
//! associated data, so a sealed secret copied onto another guest's row fails to open.
//!
//! Keys live in a [`SecretKeyring`] of id -> key: new seals use the current key, opening accepts
//! any key in the ring, and [`SecretKeyring::needs_resealing`] tells when a stored secret should
//! be sealed again under the current key (done lazily when the guest next opens their card).

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::ids::{ChainId, GuestId};
use crate::{Error, Result};

/// A guest's TOTP secret in the clear. Prints `***`, is wiped from memory when dropped, and has
/// no `Clone`, `Serialize` or `Display`, so it cannot wander into a log or a response by accident.
pub struct TotpSecret([u8; TotpSecret::LEN]);

impl TotpSecret {
    /// Secret length in bytes (256 bits, the HMAC-SHA256 block-size-friendly choice of WIRE.md).
    pub const LEN: usize = 32;

    /// A fresh secret from the operating system's CSPRNG (via `rand`'s thread RNG, which is
    /// ChaCha-based and reseeded from the OS).
    #[must_use]
    pub fn generate() -> Self {
        let mut bytes = [0u8; Self::LEN];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Wraps known bytes (tests, imports).
    #[must_use]
    pub fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    /// The raw bytes. Named so that every use stands out in review.
    #[must_use]
    pub fn expose(&self) -> &[u8; Self::LEN] {
        &self.0
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

impl Drop for TotpSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The name of a key in a keyring, stored beside every ciphertext it sealed: 1-32 characters of
/// `A-Za-z0-9._-`, e.g. `2026-11`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyId(String);

impl KeyId {
    /// Validates a key id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `key_id`.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        let ok = !id.is_empty()
            && id.len() <= 32
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Self(id))
        } else {
            Err(Error::invalid("key_id", "use 1-32 characters of A-Z, a-z, 0-9, `.`, `_`, `-`"))
        }
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for KeyId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<KeyId> for String {
    fn from(k: KeyId) -> Self {
        k.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 32-byte server key from configuration. Prints `***` and is wiped when dropped.
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// Decodes a key from standard base64 (what the config file holds).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `field` when it is not base64 of exactly 32 bytes; the
    /// message never repeats the value.
    pub fn from_base64(field: &str, value: &str) -> Result<Self> {
        let mut decoded = STANDARD
            .decode(value.trim())
            .map_err(|_| Error::invalid(field, "is not valid base64 (expected 32 random bytes, base64-encoded)"))?;
        let key = <[u8; 32]>::try_from(decoded.as_slice())
            .map_err(|_| Error::invalid(field, format!("must decode to 32 bytes, not {}", decoded.len())));
        decoded.zeroize();
        Ok(Self(key?))
    }

    /// Wraps known bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh random key, e.g. for a demo server started without configuration.
    #[must_use]
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key as standard base64, for writing a generated key into a config file.
    #[must_use]
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A sealed TOTP secret as stored: the key id plus nonce || ciphertext || tag.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedSecret {
    key_id: KeyId,
    sealed: Vec<u8>,
}

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

impl EncryptedSecret {
    /// Length of [`EncryptedSecret::sealed`]: 24-byte nonce, 32-byte ciphertext, 16-byte tag.
    pub const SEALED_LEN: usize = NONCE_LEN + TotpSecret::LEN + TAG_LEN;

    /// Rebuilds a stored value (storage reads the two columns back).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `sealed` when the length is wrong.
    pub fn new(key_id: KeyId, sealed: Vec<u8>) -> Result<Self> {
        if sealed.len() == Self::SEALED_LEN {
            Ok(Self { key_id, sealed })
        } else {
            Err(Error::invalid("sealed", format!("must be {} bytes, not {}", Self::SEALED_LEN, sealed.len())))
        }
    }

    /// The key that sealed it.
    #[must_use]
    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    /// Nonce, ciphertext and tag, to store as one blob.
    #[must_use]
    pub fn sealed(&self) -> &[u8] {
        &self.sealed
    }
}

impl fmt::Debug for EncryptedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Ciphertext is harmless without the key, but keeping it out of logs costs nothing.
        f.debug_struct("EncryptedSecret").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

/// Server keys for TOTP secrets: seal with the current one, open with any.
pub struct SecretKeyring {
    current: KeyId,
    keys: BTreeMap<KeyId, SecretKey>,
}

impl SecretKeyring {
    /// A keyring whose `current` key must be among `keys`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `identity.current_secret_key` when it is not in `keys`.
    pub fn new(current: KeyId, keys: impl IntoIterator<Item = (KeyId, SecretKey)>) -> Result<Self> {
        let keys: BTreeMap<_, _> = keys.into_iter().collect();
        if keys.contains_key(&current) {
            Ok(Self { current, keys })
        } else {
            Err(Error::invalid(
                "identity.current_secret_key",
                format!("no key with id `{current}` in identity.secret_keys"),
            ))
        }
    }

    /// A keyring from configuration text: the current id and `(id, base64 key)` pairs.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the offending key (never showing its value).
    pub fn from_config<'a>(current: &str, keys: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut ring = Vec::new();
        for (id, value) in keys {
            let key = SecretKey::from_base64(&format!("identity.secret_keys.{id}"), value)?;
            ring.push((KeyId::new(id)?, key));
        }
        Self::new(KeyId::new(current)?, ring)
    }

    /// The id new secrets are sealed with.
    #[must_use]
    pub fn current_key_id(&self) -> &KeyId {
        &self.current
    }

    /// Seals a guest's secret under the current key with a fresh random nonce.
    ///
    /// # Errors
    /// [`Error::Internal`] if the cipher fails (it does not for 32-byte inputs).
    pub fn seal(&self, chain: ChainId, guest: GuestId, secret: &TotpSecret) -> Result<EncryptedSecret> {
        let cipher = self.cipher(&self.current)?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = associated_data(chain, guest);
        let ciphertext = cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: secret.expose(), aad: &aad })
            .map_err(|_| Error::internal("sealing a TOTP secret failed"))?;
        let mut sealed = Vec::with_capacity(EncryptedSecret::SEALED_LEN);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        EncryptedSecret::new(self.current.clone(), sealed)
    }

    /// Opens a sealed secret with whichever key sealed it.
    ///
    /// # Errors
    /// [`Error::Internal`] when the key id is not configured (say so to the operator) or the
    /// ciphertext does not authenticate for this chain and guest (tampered or swapped rows).
    pub fn open(&self, chain: ChainId, guest: GuestId, sealed: &EncryptedSecret) -> Result<TotpSecret> {
        let cipher = self.cipher(&sealed.key_id)?;
        let (nonce, ciphertext) = sealed.sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] =
            nonce.try_into().map_err(|_| Error::internal("sealed secret has a short nonce"))?;
        let aad = associated_data(chain, guest);
        let mut plain = cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: &aad })
            .map_err(|_| Error::internal(format!("the TOTP secret of guest {guest} does not authenticate")))?;
        let bytes = <[u8; TotpSecret::LEN]>::try_from(plain.as_slice())
            .map_err(|_| Error::internal(format!("the TOTP secret of guest {guest} has the wrong length")));
        plain.zeroize();
        Ok(TotpSecret(bytes?))
    }

    /// True when `sealed` was sealed with a key other than the current one.
    #[must_use]
    pub fn needs_resealing(&self, sealed: &EncryptedSecret) -> bool {
        sealed.key_id != self.current
    }

    fn cipher(&self, id: &KeyId) -> Result<XChaCha20Poly1305> {
        let key = self.keys.get(id).ok_or_else(|| {
            Error::internal(format!("TOTP secret key `{id}` is not configured (identity.secret_keys.{id})"))
        })?;
        XChaCha20Poly1305::new_from_slice(key.bytes()).map_err(|_| Error::internal("bad key length"))
    }
}

impl fmt::Debug for SecretKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKeyring")
            .field("current", &self.current)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Binds a ciphertext to its row: a domain tag, then chain and guest ids.
fn associated_data(chain: ChainId, guest: GuestId) -> [u8; 32] {
    let mut aad = [0u8; 32];
    aad[..16].copy_from_slice(b"regulars/totp/v1");
    aad[16..24].copy_from_slice(&chain.get().to_be_bytes());
    aad[24..].copy_from_slice(&guest.get().to_be_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> SecretKeyring {
        SecretKeyring::new(KeyId::new("k1").unwrap(), [(KeyId::new("k1").unwrap(), SecretKey::generate())]).unwrap()
    }

    #[test]
    fn seal_and_open_round_trip_with_fresh_nonces() {
        let ring = ring();
        let secret = TotpSecret::generate();
        let a = ring.seal(ChainId(1), GuestId(7), &secret).unwrap();
        let b = ring.seal(ChainId(1), GuestId(7), &secret).unwrap();
        assert_ne!(a.sealed(), b.sealed(), "each seal uses its own nonce");
        assert_eq!(a.sealed().len(), EncryptedSecret::SEALED_LEN);
        assert_eq!(ring.open(ChainId(1), GuestId(7), &a).unwrap().expose(), secret.expose());
    }

    #[test]
    fn a_secret_moved_to_another_guest_or_tampered_does_not_open() {
        let ring = ring();
        let sealed = ring.seal(ChainId(1), GuestId(7), &TotpSecret::generate()).unwrap();
        assert!(ring.open(ChainId(1), GuestId(8), &sealed).is_err());
        assert!(ring.open(ChainId(2), GuestId(7), &sealed).is_err());
        let mut bytes = sealed.sealed().to_vec();
        bytes[30] ^= 1;
        let tampered = EncryptedSecret::new(sealed.key_id().clone(), bytes).unwrap();
        assert_eq!(ring.open(ChainId(1), GuestId(7), &tampered).unwrap_err().kind(), crate::ErrorKind::Internal);
    }

    #[test]
    fn rotation_seals_with_current_and_opens_with_any() {
        let old_key = SecretKey::generate();
        let old_b64 = old_key.to_base64();
        let new_b64 = SecretKey::generate().to_base64();
        let old = SecretKeyring::from_config("2026-01", [("2026-01", old_b64.as_str())]).unwrap();
        let secret = TotpSecret::generate();
        let sealed_old = old.seal(ChainId(1), GuestId(1), &secret).unwrap();

        let rotated =
            SecretKeyring::from_config("2026-11", [("2026-01", old_b64.as_str()), ("2026-11", new_b64.as_str())])
                .unwrap();
        assert!(rotated.needs_resealing(&sealed_old));
        let opened = rotated.open(ChainId(1), GuestId(1), &sealed_old).unwrap();
        let resealed = rotated.seal(ChainId(1), GuestId(1), &opened).unwrap();
        assert_eq!(resealed.key_id().as_str(), "2026-11");
        assert!(!rotated.needs_resealing(&resealed));
        // The old ring cannot open what the new key sealed: the error names the missing key id.
        let err = old.open(ChainId(1), GuestId(1), &resealed).unwrap_err();
        assert!(err.to_string().contains("2026-11"));
    }

    #[test]
    fn config_errors_name_the_key_and_never_echo_it() {
        let err = SecretKeyring::from_config("a", [("a", "c2hvcnQ=")]).unwrap_err();
        assert!(err.to_string().contains("identity.secret_keys.a"));
        assert!(!err.to_string().contains("c2hvcnQ="));
        let b64 = SecretKey::generate().to_base64();
        assert!(SecretKeyring::from_config("missing", [("a", b64.as_str())]).is_err());
        assert!(KeyId::new("has space").is_err());
    }

    #[test]
    fn secrets_and_keys_never_show_in_debug() {
        let secret = TotpSecret::from_bytes([0xAB; 32]);
        let key = SecretKey::from_bytes([0xCD; 32]);
        let ring = SecretKeyring::new(KeyId::new("k").unwrap(), [(KeyId::new("k").unwrap(), key)]).unwrap();
        let sealed = ring.seal(ChainId(1), GuestId(1), &secret).unwrap();
        let shown = format!("{secret:?} {ring:?} {sealed:?} {:?}", SecretKey::from_bytes([0xCD; 32]));
        assert!(shown.contains("***"));
        for needle in ["171", "205", "abab", "ABAB", "cdcd", "CDCD", "q6ur", "zc3N"] {
            assert!(!shown.contains(needle), "{needle} leaked into {shown}");
        }
    }
}
