//! Verifying and parsing one Octopos delivery: size, then signature, then JSON.
//!
//! ASSUMPTION (see the README): Octopos signs its webhooks the Standard Webhooks way, with the
//! standard header names. If a real account shows other header names, change
//! [`ASSUMED_HEADERS`]; if it signs differently altogether, this is the one file to change.

use regulars_core::pos::signature::{HeaderNames, WebhookVerifier};
use regulars_core::pos::{
    DEFAULT_MAX_BODY_BYTES, GuestRefKind, PosCapabilities, PosError, PosEvent, PosRequest, PosSource, SaleLimits,
};

use crate::config::OctoposConfig;
use crate::mapping::{self, Delivery};

/// The signature headers Octopos is assumed to send.
pub(crate) const ASSUMED_HEADERS: HeaderNames = HeaderNames::STANDARD;

/// An Octopos POS (one back-office account) as a regulars POS source.
#[derive(Debug, Clone)]
pub struct OctoposSource {
    name: String,
    verifier: WebhookVerifier,
    limits: SaleLimits,
}

impl OctoposSource {
    /// The driver name, [`PosSource::kind`].
    pub const KIND: &'static str = "octopos";

    /// Builds a source from its settings.
    ///
    /// # Errors
    /// [`regulars_core::Error::InvalidInput`] naming the bad key.
    pub fn new(config: &OctoposConfig) -> regulars_core::Result<Self> {
        Ok(Self { name: config.name.clone(), verifier: crate::config::verifier(config)?, limits: config.limits()? })
    }
}

impl PosSource for OctoposSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        Self::KIND
    }

    fn capabilities(&self) -> PosCapabilities {
        PosCapabilities {
            refunds: true,
            partial_refunds: true,
            line_items: true,
            guest_refs: vec![GuestRefKind::QrPayload, GuestRefKind::TypedCode, GuestRefKind::Phone],
            reward_redemption: true,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    fn parse(&self, request: &PosRequest) -> Result<PosEvent, PosError> {
        self.verifier.parse_signed::<Delivery>(request, |delivery, _delivery_id| {
            mapping::to_payload(delivery, &self.limits, request.received_at)
        })
    }
}
