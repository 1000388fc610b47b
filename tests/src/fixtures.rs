//! Scenario fixtures: a chain with a cafe and programs in one call.

use chrono::NaiveTime;
use regulars_core::chain::{Cafe, Chain, GeoPoint, NewCafe, NewChain, OpeningHours};
use regulars_core::guest::{ChannelIdentity, Guest, NewGuest};
use regulars_core::ids::{ChainId, GuestId, WalletId};
use regulars_core::ledger::{Actor, EntryKind, IdempotencyKey, NewLedgerEntry, Overdraft};
use regulars_core::money::{Currency, Money};
use regulars_core::pos::ingest::{GuestMatch, IngestOutcome, Notify, PurchaseIngest};
use regulars_core::program::{NewProgram, Program, ProgramKind, ProgramScope};
use regulars_core::purchase::{LineItem, NewPurchase};
use regulars_core::rules::ProgramRules;
use regulars_core::staff::{NewStaff, Role, Staff};
use regulars_core::store::Store;
use regulars_core::wallet::{Wallet, WalletScope};

/// A chain with one cafe, a chain-wide points program and a per-cafe stamp card.
#[derive(Debug, Clone)]
pub struct TestChain {
    /// The chain.
    pub chain: Chain,
    /// Its cafe.
    pub cafe: Cafe,
    /// Chain-wide points program.
    pub points: Program,
    /// Per-cafe 7-stamp card.
    pub stamps: Program,
}

impl TestChain {
    /// Creates the chain (slug `slug`), its cafe and programs.
    ///
    /// # Panics
    /// When the store refuses: fixtures are expected to work.
    pub async fn create(store: &dyn Store, slug: &str) -> Self {
        let chain = store
            .create_chain(NewChain { slug: slug.into(), name: format!("Chain {slug}"), default_language: "en".into() })
            .await
            .expect("create chain");
        let cafe = store
            .create_cafe(
                chain.id,
                NewCafe {
                    name: format!("{slug} central"),
                    address: "Knez Mihailova 1, Beograd".into(),
                    location: GeoPoint { lat: 44.8176, lon: 20.4569 },
                    timezone: chrono_tz::Europe::Belgrade,
                    currency: Currency::new("RSD").expect("currency"),
                    opening_hours: OpeningHours::daily(
                        NaiveTime::from_hms_opt(8, 0, 0).expect("time"),
                        NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                    ),
                },
            )
            .await
            .expect("create cafe");
        let points = store
            .create_program(
                chain.id,
                NewProgram {
                    name: "Points".into(),
                    kind: ProgramKind::Points,
                    scope: ProgramScope::Chain,
                    rules: rules(r#"{ "earn": { "points": 1, "per_minor": 10000 } }"#),
                },
            )
            .await
            .expect("create points program");
        let stamps = store
            .create_program(
                chain.id,
                NewProgram {
                    name: "Coffee card".into(),
                    kind: ProgramKind::Stamps { card_size: 7 },
                    scope: ProgramScope::Cafe,
                    rules: rules(
                        r#"{ "per_visit": 1, "rewards": [{ "key": "coffee", "name": "Coffee", "cost": 7 }] }"#,
                    ),
                },
            )
            .await
            .expect("create stamp program");
        Self { chain, cafe, points, stamps }
    }

    /// The chain's id.
    #[must_use]
    pub fn id(&self) -> ChainId {
        self.chain.id
    }

    /// A new guest known on Telegram as `telegram_id`.
    ///
    /// # Panics
    /// When the store refuses.
    pub async fn guest(&self, store: &dyn Store, telegram_id: &str) -> Guest {
        store
            .create_guest(
                self.id(),
                NewGuest {
                    display_name: Some(format!("Guest {telegram_id}")),
                    identity: Some(ChannelIdentity::new("telegram", telegram_id).expect("identity")),
                    ..NewGuest::default()
                },
            )
            .await
            .expect("create guest")
    }

    /// A purchase of one cappuccino line worth `total_minor` RSD minor units at the chain's
    /// cafe, reported by the POS source `test-pos` as receipt `receipt`.
    ///
    /// # Panics
    /// Never for the fixed currency it uses.
    #[must_use]
    pub fn purchase(&self, guest: Option<GuestId>, receipt: &str, total_minor: i64) -> NewPurchase {
        NewPurchase {
            cafe_id: self.cafe.id,
            source: "test-pos".into(),
            external_id: receipt.into(),
            guest_id: guest,
            total: Money::new(total_minor, Currency::new("RSD").expect("currency")),
            items: vec![LineItem {
                sku: "CAP".into(),
                name: "Cappuccino".into(),
                category: Some("coffee".into()),
                quantity: 1,
                unit_price_minor: total_minor,
            }],
            occurred_at: chrono::Utc::now(),
        }
    }

    /// Applies a sale of `total_minor` for `guest` through the real POS ingest path (one
    /// transaction: purchase, earn, outbox row), as the POS source `test-pos` reporting receipt
    /// `receipt`. A sale that earns queues one [`Notification::Earned`] for the guest.
    ///
    /// # Panics
    /// When the store refuses.
    ///
    /// [`Notification::Earned`]: regulars_core::notification::Notification::Earned
    pub async fn sale(&self, store: &dyn Store, guest: &Guest, receipt: &str, total_minor: i64) -> IngestOutcome {
        store.ingest_purchase(self.id(), self.ingest(guest, receipt, total_minor)).await.expect("ingest purchase")
    }

    /// The delivery [`TestChain::sale`] sends: `receipt` for `guest` from `test-pos`, as
    /// delivery `delivery-<receipt>`, telling the guest.
    #[must_use]
    pub fn ingest(&self, guest: &Guest, receipt: &str, total_minor: i64) -> PurchaseIngest {
        PurchaseIngest {
            source: "test-pos".into(),
            delivery_id: format!("delivery-{receipt}"),
            purchase: self.purchase(Some(guest.id), receipt, total_minor),
            guest: GuestMatch::Matched { public_id: guest.public_id.to_string(), via: None },
            card_step: None,
            reward_code: None,
            promotions: Vec::new(),
            staff: None,
            notify: Notify::Guest,
        }
    }

    /// A barista of the chain's cafe named `name`, without a login.
    ///
    /// # Panics
    /// When the store refuses.
    pub async fn barista(&self, store: &dyn Store, name: &str) -> Staff {
        let new =
            NewStaff { name: name.into(), role: Role::Barista, cafes: vec![self.cafe.id], identity: None, login: None };
        store.create_staff(self.id(), new).await.expect("create barista")
    }

    /// The guest's chain-wide points wallet.
    ///
    /// # Panics
    /// When the store refuses.
    pub async fn points_wallet(&self, store: &dyn Store, guest: &Guest) -> Wallet {
        store
            .open_wallet(self.id(), WalletScope { guest_id: guest.id, program_id: self.points.id, cafe_id: None })
            .await
            .expect("open wallet")
    }
}

/// Rules from JSON, as an owner would store them.
///
/// # Panics
/// When the JSON does not describe valid rules.
#[must_use]
pub fn rules(json: &str) -> ProgramRules {
    serde_json::from_str(json).expect("fixture rules")
}

/// A ledger write of `points` (negative for a redeem) under `key`, by the system.
///
/// # Panics
/// When `key` is not a valid idempotency key.
#[must_use]
pub fn entry(wallet: WalletId, kind: EntryKind, points: i64, key: &str) -> NewLedgerEntry {
    NewLedgerEntry {
        wallet_id: wallet,
        kind,
        points,
        stamps: 0,
        idempotency_key: IdempotencyKey::new(key).expect("key"),
        actor: Actor::System("test".into()),
        cafe_id: None,
        shift_id: None,
        purchase_id: None,
        reason: None,
        rule_snapshot: serde_json::json!({ "rule": "test" }),
        overdraft: Overdraft::Forbid,
    }
}
