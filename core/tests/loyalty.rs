//! The loyalty service and the till's workflows (a sale, a redemption) end to end over an
//! in-memory store that follows the `# Behaviour` contracts of the repository traits and the
//! workflow primitives they need (idempotent ledger keys, forbidden overdrafts, compare-and-set
//! on reward codes).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use regulars_core::chain::{Cafe, CafeUpdate, GeoPoint, NewCafe, OpeningHours};
use regulars_core::guest::{ChannelIdentity, Consent, Guest, GuestPublicId, NewGuest};
use regulars_core::identity::totp::TimeStep;
use regulars_core::ids::{CafeId, ChainId, GuestId, LedgerEntryId, ProgramId, PurchaseId, ShiftId, StaffId, WalletId};
use regulars_core::ledger::{Actor, IdempotencyKey, LedgerEntry, LedgerOutcome, NewLedgerEntry};
use regulars_core::loyalty::{Loyalty, RedeemRequest, RefundCommand};
use regulars_core::money::{Currency, Money};
use regulars_core::notification::{NewNotification, Notification};
use regulars_core::page::{Cursor, Page, PageRequest};
use regulars_core::pos::RecordedRefund;
use regulars_core::pos::ingest::{GuestMatch, IngestOutcome, Notify, PurchaseIngest, StaffSale};
use regulars_core::pos::redeem::{RedeemTx, TillRedeem, redeem_at_till};
use regulars_core::pos::workflow::{Applied, Delivery, SaleTx, apply_purchase};
use regulars_core::program::{NewProgram, Program, ProgramKind, ProgramScope, ProgramUpdate};
use regulars_core::purchase::{NewPurchase, Purchase, PurchaseFilter, PurchaseRecord};
use regulars_core::rules::ProgramRules;
use regulars_core::rules::codes::{RewardCode, RewardCodeStatus};
use regulars_core::rules::refunds::RefundRequest;
use regulars_core::store::{CafeRepo, GuestRepo, LedgerRepo, ProgramRepo, PurchaseRepo};
use regulars_core::wallet::{Balances, Wallet, WalletScope};
use regulars_core::{Error, ErrorKind, Result};

const CHAIN: ChainId = ChainId(1);

#[derive(Default)]
struct State {
    cafes: Vec<Cafe>,
    programs: Vec<Program>,
    guests: Vec<Guest>,
    wallets: Vec<Wallet>,
    entries: Vec<LedgerEntry>,
    purchases: Vec<Purchase>,
    codes: Vec<RewardCode>,
    outbox: Vec<NewNotification>,
    deliveries: Vec<String>,
}

#[derive(Default)]
struct MemStore(Mutex<State>);

fn refused<T>() -> Result<T> {
    Err(Error::internal("not needed by the loyalty tests"))
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
}

impl MemStore {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    fn add_guest(&self) -> GuestId {
        let mut s = self.state();
        let id = GuestId(i64::try_from(s.guests.len()).unwrap() + 1);
        s.guests.push(Guest {
            id,
            chain_id: CHAIN,
            public_id: GuestPublicId::random(),
            display_name: None,
            phone: None,
            phone_verified: false,
            language: None,
            birthday: None,
            referral_code: format!("ref{}", id.0),
            consent: Consent::default(),
            home_cafe: None,
            referred_by: None,
            created_at: now(),
            identities: vec![],
            erased_at: None,
        });
        id
    }

    fn entry_count(&self) -> usize {
        self.state().entries.len()
    }
}

#[async_trait]
impl CafeRepo for MemStore {
    async fn create_cafe(&self, chain: ChainId, new: NewCafe) -> Result<Cafe> {
        new.validate()?;
        let mut s = self.state();
        let cafe = Cafe {
            id: CafeId(i64::try_from(s.cafes.len()).unwrap() + 1),
            chain_id: chain,
            name: new.name,
            address: new.address,
            location: new.location,
            timezone: new.timezone,
            currency: new.currency,
            opening_hours: new.opening_hours,
            archived_at: None,
        };
        s.cafes.push(cafe.clone());
        Ok(cafe)
    }
    async fn cafe(&self, chain: ChainId, id: CafeId) -> Result<Cafe> {
        self.state()
            .cafes
            .iter()
            .find(|c| c.id == id && c.chain_id == chain)
            .cloned()
            .ok_or_else(|| Error::not_found("cafe", id))
    }
    async fn list_cafes(&self, _chain: ChainId) -> Result<Vec<Cafe>> {
        refused()
    }
    async fn update_cafe(&self, _chain: ChainId, _id: CafeId, _update: CafeUpdate) -> Result<Cafe> {
        refused()
    }
}

#[async_trait]
impl ProgramRepo for MemStore {
    async fn create_program(&self, chain: ChainId, new: NewProgram) -> Result<Program> {
        new.validate()?;
        let mut s = self.state();
        let program = Program {
            id: ProgramId(i64::try_from(s.programs.len()).unwrap() + 1),
            chain_id: chain,
            name: new.name,
            kind: new.kind,
            scope: new.scope,
            rules: new.rules,
            archived_at: None,
        };
        s.programs.push(program.clone());
        Ok(program)
    }
    async fn program(&self, chain: ChainId, id: ProgramId) -> Result<Program> {
        self.state()
            .programs
            .iter()
            .find(|p| p.id == id && p.chain_id == chain)
            .cloned()
            .ok_or_else(|| Error::not_found("program", id))
    }
    async fn list_programs(&self, chain: ChainId) -> Result<Vec<Program>> {
        Ok(self.state().programs.iter().filter(|p| p.chain_id == chain).cloned().collect())
    }
    async fn update_program(&self, chain: ChainId, id: ProgramId, update: ProgramUpdate) -> Result<Program> {
        let mut s = self.state();
        let slot = s
            .programs
            .iter_mut()
            .find(|p| p.id == id && p.chain_id == chain)
            .ok_or_else(|| Error::not_found("program", id))?;
        *slot = update.apply(slot.clone(), Utc::now())?;
        Ok(slot.clone())
    }
}

#[async_trait]
impl GuestRepo for MemStore {
    async fn create_guest(&self, _chain: ChainId, _new: NewGuest) -> Result<Guest> {
        refused()
    }
    async fn guest(&self, _chain: ChainId, _id: GuestId) -> Result<Guest> {
        refused()
    }
    async fn guest_by_public_id(&self, _chain: ChainId, _public_id: &str) -> Result<Guest> {
        refused()
    }
    async fn guest_by_identity(&self, _chain: ChainId, _identity: &ChannelIdentity) -> Result<Guest> {
        refused()
    }
    async fn link_identity(&self, _chain: ChainId, _guest: GuestId, _identity: ChannelIdentity) -> Result<Guest> {
        refused()
    }
    async fn list_guests(&self, chain: ChainId, page: PageRequest) -> Result<Page<Guest>> {
        let after = page.after.map_or(0, Cursor::key);
        let rows: Vec<Guest> = self
            .state()
            .guests
            .iter()
            .filter(|g| g.chain_id == chain && g.id.0 > after)
            .take(usize::try_from(page.clamped_limit()).unwrap() + 1)
            .cloned()
            .collect();
        Ok(Page::from_rows(rows, page.clamped_limit(), |g| g.id.0))
    }
    async fn count_guests(&self, _chain: ChainId) -> Result<u64> {
        refused()
    }
    async fn update_guest(
        &self,
        _chain: ChainId,
        _guest: GuestId,
        _update: regulars_core::guest::GuestUpdate,
    ) -> Result<Guest> {
        refused()
    }
    async fn guest_by_referral_code(&self, _chain: ChainId, _code: &str) -> Result<Guest> {
        refused()
    }
    async fn count_referrals(&self, _chain: ChainId, _guest: GuestId) -> Result<u64> {
        refused()
    }
    async fn record_seen(&self, _: ChainId, _: &ChannelIdentity, _: DateTime<Utc>) -> Result<bool> {
        refused()
    }

    async fn merge_guests(&self, _: ChainId, _: GuestId, _: GuestId) -> Result<regulars_core::store::GuestMerge> {
        refused()
    }
    async fn search_guests(&self, _: ChainId, _: &str, _: PageRequest) -> Result<Page<Guest>> {
        refused()
    }
    async fn erase_guest(&self, _: ChainId, _: GuestId) -> Result<Guest> {
        refused()
    }
}

#[async_trait]
impl LedgerRepo for MemStore {
    async fn open_wallet(&self, chain: ChainId, scope: WalletScope) -> Result<Wallet> {
        let mut s = self.state();
        if let Some(w) = s.wallets.iter().find(|w| w.scope == scope && w.chain_id == chain) {
            return Ok(w.clone());
        }
        let program = s
            .programs
            .iter()
            .find(|p| p.id == scope.program_id)
            .ok_or_else(|| Error::not_found("program", scope.program_id))?;
        if (program.scope == ProgramScope::Cafe) != scope.cafe_id.is_some() {
            return Err(Error::invalid("cafe_id", "does not match the program's scope"));
        }
        let wallet = Wallet {
            id: WalletId(i64::try_from(s.wallets.len()).unwrap() + 1),
            chain_id: chain,
            scope,
            balances: Balances::default(),
            tier: None,
            updated_at: now(),
        };
        s.wallets.push(wallet.clone());
        Ok(wallet)
    }
    async fn wallet(&self, chain: ChainId, id: WalletId) -> Result<Wallet> {
        self.state()
            .wallets
            .iter()
            .find(|w| w.id == id && w.chain_id == chain)
            .cloned()
            .ok_or_else(|| Error::not_found("wallet", id))
    }
    async fn wallets_of_guest(&self, chain: ChainId, guest: GuestId) -> Result<Vec<Wallet>> {
        Ok(self.state().wallets.iter().filter(|w| w.chain_id == chain && w.scope.guest_id == guest).cloned().collect())
    }
    async fn post_entry(&self, chain: ChainId, entry: NewLedgerEntry) -> Result<LedgerOutcome> {
        entry.validate()?;
        let mut s = self.state();
        if let Some(e) = s.entries.iter().find(|e| e.idempotency_key == entry.idempotency_key) {
            return if entry.matches(e) {
                Ok(LedgerOutcome { entry: e.clone(), replayed: true })
            } else {
                Err(Error::Conflict("idempotency key reused".into()))
            };
        }
        let wallet = s
            .wallets
            .iter_mut()
            .find(|w| w.id == entry.wallet_id)
            .ok_or_else(|| Error::not_found("wallet", entry.wallet_id))?;
        let after = entry.apply_to(wallet.balances)?;
        wallet.balances = after;
        let written = LedgerEntry {
            id: LedgerEntryId(i64::try_from(s.entries.len()).unwrap() + 1),
            chain_id: chain,
            wallet_id: entry.wallet_id,
            kind: entry.kind,
            points: entry.points,
            stamps: entry.stamps,
            balances_after: after,
            idempotency_key: entry.idempotency_key,
            actor: entry.actor,
            cafe_id: entry.cafe_id,
            shift_id: entry.shift_id,
            purchase_id: entry.purchase_id,
            reason: entry.reason,
            rule_snapshot: entry.rule_snapshot,
            created_at: Utc::now(),
            decoded: Default::default(),
        };
        s.entries.push(written.clone());
        Ok(LedgerOutcome { entry: written, replayed: false })
    }
    async fn ledger_entries(&self, _chain: ChainId, wallet: WalletId, page: PageRequest) -> Result<Page<LedgerEntry>> {
        let before = page.after.map_or(i64::MAX, Cursor::key);
        let rows: Vec<LedgerEntry> = self
            .state()
            .entries
            .iter()
            .rev()
            .filter(|e| e.wallet_id == wallet && e.id.0 < before)
            .take(usize::try_from(page.clamped_limit()).unwrap() + 1)
            .cloned()
            .collect();
        Ok(Page::from_rows(rows, page.clamped_limit(), |e| e.id.0))
    }
    async fn set_wallet_tier(&self, chain: ChainId, wallet: WalletId, tier: Option<String>) -> Result<Wallet> {
        let mut s = self.state();
        let w = s
            .wallets
            .iter_mut()
            .find(|w| w.id == wallet && w.chain_id == chain)
            .ok_or_else(|| Error::not_found("wallet", wallet))?;
        w.tier = tier;
        Ok(w.clone())
    }
    async fn issue_reward_code(&self, _chain: ChainId, code: RewardCode) -> Result<RewardCode> {
        let mut s = self.state();
        if let Some(c) = s.codes.iter().find(|c| c.ledger_key == code.ledger_key) {
            return Ok(c.clone());
        }
        if s.codes.iter().any(|c| c.code == code.code) {
            return Err(Error::Conflict("code taken".into()));
        }
        s.codes.push(code.clone());
        Ok(code)
    }
    async fn reward_code(&self, _chain: ChainId, code: &str) -> Result<RewardCode> {
        self.state().codes.iter().find(|c| c.code == code).cloned().ok_or_else(|| Error::not_found("reward code", code))
    }
    async fn update_reward_code(
        &self,
        _chain: ChainId,
        expected: RewardCodeStatus,
        next: RewardCode,
    ) -> Result<RewardCode> {
        let mut s = self.state();
        let stored = s
            .codes
            .iter_mut()
            .find(|c| c.code == next.code)
            .ok_or_else(|| Error::not_found("reward code", &next.code))?;
        if stored.status != expected {
            return Err(Error::Conflict(format!("code is {}", stored.status)));
        }
        stored.status = next.status;
        stored.closed_at = next.closed_at;
        stored.used_at_cafe = next.used_at_cafe;
        stored.closed_by = next.closed_by;
        Ok(stored.clone())
    }
    async fn reward_codes_of_wallet(&self, _chain: ChainId, wallet: WalletId) -> Result<Vec<RewardCode>> {
        Ok(self.state().codes.iter().rev().filter(|c| c.wallet_id == wallet).cloned().collect())
    }
}

#[async_trait]
impl PurchaseRepo for MemStore {
    async fn record_purchase(&self, chain: ChainId, new: NewPurchase) -> Result<(Purchase, bool)> {
        new.validate()?;
        let mut s = self.state();
        if let Some(p) =
            s.purchases.iter().find(|p| p.details.source == new.source && p.details.external_id == new.external_id)
        {
            return Ok((p.clone(), true));
        }
        let purchase = Purchase {
            id: PurchaseId(i64::try_from(s.purchases.len()).unwrap() + 1),
            chain_id: chain,
            details: new,
            recorded_at: now(),
        };
        s.purchases.push(purchase.clone());
        Ok((purchase, false))
    }
    async fn purchase(&self, chain: ChainId, id: PurchaseId) -> Result<Purchase> {
        self.state()
            .purchases
            .iter()
            .find(|p| p.id == id && p.chain_id == chain)
            .cloned()
            .ok_or_else(|| Error::not_found("purchase", id))
    }
    async fn purchases_of_guest(&self, _: ChainId, _: GuestId, _: PageRequest) -> Result<Page<Purchase>> {
        refused()
    }
    async fn list_purchases(&self, _: ChainId, _: &PurchaseFilter, _: PageRequest) -> Result<Page<PurchaseRecord>> {
        refused()
    }
}

/// The workflow primitives over the in-memory store. No transaction: these tests run one
/// workflow at a time and never roll one back.
struct MemTx<'a>(&'a MemStore);

/// A `Conflict` from the store as a primitive's "taken": `None`.
fn taken<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.kind() == ErrorKind::Conflict => Ok(None),
        Err(e) => Err(e),
    }
}

impl SaleTx for MemTx<'_> {
    type Error = Error;

    async fn cafe(&mut self, chain: ChainId, cafe: CafeId) -> Result<Arc<Cafe>> {
        Ok(Arc::new(self.0.cafe(chain, cafe).await?))
    }
    async fn programs(&mut self, chain: ChainId) -> Result<Arc<[Program]>> {
        Ok(self.0.list_programs(chain).await?.into())
    }
    async fn guest_public_id(&mut self, chain: ChainId, guest: GuestId) -> Result<Option<String>> {
        let s = self.0.state();
        Ok(s.guests.iter().find(|g| g.id == guest && g.chain_id == chain).map(|g| g.public_id.to_string()))
    }
    async fn accept_card_step(&mut self, _: ChainId, _: GuestId, _: TimeStep) -> Result<bool> {
        refused()
    }
    async fn insert_purchase(&mut self, chain: ChainId, purchase: &NewPurchase) -> Result<Option<Purchase>> {
        let (purchase, duplicate) = self.0.record_purchase(chain, purchase.clone()).await?;
        Ok((!duplicate).then_some(purchase))
    }
    async fn purchase_by_receipt(&mut self, _: ChainId, _: &str, _: &str) -> Result<Option<Purchase>> {
        refused()
    }
    async fn open_wallet(&mut self, chain: ChainId, _: &Program, scope: WalletScope) -> Result<Wallet> {
        LedgerRepo::open_wallet(self.0, chain, scope).await
    }
    async fn lock_wallet(&mut self, chain: ChainId, scope: WalletScope) -> Result<Option<Wallet>> {
        Ok(self.0.state().wallets.iter().find(|w| w.scope == scope && w.chain_id == chain).cloned())
    }
    async fn history(&mut self, wallet: WalletId) -> Result<Vec<LedgerEntry>> {
        Loyalty::new(self.0).history(CHAIN, wallet).await
    }
    fn keep_history(&mut self, _: WalletId, _: Vec<LedgerEntry>) {}
    async fn post_entry(&mut self, chain: ChainId, entry: NewLedgerEntry) -> Result<bool> {
        Ok(taken(LedgerRepo::post_entry(self.0, chain, entry).await)?.is_some_and(|o| !o.replayed))
    }
    async fn set_tier(&mut self, chain: ChainId, wallet: &Wallet, tier: Option<String>) -> Result<()> {
        self.0.set_wallet_tier(chain, wallet.id, tier).await.map(drop)
    }
    async fn issue_code(&mut self, chain: ChainId, code: RewardCode) -> Result<Option<RewardCode>> {
        taken(self.0.issue_reward_code(chain, code).await)
    }
    async fn lock_reward_code(&mut self, chain: ChainId, code: &str) -> Result<Option<RewardCode>> {
        match self.0.reward_code(chain, code).await {
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            found => found.map(Some),
        }
    }
    async fn update_reward_code(
        &mut self,
        chain: ChainId,
        expected: RewardCodeStatus,
        next: &RewardCode,
    ) -> Result<bool> {
        Ok(taken(LedgerRepo::update_reward_code(self.0, chain, expected, next.clone()).await)?.is_some())
    }
    async fn refunds_of(&mut self, _: ChainId, _: PurchaseId) -> Result<Vec<RecordedRefund>> {
        refused()
    }
    async fn record_refund(&mut self, _: ChainId, _: &Purchase, _: &RecordedRefund) -> Result<bool> {
        refused()
    }
    async fn enqueue(&mut self, _: ChainId, notification: NewNotification) -> Result<bool> {
        let mut s = self.0.state();
        if s.outbox.iter().any(|n| n.dedupe_key == notification.dedupe_key) {
            return Ok(false);
        }
        s.outbox.push(notification);
        Ok(true)
    }
    async fn store_outcome(&mut self, _: ChainId, delivery: Delivery<'_>, _: &IngestOutcome) -> Result<bool> {
        let mut s = self.0.state();
        let keys = [delivery.delivery_id.to_owned(), delivery.event_key.to_owned()];
        if keys.iter().any(|k| s.deliveries.contains(k)) {
            return Ok(false);
        }
        s.deliveries.extend(keys);
        Ok(true)
    }
}

impl RedeemTx for MemTx<'_> {
    async fn code_of_entry(&mut self, _: ChainId, key: &IdempotencyKey) -> Result<Option<RewardCode>> {
        Ok(self.0.state().codes.iter().find(|c| c.ledger_key == *key).cloned())
    }
}

/// `purchase` as the till's POS delivers it, through the purchase workflow: what it did, or
/// `None` when its receipt was recorded before.
async fn sell(store: &MemStore, purchase: NewPurchase) -> Option<IngestOutcome> {
    let public_id = match purchase.guest_id {
        Some(guest) => MemTx(store).guest_public_id(CHAIN, guest).await.unwrap(),
        None => None,
    };
    let ingest = PurchaseIngest {
        source: purchase.source.clone(),
        delivery_id: format!("delivery-{}", purchase.external_id),
        guest: public_id.map_or(GuestMatch::None, |public_id| GuestMatch::Matched { public_id, via: None }),
        purchase,
        card_step: None,
        reward_code: None,
        promotions: Vec::new(),
        staff: None,
        notify: Notify::Guest,
    };
    match apply_purchase(&mut MemTx(store), CHAIN, &ingest, now()).await.unwrap() {
        Applied::Done(outcome) => Some(outcome),
        Applied::Taken => None,
    }
}

/// The guest's wallet in `program`.
fn wallet_of(store: &MemStore, guest: GuestId, program: ProgramId) -> WalletId {
    let s = store.state();
    s.wallets.iter().find(|w| w.scope.guest_id == guest && w.scope.program_id == program).map(|w| w.id).unwrap()
}

/// A chain with one Belgrade cafe, a chain-wide points program and a per-cafe stamp card.
async fn setup() -> (MemStore, CafeId, ProgramId, ProgramId, GuestId) {
    let store = MemStore::default();
    let cafe = store
        .create_cafe(
            CHAIN,
            NewCafe {
                name: "Dorćol".into(),
                address: "Cara Dušana 1".into(),
                location: GeoPoint { lat: 44.82, lon: 20.46 },
                timezone: chrono_tz::Europe::Belgrade,
                currency: Currency::new("RSD").unwrap(),
                opening_hours: OpeningHours::daily(NaiveTime::MIN, NaiveTime::MIN),
            },
        )
        .await
        .unwrap();
    let points: ProgramRules = serde_json::from_value(serde_json::json!({
        "earn": {"points": 1, "per_minor": 100},
        "tiers": [{"name": "Classic", "threshold": 0}, {"name": "Silver", "threshold": 500}],
        "rewards": [{"key": "free-coffee", "name": "Free coffee", "cost": 300, "valid_days": 30}],
        "expiry": {"lots_after_months": 12}
    }))
    .unwrap();
    let points = store
        .create_program(
            CHAIN,
            NewProgram { name: "Points".into(), kind: ProgramKind::Points, scope: ProgramScope::Chain, rules: points },
        )
        .await
        .unwrap();
    let stamps: ProgramRules = serde_json::from_value(serde_json::json!({
        "per_visit": 1,
        "rewards": [{"key": "card-coffee", "name": "Seventh coffee", "cost": 7, "auto_issue": true}]
    }))
    .unwrap();
    let stamps = store
        .create_program(
            CHAIN,
            NewProgram {
                name: "Card".into(),
                kind: ProgramKind::Stamps { card_size: 7 },
                scope: ProgramScope::Cafe,
                rules: stamps,
            },
        )
        .await
        .unwrap();
    let guest = store.add_guest();
    (store, cafe.id, points.id, stamps.id, guest)
}

fn purchase(cafe: CafeId, guest: GuestId, receipt: &str, total: i64, hour: u32) -> NewPurchase {
    NewPurchase {
        cafe_id: cafe,
        source: "octopos".into(),
        external_id: receipt.into(),
        guest_id: Some(guest),
        total: Money::new(total, Currency::new("RSD").unwrap()),
        items: vec![],
        occurred_at: Utc.with_ymd_and_hms(2026, 11, 2, hour, 0, 0).unwrap(),
    }
}

#[tokio::test]
async fn a_purchase_earns_in_every_program_once_and_preview_matches() {
    let (store, cafe, points, stamps, guest) = setup().await;
    let loyalty = Loyalty::new(&store);
    let new = purchase(cafe, guest, "r-1", 60_000, 9);
    let preview = loyalty.preview(CHAIN, points, &new, &[]).await.unwrap();
    assert_eq!(store.entry_count(), 0, "a preview writes nothing");

    let sold = sell(&store, new.clone()).await.expect("a new receipt");
    assert_eq!(sold.programs.len(), 2);
    let earned = sold.programs.iter().find(|p| p.program_id == points).unwrap();
    assert_eq!((earned.change, preview.points), (600, 600));
    let wallet = store.wallet(CHAIN, wallet_of(&store, guest, points)).await.unwrap();
    let written = store.ledger_entries(CHAIN, wallet.id, PageRequest::first(10)).await.unwrap().items;
    let written: Vec<&str> = written.iter().rev().map(|e| e.idempotency_key.as_str()).collect();
    let planned: Vec<&str> = preview.entries.iter().map(|e| e.idempotency_key.as_str()).collect();
    assert_eq!(written, planned, "preview equals earn");
    assert_eq!((wallet.balances.points, wallet.tier.as_deref()), (600, Some("Silver")), "the tier cache follows");
    let card = store.wallet(CHAIN, wallet_of(&store, guest, stamps)).await.unwrap();
    assert_eq!(card.scope.cafe_id, Some(cafe));
    assert!(sold.notified && store.state().outbox.len() == 1, "the guest is told");

    let count = store.entry_count();
    assert!(sell(&store, new).await.is_none(), "the receipt is taken");
    assert_eq!(store.entry_count(), count, "a webhook delivered twice earns once");
}

#[tokio::test]
async fn a_rules_change_applies_to_later_sales_and_an_archived_program_earns_nothing() {
    let (store, cafe, points, stamps, guest) = setup().await;
    sell(&store, purchase(cafe, guest, "before", 60_000, 9)).await.unwrap();
    let wallet = wallet_of(&store, guest, points);
    let before = store.ledger_entries(CHAIN, wallet, PageRequest::first(10)).await.unwrap().items;

    let mut doubled = store.program(CHAIN, points).await.unwrap().rules;
    doubled.earn.as_mut().unwrap().points = 2;
    let update = ProgramUpdate { rules: Some(doubled), ..ProgramUpdate::default() };
    store.update_program(CHAIN, points, update).await.unwrap();
    let sold = sell(&store, purchase(cafe, guest, "after", 60_000, 10)).await.unwrap();
    let earned = sold.programs.iter().find(|p| p.program_id == points).unwrap();
    assert_eq!(earned.change, 1_200, "the new rate, for the sale after the change");
    let history = store.ledger_entries(CHAIN, wallet, PageRequest::first(10)).await.unwrap().items;
    let old = history.iter().find(|e| e.id == before[0].id).unwrap();
    assert_eq!((old.points, &old.rule_snapshot), (before[0].points, &before[0].rule_snapshot), "history kept");

    let archive = ProgramUpdate { archived: Some(true), ..ProgramUpdate::default() };
    assert!(store.update_program(CHAIN, stamps, archive).await.unwrap().archived_at.is_some());
    let sold = sell(&store, purchase(cafe, guest, "archived", 30_000, 11)).await.unwrap();
    let earning: Vec<_> = sold.programs.iter().map(|p| p.program_id).collect();
    assert_eq!(earning, vec![points], "the archived card earns nothing");

    let bad = ProgramUpdate { rules: Some(ProgramRules::default()), ..ProgramUpdate::default() };
    let err = store.update_program(CHAIN, points, bad).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "rules.earn"), "{err}");
}

#[tokio::test]
async fn the_seventh_stamp_issues_a_code_the_till_applies_once() {
    let (store, cafe, _points, stamps, guest) = setup().await;
    let loyalty = Loyalty::new(&store);
    let mut codes = Vec::new();
    for i in 0..7 {
        let sold = sell(&store, purchase(cafe, guest, &format!("s{i}"), 30_000, 8 + i)).await.unwrap();
        codes.extend(sold.programs.into_iter().filter(|p| p.program_id == stamps).flat_map(|p| p.codes));
    }
    assert_eq!(codes.len(), 1);
    let code = &store.reward_code(CHAIN, &codes[0].code).await.unwrap();
    assert_eq!((code.reward_key.as_str(), code.cafe_id, code.cost_stamps), ("card-coffee", Some(cafe), 7));
    let staff = Actor::Staff(regulars_core::ids::StaffId(1));
    let used = loyalty.apply_code(CHAIN, &code.code.to_lowercase(), cafe, staff.clone(), now()).await.unwrap();
    assert_eq!(used.status, RewardCodeStatus::Used);
    let twice = loyalty.apply_code(CHAIN, &code.code, cafe, staff, now()).await.unwrap_err();
    assert_eq!(twice.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn redeem_charges_once_and_cancel_gives_back() {
    let (store, cafe, points, _stamps, guest) = setup().await;
    let loyalty = Loyalty::new(&store);
    sell(&store, purchase(cafe, guest, "r-1", 40_000, 9)).await.unwrap();
    let wallet = wallet_of(&store, guest, points);
    let request = RedeemRequest {
        wallet_id: wallet,
        reward_key: "free-coffee".into(),
        cafe_id: Some(cafe),
        request_key: "tg:callback:42".into(),
        actor: Actor::System("bot".into()),
        shift_id: None,
    };
    let code = loyalty.redeem(CHAIN, &request, now()).await.unwrap();
    assert_eq!(code.expires_at.map(|e| (e - code.issued_at).num_days()), Some(30));
    let retried = loyalty.redeem(CHAIN, &request, now()).await.unwrap();
    assert_eq!(retried.code, code.code, "a retried redemption hands back the same code");
    assert_eq!(store.wallet(CHAIN, wallet).await.unwrap().balances.points, 100, "charged once");

    let other = RedeemRequest { request_key: "tg:callback:43".into(), ..request };
    assert_eq!(loyalty.redeem(CHAIN, &other, now()).await.unwrap_err().kind(), ErrorKind::InsufficientBalance);

    let cancelled = loyalty.cancel_code(CHAIN, &code.code, Actor::System("bot".into()), now()).await.unwrap();
    assert_eq!(cancelled.status, RewardCodeStatus::Cancelled);
    assert_eq!(store.wallet(CHAIN, wallet).await.unwrap().balances.points, 400);
    // Cancelling again completes nothing twice.
    loyalty.cancel_code(CHAIN, &code.code, Actor::System("bot".into()), now()).await.unwrap();
    assert_eq!(store.wallet(CHAIN, wallet).await.unwrap().balances.points, 400);
    let applied = loyalty.apply_code(CHAIN, &code.code, cafe, Actor::System("till".into()), now()).await.unwrap_err();
    assert_eq!(applied.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn a_refund_reverses_the_earn_and_the_tier() {
    let (store, cafe, points, _stamps, guest) = setup().await;
    let loyalty = Loyalty::new(&store);
    sell(&store, purchase(cafe, guest, "r-1", 20_000, 9)).await.unwrap();
    let sold = sell(&store, purchase(cafe, guest, "r-2", 40_000, 10)).await.unwrap();
    let wallet = wallet_of(&store, guest, points);
    assert_eq!(store.wallet(CHAIN, wallet).await.unwrap().tier.as_deref(), Some("Silver"));
    let command = RefundCommand {
        purchase_id: sold.purchase_id,
        refund: RefundRequest { refund_id: "ref-1".into(), amount_minor: 40_000 },
        actor: Actor::Pos("octopos".into()),
        shift_id: None,
    };
    let done = loyalty.refund(CHAIN, &command, now()).await.unwrap();
    assert_eq!(done.len(), 2, "both programs reversed");
    let after = store.wallet(CHAIN, wallet).await.unwrap();
    assert_eq!(
        (after.balances.points, after.balances.lifetime_points, after.tier.as_deref()),
        (200, 200, Some("Classic"))
    );
    let standing = loyalty.standing(CHAIN, wallet, Some(cafe), now()).await.unwrap();
    assert_eq!(standing.balances, after.balances, "the cached balances agree with the ledger");
    assert_eq!(standing.tier.next.map(|n| n.missing), Some(300));
    assert_eq!(standing.catalogue[0].missing, 100);
}

#[tokio::test]
async fn the_expiry_job_expires_due_lots_once() {
    let (store, cafe, points, _stamps, guest) = setup().await;
    let loyalty = Loyalty::new(&store);
    sell(&store, purchase(cafe, guest, "r-1", 20_000, 9)).await.unwrap();
    let wallet = wallet_of(&store, guest, points);
    let standing = loyalty.standing(CHAIN, wallet, None, now()).await.unwrap();
    let due = standing.expiring[0].at;
    assert_eq!(due, Utc.with_ymd_and_hms(2027, 11, 2, 9, 0, 0).unwrap());
    let early = loyalty.expire(CHAIN, points, due - chrono::Duration::seconds(1)).await.unwrap();
    assert_eq!((early.wallets, early.entries), (1, 0));
    let run = loyalty.expire(CHAIN, points, due).await.unwrap();
    assert_eq!((run.entries, run.points), (1, 200));
    assert_eq!(loyalty.expire(CHAIN, points, due).await.unwrap().entries, 0);
    assert_eq!(store.wallet(CHAIN, wallet).await.unwrap().balances.points, 0);
}

#[tokio::test]
async fn a_refund_larger_than_the_purchase_writes_nothing() {
    let (store, cafe, _points, _stamps, guest) = setup().await;
    let loyalty = Loyalty::new(&store);
    let sold = sell(&store, purchase(cafe, guest, "r-1", 20_000, 9)).await.unwrap();
    let count = store.entry_count();
    let command = RefundCommand {
        purchase_id: sold.purchase_id,
        refund: RefundRequest { refund_id: "ref-1".into(), amount_minor: 20_001 },
        actor: Actor::Pos("octopos".into()),
        shift_id: None,
    };
    let err = loyalty.refund(CHAIN, &command, now()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "amount_minor"), "{err}");
    assert_eq!(store.entry_count(), count);
}

#[tokio::test]
async fn a_reward_redeemed_at_the_till_is_paid_once_and_handed_over() {
    let (store, cafe, points, _stamps, guest) = setup().await;
    sell(&store, purchase(cafe, guest, "r-1", 40_000, 9)).await.unwrap();
    let told = store.state().outbox.len();
    let request = TillRedeem {
        guest,
        program: points,
        reward_key: "free-coffee".into(),
        cafe,
        request_key: "messenger-staff:1:42".into(),
        staff: StaffSale { staff_id: StaffId(1), shift_id: ShiftId(5) },
    };
    let redeem = async |request: &TillRedeem| match redeem_at_till(&mut MemTx(&store), CHAIN, request, now()).await {
        Ok(Applied::Done(done)) => Ok(done),
        Ok(Applied::Taken) => panic!("no other transaction runs"),
        Err(e) => Err(e),
    };
    let done = redeem(&request).await.unwrap();
    assert!(!done.replayed);
    assert_eq!((done.reward.as_str(), done.balances.points), ("Free coffee", 100));
    assert_eq!(store.wallet(CHAIN, done.wallet_id).await.unwrap().balances.points, 100, "charged");
    let code = store.reward_code(CHAIN, &done.code.code).await.unwrap();
    assert_eq!((code.status, code.used_at_cafe), (RewardCodeStatus::Used, Some(cafe)), "handed over at the till");
    assert_eq!(code.closed_by, Some(Actor::Staff(StaffId(1))));
    let paid = &store.ledger_entries(CHAIN, done.wallet_id, PageRequest::first(1)).await.unwrap().items[0];
    assert_eq!((paid.points, paid.shift_id), (-300, Some(ShiftId(5))));
    let notes = store.state().outbox.clone();
    assert_eq!(notes.len(), told + 1, "the guest is told");
    match &notes[told].notification {
        Notification::Redeemed { reward, program, cafe_id } => {
            assert_eq!((reward.as_str(), program.change, program.balance, *cafe_id), ("Free coffee", -300, 100, cafe));
        }
        other => panic!("a redemption notification: {other:?}"),
    }

    // The press delivered again: the same answer, nothing written.
    let entries = store.entry_count();
    let again = redeem(&request).await.unwrap();
    assert!(again.replayed);
    assert_eq!((again.code.code.as_str(), again.balances), (done.code.code.as_str(), done.balances));
    assert_eq!((store.entry_count(), store.state().outbox.len()), (entries, told + 1));

    // Another press: 100 points do not pay for a 300-point coffee.
    let other = TillRedeem { request_key: "messenger-staff:1:43".into(), ..request.clone() };
    assert_eq!(redeem(&other).await.unwrap_err().kind(), ErrorKind::InsufficientBalance);
    let unknown = TillRedeem { reward_key: "caviar".into(), request_key: "messenger-staff:1:44".into(), ..request };
    assert_eq!(redeem(&unknown).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.entry_count(), entries, "refusals write nothing");
}
