-- A floor for PostgreSQL: the rows of 30 POS sales written by one statement in one transaction
-- (purchases, ledger entries, wallet balances, outbox rows, stored answers, events), with no
-- HTTP, signatures, rules or application in between. Run it against the webhook bench's
-- database (`regulars-bench webhook --store postgres` creates and fills `regulars_bench`):
--
--     pgbench -h 127.0.0.1 -U postgres -n -f server/scripts/pg-floor.sql -c 2 -j 2 -T 10 regulars_bench
--
-- Each transaction is 30 sales, so sales/s = 30 x tps. DECISIONS.md ("What PostgreSQL itself
-- costs per sale") has the figures. It adds rows under the source 'floor' to that database.
WITH k AS MATERIALIZED (SELECT n, 1 + ((n * 7919 + (random() * 10000)::int) % (SELECT max(id) FROM wallets)) AS wid, md5(random()::text || n) AS rec, md5(random()::text || n || 'd') AS dl FROM generate_series(1, 30) n),
b AS MATERIALIZED (SELECT k.*, w.guest_id AS g FROM k JOIN wallets w ON w.id = k.wid),
p AS (INSERT INTO purchases (chain_id, cafe_id, source, external_id, guest_id, total_minor, currency, items, occurred_at, recorded_at)
  SELECT 1, 1, 'floor', rec, g, 32000, 'RSD', '[{"sku":"COF","name":"Flat white","category":"coffee","quantity":1,"unit_minor":32000}]', 0, 0 FROM b RETURNING id, external_id),
bp AS MATERIALIZED (SELECT b.*, p.id AS pid FROM b JOIN p ON p.external_id = b.rec),
l AS (INSERT INTO ledger_entries (chain_id, wallet_id, kind, points, stamps, points_after, stamps_after, lifetime_after, idempotency_key, actor_kind, actor_ref, cafe_id, purchase_id, rule_snapshot, created_at)
  SELECT 1, wid, 'earn', 3, 0, 3, 0, 3, 'earn:' || rec, 'pos', 'floor', 1, pid, repeat('x', 400), 0 FROM bp),
u AS (UPDATE wallets SET points = points + 3, lifetime_points = lifetime_points + 3, updated_at = 1 FROM b WHERE wallets.id = b.wid),
o AS (INSERT INTO outbox (chain_id, guest_id, dedupe_key, kind, payload, status, attempts, available_at, created_at)
  SELECT 1, g, 'earn:' || rec, 'earned', repeat('y', 300), 'pending', 0, 0, 0 FROM b),
d AS (INSERT INTO pos_deliveries (chain_id, source, delivery_id, event_key, purchase_id, outcome, created_at)
  SELECT 1, 'floor', dl, 'purchase:' || rec, pid, repeat('z', 250), 0 FROM bp),
e AS (INSERT INTO events (chain_id, kind, subject, payload, created_at) SELECT 1, 'purchase.recorded', pid::text, repeat('e', 150), 0 FROM bp)
SELECT count(*) FROM bp;
