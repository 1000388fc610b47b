//! The bot conversation, written once and channel-neutral: onboarding, the card, the menu,
//! history, promotions, cafes, invitations and staff mode.
//!
//! [`Conversation::handle`] takes one normalized [`InboundEvent`] and answers with
//! [`Reply`]s that name Fluent messages instead of carrying text; the server renders them in
//! the person's language and the channel sends them natively. Where a person is in the flow
//! lives in a small [`ConversationState`] stored per (chain, messenger identity) by
//! [`ConversationRepo`](crate::store::ConversationRepo), saved compare-and-set: two updates of
//! one person handled at once never lose a step (the later one runs again on the new state).
//!
//! The flow:
//!
//! - **First contact**: welcome → language → home cafe (asked only when a per-cafe program
//!   makes the choice matter and there is more than one cafe) → phone, shared with the
//!   messenger's contact button where it has one ([`Capabilities::contact_sharing`]), typed
//!   and stored unverified where it has not, taken from the address where the platform
//!   vouches for it ([`Capabilities::verified_phone_inherent`]), or skipped → the guest is
//!   created and sees their card. The consent text sits right above the share button:
//!   sharing is consenting, skipping keeps the phone out of the database.
//! - **The card**: the QR ([`TillIdentity::present_card`]) as a photo where the channel sends
//!   photos, with balance, stamps, tier and progress ("N more points for a free coffee").
//! - **The menu**: card, history (paginated), promotions, cafes (hours, address, a location
//!   pin, open now), invite a friend (a personal `ref_` deep link; the invitee is linked to
//!   the inviter when they join), language, help. A returning guest is recognised by their
//!   messenger identity and goes straight to the menu.
//! - **Staff mode**, for staff identities only: open a guest by staff deep link (`st1_`) or
//!   by the six digits of their card, then earn (amount or visit) or redeem, each inside an
//!   open shift and each confirmed by a single-use button (see [`staff`]).
//! - Text the bot does not understand, and buttons it no longer knows, get a helpful answer
//!   with a way on, never silence.
//!
//! Repeated deliveries are harmless: onboarding steps are idempotent, staff confirmations
//! carry a nonce and write with idempotency keys derived from it, and the double-tap guard
//! ([`TillIdentity::claim_action`]) catches a second tap of another confirm within seconds.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::chain::{Cafe, Chain};
use crate::channel::{Capabilities, InboundEvent, Sender};
use crate::guest::{ChannelIdentity, Guest};
use crate::identity::till::TillIdentity;
use crate::ids::ChainId;
use crate::program::Program;
use crate::store::Store;
use crate::{ErrorKind, Result};

mod cafes;
mod card;
mod history;
mod invite;
mod menu;
mod onboarding;
pub mod payload;
pub mod phone_check;
pub mod reply;
pub mod staff;
pub mod state;
mod turn;

pub use payload::{DeepLink, Payload};
pub use reply::{Arg, Phrase, Reply, ReplyBody, ReplyButton};
pub use state::{ConversationState, StoredConversation};

use turn::Turn;

/// Tunables of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationConfig {
    /// The languages offered in the picker (BCP 47 tags of the loaded locales), in order.
    pub languages: Vec<String>,
    /// Per channel kind, the link a referral payload is appended to
    /// (`telegram` → `https://t.me/<bot>?start=`); a key `<kind>:<chain id>` (`telegram:3`)
    /// serves one chain's bot and wins over the kind's. Without one the payload itself is
    /// shown.
    pub invite_links: BTreeMap<String, String>,
    /// The referral bonus to promise, once the chain grants one; `None` promises nothing.
    pub referral_bonus: Option<i64>,
    /// History entries per page.
    pub history_page_size: usize,
    /// How long the chain's name, cafes and programs are cached (owner edits show in the bot
    /// within this long).
    pub catalog_ttl: Duration,
}

impl Default for ConversationConfig {
    fn default() -> Self {
        Self {
            languages: ["en", "ru", "he", "sr-Latn", "sr-Cyrl"].map(str::to_owned).to_vec(),
            invite_links: BTreeMap::new(),
            referral_bonus: None,
            history_page_size: 5,
            catalog_ttl: Duration::from_secs(30),
        }
    }
}

/// What every turn reads about the chain: cached for [`ConversationConfig::catalog_ttl`].
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) chain: Chain,
    pub(crate) cafes: Vec<Cafe>,
    pub(crate) programs: Vec<Program>,
}

impl Catalog {
    /// The cafes guests and staff may choose now: archived ones are left out (they stay in
    /// [`Catalog::cafes`] for history).
    pub(crate) fn open_cafes(&self) -> impl Iterator<Item = &Cafe> {
        self.cafes.iter().filter(|c| c.is_open_for_guests())
    }

    pub(crate) fn cafe(&self, id: crate::ids::CafeId) -> Option<&Cafe> {
        self.cafes.iter().find(|c| c.id == id)
    }
}

/// The conversation service (one per server, shared by every channel).
pub struct Conversation {
    store: Arc<dyn Store>,
    till: Arc<TillIdentity<dyn Store>>,
    config: ConversationConfig,
    catalogs: Mutex<HashMap<ChainId, (Instant, Arc<Catalog>)>>,
}

impl std::fmt::Debug for Conversation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversation").field("config", &self.config).finish_non_exhaustive()
    }
}

/// How many times a turn is run again when another update of the same person saved first.
const SAVE_ATTEMPTS: usize = 3;

impl Conversation {
    /// The service over `store`, with identity at the till for cards and staff mode.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, till: Arc<TillIdentity<dyn Store>>, config: ConversationConfig) -> Self {
        Self { store, till, config, catalogs: Mutex::new(HashMap::new()) }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ConversationConfig {
        &self.config
    }

    /// Handles one inbound event from `channel` (a channel kind such as `telegram`) of
    /// `chain`'s bot and returns the replies to send, in order, to the sender.
    ///
    /// Events that are not a person talking (blocked, unblocked, receipts) get no replies.
    ///
    /// # Errors
    /// Storage errors ([`ErrorKind::Unavailable`]: the platform should redeliver), an unknown
    /// chain ([`ErrorKind::NotFound`]), or an impossible sender id ([`ErrorKind::InvalidInput`]).
    pub async fn handle(
        &self,
        chain: ChainId,
        channel: &str,
        caps: &Capabilities,
        event: InboundEvent,
        now: DateTime<Utc>,
    ) -> Result<Vec<Reply>> {
        let Some(from) = sender_of(&event).cloned() else { return Ok(Vec::new()) };
        let who = ChannelIdentity::new(channel, from.external_id.clone())?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let catalog = self.catalog(chain).await?;
            let stored = self.store.conversation(chain, &who).await?;
            let (state, version) = stored.map_or((ConversationState::default(), None), |s| (s.state, Some(s.version)));
            let guest = match self.store.guest_by_identity(chain, &who).await {
                Ok(guest) => Some(guest),
                Err(e) if e.kind() == ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            };
            let mut turn = Turn::new(self, catalog, who.clone(), from.clone(), caps, now, state.clone(), guest);
            turn.dispatch(event.clone()).await?;
            let (new_state, replies) = turn.into_parts();
            if new_state == state {
                return Ok(replies);
            }
            match self.store.save_conversation(chain, &who, &new_state, version).await {
                Ok(_) => return Ok(replies),
                // Another update of this person saved first: run this one on the new state.
                Err(e) if e.kind() == ErrorKind::Conflict && attempt < SAVE_ATTEMPTS => {}
                Err(e) => return Err(e),
            }
        }
    }

    async fn catalog(&self, chain: ChainId) -> Result<Arc<Catalog>> {
        {
            let cached = self.catalogs.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, catalog)) = cached.get(&chain)
                && at.elapsed() < self.config.catalog_ttl
            {
                return Ok(catalog.clone());
            }
        }
        let catalog = Arc::new(Catalog {
            chain: self.store.chain(chain).await?,
            cafes: self.store.list_cafes(chain).await?,
            programs: self.store.list_programs(chain).await?,
        });
        self.catalogs.lock().unwrap_or_else(PoisonError::into_inner).insert(chain, (Instant::now(), catalog.clone()));
        Ok(catalog)
    }
}

fn sender_of(event: &InboundEvent) -> Option<&Sender> {
    match event {
        InboundEvent::Start { from, .. }
        | InboundEvent::Text { from, .. }
        | InboundEvent::Button { from, .. }
        | InboundEvent::Contact { from, .. }
        | InboundEvent::Location { from, .. } => Some(from),
        _ => None,
    }
}

/// The guest's first name for greetings, or an empty string.
pub(crate) fn first_name(guest: Option<&Guest>, from: &Sender) -> String {
    guest
        .and_then(|g| g.display_name.as_deref())
        .or(from.display_name.as_deref())
        .and_then(|n| n.split_whitespace().next())
        .unwrap_or_default()
        .to_owned()
}
