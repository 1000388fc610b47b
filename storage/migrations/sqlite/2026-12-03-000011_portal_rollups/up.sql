-- The owner portal's roll-ups (sqlite). Twin: ../../postgres/<same name>/up.sql.
--
-- The dashboard, the guest list and the analytics read these, never the purchases table, so
-- their cost does not grow with the chain's history. Triggers keep them in the transaction
-- that changes the base rows, whichever code path writes (one sale, a batch of sales, a
-- refund, a merge), so they cannot drift or count twice; storage's roll-up conformance test
-- compares them with a recomputation from the base rows after random histories.
--
-- Times are UTC: `hour` is milliseconds since the epoch / 3,600,000, a month is
-- year * 12 + month - 1. The server turns hours into the cafe's local days and hours of the
-- day (whole-hour offsets are exact; a cafe at UTC+5:30 has its hours shifted by half an
-- hour). Cohort months are UTC months.

-- What happened per cafe per hour. cafe_id 0 holds what has no cafe: guests who did not
-- pick one yet, adjustments made for the whole chain.
CREATE TABLE hourly_stats (
    chain_id BIGINT NOT NULL,
    cafe_id BIGINT NOT NULL,
    hour BIGINT NOT NULL,
    orders BIGINT NOT NULL DEFAULT 0,
    revenue_minor BIGINT NOT NULL DEFAULT 0,
    refunded_minor BIGINT NOT NULL DEFAULT 0,
    points_earned BIGINT NOT NULL DEFAULT 0,
    stamps_earned BIGINT NOT NULL DEFAULT 0,
    points_redeemed BIGINT NOT NULL DEFAULT 0,
    rewards_redeemed BIGINT NOT NULL DEFAULT 0,
    new_guests BIGINT NOT NULL DEFAULT 0,
    referrals BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (chain_id, cafe_id, hour)
) WITHOUT ROWID;

-- Each guest's visits at each cafe (scope = the cafe) and in the whole chain (scope = 0):
-- the guest list's spend, orders and last visit, sortable by index.
CREATE TABLE guest_visits (
    guest_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    chain_id BIGINT NOT NULL,
    orders BIGINT NOT NULL,
    spend_minor BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (guest_id, scope)
) WITHOUT ROWID;
CREATE INDEX guest_visits_spend ON guest_visits (chain_id, scope, spend_minor, guest_id);
CREATE INDEX guest_visits_orders ON guest_visits (chain_id, scope, orders, guest_id);
CREATE INDEX guest_visits_last ON guest_visits (chain_id, scope, last_at, guest_id);

-- The months in which a guest bought something, with the month of their first purchase
-- (their cohort), per scope.
CREATE TABLE guest_months (
    guest_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    month BIGINT NOT NULL,
    chain_id BIGINT NOT NULL,
    cohort BIGINT NOT NULL,
    PRIMARY KEY (guest_id, scope, month)
) WITHOUT ROWID;

-- The retention grid: guests of a cohort who bought something in a later month.
CREATE TABLE cohort_cells (
    chain_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    cohort BIGINT NOT NULL,
    month BIGINT NOT NULL,
    guests BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (chain_id, scope, cohort, month)
) WITHOUT ROWID;

-- Counts that are not sums over time: guests (not merged away) by home cafe and in the
-- chain, guests who bought something, those who bought twice or more, and their purchases
-- (visits: orders of guests, without the anonymous ones).
CREATE TABLE scope_totals (
    chain_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    guests BIGINT NOT NULL DEFAULT 0,
    visitors BIGINT NOT NULL DEFAULT 0,
    repeat_visitors BIGINT NOT NULL DEFAULT 0,
    visits BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (chain_id, scope)
) WITHOUT ROWID;

-- Eligible for a reward: wallets of a program with at least so many points or stamps.
CREATE INDEX wallets_points ON wallets (program_id, points);
CREATE INDEX wallets_stamps ON wallets (program_id, stamps);

-- The history so far, before the triggers exist (so nothing counts twice).
INSERT INTO hourly_stats (chain_id, cafe_id, hour, orders, revenue_minor)
    SELECT chain_id, cafe_id, occurred_at / 3600000, count(*), sum(total_minor) FROM purchases
    GROUP BY chain_id, cafe_id, occurred_at / 3600000;
INSERT INTO hourly_stats (chain_id, cafe_id, hour, refunded_minor)
    SELECT p.chain_id, p.cafe_id, p.occurred_at / 3600000, sum(r.amount_minor)
    FROM purchase_refunds r JOIN purchases p ON p.id = r.purchase_id
    GROUP BY p.chain_id, p.cafe_id, p.occurred_at / 3600000 HAVING true
    ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET refunded_minor = refunded_minor + excluded.refunded_minor;
INSERT INTO hourly_stats (chain_id, cafe_id, hour, points_earned, stamps_earned, points_redeemed, rewards_redeemed)
    SELECT chain_id, coalesce(cafe_id, 0), created_at / 3600000,
        sum(CASE WHEN kind IN ('earn', 'bonus', 'refund') THEN points ELSE 0 END),
        sum(CASE WHEN kind IN ('earn', 'bonus', 'refund') THEN stamps ELSE 0 END),
        sum(CASE WHEN kind = 'redeem' THEN -points ELSE 0 END),
        sum(CASE WHEN kind = 'redeem' THEN 1 ELSE 0 END)
    FROM ledger_entries WHERE kind IN ('earn', 'bonus', 'refund', 'redeem')
    GROUP BY chain_id, coalesce(cafe_id, 0), created_at / 3600000 HAVING true
    ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET points_earned = points_earned + excluded.points_earned,
        stamps_earned = stamps_earned + excluded.stamps_earned, points_redeemed = points_redeemed + excluded.points_redeemed,
        rewards_redeemed = rewards_redeemed + excluded.rewards_redeemed;
INSERT INTO hourly_stats (chain_id, cafe_id, hour, new_guests, referrals)
    SELECT chain_id, coalesce(home_cafe_id, 0), created_at / 3600000, count(*), count(referred_by)
    FROM guests WHERE merged_into IS NULL
    GROUP BY chain_id, coalesce(home_cafe_id, 0), created_at / 3600000 HAVING true
    ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET new_guests = new_guests + excluded.new_guests,
        referrals = referrals + excluded.referrals;
INSERT INTO guest_visits (guest_id, scope, chain_id, orders, spend_minor, first_at, last_at)
    SELECT p.guest_id, s.scope, p.chain_id, count(*), sum(p.total_minor), min(p.occurred_at), max(p.occurred_at)
    FROM purchases p JOIN (SELECT id, cafe_id AS scope FROM purchases UNION ALL SELECT id, 0 FROM purchases) s ON s.id = p.id
    WHERE p.guest_id IS NOT NULL GROUP BY p.guest_id, s.scope, p.chain_id;
UPDATE guest_visits SET spend_minor = spend_minor - (
    SELECT coalesce(sum(r.amount_minor), 0) FROM purchase_refunds r JOIN purchases p ON p.id = r.purchase_id
    WHERE p.guest_id = guest_visits.guest_id AND (guest_visits.scope = 0 OR p.cafe_id = guest_visits.scope));
INSERT INTO guest_months (guest_id, scope, month, chain_id, cohort)
    SELECT DISTINCT p.guest_id, v.scope,
        CAST(strftime('%Y', p.occurred_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', p.occurred_at / 1000, 'unixepoch') AS INTEGER) - 1,
        p.chain_id,
        CAST(strftime('%Y', v.first_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', v.first_at / 1000, 'unixepoch') AS INTEGER) - 1
    FROM purchases p JOIN guest_visits v ON v.guest_id = p.guest_id AND (v.scope = 0 OR v.scope = p.cafe_id);
INSERT INTO cohort_cells (chain_id, scope, cohort, month, guests)
    SELECT chain_id, scope, cohort, month, count(*) FROM guest_months GROUP BY chain_id, scope, cohort, month;
INSERT INTO scope_totals (chain_id, scope, guests)
    SELECT chain_id, 0, count(*) FROM guests WHERE merged_into IS NULL GROUP BY chain_id;
INSERT INTO scope_totals (chain_id, scope, guests)
    SELECT chain_id, home_cafe_id, count(*) FROM guests WHERE merged_into IS NULL AND home_cafe_id IS NOT NULL
    GROUP BY chain_id, home_cafe_id;
INSERT INTO scope_totals (chain_id, scope, visitors, repeat_visitors, visits)
    SELECT chain_id, scope, count(*), sum(orders >= 2), sum(orders) FROM guest_visits GROUP BY chain_id, scope HAVING true
    ON CONFLICT (chain_id, scope) DO UPDATE SET visitors = excluded.visitors, repeat_visitors = excluded.repeat_visitors,
        visits = excluded.visits;

-- Sales: the hour's orders and revenue, the guest's visits, the month.
CREATE TRIGGER purchases_rollup AFTER INSERT ON purchases BEGIN
    INSERT INTO hourly_stats (chain_id, cafe_id, hour, orders, revenue_minor)
        VALUES (NEW.chain_id, NEW.cafe_id, NEW.occurred_at / 3600000, 1, NEW.total_minor)
        ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET orders = orders + 1,
            revenue_minor = revenue_minor + excluded.revenue_minor;
    INSERT INTO guest_visits (guest_id, scope, chain_id, orders, spend_minor, first_at, last_at)
        SELECT NEW.guest_id, s.scope, NEW.chain_id, 1, NEW.total_minor, NEW.occurred_at, NEW.occurred_at
        FROM (SELECT NEW.cafe_id AS scope UNION ALL SELECT 0) s WHERE NEW.guest_id IS NOT NULL
        ON CONFLICT (guest_id, scope) DO UPDATE SET orders = orders + 1, spend_minor = spend_minor + excluded.spend_minor,
            first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at);
    INSERT INTO guest_months (guest_id, scope, month, chain_id, cohort)
        SELECT v.guest_id, v.scope,
            CAST(strftime('%Y', NEW.occurred_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.occurred_at / 1000, 'unixepoch') AS INTEGER) - 1,
            v.chain_id,
            CAST(strftime('%Y', v.first_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', v.first_at / 1000, 'unixepoch') AS INTEGER) - 1
        FROM guest_visits v WHERE v.guest_id = NEW.guest_id AND v.scope IN (NEW.cafe_id, 0)
        ON CONFLICT (guest_id, scope, month) DO NOTHING;
END;

-- A sale moves to another guest only when guests merge, which moves all of the absorbed
-- guest's sales: the absorbed guest's visits reach 0 and go, with their months.
CREATE TRIGGER purchases_guest_moved AFTER UPDATE OF guest_id ON purchases
WHEN OLD.guest_id IS NOT NEW.guest_id BEGIN
    UPDATE guest_visits SET orders = orders - 1, spend_minor = spend_minor - OLD.total_minor
            + (SELECT coalesce(sum(amount_minor), 0) FROM purchase_refunds WHERE purchase_id = OLD.id)
        WHERE guest_id = OLD.guest_id AND scope IN (OLD.cafe_id, 0);
    DELETE FROM guest_visits WHERE guest_id = OLD.guest_id AND scope IN (OLD.cafe_id, 0) AND orders <= 0;
    INSERT INTO guest_visits (guest_id, scope, chain_id, orders, spend_minor, first_at, last_at)
        SELECT NEW.guest_id, s.scope, NEW.chain_id, 1,
            NEW.total_minor - (SELECT coalesce(sum(amount_minor), 0) FROM purchase_refunds WHERE purchase_id = NEW.id),
            NEW.occurred_at, NEW.occurred_at
        FROM (SELECT NEW.cafe_id AS scope UNION ALL SELECT 0) s WHERE NEW.guest_id IS NOT NULL
        ON CONFLICT (guest_id, scope) DO UPDATE SET orders = orders + 1, spend_minor = spend_minor + excluded.spend_minor,
            first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at);
    INSERT INTO guest_months (guest_id, scope, month, chain_id, cohort)
        SELECT v.guest_id, v.scope,
            CAST(strftime('%Y', NEW.occurred_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.occurred_at / 1000, 'unixepoch') AS INTEGER) - 1,
            v.chain_id,
            CAST(strftime('%Y', v.first_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', v.first_at / 1000, 'unixepoch') AS INTEGER) - 1
        FROM guest_visits v WHERE v.guest_id = NEW.guest_id AND v.scope IN (NEW.cafe_id, 0)
        ON CONFLICT (guest_id, scope, month) DO NOTHING;
END;

-- Refunds: counted in the hour of the sale they refund, taken off the guest's spend.
CREATE TRIGGER purchase_refunds_rollup AFTER INSERT ON purchase_refunds BEGIN
    INSERT INTO hourly_stats (chain_id, cafe_id, hour, refunded_minor)
        SELECT p.chain_id, p.cafe_id, p.occurred_at / 3600000, NEW.amount_minor FROM purchases p WHERE p.id = NEW.purchase_id
        ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET refunded_minor = refunded_minor + excluded.refunded_minor;
    UPDATE guest_visits SET spend_minor = spend_minor - NEW.amount_minor
        WHERE EXISTS (SELECT 1 FROM purchases p WHERE p.id = NEW.purchase_id AND p.guest_id = guest_visits.guest_id
            AND guest_visits.scope IN (p.cafe_id, 0));
END;

-- Points and stamps earned (net of refunds), points spent on rewards, rewards taken.
CREATE TRIGGER ledger_entries_rollup AFTER INSERT ON ledger_entries
WHEN NEW.kind IN ('earn', 'bonus', 'refund', 'redeem') BEGIN
    INSERT INTO hourly_stats (chain_id, cafe_id, hour, points_earned, stamps_earned, points_redeemed, rewards_redeemed)
        VALUES (NEW.chain_id, coalesce(NEW.cafe_id, 0), NEW.created_at / 3600000,
            CASE WHEN NEW.kind = 'redeem' THEN 0 ELSE NEW.points END,
            CASE WHEN NEW.kind = 'redeem' THEN 0 ELSE NEW.stamps END,
            CASE WHEN NEW.kind = 'redeem' THEN -NEW.points ELSE 0 END,
            CASE WHEN NEW.kind = 'redeem' THEN 1 ELSE 0 END)
        ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET points_earned = points_earned + excluded.points_earned,
            stamps_earned = stamps_earned + excluded.stamps_earned,
            points_redeemed = points_redeemed + excluded.points_redeemed,
            rewards_redeemed = rewards_redeemed + excluded.rewards_redeemed;
END;

-- Guests: joined (in the hour they joined, at their home cafe), referred, counted; a guest
-- merged away no longer counts, one who picks a home cafe moves there.
CREATE TRIGGER guests_rollup AFTER INSERT ON guests BEGIN
    INSERT INTO hourly_stats (chain_id, cafe_id, hour, new_guests, referrals)
        VALUES (NEW.chain_id, coalesce(NEW.home_cafe_id, 0), NEW.created_at / 3600000,
            NEW.merged_into IS NULL, NEW.merged_into IS NULL AND NEW.referred_by IS NOT NULL)
        ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET new_guests = new_guests + excluded.new_guests,
            referrals = referrals + excluded.referrals;
    INSERT INTO scope_totals (chain_id, scope, guests)
        SELECT NEW.chain_id, s.scope, 1 FROM (SELECT 0 AS scope UNION ALL SELECT NEW.home_cafe_id) s
        WHERE s.scope IS NOT NULL AND NEW.merged_into IS NULL
        ON CONFLICT (chain_id, scope) DO UPDATE SET guests = guests + 1;
END;

CREATE TRIGGER guests_rollup_changed AFTER UPDATE OF home_cafe_id, merged_into, referred_by ON guests
WHEN OLD.home_cafe_id IS NOT NEW.home_cafe_id OR OLD.merged_into IS NOT NEW.merged_into
    OR OLD.referred_by IS NOT NEW.referred_by BEGIN
    UPDATE hourly_stats SET new_guests = new_guests - (OLD.merged_into IS NULL),
            referrals = referrals - (OLD.merged_into IS NULL AND OLD.referred_by IS NOT NULL)
        WHERE chain_id = OLD.chain_id AND cafe_id = coalesce(OLD.home_cafe_id, 0) AND hour = OLD.created_at / 3600000;
    INSERT INTO hourly_stats (chain_id, cafe_id, hour, new_guests, referrals)
        VALUES (NEW.chain_id, coalesce(NEW.home_cafe_id, 0), NEW.created_at / 3600000,
            NEW.merged_into IS NULL, NEW.merged_into IS NULL AND NEW.referred_by IS NOT NULL)
        ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET new_guests = new_guests + excluded.new_guests,
            referrals = referrals + excluded.referrals;
    UPDATE scope_totals SET guests = guests - 1
        WHERE chain_id = OLD.chain_id AND OLD.merged_into IS NULL AND (scope = 0 OR scope = OLD.home_cafe_id);
    INSERT INTO scope_totals (chain_id, scope, guests)
        SELECT NEW.chain_id, s.scope, 1 FROM (SELECT 0 AS scope UNION ALL SELECT NEW.home_cafe_id) s
        WHERE s.scope IS NOT NULL AND NEW.merged_into IS NULL
        ON CONFLICT (chain_id, scope) DO UPDATE SET guests = guests + 1;
END;

-- Visitors and repeat visitors follow the guests' visits; cohorts follow a first visit
-- that moves earlier (a sale recorded late, a merge).
CREATE TRIGGER guest_visits_added AFTER INSERT ON guest_visits BEGIN
    INSERT INTO scope_totals (chain_id, scope, visitors, repeat_visitors, visits)
        VALUES (NEW.chain_id, NEW.scope, 1, NEW.orders >= 2, NEW.orders)
        ON CONFLICT (chain_id, scope) DO UPDATE SET visitors = visitors + 1,
            repeat_visitors = repeat_visitors + excluded.repeat_visitors, visits = visits + excluded.visits;
END;

-- Split by what changed, so a sale (orders and spend move, the first visit rarely does) runs
-- only the statement it needs: this is on every sale's path.
CREATE TRIGGER guest_visits_changed AFTER UPDATE OF orders ON guest_visits
WHEN NEW.orders <> OLD.orders BEGIN
    UPDATE scope_totals SET repeat_visitors = repeat_visitors + (NEW.orders >= 2) - (OLD.orders >= 2),
            visits = visits + NEW.orders - OLD.orders
        WHERE chain_id = NEW.chain_id AND scope = NEW.scope;
END;

CREATE TRIGGER guest_visits_first_moved AFTER UPDATE OF first_at ON guest_visits
WHEN NEW.first_at <> OLD.first_at BEGIN
    UPDATE guest_months SET cohort =
            CAST(strftime('%Y', NEW.first_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.first_at / 1000, 'unixepoch') AS INTEGER) - 1
        WHERE guest_id = NEW.guest_id AND scope = NEW.scope;
END;

CREATE TRIGGER guest_visits_removed AFTER DELETE ON guest_visits BEGIN
    UPDATE scope_totals SET visitors = visitors - 1, repeat_visitors = repeat_visitors - (OLD.orders >= 2),
            visits = visits - OLD.orders
        WHERE chain_id = OLD.chain_id AND scope = OLD.scope;
    DELETE FROM guest_months WHERE guest_id = OLD.guest_id AND scope = OLD.scope;
END;

CREATE TRIGGER guest_months_added AFTER INSERT ON guest_months BEGIN
    INSERT INTO cohort_cells (chain_id, scope, cohort, month, guests) VALUES (NEW.chain_id, NEW.scope, NEW.cohort, NEW.month, 1)
        ON CONFLICT (chain_id, scope, cohort, month) DO UPDATE SET guests = guests + 1;
END;

CREATE TRIGGER guest_months_moved AFTER UPDATE OF cohort ON guest_months WHEN OLD.cohort <> NEW.cohort BEGIN
    UPDATE cohort_cells SET guests = guests - 1
        WHERE chain_id = OLD.chain_id AND scope = OLD.scope AND cohort = OLD.cohort AND month = OLD.month;
    INSERT INTO cohort_cells (chain_id, scope, cohort, month, guests) VALUES (NEW.chain_id, NEW.scope, NEW.cohort, NEW.month, 1)
        ON CONFLICT (chain_id, scope, cohort, month) DO UPDATE SET guests = guests + 1;
END;

CREATE TRIGGER guest_months_removed AFTER DELETE ON guest_months BEGIN
    UPDATE cohort_cells SET guests = guests - 1
        WHERE chain_id = OLD.chain_id AND scope = OLD.scope AND cohort = OLD.cohort AND month = OLD.month;
END;
