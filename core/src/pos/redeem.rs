//! A reward redeemed at the till: the guest's points or stamps pay for it and they get it
//! there and then. One workflow, next to the sale's ([`super::workflow`]), over the same
//! storage primitives plus one ([`RedeemTx`]), inside one transaction: the debit, the reward
//! code (issued and at once used at the cafe), the guest's notification and the events land
//! together or not at all, so no crash can leave a code paid for that the guest never got.
//!
//! ```no_run
//! # async fn demo<T: regulars_core::pos::redeem::RedeemTx>(tx: &mut T, request: regulars_core::pos::redeem::TillRedeem)
//! # -> Result<(), T::Error> {
//! use regulars_core::ids::ChainId;
//! use regulars_core::pos::redeem::redeem_at_till;
//! use regulars_core::pos::workflow::Applied;
//!
//! if let Applied::Done(done) = redeem_at_till(tx, ChainId(1), &request, chrono::Utc::now()).await? {
//!     println!("{} given, {} points left", done.reward, done.balances.points);
//! }
//! # Ok(()) }
//! ```

use chrono::{DateTime, Utc};

use super::ingest::StaffSale;
use super::workflow::{Applied, SaleTx, draw_code};
use crate::Error;
use crate::ids::{CafeId, ChainId, GuestId, ProgramId, WalletId};
use crate::ledger::{Actor, IdempotencyKey};
use crate::loyalty::{CodeToIssue, wallet_scope};
use crate::notification::{NewNotification, Notification, ProgramProgress};
use crate::rules::codes::{RewardCode, RewardCodeStatus};
use crate::rules::preview::{EntryContext, derived_redeem_key};
use crate::rules::tiers::tier_status;
use crate::rules::{history, rewards};
use crate::wallet::Balances;

/// What redeeming at the till needs besides a sale's primitives.
pub trait RedeemTx: SaleTx {
    /// The reward code issued for the ledger entry `key` (the redemption that paid for it).
    ///
    /// # Behaviour
    /// - `None` when the chain has no code for that key; sees codes issued earlier in this
    ///   transaction.
    fn code_of_entry(
        &mut self,
        chain: ChainId,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<RewardCode>, Self::Error>> + Send;
}

/// A reward a staff member hands over at the till, paid from the guest's wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillRedeem {
    /// Who gets it.
    pub guest: GuestId,
    /// The program whose wallet pays.
    pub program: ProgramId,
    /// The reward's key in the program.
    pub reward_key: String,
    /// Where it is handed over: the shift's cafe.
    pub cafe: CafeId,
    /// Identifies the request (the confirmed button press), so that a retry redeems once.
    pub request_key: String,
    /// Who hands it over, in which shift.
    pub staff: StaffSale,
}

/// What a redemption at the till did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillRedemption {
    /// The wallet that paid.
    pub wallet_id: WalletId,
    /// The reward's name.
    pub reward: String,
    /// The reward code, used at the cafe.
    pub code: RewardCode,
    /// The wallet's balances right after the redemption.
    pub balances: Balances,
    /// True when this answers a retry of a request redeemed before: nothing was written.
    pub replayed: bool,
}

/// Redeems a reward at the till, inside `tx`: locks the guest's wallet in the program, reads
/// its ledger, plans the debit with [`rewards::plan_redeem`] (tier, cafe and balance checked
/// there), posts it under the key derived from the request, issues the reward's code and marks
/// it used at the cafe, and queues the guest's notification.
///
/// A request whose key is on the ledger already (a retried press) writes nothing and answers
/// what the first one did, the code and the balances after it. Two redemptions racing on one
/// balance take the wallet one after the other, so the second plans over what the first left.
///
/// # Errors
/// [`Error::NotFound`] for an unknown program, cafe or reward, or a guest without a wallet in
/// the program; [`Error::Conflict`] for a reward not available for the guest's tier or at the
/// cafe; [`Error::InsufficientBalance`]; the store's errors.
pub async fn redeem_at_till<T: RedeemTx>(
    tx: &mut T,
    chain: ChainId,
    request: &TillRedeem,
    now: DateTime<Utc>,
) -> Result<Applied<TillRedemption>, T::Error> {
    let programs = tx.programs(chain).await?;
    let program = programs
        .iter()
        .find(|p| p.id == request.program)
        .ok_or_else(|| Error::not_found(ProgramId::ENTITY, request.program))?;
    let cafe = tx.cafe(chain, request.cafe).await?;
    let scope = wallet_scope(program, request.guest, cafe.id);
    let wallet =
        tx.lock_wallet(chain, scope).await?.ok_or_else(|| Error::not_found(WalletId::ENTITY, request.guest))?;
    let history = tx.history(wallet.id).await?;
    let key = derived_redeem_key(program.id, &request.request_key)?;
    if let Some(first) = history::find_key(&history, key.as_str()) {
        let balances = first.balances_after;
        tx.keep_history(wallet.id, history);
        // Written in the same transaction as the debit: a debit without its code is a bug.
        let code = tx
            .code_of_entry(chain, &key)
            .await?
            .ok_or_else(|| Error::internal(format!("redemption {key} has no reward code")))?;
        let reward = code.reward_name.clone();
        return Ok(Applied::Done(TillRedemption { wallet_id: wallet.id, reward, code, balances, replayed: true }));
    }
    let tier =
        tier_status(&program.rules, &history::qualifying_events(&history, program.rules.qualification.basis), now);
    let plan =
        rewards::plan_redeem(program, &history, tier.name(), Some(cafe.id), &request.reward_key, &request.request_key);
    tx.keep_history(wallet.id, history);
    let (planned, reward) = plan?;
    let actor = Actor::Staff(request.staff.staff_id);
    let ctx = EntryContext {
        wallet_id: wallet.id,
        actor: actor.clone(),
        cafe_id: Some(cafe.id),
        shift_id: Some(request.staff.shift_id),
        purchase_id: None,
    };
    let entry = planned.to_new_entry(&ctx);
    let balances = entry.apply_to(wallet.balances)?;
    if !tx.post_entry(chain, entry).await? {
        return Ok(Applied::Taken);
    }
    let to_issue = CodeToIssue {
        cost: (-planned.points, -planned.stamps),
        entry_key: planned.idempotency_key.clone(),
        cafe: wallet.scope.cafe_id.or_else(|| (!reward.cafes.is_empty()).then_some(cafe.id)),
        reward,
    };
    let issued = draw_code(tx, chain, &to_issue, wallet.id, now).await?;
    let used = issued.apply(cafe.id, actor, now)?;
    // Issued a moment ago under the wallet's lock: nobody else can have used it.
    if !tx.update_reward_code(chain, RewardCodeStatus::Issued, &used).await? {
        return Err(Error::internal(format!("reward code {} changed under its redemption", used.code)).into());
    }
    let progress =
        ProgramProgress::after(program, (planned.points, planned.stamps), balances, &tier, false, Some(cafe.id));
    let notification = NewNotification {
        guest_id: request.guest,
        dedupe_key: format!("redeemed:{key}"),
        notification: Notification::Redeemed { cafe_id: cafe.id, reward: used.reward_name.clone(), program: progress },
    };
    tx.enqueue(chain, notification).await?;
    let reward = used.reward_name.clone();
    Ok(Applied::Done(TillRedemption { wallet_id: wallet.id, reward, code: used, balances, replayed: false }))
}
