//! The multi-row statements a POS batch ([`crate::pos_batch`]) reads and writes with: one
//! statement per table for the whole batch instead of one per sale. Each method is one
//! statement (cut into cacheable chunks, see [`Rows`]) and holds no business rule; the macro
//! below expands them for both connection types.

use std::collections::{HashMap, HashSet};

use regulars_core::ids::ChainId;
use regulars_core::ledger::{LedgerEntry, NewLedgerEntry};
use regulars_core::purchase::{NewPurchase, Purchase};
use regulars_core::wallet::{Balances, Wallet, WalletScope};

use crate::cached::{Bind, Rows, execute_chunks, load_chunks};
use crate::columns::to_json;
use crate::error::DbError;
use crate::events::NewEventRow;
use crate::ledger::{EntryRow, EntrySql, WalletRow, WalletSql};
use crate::outbox::NewOutboxRow;
use crate::purchases::{PurchaseRow, PurchaseSql};

/// A wallet as `(guest, program, scope key)`: the unique key it is found by.
pub(crate) type WalletKey = (i64, i64, i64);

/// The key of the wallet of `scope`.
pub(crate) fn wallet_key(scope: &WalletScope) -> WalletKey {
    (scope.guest_id.get(), scope.program_id.get(), scope.cafe_id.map_or(0, |c| c.get()))
}

/// A ledger row to insert, with the balances it leaves.
pub(crate) struct EntryInsert {
    pub(crate) entry: NewLedgerEntry,
    pub(crate) after: Balances,
}

/// A delivery's stored answer, to insert.
pub(crate) struct DeliveryInsert {
    pub(crate) source: String,
    pub(crate) delivery_id: String,
    pub(crate) event_key: String,
    pub(crate) purchase_id: i64,
    pub(crate) outcome: String,
}

/// `(?, ?, ...)` with `n` placeholders.
fn placeholders(n: usize) -> String {
    format!("({})", vec!["?"; n].join(", "))
}

/// The statements of a batch, for whichever connection type the backend uses.
pub(crate) trait BatchStatements: Send {
    /// Which `(source, delivery id)` pairs of `keys` the chain has stored answers for.
    fn known_deliveries(
        &mut self,
        chain: ChainId,
        keys: &[(&str, &str)],
    ) -> impl Future<Output = Result<HashSet<(String, String)>, DbError>> + Send;

    /// Which `(source, receipt)` pairs of `keys` the chain has recorded.
    fn known_receipts(
        &mut self,
        chain: ChainId,
        keys: &[(&str, &str)],
    ) -> impl Future<Output = Result<HashSet<(String, String)>, DbError>> + Send;

    /// The public ids of those of `guests` that are the chain's.
    fn public_ids(
        &mut self,
        chain: ChainId,
        guests: &[i64],
    ) -> impl Future<Output = Result<HashMap<i64, String>, DbError>> + Send;

    /// Inserts the purchases whose receipts are free, returning those inserted.
    fn insert_purchases(
        &mut self,
        chain: ChainId,
        purchases: &[&NewPurchase],
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<Purchase>, DbError>> + Send;

    /// The chain's wallets with the sorted `keys`, row-locked where the backend locks rows.
    fn lock_wallets(
        &mut self,
        chain: ChainId,
        keys: &[WalletKey],
    ) -> impl Future<Output = Result<Vec<Wallet>, DbError>> + Send;

    /// The entries of each `(wallet, last id seen)` written after that id, in id order.
    fn entries_after(&mut self, seen: &[(i64, i64)]) -> impl Future<Output = Result<Vec<LedgerEntry>, DbError>> + Send;

    /// Appends entries whose keys are free; the count appended.
    fn insert_entries(
        &mut self,
        chain: ChainId,
        entries: &[EntryInsert],
        now_ms: i64,
    ) -> impl Future<Output = Result<usize, DbError>> + Send;

    /// Stores each wallet's balances and tier.
    fn update_wallets(
        &mut self,
        chain: ChainId,
        wallets: &[&Wallet],
        now_ms: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// Queues notifications whose dedupe keys are free; the count queued.
    fn insert_outbox(&mut self, rows: &[NewOutboxRow]) -> impl Future<Output = Result<usize, DbError>> + Send;

    /// Stores answers whose keys are free; the count stored.
    fn insert_deliveries(
        &mut self,
        chain: ChainId,
        rows: &[DeliveryInsert],
        now_ms: i64,
    ) -> impl Future<Output = Result<usize, DbError>> + Send;

    /// Appends events.
    fn insert_events(&mut self, rows: &[NewEventRow]) -> impl Future<Output = Result<(), DbError>> + Send;
}

/// `(source, key)` pairs of `$table` in the chain whose `$column` is one of `$keys`.
macro_rules! keys_stored {
    ($c:ident, $chain:expr, $keys:expr, $table:literal, $column:literal) => {{
        let keys: &[(&str, &str)] = $keys;
        let binds = keys
            .iter()
            .flat_map(|(source, key)| [Bind::Text(source), Bind::Text(key)])
            .chain(std::iter::once(Bind::I64($chain.get())))
            .collect();
        let found: Vec<(String, String)> = load_chunks!(
            $c,
            Rows::<(diesel::sql_types::Text, diesel::sql_types::Text)>::new(
                "WITH v(s, k) AS (VALUES ",
                "(?, ?)",
                keys.len(),
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
        Ok(found.into_iter().collect())
    }};
}

macro_rules! impl_batch_statements {
    ($conn:ty, $lock_clause:expr) => {
        impl BatchStatements for $conn {
            async fn known_deliveries(
                &mut self,
                chain: ChainId,
                keys: &[(&str, &str)],
            ) -> Result<HashSet<(String, String)>, DbError> {
                let c = self;
                keys_stored!(c, chain, keys, "pos_deliveries", "delivery_id")
            }

            async fn known_receipts(
                &mut self,
                chain: ChainId,
                keys: &[(&str, &str)],
            ) -> Result<HashSet<(String, String)>, DbError> {
                let c = self;
                keys_stored!(c, chain, keys, "purchases", "external_id")
            }

            async fn public_ids(&mut self, chain: ChainId, guests: &[i64]) -> Result<HashMap<i64, String>, DbError> {
                let c = self;
                let binds = guests.iter().map(|g| Bind::I64(*g)).collect();
                // By primary key, the chain checked here: with `chain_id = ?` in the query,
                // SQLite walked the chain's guests index instead.
                let found: Vec<(i64, i64, String)> = load_chunks!(
                    c,
                    Rows::<(diesel::sql_types::BigInt, diesel::sql_types::BigInt, diesel::sql_types::Text)>::new(
                        "SELECT id, chain_id, public_id FROM guests WHERE id IN (",
                        "?",
                        guests.len(),
                        ")",
                        binds,
                    )
                );
                Ok(found.into_iter().filter(|(_, of, _)| *of == chain.get()).map(|(id, _, p)| (id, p)).collect())
            }

            async fn insert_purchases(
                &mut self,
                chain: ChainId,
                purchases: &[&NewPurchase],
                now_ms: i64,
            ) -> Result<Vec<Purchase>, DbError> {
                let c = self;
                let items: Vec<String> = purchases.iter().map(|p| to_json(&p.items)).collect();
                let binds = purchases
                    .iter()
                    .zip(&items)
                    .flat_map(|(p, items)| {
                        [
                            Bind::I64(chain.get()),
                            Bind::I64(p.cafe_id.get()),
                            Bind::Text(&p.source),
                            Bind::Text(&p.external_id),
                            Bind::OptI64(p.guest_id.map(|g| g.get())),
                            Bind::I64(p.total.minor),
                            Bind::Text(p.total.currency.as_str()),
                            Bind::Text(items),
                            Bind::I64(crate::columns::to_millis(p.occurred_at)),
                            Bind::I64(now_ms),
                        ]
                    })
                    .collect();
                let rows: Vec<PurchaseRow> = load_chunks!(
                    c,
                    Rows::<PurchaseSql>::new(
                        "INSERT INTO purchases (chain_id, cafe_id, source, external_id, guest_id, total_minor, \
                         currency, items, occurred_at, recorded_at) VALUES ",
                        &placeholders(10),
                        purchases.len(),
                        " ON CONFLICT DO NOTHING RETURNING id, chain_id, cafe_id, source, external_id, guest_id, \
                         total_minor, currency, items, occurred_at, recorded_at",
                        binds,
                    )
                );
                rows.into_iter().map(PurchaseRow::into_purchase).collect()
            }

            async fn lock_wallets(&mut self, chain: ChainId, keys: &[WalletKey]) -> Result<Vec<Wallet>, DbError> {
                let c = self;
                let binds = keys.iter().flat_map(|k| [Bind::I64(k.0), Bind::I64(k.1), Bind::I64(k.2)]);
                let binds = binds.chain(std::iter::once(Bind::I64(chain.get()))).collect();
                let rows: Vec<WalletRow> = load_chunks!(
                    c,
                    Rows::<WalletSql>::new(
                        "WITH v(g, p, k) AS (VALUES ",
                        "(?, ?, ?)",
                        keys.len(),
                        concat!(
                            ") SELECT w.id, w.chain_id, w.guest_id, w.program_id, w.cafe_id, w.points, w.stamps, \
                             w.lifetime_points, w.tier, w.updated_at FROM v CROSS JOIN wallets w \
                             WHERE w.guest_id = v.g AND w.program_id = v.p AND w.scope_key = v.k AND w.chain_id = ? \
                             ORDER BY w.guest_id, w.program_id, w.scope_key",
                            $lock_clause
                        ),
                        binds,
                    )
                );
                rows.into_iter().map(WalletRow::into_wallet).collect()
            }

            async fn entries_after(&mut self, seen: &[(i64, i64)]) -> Result<Vec<LedgerEntry>, DbError> {
                let c = self;
                let binds = seen.iter().flat_map(|(w, s)| [Bind::I64(*w), Bind::I64(*s)]).collect();
                let rows: Vec<EntryRow> = load_chunks!(
                    c,
                    Rows::<EntrySql>::new(
                        "WITH v(w, s) AS (VALUES ",
                        "(?, ?)",
                        seen.len(),
                        ") SELECT e.id, e.chain_id, e.wallet_id, e.kind, e.points, e.stamps, e.points_after, \
                         e.stamps_after, e.lifetime_after, e.idempotency_key, e.actor_kind, e.actor_ref, e.cafe_id, \
                         e.shift_id, e.purchase_id, e.reason, e.rule_snapshot, e.created_at FROM v \
                         CROSS JOIN ledger_entries e WHERE e.wallet_id = v.w AND e.id > v.s ORDER BY e.id",
                        binds,
                    )
                );
                rows.into_iter().map(EntryRow::into_entry).collect()
            }

            async fn insert_entries(
                &mut self,
                chain: ChainId,
                entries: &[EntryInsert],
                now_ms: i64,
            ) -> Result<usize, DbError> {
                let c = self;
                let texts: Vec<((&'static str, String), String)> =
                    entries.iter().map(|e| (e.entry.actor.to_parts(), to_json(&e.entry.rule_snapshot))).collect();
                let binds = entries
                    .iter()
                    .zip(&texts)
                    .flat_map(|(insert, ((actor_kind, actor_ref), snapshot))| {
                        let (e, after) = (&insert.entry, &insert.after);
                        [
                            Bind::I64(chain.get()),
                            Bind::I64(e.wallet_id.get()),
                            Bind::Text(e.kind.as_str()),
                            Bind::I64(e.points),
                            Bind::I64(e.stamps),
                            Bind::I64(after.points),
                            Bind::I64(after.stamps),
                            Bind::I64(after.lifetime_points),
                            Bind::Text(e.idempotency_key.as_str()),
                            Bind::Text(actor_kind),
                            Bind::Text(actor_ref),
                            Bind::OptI64(e.cafe_id.map(|c| c.get())),
                            Bind::OptI64(e.shift_id.map(|s| s.get())),
                            Bind::OptI64(e.purchase_id.map(|p| p.get())),
                            Bind::OptText(e.reason.as_deref()),
                            Bind::Text(snapshot),
                            Bind::I64(now_ms),
                        ]
                    })
                    .collect();
                Ok(execute_chunks!(
                    c,
                    Rows::<()>::new(
                        "INSERT INTO ledger_entries (chain_id, wallet_id, kind, points, stamps, points_after, \
                         stamps_after, lifetime_after, idempotency_key, actor_kind, actor_ref, cafe_id, shift_id, \
                         purchase_id, reason, rule_snapshot, created_at) VALUES ",
                        &placeholders(17),
                        entries.len(),
                        " ON CONFLICT DO NOTHING",
                        binds,
                    )
                ))
            }

            async fn update_wallets(&mut self, chain: ChainId, wallets: &[&Wallet], now_ms: i64) -> Result<(), DbError> {
                let c = self;
                let binds = wallets
                    .iter()
                    .flat_map(|w| {
                        let b = &w.balances;
                        [
                            Bind::I64(w.id.get()),
                            Bind::I64(b.points),
                            Bind::I64(b.stamps),
                            Bind::I64(b.lifetime_points),
                            Bind::OptText(w.tier.as_deref()),
                        ]
                    })
                    .chain([Bind::I64(now_ms), Bind::I64(chain.get())])
                    .collect();
                execute_chunks!(
                    c,
                    Rows::<()>::new(
                        "WITH v(id, p, s, l, t) AS (VALUES ",
                        "(?, ?, ?, ?, ?)",
                        wallets.len(),
                        ") UPDATE wallets SET points = v.p, stamps = v.s, lifetime_points = v.l, tier = v.t, \
                         updated_at = ? FROM v WHERE wallets.id = v.id AND wallets.chain_id = ?",
                        binds,
                    )
                );
                Ok(())
            }

            async fn insert_outbox(&mut self, rows: &[NewOutboxRow]) -> Result<usize, DbError> {
                let c = self;
                let binds = rows.iter().flat_map(NewOutboxRow::binds).collect();
                Ok(execute_chunks!(
                    c,
                    Rows::<()>::new(
                        "INSERT INTO outbox (chain_id, guest_id, dedupe_key, kind, payload, status, attempts, \
                         available_at, created_at) VALUES ",
                        "(?, ?, ?, ?, ?, ?, 0, ?, ?)",
                        rows.len(),
                        " ON CONFLICT DO NOTHING",
                        binds,
                    )
                ))
            }

            async fn insert_deliveries(
                &mut self,
                chain: ChainId,
                rows: &[DeliveryInsert],
                now_ms: i64,
            ) -> Result<usize, DbError> {
                let c = self;
                let binds = rows
                    .iter()
                    .flat_map(|d| {
                        [
                            Bind::I64(chain.get()),
                            Bind::Text(&d.source),
                            Bind::Text(&d.delivery_id),
                            Bind::Text(&d.event_key),
                            Bind::I64(d.purchase_id),
                            Bind::Text(&d.outcome),
                            Bind::I64(now_ms),
                        ]
                    })
                    .collect();
                Ok(execute_chunks!(
                    c,
                    Rows::<()>::new(
                        "INSERT INTO pos_deliveries (chain_id, source, delivery_id, event_key, purchase_id, outcome, \
                         created_at) VALUES ",
                        &placeholders(7),
                        rows.len(),
                        " ON CONFLICT DO NOTHING",
                        binds,
                    )
                ))
            }

            async fn insert_events(&mut self, rows: &[NewEventRow]) -> Result<(), DbError> {
                let c = self;
                let binds = rows.iter().flat_map(NewEventRow::binds).collect();
                execute_chunks!(
                    c,
                    Rows::<()>::new(
                        "INSERT INTO events (chain_id, kind, subject, cafe_id, staff_id, payload, created_at) VALUES ",
                        &placeholders(7),
                        rows.len(),
                        "",
                        binds,
                    )
                );
                Ok(())
            }
        }
    };
}

impl_batch_statements!(crate::sqlite::SqliteWriteConn, "");
impl_batch_statements!(crate::postgres::PgConn, " FOR UPDATE OF w");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_one_row() {
        assert_eq!(placeholders(3), "(?, ?, ?)");
    }
}
