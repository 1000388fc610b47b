//! One person found twice: the same phone number, vouched for by two messengers, on two
//! guests of a chain. They become one guest with one wallet per program and every identity.
//!
//! [`GuestRepo::merge_guests`] moves what can move in one transaction (identities, purchases,
//! queued notifications, wallets the kept guest lacks, with all their entries). A wallet both
//! guests have for the same program stays with its history, and its balance moves with two
//! `adjust` ledger entries (out of the absorbed wallet, into the kept one) whose idempotency
//! keys name the merge, so running a merge again after a crash moves nothing twice. No ledger
//! entry is ever rewritten; the event log has a `guest.merged` event.
//!
//! Which guest is kept: the older one (the card the person has had longest).
//!
//! [`GuestRepo::merge_guests`]: crate::store::GuestRepo::merge_guests

use serde_json::json;

use crate::Result;
use crate::guest::Guest;
use crate::ids::{ChainId, GuestId, WalletId};
use crate::ledger::{Actor, EntryKind, IdempotencyKey, NewLedgerEntry, Overdraft};
use crate::store::{GuestMerge, Store};

/// Finds the guest of `chain` other than `guest` whose phone is `phone`, vouched for by a
/// messenger, if there is one.
///
/// # Errors
/// Storage errors.
pub async fn verified_twin(
    store: &dyn Store,
    chain: ChainId,
    phone: &str,
    guest: Option<GuestId>,
) -> Result<Option<Guest>> {
    let twins = store.guests_by_phone(chain, phone).await?;
    Ok(twins.into_iter().filter(|g| g.phone_verified && Some(g.id) != guest).min_by_key(|g| g.id))
}

/// Merges the two guests into the older one, balances included.
///
/// # Errors
/// As [`GuestRepo::merge_guests`](crate::store::GuestRepo::merge_guests), and storage errors
/// of the balance transfers (which a second run completes).
pub async fn merge(store: &dyn Store, chain: ChainId, a: GuestId, b: GuestId) -> Result<GuestMerge> {
    let (keep, absorb) = if a.get() <= b.get() { (a, b) } else { (b, a) };
    merge_into(store, chain, keep, absorb).await
}

/// Merges `absorb` into `keep` (a person chose which card stays), balances included.
///
/// # Errors
/// As [`merge`].
pub async fn merge_into(store: &dyn Store, chain: ChainId, keep: GuestId, absorb: GuestId) -> Result<GuestMerge> {
    let merge = store.merge_guests(chain, keep, absorb).await?;
    for &(from, to) in &merge.clashing_wallets {
        transfer(store, chain, (absorb, from), (keep, to)).await?;
    }
    if merge.clashing_wallets.is_empty() {
        return Ok(merge);
    }
    Ok(GuestMerge { guest: store.guest(chain, keep).await?, ..merge })
}

/// Moves the absorbed wallet's balance to the kept one, once.
async fn transfer(store: &dyn Store, chain: ChainId, from: (GuestId, WalletId), to: (GuestId, WalletId)) -> Result<()> {
    let wallet = store.wallet(chain, from.1).await?;
    let (points, stamps) = (wallet.balances.points, wallet.balances.stamps);
    let key = |side: &str| IdempotencyKey::new(format!("merge:{}>{}:{}:{side}", from.0, to.0, from.1));
    let entry = |wallet_id, points, stamps, key| NewLedgerEntry {
        wallet_id,
        kind: EntryKind::Adjust,
        points,
        stamps,
        idempotency_key: key,
        actor: Actor::System("merge".into()),
        cafe_id: None,
        shift_id: None,
        purchase_id: None,
        reason: Some(format!("guest {} merged into guest {}", from.0, to.0)),
        rule_snapshot: json!({ "merge": { "from_wallet": from.1.get(), "to_wallet": to.1.get() } }),
        // A negative balance (a refund's debt) moves as it is.
        overdraft: Overdraft::Allow,
    };
    // The "in" side first: if the "out" side then failed, a rerun finds "in" already done
    // (same key) and only writes "out"; the balance is never lost, at worst shown twice
    // until the rerun.
    if points != 0 || stamps != 0 {
        store.post_entry(chain, entry(to.1, points, stamps, key("in")?)).await?;
        store.post_entry(chain, entry(from.1, -points, -stamps, key("out")?)).await?;
    }
    Ok(())
}
