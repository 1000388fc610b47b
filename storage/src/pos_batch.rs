//! Many POS purchases applied together, with one statement per table instead of one per row.
//!
//! One sale on its own ([`pos`](crate::pos)) costs about fifteen statements. On PostgreSQL each
//! statement costs some 100 µs of server CPU whatever it carries, so concurrent sales are
//! gathered (the SQLite writer's group, a PostgreSQL batcher's queue) and a batch reads every
//! wallet and history it needs in one statement each, plans each sale with the same pure
//! functions ([`plan_earn`]), and writes every purchase, entry, wallet, outbox row, event and
//! stored outcome with one multi-row statement per table.
//!
//! On by default ([`DbStore::with_pos_batches`](crate::DbStore::with_pos_batches) turns it
//! off); DECISIONS.md ("POS batches") has the figures.
//!
//! The batch takes only plain sales: a matched guest (or none), no card code to mark as used,
//! no reward code to redeem, wallets that already exist, a delivery and a receipt seen for the
//! first time. Every other sale is *left* ([`None`] in the result) and the caller applies it on
//! its own, after the batch, through the one-by-one path, which knows every case. A problem
//! found once writing has started (an error from the rules, a key already taken, a forbidden
//! overdraft) fails the whole batch: the caller rolls it back and applies each sale on its own.
//! Either way each sale ends exactly as it would have alone: the two paths share the planning,
//! and a test (`tests/src/pos_batch.rs`) holds a batching store to a one-by-one store's answers,
//! balances, tiers and ledgers on both backends.
//!
//! Order: sales that share a wallet are planned in delivery order, in *rounds*: a sale's round
//! is one after the last round that touched any of its wallets, so a round never has two sales
//! of one wallet, and each round's entries are written (and their ids known) before the next
//! round plans over them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::chain::Cafe;
use regulars_core::ids::{CafeId, ChainId, GuestId, LedgerEntryId, WalletId};
use regulars_core::ledger::{Actor, LedgerEntry, NewLedgerEntry};
use regulars_core::loyalty::{EarnSetting, PurchaseContext, plan_earn, wallet_scope};
use regulars_core::notification::ProgramProgress;
use regulars_core::pos::ingest::{GuestMatch, IngestOutcome, PurchaseIngest};
use regulars_core::program::Program;
use regulars_core::purchase::Purchase;
use regulars_core::rules::codes::RewardCode;
use regulars_core::wallet::{Balances, Wallet, WalletScope};
use regulars_core::{Error, Result};
use serde_json::json;

use crate::cached::{Bind, Rows, execute_chunks, load_chunks};
use crate::cafes::CafeRow;
use crate::catalog_cache::CatalogCache;
use crate::columns::{from_millis, to_json, to_millis};
use crate::error::DbError;
use crate::events::{NewEventRow, append_event};
use crate::ledger::tier_changed_event;
use crate::ledger::{EntryRow, EntrySql, WalletRow, WalletSql};
use crate::outbox::NewOutboxRow;
use crate::pos::{cafe_in_tx, programs_in_tx};
use crate::programs::ProgramRow;
use crate::purchases::{PurchaseRow, PurchaseSql, recorded_event};
use crate::reward_codes::{RewardCodeRow, issue_code_in_tx, issue_drawn_code_in_tx, issue_new_code_in_tx};
use crate::schema::{cafes, programs, reward_codes, wallets};
use crate::store::Caches;
use regulars_core::pos::workflow::earned_notification;

/// Most sales in one batch: bounds the time a batch holds its wallets and the memory it plans
/// in (statements are cut into chunks of at most 64 rows either way, see [`Rows`]).
pub(crate) const MAX_BATCH: usize = 256;

/// What a batch did with each sale, in the order given: its outcome, or `None` for a sale left
/// to the one-by-one path.
pub(crate) type BatchOutcomes = Vec<Option<IngestOutcome>>;

/// The batch body, for whichever connection type the backend uses.
pub(crate) trait BatchInTx {
    /// Applies the plain sales of `sales` inside the current transaction (see the module docs);
    /// an `Err` means the caller must roll the batch back and apply every sale on its own.
    fn purchases_in_tx(
        &mut self,
        chain: ChainId,
        sales: &[PurchaseIngest],
        caches: &Caches,
    ) -> impl Future<Output = Result<BatchOutcomes, DbError>> + Send;
}

/// A sale waiting for a batch, and who to answer.
pub(crate) struct PurchaseJob {
    pub(crate) chain: ChainId,
    pub(crate) ingest: PurchaseIngest,
    pub(crate) reply: Replier,
}

/// `jobs` grouped by chain (a batch is one chain's), each group in arrival order, as the
/// chain, its sales and their repliers.
pub(crate) fn by_chain(jobs: Vec<PurchaseJob>) -> Vec<(ChainId, Vec<PurchaseIngest>, Vec<Replier>)> {
    let mut groups: Vec<(ChainId, Vec<PurchaseIngest>, Vec<Replier>)> = Vec::new();
    for job in jobs {
        let at = match groups.iter().position(|(chain, ..)| *chain == job.chain) {
            Some(at) => at,
            None => {
                groups.push((job.chain, Vec::new(), Vec::new()));
                groups.len() - 1
            }
        };
        groups[at].1.push(job.ingest);
        groups[at].2.push(job.reply);
    }
    groups
}

/// Answers one sale's caller.
pub(crate) type Replier = tokio::sync::oneshot::Sender<Result<IngestOutcome, DbError>>;

/// A wallet as `(guest, program, scope key)`: the unique key it is found by.
type WalletKey = (i64, i64, i64);

fn wallet_key(scope: &WalletScope) -> WalletKey {
    (scope.guest_id.get(), scope.program_id.get(), scope.cafe_id.map_or(0, |c| c.get()))
}

/// One sale on its way through the batch.
struct Sale<'s> {
    ingest: &'s PurchaseIngest,
    cafe: Arc<Cafe>,
    /// The guest's public id, once found in the chain.
    public_id: Option<String>,
    /// The programs it earns in (indexes into the chain's programs) and their wallets.
    wallets: Vec<(usize, WalletKey)>,
    purchase: Option<Purchase>,
    round: usize,
    progress: Vec<ProgramProgress>,
}

/// A wallet the batch holds: its state as the batch leaves it, and its history.
struct HeldWallet {
    wallet: Wallet,
    /// Oldest first: the cached part, the entries read since, then the batch's own.
    history: Vec<LedgerEntry>,
    /// How many entries of `history` were read from the database (what goes back to the cache).
    read: usize,
    changed: bool,
}

/// A ledger row to insert, owned until the statement runs.
struct EntryInsert {
    entry: NewLedgerEntry,
    after: Balances,
    actor: (&'static str, String),
    snapshot: String,
}

impl EntryInsert {
    fn binds(&self, chain: ChainId, now: i64) -> [Bind<'_>; 17] {
        let e = &self.entry;
        [
            Bind::I64(chain.get()),
            Bind::I64(e.wallet_id.get()),
            Bind::Text(e.kind.as_str()),
            Bind::I64(e.points),
            Bind::I64(e.stamps),
            Bind::I64(self.after.points),
            Bind::I64(self.after.stamps),
            Bind::I64(self.after.lifetime_points),
            Bind::Text(e.idempotency_key.as_str()),
            Bind::Text(self.actor.0),
            Bind::Text(&self.actor.1),
            Bind::OptI64(e.cafe_id.map(|c| c.get())),
            Bind::OptI64(e.shift_id.map(|s| s.get())),
            Bind::OptI64(e.purchase_id.map(|p| p.get())),
            Bind::OptText(e.reason.as_deref()),
            Bind::Text(&self.snapshot),
            Bind::I64(now),
        ]
    }
}

/// Gives each sale its round: one after the last round that touched any of its wallets.
fn assign_rounds(sales: &mut [Sale<'_>]) -> usize {
    let mut last: HashMap<WalletKey, usize> = HashMap::new();
    let mut rounds = 0;
    for sale in sales.iter_mut() {
        let round = sale.wallets.iter().filter_map(|(_, key)| last.get(key)).max().map_or(0, |r| r + 1);
        for (_, key) in &sale.wallets {
            last.insert(*key, round);
        }
        sale.round = round;
        rounds = rounds.max(round + 1);
    }
    rounds
}

/// The answer to one applied sale, as the one-by-one path builds it.
fn outcome_of(sale: &Sale<'_>, purchase: &Purchase, notified: bool) -> IngestOutcome {
    let mut guest = sale.ingest.guest.clone();
    if let (GuestMatch::Matched { public_id, .. }, Some(stored)) = (&mut guest, &sale.public_id) {
        public_id.clone_from(stored);
    }
    IngestOutcome {
        event: "purchase.completed".into(),
        receipt_id: purchase.details.external_id.clone(),
        purchase_id: purchase.id,
        duplicate: false,
        guest,
        programs: sale.progress.clone(),
        reward_code: None,
        refund: None,
        notified,
    }
}

/// `(?, ?, ...)` with `n` placeholders.
fn placeholders(n: usize) -> String {
    format!("({})", vec!["?"; n].join(", "))
}

/// The `(source, key)` pairs of `$table` in the chain whose `$column` is one of the sales'
/// `$key`s. Evaluates to a `HashSet<(String, String)>`.
macro_rules! keys_stored {
    ($c:ident, $chain:expr, $sales:expr, $table:literal, $column:literal, |$s:ident| $key:expr) => {{
        let binds = $sales
            .iter()
            .flat_map(|(_, $s)| [Bind::Text(&$s.ingest.source), Bind::Text(&$key)])
            .chain(std::iter::once(Bind::I64($chain.get())))
            .collect();
        let found: Vec<(String, String)> = load_chunks!(
            $c,
            Rows::<(diesel::sql_types::Text, diesel::sql_types::Text)>::new(
                "WITH v(s, k) AS (VALUES ",
                "(?, ?)",
                $sales.len(),
                concat!(
                    ") SELECT t.source, t.",
                    $column,
                    " FROM v CROSS JOIN ",
                    $table,
                    " t WHERE t.source = v.s AND t.",
                    $column,
                    " = v.k AND t.chain_id = ?"
                ),
                binds,
            )
        );
        found.into_iter().collect::<HashSet<(String, String)>>()
    }};
}

/// The chain's wallets with the sorted `$keys`, in key order, with `$clause` after the query (a
/// lock clause, or nothing). Evaluates to a `Vec<WalletRow>`.
macro_rules! wallet_rows {
    ($c:ident, $chain:expr, $keys:expr, $clause:expr) => {{
        let keys: &[WalletKey] = $keys;
        let binds = keys.iter().flat_map(|k| [Bind::I64(k.0), Bind::I64(k.1), Bind::I64(k.2)]);
        let binds = binds.chain(std::iter::once(Bind::I64($chain.get()))).collect();
        let rows: Vec<WalletRow> = load_chunks!(
            $c,
            Rows::<WalletSql>::new(
                "WITH v(g, p, k) AS (VALUES ",
                "(?, ?, ?)",
                keys.len(),
                concat!(
                    ") SELECT w.id, w.chain_id, w.guest_id, w.program_id, w.cafe_id, w.points, w.stamps, \
                 w.lifetime_points, w.tier, w.updated_at FROM v CROSS JOIN wallets w WHERE w.guest_id = v.g \
                 AND w.program_id = v.p AND w.scope_key = v.k AND w.chain_id = ? \
                 ORDER BY w.guest_id, w.program_id, w.scope_key",
                    $clause
                ),
                binds,
            )
        );
        rows
    }};
}

macro_rules! impl_batch_in_tx {
    ($conn:ty, $lock_clause:expr) => {
        impl BatchInTx for $conn {
            async fn purchases_in_tx(
                &mut self,
                chain: ChainId,
                ingests: &[PurchaseIngest],
                caches: &Caches,
            ) -> Result<BatchOutcomes, DbError> {
                let c = self;
                let now = Utc::now();
                let now_ms = to_millis(now);
                // As the entries are read back: to the millisecond.
                let created_at = from_millis("ledger_entries.created_at", now_ms)?;
                let mut outcomes: BatchOutcomes = vec![None; ingests.len()];

                // Which sales the batch takes: plain ones, the first of each delivery and receipt.
                let mut seen = HashSet::new();
                let mut sales: Vec<(usize, Sale<'_>)> = Vec::new();
                for (i, ingest) in ingests.iter().enumerate() {
                    let fresh = seen.insert(("delivery", &ingest.source, &ingest.delivery_id))
                        & seen.insert(("receipt", &ingest.source, &ingest.purchase.external_id));
                    if !fresh || ingest.card_step.is_some() || ingest.reward_code.is_some() {
                        continue;
                    }
                    let cafe = cafe_in_tx!(c, chain, ingest.purchase.cafe_id, &caches.catalog);
                    if ingest.purchase.total.currency != cafe.currency {
                        continue;
                    }
                    let sale = Sale {
                        ingest,
                        cafe,
                        public_id: None,
                        wallets: Vec::new(),
                        purchase: None,
                        round: 0,
                        progress: Vec::new(),
                    };
                    sales.push((i, sale));
                }

                // Deliveries and receipts stored before: the one-by-one path answers them from
                // storage (a receipt taken at insert time would fail the whole batch).
                if !sales.is_empty() {
                    let delivered = keys_stored!(c, chain, &sales, "pos_deliveries", "delivery_id", |s| s.ingest.delivery_id);
                    let recorded = keys_stored!(c, chain, &sales, "purchases", "external_id", |s| s.ingest.purchase.external_id);
                    sales.retain(|(_, s)| {
                        let source = s.ingest.source.clone();
                        !delivered.contains(&(source.clone(), s.ingest.delivery_id.clone()))
                            && !recorded.contains(&(source, s.ingest.purchase.external_id.clone()))
                    });
                }

                // Guests of the chain, with their public ids.
                let guest_ids: Vec<i64> = {
                    let ids: HashSet<i64> = sales.iter().filter_map(|(_, s)| s.ingest.purchase.guest_id).map(|g| g.get()).collect();
                    ids.into_iter().collect()
                };
                if !guest_ids.is_empty() {
                    let binds = guest_ids.iter().map(|g| Bind::I64(*g)).collect();
                    // By primary key, the chain checked here: with `chain_id = ?` in the query,
                    // SQLite walked the chain's guests index instead.
                    let found: Vec<(i64, i64, String)> = load_chunks!(c, Rows::<(
                        diesel::sql_types::BigInt,
                        diesel::sql_types::BigInt,
                        diesel::sql_types::Text,
                    )>::new(
                        "SELECT id, chain_id, public_id FROM guests WHERE id IN (",
                        "?",
                        guest_ids.len(),
                        ")",
                        binds,
                    ));
                    let found: HashMap<i64, String> = found
                        .into_iter()
                        .filter(|(_, of_chain, _)| *of_chain == chain.get())
                        .map(|(id, _, public_id)| (id, public_id))
                        .collect();
                    sales.retain_mut(|(_, s)| match s.ingest.purchase.guest_id {
                        None => true,
                        Some(g) => match found.get(&g.get()) {
                            Some(public_id) => {
                                s.public_id = Some(public_id.clone());
                                true
                            }
                            None => false,
                        },
                    });
                }

                // The wallets each sale earns in.
                let programs = programs_in_tx!(c, chain, &caches.catalog);
                let mut keys: Vec<WalletKey> = Vec::new();
                for (_, sale) in &mut sales {
                    let Some(guest) = sale.ingest.purchase.guest_id else { continue };
                    for (p, program) in programs.iter().enumerate() {
                        if program.rules.earns_at(sale.cafe.id) {
                            let key = wallet_key(&wallet_scope(program, guest, sale.cafe.id));
                            sale.wallets.push((p, key));
                            keys.push(key);
                        }
                    }
                }
                keys.sort_unstable();
                keys.dedup();
                // Read first without locks: a missing wallet leaves its sale to the one-by-one path
                // before anything is written (a wallet is never deleted, so one found stays).
                let mut held: HashMap<WalletKey, HeldWallet> = HashMap::new();
                if !keys.is_empty() {
                    for row in wallet_rows!(c, chain, &keys, "") {
                        let wallet = row.into_wallet()?;
                        let held_wallet = HeldWallet { wallet, history: Vec::new(), read: 0, changed: false };
                        held.insert(wallet_key(&held_wallet.wallet.scope), held_wallet);
                    }
                }
                sales.retain(|(_, s)| s.wallets.iter().all(|(_, key)| held.contains_key(key)));
                if sales.is_empty() {
                    return Ok(outcomes);
                }
                let used: HashSet<WalletKey> = sales.iter().flat_map(|(_, s)| s.wallets.iter().map(|(_, k)| *k)).collect();
                held.retain(|key, _| used.contains(key));

                // The purchases; a receipt recorded before is left to the one-by-one path.
                // In (source, receipt) order, the same in every batch: a receipt being inserted by
                // another transaction makes this one wait, and waits in one order never circle.
                sales.sort_by(|(_, a), (_, b)| {
                    let (a, b) = (&a.ingest.purchase, &b.ingest.purchase);
                    (&a.source, &a.external_id).cmp(&(&b.source, &b.external_id))
                });
                let purchase_rows: Vec<(usize, String)> =
                    sales.iter().enumerate().map(|(n, (_, s))| (n, to_json(&s.ingest.purchase.items))).collect();
                let binds = purchase_rows
                    .iter()
                    .flat_map(|(n, items)| {
                        let p = &sales[*n].1.ingest.purchase;
                        [
                            Bind::I64(chain.get()),
                            Bind::I64(p.cafe_id.get()),
                            Bind::Text(&p.source),
                            Bind::Text(&p.external_id),
                            Bind::OptI64(p.guest_id.map(GuestId::get)),
                            Bind::I64(p.total.minor),
                            Bind::Text(p.total.currency.as_str()),
                            Bind::Text(items),
                            Bind::I64(to_millis(p.occurred_at)),
                            Bind::I64(now_ms),
                        ]
                    })
                    .collect();
                let inserted: Vec<PurchaseRow> = load_chunks!(c, Rows::<PurchaseSql>::new(
                    "INSERT INTO purchases (chain_id, cafe_id, source, external_id, guest_id, total_minor, currency, \
                     items, occurred_at, recorded_at) VALUES ",
                    &placeholders(10),
                    purchase_rows.len(),
                    " ON CONFLICT DO NOTHING RETURNING id, chain_id, cafe_id, source, external_id, guest_id, \
                     total_minor, currency, items, occurred_at, recorded_at",
                    binds,
                ));
                let mut recorded: HashMap<(String, String), Purchase> = HashMap::new();
                for row in inserted {
                    let purchase = row.into_purchase()?;
                    recorded.insert((purchase.details.source.clone(), purchase.details.external_id.clone()), purchase);
                }
                if recorded.len() != sales.len() {
                    // A receipt taken: the one-by-one path must find the batch's purchases gone.
                    return Err(DbError::KeyRace);
                }
                let mut events: Vec<NewEventRow> = Vec::new();
                for (_, sale) in &mut sales {
                    let p = &sale.ingest.purchase;
                    let purchase = recorded.remove(&(p.source.clone(), p.external_id.clone())).ok_or(DbError::KeyRace)?;
                    events.push(recorded_event(chain, purchase.id.get(), p));
                    sale.purchase = Some(purchase);
                }

                // Now the locks, in (guest, program) order as one sale alone takes them, and after
                // the receipts as one sale alone takes them: with both in one order, batches and
                // single sales never wait on each other in a circle. The balances are read again
                // under the lock (another transaction may have changed them since).
                if !$lock_clause.is_empty() && !held.is_empty() {
                    let mut keys: Vec<WalletKey> = held.keys().copied().collect();
                    keys.sort_unstable();
                    for row in wallet_rows!(c, chain, &keys, $lock_clause) {
                        let wallet = row.into_wallet()?;
                        if let Some(h) = held.get_mut(&wallet_key(&wallet.scope)) {
                            h.wallet = wallet;
                        }
                    }
                }
                for h in held.values_mut() {
                    h.history = caches.histories.take(h.wallet.id);
                    h.read = h.history.len();
                }

                // Only the entries written since the cached part of each history.
                let in_use: Vec<(i64, i64)> = held
                    .values()
                    .map(|h| (h.wallet.id.get(), h.history.last().map_or(0, |e: &LedgerEntry| e.id.get())))
                    .collect();
                let binds = in_use.iter().flat_map(|(w, s)| [Bind::I64(*w), Bind::I64(*s)]).collect();
                let rows: Vec<EntryRow> = load_chunks!(c, Rows::<EntrySql>::new(
                    "WITH v(w, s) AS (VALUES ",
                    "(?, ?)",
                    in_use.len(),
                    ") SELECT e.id, e.chain_id, e.wallet_id, e.kind, e.points, e.stamps, e.points_after, \
                     e.stamps_after, e.lifetime_after, e.idempotency_key, e.actor_kind, e.actor_ref, e.cafe_id, \
                     e.shift_id, e.purchase_id, e.reason, e.rule_snapshot, e.created_at FROM v \
                     CROSS JOIN ledger_entries e WHERE e.wallet_id = v.w AND e.id > v.s ORDER BY e.id",
                    binds,
                ));
                let by_id: HashMap<WalletId, WalletKey> = held.iter().map(|(k, h)| (h.wallet.id, *k)).collect();
                for row in rows {
                    let entry = row.into_entry()?;
                    if let Some(h) = by_id.get(&entry.wallet_id).and_then(|k| held.get_mut(k)) {
                        h.history.push(entry);
                        h.read += 1;
                    }
                }

                // Plan and write, round by round, in delivery order.
                sales.sort_by_key(|(i, _)| *i);
                let mut batch: Vec<Sale<'_>> = Vec::with_capacity(sales.len());
                let mut positions = Vec::with_capacity(sales.len());
                for (i, sale) in sales {
                    positions.push(i);
                    batch.push(sale);
                }
                let rounds = assign_rounds(&mut batch);
                for round in 0..rounds {
                    let mut inserts: Vec<EntryInsert> = Vec::new();
                    let mut codes = Vec::new();
                    for (n, sale) in batch.iter_mut().enumerate().filter(|(_, s)| s.round == round) {
                        let (Some(purchase), Some(guest)) = (&sale.purchase, sale.ingest.purchase.guest_id) else {
                            continue;
                        };
                        let ctx = PurchaseContext {
                            actor: sale.ingest.actor(),
                            shift_id: None,
                            promotions: sale.ingest.promotions.clone(),
                        };
                        for (p, key) in &sale.wallets {
                            let program: &Program = &programs[*p];
                            let h = held.get_mut(key).ok_or(DbError::KeyRace)?;
                            let plan = plan_earn(&EarnSetting {
                                program,
                                wallet: &h.wallet,
                                history: &h.history,
                                purchase,
                                cafe_timezone: sale.cafe.timezone,
                                ctx: &ctx,
                            })?;
                            for entry in plan.entries {
                                // A forbidden overdraft fails the batch; alone, the sale says why.
                                let after = entry.apply_to(h.wallet.balances)?;
                                h.wallet.balances = after;
                                let (actor_kind, actor_ref) = entry.actor.to_parts();
                                let snapshot = to_json(&entry.rule_snapshot);
                                inserts.push(EntryInsert { entry, after, actor: (actor_kind, actor_ref), snapshot });
                            }
                            h.changed = true;
                            let calc = &plan.calculation;
                            sale.progress.push(ProgramProgress::after(
                                program,
                                (calc.points, calc.stamps),
                                calc.balances_after,
                                &calc.tier_after,
                                calc.tier_changed(),
                                Some(sale.cafe.id),
                            ));
                            for to_issue in plan.codes {
                                codes.push((n, sale.progress.len() - 1, h.wallet.id, to_issue));
                            }
                            let tier_after = calc.tier_after.name().map(str::to_owned);
                            if h.wallet.tier != tier_after {
                                events.push(tier_changed_event(chain, h.wallet.id, guest, &h.wallet.tier, &tier_after));
                                h.wallet.tier = tier_after;
                            }
                        }
                    }
                    if !inserts.is_empty() {
                        let binds = inserts.iter().flat_map(|e| e.binds(chain, now_ms)).collect();
                        // Only the ids: the rest of each entry is what was just planned.
                        let ids: Vec<(i64, String)> = load_chunks!(c, Rows::<(diesel::sql_types::BigInt, diesel::sql_types::Text)>::new(
                            "INSERT INTO ledger_entries (chain_id, wallet_id, kind, points, stamps, points_after, \
                             stamps_after, lifetime_after, idempotency_key, actor_kind, actor_ref, cafe_id, shift_id, \
                             purchase_id, reason, rule_snapshot, created_at) VALUES ",
                            &placeholders(17),
                            inserts.len(),
                            " ON CONFLICT DO NOTHING RETURNING id, idempotency_key",
                            binds,
                        ));
                        if ids.len() != inserts.len() {
                            // A key used before: the one-by-one path answers it.
                            return Err(DbError::KeyRace);
                        }
                        let ids: HashMap<String, i64> = ids.into_iter().map(|(id, key)| (key, id)).collect();
                        let mut entries = Vec::with_capacity(inserts.len());
                        for insert in inserts {
                            let id = *ids.get(insert.entry.idempotency_key.as_str()).ok_or(DbError::KeyRace)?;
                            entries.push(insert.entry.into_entry(LedgerEntryId(id), chain, insert.after, created_at));
                        }
                        entries.sort_by_key(|e| e.id);
                        for entry in entries {
                            let h = by_id.get(&entry.wallet_id).and_then(|k| held.get_mut(k)).ok_or(DbError::KeyRace)?;
                            h.history.push(entry);
                        }
                    }
                    // Reward codes are rare (one sale in several): one by one, as alone.
                    for (n, shown, wallet, to_issue) in codes {
                        batch[n].progress[shown].codes.push(issue_drawn_code_in_tx!(c, chain, to_issue, wallet, now));
                    }
                }

                // Balances and tiers, as the batch leaves each wallet.
                let changed: Vec<&HeldWallet> = held.values().filter(|h| h.changed).collect();
                if !changed.is_empty() {
                    let binds = changed
                        .iter()
                        .flat_map(|h| {
                            let b = &h.wallet.balances;
                            [
                                Bind::I64(h.wallet.id.get()),
                                Bind::I64(b.points),
                                Bind::I64(b.stamps),
                                Bind::I64(b.lifetime_points),
                                Bind::OptText(h.wallet.tier.as_deref()),
                            ]
                        })
                        .chain([Bind::I64(now_ms), Bind::I64(chain.get())])
                        .collect();
                    execute_chunks!(c, Rows::<()>::new(
                        "WITH v(id, p, s, l, t) AS (VALUES ",
                        "(?, ?, ?, ?, ?)",
                        changed.len(),
                        ") UPDATE wallets SET points = v.p, stamps = v.s, lifetime_points = v.l, tier = v.t, \
                         updated_at = ? FROM v WHERE wallets.id = v.id AND wallets.chain_id = ?",
                        binds,
                    ));
                }

                // Notifications, stored outcomes and events.
                let mut notes: Vec<NewOutboxRow> = Vec::new();
                let mut stored: Vec<(usize, String, String)> = Vec::new();
                for (n, sale) in batch.iter().enumerate() {
                    let purchase = sale.purchase.as_ref().ok_or(DbError::KeyRace)?;
                    let notification = earned_notification(&sale.ingest.source, purchase, &sale.progress);
                    let notified = notification.is_some();
                    notes.extend(notification.map(|n| NewOutboxRow::new(chain, n)));
                    let outcome = outcome_of(sale, purchase, notified);
                    stored.push((n, sale.ingest.event_key(), to_json(&outcome)));
                    outcomes[positions[n]] = Some(outcome);
                }
                if !notes.is_empty() {
                    let binds = notes.iter().flat_map(NewOutboxRow::binds).collect();
                    let queued = execute_chunks!(c, Rows::<()>::new(
                        "INSERT INTO outbox (chain_id, guest_id, dedupe_key, kind, payload, status, attempts, \
                         available_at, created_at) VALUES ",
                        "(?, ?, ?, ?, ?, ?, 0, ?, ?)",
                        notes.len(),
                        " ON CONFLICT DO NOTHING",
                        binds,
                    ));
                    if queued != notes.len() {
                        // A notification queued before for one of these receipts: let each
                        // sale alone decide what that means.
                        return Err(DbError::KeyRace);
                    }
                }
                let binds = stored
                    .iter()
                    .flat_map(|(n, event_key, outcome)| {
                        let sale = &batch[*n];
                        [
                            Bind::I64(chain.get()),
                            Bind::Text(&sale.ingest.source),
                            Bind::Text(&sale.ingest.delivery_id),
                            Bind::Text(event_key),
                            Bind::I64(sale.purchase.as_ref().map_or(0, |p| p.id.get())),
                            Bind::Text(outcome),
                            Bind::I64(now_ms),
                        ]
                    })
                    .collect();
                let kept = execute_chunks!(c, Rows::<()>::new(
                    "INSERT INTO pos_deliveries (chain_id, source, delivery_id, event_key, purchase_id, outcome, \
                     created_at) VALUES ",
                    &placeholders(7),
                    stored.len(),
                    " ON CONFLICT DO NOTHING",
                    binds,
                ));
                if kept != stored.len() {
                    return Err(DbError::KeyRace);
                }
                let binds = events.iter().flat_map(NewEventRow::binds).collect();
                execute_chunks!(c, Rows::<()>::new(
                    "INSERT INTO events (chain_id, kind, subject, payload, created_at) VALUES ",
                    &placeholders(5),
                    events.len(),
                    "",
                    binds,
                ));

                // Back to the cache: only what was read, as the one-by-one path keeps it (the
                // batch's own entries are read back by the next sale, so a rollback cannot
                // leave them cached).
                for mut h in held.into_values() {
                    h.history.truncate(h.read);
                    caches.histories.put(h.wallet.id, h.history);
                }
                Ok(outcomes)
            }
        }
    };
}

impl_batch_in_tx!(crate::sqlite::SqliteWriteConn, "");
impl_batch_in_tx!(crate::postgres::PgConn, " FOR UPDATE OF w");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_one_row() {
        assert_eq!(placeholders(3), "(?, ?, ?)");
    }
}
