//! A guest's right of access (GDPR article 15): everything the store holds about one guest,
//! gathered into one document. Erasure is the store's, in one transaction
//! ([`GuestRepo::erase_guest`](crate::store::GuestRepo::erase_guest)).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Result;
use crate::conversation::ConversationState;
use crate::event::{Event, EventFilter};
use crate::guest::{ChannelIdentity, Guest};
use crate::ids::{ChainId, GuestId};
use crate::ledger::LedgerEntry;
use crate::notification::OutboxMessage;
use crate::page::{Page, PageRequest};
use crate::purchase::Purchase;
use crate::rules::codes::RewardCode;
use crate::store::Store;
use crate::wallet::Wallet;

/// Everything stored about one guest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuestExport {
    /// When it was gathered.
    pub exported_at: DateTime<Utc>,
    /// The profile: name, phone, language, birthday, consent, identities.
    pub guest: Guest,
    /// Each wallet with its whole ledger and its reward codes.
    pub wallets: Vec<WalletExport>,
    /// Every purchase, newest first, with line items.
    pub purchases: Vec<Purchase>,
    /// Messages queued for or sent to them.
    pub messages: Vec<OutboxMessage>,
    /// Where each messenger conversation stands (language, chosen cafe, step).
    pub conversations: Vec<ConversationExport>,
    /// How many guests joined with their referral code.
    pub referrals: u64,
    /// Events about them (`guest:<id>`), oldest first.
    pub events: Vec<Event>,
}

/// One wallet of a [`GuestExport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalletExport {
    /// The wallet and its balances.
    pub wallet: Wallet,
    /// Every ledger entry, oldest first.
    pub ledger: Vec<LedgerEntry>,
    /// Reward codes issued from it.
    pub reward_codes: Vec<RewardCode>,
}

/// One messenger conversation of a [`GuestExport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationExport {
    /// The messenger identity.
    pub identity: ChannelIdentity,
    /// The stored state.
    pub state: ConversationState,
}

/// Gathers everything `store` holds about `guest` of `chain`.
///
/// # Errors
/// [`Error::NotFound`](crate::Error::NotFound) for a guest of another chain; storage errors.
pub async fn export_guest(store: &dyn Store, chain: ChainId, guest: GuestId) -> Result<GuestExport> {
    let profile = store.guest(chain, guest).await?;
    let mut wallets = Vec::new();
    for wallet in store.wallets_of_guest(chain, guest).await? {
        let ledger = all_pages(|page| store.ledger_entries(chain, wallet.id, page)).await?;
        let reward_codes = store.reward_codes_of_wallet(chain, wallet.id).await?;
        wallets.push(WalletExport { wallet, ledger, reward_codes });
    }
    let purchases = all_pages(|page| store.purchases_of_guest(chain, guest, page)).await?;
    let mut conversations = Vec::new();
    for identity in &profile.identities {
        if let Some(stored) = store.conversation(chain, identity).await? {
            conversations.push(ConversationExport { identity: identity.clone(), state: stored.state });
        }
    }
    let about = EventFilter { subject: Some(format!("guest:{guest}")), ..EventFilter::default() };
    Ok(GuestExport {
        exported_at: Utc::now(),
        wallets,
        purchases,
        messages: store.outbox_of_guest(chain, guest).await?,
        conversations,
        referrals: store.count_referrals(chain, guest).await?,
        events: all_pages(|page| store.events(chain, &about, page)).await?,
        guest: profile,
    })
}

/// Every item of a paginated read, a page at a time.
async fn all_pages<T, F, Fut>(mut read: F) -> Result<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let mut items = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let next = read(page).await?;
        items.extend(next.items);
        match next.next {
            Some(cursor) => page = PageRequest { after: Some(cursor), limit: PageRequest::MAX_LIMIT },
            None => return Ok(items),
        }
    }
}
