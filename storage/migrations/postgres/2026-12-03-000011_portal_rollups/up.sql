-- The owner portal's roll-ups (postgres). Twin: ../../sqlite/<same name>/up.sql, which says
-- what each table holds and why triggers keep them.
--
-- Unlike SQLite's single writer, PostgreSQL runs sales side by side, and a roll-up row that
-- every sale updates (a cafe's hour, the chain's totals, a cohort cell) would serialise them
-- and deadlock batches that touch two such rows in different orders. So the shared roll-ups
-- are append-only here: triggers insert signed deltas (`*_delta`, no key, no lock on anything
-- shared), the names the server reads (`hourly_stats`, `scope_totals`, `cohort_cells`) are
-- views summing the folded rows (`*_base`) and the deltas in one snapshot, and
-- `rollup_compact()` (run by the server every few seconds) moves deltas into the base rows in
-- one transaction, so a reader sees each delta exactly once, folded or not.

CREATE TABLE hourly_stats_base (
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
);

CREATE TABLE guest_visits (
    guest_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    chain_id BIGINT NOT NULL,
    orders BIGINT NOT NULL,
    spend_minor BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (guest_id, scope)
);
CREATE INDEX guest_visits_spend ON guest_visits (chain_id, scope, spend_minor, guest_id);
CREATE INDEX guest_visits_orders ON guest_visits (chain_id, scope, orders, guest_id);
CREATE INDEX guest_visits_last ON guest_visits (chain_id, scope, last_at, guest_id);

CREATE TABLE guest_months (
    guest_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    month BIGINT NOT NULL,
    chain_id BIGINT NOT NULL,
    cohort BIGINT NOT NULL,
    PRIMARY KEY (guest_id, scope, month)
);

CREATE TABLE cohort_cells_base (
    chain_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    cohort BIGINT NOT NULL,
    month BIGINT NOT NULL,
    guests BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (chain_id, scope, cohort, month)
);

CREATE TABLE scope_totals_base (
    chain_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    guests BIGINT NOT NULL DEFAULT 0,
    visitors BIGINT NOT NULL DEFAULT 0,
    repeat_visitors BIGINT NOT NULL DEFAULT 0,
    visits BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (chain_id, scope)
);

CREATE INDEX wallets_points ON wallets (program_id, points);
CREATE INDEX wallets_stamps ON wallets (program_id, stamps);

-- year * 12 + month - 1 of a time in milliseconds since the epoch, in UTC.
CREATE FUNCTION rollup_month(ms BIGINT) RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
    SELECT (EXTRACT(YEAR FROM to_timestamp(ms / 1000.0) AT TIME ZONE 'UTC') * 12
        + EXTRACT(MONTH FROM to_timestamp(ms / 1000.0) AT TIME ZONE 'UTC') - 1)::BIGINT
$$;

-- The history so far, before the triggers exist.
INSERT INTO hourly_stats_base (chain_id, cafe_id, hour, orders, revenue_minor)
    SELECT chain_id, cafe_id, occurred_at / 3600000, count(*), sum(total_minor) FROM purchases
    GROUP BY chain_id, cafe_id, occurred_at / 3600000;
INSERT INTO hourly_stats_base AS h (chain_id, cafe_id, hour, refunded_minor)
    SELECT p.chain_id, p.cafe_id, p.occurred_at / 3600000, sum(r.amount_minor)
    FROM purchase_refunds r JOIN purchases p ON p.id = r.purchase_id
    GROUP BY p.chain_id, p.cafe_id, p.occurred_at / 3600000
    ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET refunded_minor = h.refunded_minor + excluded.refunded_minor;
INSERT INTO hourly_stats_base AS h (chain_id, cafe_id, hour, points_earned, stamps_earned, points_redeemed, rewards_redeemed)
    SELECT chain_id, coalesce(cafe_id, 0), created_at / 3600000,
        sum(CASE WHEN kind IN ('earn', 'bonus', 'refund') THEN points ELSE 0 END),
        sum(CASE WHEN kind IN ('earn', 'bonus', 'refund') THEN stamps ELSE 0 END),
        sum(CASE WHEN kind = 'redeem' THEN -points ELSE 0 END),
        sum(CASE WHEN kind = 'redeem' THEN 1 ELSE 0 END)
    FROM ledger_entries WHERE kind IN ('earn', 'bonus', 'refund', 'redeem')
    GROUP BY chain_id, coalesce(cafe_id, 0), created_at / 3600000
    ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET points_earned = h.points_earned + excluded.points_earned,
        stamps_earned = h.stamps_earned + excluded.stamps_earned, points_redeemed = h.points_redeemed + excluded.points_redeemed,
        rewards_redeemed = h.rewards_redeemed + excluded.rewards_redeemed;
INSERT INTO hourly_stats_base AS h (chain_id, cafe_id, hour, new_guests, referrals)
    SELECT chain_id, coalesce(home_cafe_id, 0), created_at / 3600000, count(*), count(referred_by)
    FROM guests WHERE merged_into IS NULL
    GROUP BY chain_id, coalesce(home_cafe_id, 0), created_at / 3600000
    ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET new_guests = h.new_guests + excluded.new_guests,
        referrals = h.referrals + excluded.referrals;
INSERT INTO guest_visits (guest_id, scope, chain_id, orders, spend_minor, first_at, last_at)
    SELECT p.guest_id, s.scope, p.chain_id, count(*), sum(p.total_minor), min(p.occurred_at), max(p.occurred_at)
    FROM purchases p CROSS JOIN LATERAL (VALUES (p.cafe_id), (0::BIGINT)) s (scope)
    WHERE p.guest_id IS NOT NULL GROUP BY p.guest_id, s.scope, p.chain_id;
UPDATE guest_visits v SET spend_minor = v.spend_minor - (
    SELECT coalesce(sum(r.amount_minor), 0) FROM purchase_refunds r JOIN purchases p ON p.id = r.purchase_id
    WHERE p.guest_id = v.guest_id AND (v.scope = 0 OR p.cafe_id = v.scope));
INSERT INTO guest_months (guest_id, scope, month, chain_id, cohort)
    SELECT DISTINCT p.guest_id, v.scope, rollup_month(p.occurred_at), p.chain_id, rollup_month(v.first_at)
    FROM purchases p JOIN guest_visits v ON v.guest_id = p.guest_id AND (v.scope = 0 OR v.scope = p.cafe_id);
INSERT INTO cohort_cells_base (chain_id, scope, cohort, month, guests)
    SELECT chain_id, scope, cohort, month, count(*) FROM guest_months GROUP BY chain_id, scope, cohort, month;
INSERT INTO scope_totals_base (chain_id, scope, guests)
    SELECT chain_id, 0, count(*) FROM guests WHERE merged_into IS NULL GROUP BY chain_id;
INSERT INTO scope_totals_base (chain_id, scope, guests)
    SELECT chain_id, home_cafe_id, count(*) FROM guests WHERE merged_into IS NULL AND home_cafe_id IS NOT NULL
    GROUP BY chain_id, home_cafe_id;
INSERT INTO scope_totals_base (chain_id, scope, visitors, repeat_visitors, visits)
    SELECT chain_id, scope, count(*), count(*) FILTER (WHERE orders >= 2), sum(orders) FROM guest_visits GROUP BY chain_id, scope
    ON CONFLICT (chain_id, scope) DO UPDATE SET visitors = excluded.visitors, repeat_visitors = excluded.repeat_visitors,
        visits = excluded.visits;

-- What the triggers append; folded into the base rows by rollup_compact().
CREATE TABLE hourly_stats_delta (LIKE hourly_stats_base INCLUDING DEFAULTS);
CREATE TABLE cohort_cells_delta (LIKE cohort_cells_base INCLUDING DEFAULTS);
CREATE TABLE scope_totals_delta (LIKE scope_totals_base INCLUDING DEFAULTS);

CREATE VIEW hourly_stats AS
    SELECT chain_id, cafe_id, hour, sum(orders)::BIGINT AS orders, sum(revenue_minor)::BIGINT AS revenue_minor,
        sum(refunded_minor)::BIGINT AS refunded_minor, sum(points_earned)::BIGINT AS points_earned,
        sum(stamps_earned)::BIGINT AS stamps_earned, sum(points_redeemed)::BIGINT AS points_redeemed,
        sum(rewards_redeemed)::BIGINT AS rewards_redeemed, sum(new_guests)::BIGINT AS new_guests,
        sum(referrals)::BIGINT AS referrals
    FROM (SELECT * FROM hourly_stats_base UNION ALL SELECT * FROM hourly_stats_delta) s
    GROUP BY chain_id, cafe_id, hour;
CREATE VIEW cohort_cells AS
    SELECT chain_id, scope, cohort, month, sum(guests)::BIGINT AS guests
    FROM (SELECT * FROM cohort_cells_base UNION ALL SELECT * FROM cohort_cells_delta) s
    GROUP BY chain_id, scope, cohort, month;
CREATE VIEW scope_totals AS
    SELECT chain_id, scope, sum(guests)::BIGINT AS guests, sum(visitors)::BIGINT AS visitors,
        sum(repeat_visitors)::BIGINT AS repeat_visitors, sum(visits)::BIGINT AS visits
    FROM (SELECT * FROM scope_totals_base UNION ALL SELECT * FROM scope_totals_delta) s
    GROUP BY chain_id, scope;

-- Folds the deltas into the base rows; one compactor at a time (others return at once).
-- Deltas of transactions still running are not visible yet and wait for the next pass.
CREATE FUNCTION rollup_compact() RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    moved BIGINT := 0;
    n BIGINT;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7402116) THEN
        RETURN 0;
    END IF;
    WITH d AS (DELETE FROM hourly_stats_delta RETURNING *), f AS (
        INSERT INTO hourly_stats_base AS b
        SELECT chain_id, cafe_id, hour, sum(orders), sum(revenue_minor), sum(refunded_minor), sum(points_earned),
            sum(stamps_earned), sum(points_redeemed), sum(rewards_redeemed), sum(new_guests), sum(referrals)
        FROM d GROUP BY chain_id, cafe_id, hour ORDER BY chain_id, cafe_id, hour
        ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET orders = b.orders + excluded.orders,
            revenue_minor = b.revenue_minor + excluded.revenue_minor, refunded_minor = b.refunded_minor + excluded.refunded_minor,
            points_earned = b.points_earned + excluded.points_earned, stamps_earned = b.stamps_earned + excluded.stamps_earned,
            points_redeemed = b.points_redeemed + excluded.points_redeemed,
            rewards_redeemed = b.rewards_redeemed + excluded.rewards_redeemed,
            new_guests = b.new_guests + excluded.new_guests, referrals = b.referrals + excluded.referrals
        RETURNING 1)
    SELECT count(*) INTO n FROM f;
    moved := moved + n;
    WITH d AS (DELETE FROM cohort_cells_delta RETURNING *), f AS (
        INSERT INTO cohort_cells_base AS b
        SELECT chain_id, scope, cohort, month, sum(guests) FROM d GROUP BY chain_id, scope, cohort, month
        ORDER BY chain_id, scope, cohort, month
        ON CONFLICT (chain_id, scope, cohort, month) DO UPDATE SET guests = b.guests + excluded.guests
        RETURNING 1)
    SELECT count(*) INTO n FROM f;
    moved := moved + n;
    WITH d AS (DELETE FROM scope_totals_delta RETURNING *), f AS (
        INSERT INTO scope_totals_base AS b
        SELECT chain_id, scope, sum(guests), sum(visitors), sum(repeat_visitors), sum(visits) FROM d
        GROUP BY chain_id, scope ORDER BY chain_id, scope
        ON CONFLICT (chain_id, scope) DO UPDATE SET guests = b.guests + excluded.guests,
            visitors = b.visitors + excluded.visitors, repeat_visitors = b.repeat_visitors + excluded.repeat_visitors,
            visits = b.visits + excluded.visits
        RETURNING 1)
    SELECT count(*) INTO n FROM f;
    RETURN moved + n;
END $$;

-- A guest's visit in both scopes (the cafe and the chain), and the month it falls in.
CREATE FUNCTION rollup_add_visit(guest BIGINT, chain BIGINT, cafe BIGINT, spend BIGINT, at BIGINT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO guest_visits AS v (guest_id, scope, chain_id, orders, spend_minor, first_at, last_at)
        VALUES (guest, cafe, chain, 1, spend, at, at), (guest, 0, chain, 1, spend, at, at)
        ON CONFLICT (guest_id, scope) DO UPDATE SET orders = v.orders + 1, spend_minor = v.spend_minor + excluded.spend_minor,
            first_at = LEAST(v.first_at, excluded.first_at), last_at = GREATEST(v.last_at, excluded.last_at);
    INSERT INTO guest_months (guest_id, scope, month, chain_id, cohort)
        SELECT v.guest_id, v.scope, rollup_month(at), v.chain_id, rollup_month(v.first_at)
        FROM guest_visits v WHERE v.guest_id = guest AND v.scope IN (cafe, 0)
        ON CONFLICT (guest_id, scope, month) DO NOTHING;
END $$;

CREATE FUNCTION purchases_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    refunded BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO hourly_stats_delta (chain_id, cafe_id, hour, orders, revenue_minor)
            VALUES (NEW.chain_id, NEW.cafe_id, NEW.occurred_at / 3600000, 1, NEW.total_minor);
        IF NEW.guest_id IS NOT NULL THEN
            PERFORM rollup_add_visit(NEW.guest_id, NEW.chain_id, NEW.cafe_id, NEW.total_minor, NEW.occurred_at);
        END IF;
    ELSIF OLD.guest_id IS DISTINCT FROM NEW.guest_id THEN
        -- Only a merge moves sales, and it moves all of the absorbed guest's.
        SELECT coalesce(sum(amount_minor), 0) INTO refunded FROM purchase_refunds WHERE purchase_id = NEW.id;
        UPDATE guest_visits SET orders = orders - 1, spend_minor = spend_minor - OLD.total_minor + refunded
            WHERE guest_id = OLD.guest_id AND scope IN (OLD.cafe_id, 0);
        DELETE FROM guest_visits WHERE guest_id = OLD.guest_id AND scope IN (OLD.cafe_id, 0) AND orders <= 0;
        IF NEW.guest_id IS NOT NULL THEN
            PERFORM rollup_add_visit(NEW.guest_id, NEW.chain_id, NEW.cafe_id, NEW.total_minor - refunded, NEW.occurred_at);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER purchases_rollup AFTER INSERT OR UPDATE OF guest_id ON purchases
    FOR EACH ROW EXECUTE FUNCTION purchases_rollup();

CREATE FUNCTION purchase_refunds_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sale purchases%ROWTYPE;
BEGIN
    SELECT * INTO sale FROM purchases WHERE id = NEW.purchase_id;
    INSERT INTO hourly_stats_delta (chain_id, cafe_id, hour, refunded_minor)
        VALUES (sale.chain_id, sale.cafe_id, sale.occurred_at / 3600000, NEW.amount_minor);
    UPDATE guest_visits SET spend_minor = spend_minor - NEW.amount_minor
        WHERE guest_id = sale.guest_id AND scope IN (sale.cafe_id, 0);
    RETURN NULL;
END $$;
CREATE TRIGGER purchase_refunds_rollup AFTER INSERT ON purchase_refunds
    FOR EACH ROW EXECUTE FUNCTION purchase_refunds_rollup();

CREATE FUNCTION ledger_entries_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    redeem BOOLEAN := NEW.kind = 'redeem';
BEGIN
    INSERT INTO hourly_stats_delta (chain_id, cafe_id, hour, points_earned, stamps_earned, points_redeemed, rewards_redeemed)
        VALUES (NEW.chain_id, coalesce(NEW.cafe_id, 0), NEW.created_at / 3600000,
            CASE WHEN redeem THEN 0 ELSE NEW.points END, CASE WHEN redeem THEN 0 ELSE NEW.stamps END,
            CASE WHEN redeem THEN -NEW.points ELSE 0 END, CASE WHEN redeem THEN 1 ELSE 0 END);
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_rollup AFTER INSERT ON ledger_entries
    FOR EACH ROW WHEN (NEW.kind IN ('earn', 'bonus', 'refund', 'redeem')) EXECUTE FUNCTION ledger_entries_rollup();

-- A guest's share of the join counts (+1 or -1): in the hour they joined at their home
-- cafe, and in the totals of the chain and that cafe; nothing once merged away.
CREATE FUNCTION rollup_guest_counts(g guests, sign BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF g.merged_into IS NOT NULL THEN
        RETURN;
    END IF;
    INSERT INTO hourly_stats_delta (chain_id, cafe_id, hour, new_guests, referrals)
        VALUES (g.chain_id, coalesce(g.home_cafe_id, 0), g.created_at / 3600000, sign,
            CASE WHEN g.referred_by IS NULL THEN 0 ELSE sign END);
    INSERT INTO scope_totals_delta (chain_id, scope, guests)
        SELECT g.chain_id, s.scope, sign FROM (VALUES (0::BIGINT), (g.home_cafe_id)) s (scope) WHERE s.scope IS NOT NULL;
END $$;

CREATE FUNCTION guests_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM rollup_guest_counts(OLD, -1);
    END IF;
    PERFORM rollup_guest_counts(NEW, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER guests_rollup AFTER INSERT ON guests FOR EACH ROW EXECUTE FUNCTION guests_rollup();
CREATE TRIGGER guests_rollup_changed AFTER UPDATE OF home_cafe_id, merged_into, referred_by ON guests
    FOR EACH ROW WHEN (OLD.home_cafe_id IS DISTINCT FROM NEW.home_cafe_id OR OLD.merged_into IS DISTINCT FROM NEW.merged_into
        OR OLD.referred_by IS DISTINCT FROM NEW.referred_by)
    EXECUTE FUNCTION guests_rollup();

CREATE FUNCTION guest_visits_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO scope_totals_delta (chain_id, scope, visitors, repeat_visitors, visits)
            VALUES (NEW.chain_id, NEW.scope, 1, CASE WHEN NEW.orders >= 2 THEN 1 ELSE 0 END, NEW.orders);
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.orders <> OLD.orders THEN
            INSERT INTO scope_totals_delta (chain_id, scope, visits, repeat_visitors)
                VALUES (NEW.chain_id, NEW.scope, NEW.orders - OLD.orders,
                    (CASE WHEN NEW.orders >= 2 THEN 1 ELSE 0 END) - (CASE WHEN OLD.orders >= 2 THEN 1 ELSE 0 END));
        END IF;
        IF NEW.first_at <> OLD.first_at THEN
            UPDATE guest_months SET cohort = rollup_month(NEW.first_at) WHERE guest_id = NEW.guest_id AND scope = NEW.scope;
        END IF;
    ELSE
        INSERT INTO scope_totals_delta (chain_id, scope, visitors, repeat_visitors, visits)
            VALUES (OLD.chain_id, OLD.scope, -1, -(CASE WHEN OLD.orders >= 2 THEN 1 ELSE 0 END), -OLD.orders);
        DELETE FROM guest_months WHERE guest_id = OLD.guest_id AND scope = OLD.scope;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER guest_visits_rollup AFTER INSERT OR UPDATE OR DELETE ON guest_visits
    FOR EACH ROW EXECUTE FUNCTION guest_visits_rollup();

CREATE FUNCTION guest_months_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO cohort_cells_delta (chain_id, scope, cohort, month, guests)
            VALUES (OLD.chain_id, OLD.scope, OLD.cohort, OLD.month, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO cohort_cells_delta (chain_id, scope, cohort, month, guests)
            VALUES (NEW.chain_id, NEW.scope, NEW.cohort, NEW.month, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER guest_months_rollup AFTER INSERT OR DELETE OR UPDATE OF cohort ON guest_months
    FOR EACH ROW EXECUTE FUNCTION guest_months_rollup();
