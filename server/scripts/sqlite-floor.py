"""A floor for the SQLite writer: the rows one POS sale writes, straight through Python's sqlite3
(no HTTP, no signature, no rules engine, no diesel), in groups like the writer's, on the real
migrations, with a checkpoint every 250 ms as the server runs them.

    python3 server/scripts/sqlite-floor.py [GROUP] [SALES]        (defaults: 30 40000)

Prints sales/s and microseconds per sale for one thread doing nothing else. DECISIONS.md
("What SQLite itself costs per sale") has the figures and what they mean for the targets.
"""
import glob, os, sqlite3, sys, time, uuid, json, random, tempfile

MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "storage", "migrations", "sqlite")
group = int(sys.argv[1]) if len(sys.argv) > 1 else 30
sales_total = int(sys.argv[2]) if len(sys.argv) > 2 else 40000
d = tempfile.mkdtemp()
db = sqlite3.connect(os.path.join(d, "floor.db"), isolation_level=None)
for up in sorted(glob.glob(os.path.join(MIGRATIONS, "*", "up.sql"))):
    db.executescript(open(up).read())
db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                 "PRAGMA cache_size=-16384; PRAGMA mmap_size=268435456; PRAGMA wal_autocheckpoint=0;")
ck = sqlite3.connect(os.path.join(d, "floor.db"), isolation_level=None)
ck.executescript("PRAGMA synchronous=FULL;")
db.execute("INSERT INTO chains (slug, name, default_language, created_at) VALUES ('c','c','en',0)")
db.execute("INSERT INTO cafes (chain_id,name,address,lat,lon,timezone,currency,opening_hours,created_at) VALUES (1,'a','b',0,0,'Europe/Belgrade','RSD','{}',0)")
db.execute("INSERT INTO programs (chain_id,name,kind,scope,rules,created_at) VALUES (1,'p','points','chain','{}',0)")
db.execute("BEGIN")
for g in range(1, 1001):
    db.execute("INSERT INTO guests (chain_id,public_id,phone_verified,referral_code,marketing_consent,created_at) VALUES (1,?,0,?,0,0)", (uuid.uuid4().hex, uuid.uuid4().hex[:8]))
    db.execute("INSERT INTO wallets (chain_id,guest_id,program_id,scope_key,points,stamps,lifetime_points,updated_at) VALUES (1,?,1,0,0,0,0,0)", (g,))
db.execute("COMMIT")
snapshot = json.dumps({"rules": [{"kind": "per_amount", "points": 1, "per_minor": 10000}], "tier": "silver", "promotions": [], "at": "2026-11-30T12:00:00Z", "pad": "x" * 300})
items = json.dumps([{"sku": "COF", "name": "Flat white", "category": "coffee", "quantity": 1, "unit_minor": 32000}])
payload = json.dumps({"kind": "earned", "points": 3, "balance": 120, "progress": {"next": "free coffee", "missing": 30}, "pad": "y" * 250})
outcome = json.dumps({"duplicate": False, "purchase_id": 1, "guest": "x" * 26, "programs": [{"points": 3}], "pad": "z" * 200})
done = 0
next_ck = time.time() + 0.25
t0 = time.perf_counter()
while done < sales_total:
    n = min(group, sales_total - done)
    rows = [(uuid.uuid4().hex, uuid.uuid4().hex, random.randint(1, 1000)) for _ in range(n)]
    db.execute("BEGIN IMMEDIATE")
    pids = []
    for rec, dl, g in rows:
        cur = db.execute("INSERT INTO purchases (chain_id,cafe_id,source,external_id,guest_id,total_minor,currency,items,occurred_at,recorded_at) VALUES (1,1,'demo',?,?,32000,'RSD',?,0,0) RETURNING id", (rec, g, items))
        pids.append(cur.fetchone()[0])
    db.executemany("INSERT INTO ledger_entries (chain_id,wallet_id,kind,points,stamps,points_after,stamps_after,lifetime_after,idempotency_key,actor_kind,actor_ref,cafe_id,purchase_id,rule_snapshot,created_at) VALUES (1,?,'earn',3,0,3,0,3,?,'pos','demo',1,?,?,0)",
                   [(g, "earn:" + rec, pid, snapshot) for (rec, dl, g), pid in zip(rows, pids)])
    db.executemany("UPDATE wallets SET points=points+3, lifetime_points=lifetime_points+3, updated_at=1 WHERE id=? AND chain_id=1", [(g,) for _, _, g in rows])
    db.executemany("INSERT INTO outbox (chain_id,guest_id,dedupe_key,kind,payload,status,attempts,available_at,created_at) VALUES (1,?,?,'earned',?,'pending',0,0,0)", [(g, "earn:" + rec, payload) for rec, _, g in rows])
    db.executemany("INSERT INTO pos_deliveries (chain_id,source,delivery_id,event_key,purchase_id,outcome,created_at) VALUES (1,'demo',?,?,?,?,0)", [(dl, "purchase:" + rec, pid, outcome) for (rec, dl, g), pid in zip(rows, pids)])
    db.executemany("INSERT INTO events (chain_id,kind,subject,payload,created_at) VALUES (1,'purchase.recorded',?,?,0)", [(str(pid), items) for pid in pids])
    db.execute("COMMIT")
    done += n
    if time.time() > next_ck:
        ck.execute("PRAGMA wal_checkpoint(PASSIVE)")
        next_ck = time.time() + 0.25
el = time.perf_counter() - t0
print(f"group {group}: {sales_total} sales in {el:.2f} s = {sales_total/el:,.0f} sales/s, {el/sales_total*1e6:.0f} us/sale (one thread, Python)")
