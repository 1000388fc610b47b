//! Verifying and parsing one delivery: size, then signature, then JSON.

use regulars_core::pos::payload::Envelope;
use regulars_core::pos::signature::WebhookVerifier;
use regulars_core::pos::{
    DEFAULT_MAX_BODY_BYTES, GuestRefKind, PosCapabilities, PosError, PosEvent, PosRequest, PosSource, SaleLimits,
};

use crate::config::WebhookConfig;
use crate::mapping;

/// A POS source speaking the generic contract (see the crate README).
#[derive(Debug, Clone)]
pub struct WebhookSource {
    name: String,
    verifier: WebhookVerifier,
    limits: SaleLimits,
}

impl WebhookSource {
    /// The driver name, [`PosSource::kind`].
    pub const KIND: &'static str = "webhook";

    /// Builds a source from its settings.
    ///
    /// # Errors
    /// [`regulars_core::Error::InvalidInput`] naming the bad key.
    pub fn new(config: &WebhookConfig) -> regulars_core::Result<Self> {
        Ok(Self { name: config.name.clone(), verifier: crate::config::verifier(config)?, limits: config.limits()? })
    }
}

impl PosSource for WebhookSource {
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
            guest_refs: vec![
                GuestRefKind::QrPayload,
                GuestRefKind::TypedCode,
                GuestRefKind::Phone,
                GuestRefKind::PublicId,
            ],
            reward_redemption: true,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    fn parse(&self, request: &PosRequest) -> Result<PosEvent, PosError> {
        self.verifier.parse_signed::<Envelope>(request, |envelope, delivery_id| {
            mapping::to_payload(envelope, delivery_id, &self.limits, request.received_at)
        })
    }
}
