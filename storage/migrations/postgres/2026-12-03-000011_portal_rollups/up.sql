-- The owner portal's roll-ups (postgres). Twin: ../../sqlite/<same name>/up.sql, which says
-- what each table holds and why triggers keep them.

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

CREATE TABLE cohort_cells (
    chain_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    cohort BIGINT NOT NULL,
    month BIGINT NOT NULL,
    guests BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (chain_id, scope, cohort, month)
);

CREATE TABLE scope_totals (
    chain_id BIGINT NOT NULL,
    scope BIGINT NOT NULL,
    guests BIGINT NOT NULL DEFAULT 0,
    visitors BIGINT NOT NULL DEFAULT 0,
    repeat_visitors BIGINT NOT NULL DEFAULT 0,
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
INSERT INTO hourly_stats (chain_id, cafe_id, hour, orders, revenue_minor)
    SELECT chain_id, cafe_id, occurred_at / 3600000, count(*), sum(total_minor) FROM purchases
    GROUP BY chain_id, cafe_id, occurred_at / 3600000;
INSERT INTO hourly_stats AS h (chain_id, cafe_id, hour, refunded_minor)
    SELECT p.chain_id, p.cafe_id, p.occurred_at / 3600000, sum(r.amount_minor)
    FROM purchase_refunds r JOIN purchases p ON p.id = r.purchase_id
    GROUP BY p.chain_id, p.cafe_id, p.occurred_at / 3600000
    ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET refunded_minor = h.refunded_minor + excluded.refunded_minor;
INSERT INTO hourly_stats AS h (chain_id, cafe_id, hour, points_earned, stamps_earned, points_redeemed, rewards_redeemed)
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
INSERT INTO hourly_stats AS h (chain_id, cafe_id, hour, new_guests, referrals)
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
INSERT INTO cohort_cells (chain_id, scope, cohort, month, guests)
    SELECT chain_id, scope, cohort, month, count(*) FROM guest_months GROUP BY chain_id, scope, cohort, month;
INSERT INTO scope_totals (chain_id, scope, guests)
    SELECT chain_id, 0, count(*) FROM guests WHERE merged_into IS NULL GROUP BY chain_id;
INSERT INTO scope_totals (chain_id, scope, guests)
    SELECT chain_id, home_cafe_id, count(*) FROM guests WHERE merged_into IS NULL AND home_cafe_id IS NOT NULL
    GROUP BY chain_id, home_cafe_id;
INSERT INTO scope_totals (chain_id, scope, visitors, repeat_visitors)
    SELECT chain_id, scope, count(*), count(*) FILTER (WHERE orders >= 2) FROM guest_visits GROUP BY chain_id, scope
    ON CONFLICT (chain_id, scope) DO UPDATE SET visitors = excluded.visitors, repeat_visitors = excluded.repeat_visitors;

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
        INSERT INTO hourly_stats AS h (chain_id, cafe_id, hour, orders, revenue_minor)
            VALUES (NEW.chain_id, NEW.cafe_id, NEW.occurred_at / 3600000, 1, NEW.total_minor)
            ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET orders = h.orders + 1,
                revenue_minor = h.revenue_minor + excluded.revenue_minor;
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
    INSERT INTO hourly_stats AS h (chain_id, cafe_id, hour, refunded_minor)
        VALUES (sale.chain_id, sale.cafe_id, sale.occurred_at / 3600000, NEW.amount_minor)
        ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET refunded_minor = h.refunded_minor + excluded.refunded_minor;
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
    INSERT INTO hourly_stats AS h (chain_id, cafe_id, hour, points_earned, stamps_earned, points_redeemed, rewards_redeemed)
        VALUES (NEW.chain_id, coalesce(NEW.cafe_id, 0), NEW.created_at / 3600000,
            CASE WHEN redeem THEN 0 ELSE NEW.points END, CASE WHEN redeem THEN 0 ELSE NEW.stamps END,
            CASE WHEN redeem THEN -NEW.points ELSE 0 END, CASE WHEN redeem THEN 1 ELSE 0 END)
        ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET points_earned = h.points_earned + excluded.points_earned,
            stamps_earned = h.stamps_earned + excluded.stamps_earned,
            points_redeemed = h.points_redeemed + excluded.points_redeemed,
            rewards_redeemed = h.rewards_redeemed + excluded.rewards_redeemed;
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
    INSERT INTO hourly_stats AS h (chain_id, cafe_id, hour, new_guests, referrals)
        VALUES (g.chain_id, coalesce(g.home_cafe_id, 0), g.created_at / 3600000, sign,
            CASE WHEN g.referred_by IS NULL THEN 0 ELSE sign END)
        ON CONFLICT (chain_id, cafe_id, hour) DO UPDATE SET new_guests = h.new_guests + excluded.new_guests,
            referrals = h.referrals + excluded.referrals;
    INSERT INTO scope_totals AS t (chain_id, scope, guests)
        SELECT g.chain_id, s.scope, sign FROM (VALUES (0::BIGINT), (g.home_cafe_id)) s (scope) WHERE s.scope IS NOT NULL
        ON CONFLICT (chain_id, scope) DO UPDATE SET guests = t.guests + excluded.guests;
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
        INSERT INTO scope_totals AS t (chain_id, scope, visitors, repeat_visitors)
            VALUES (NEW.chain_id, NEW.scope, 1, CASE WHEN NEW.orders >= 2 THEN 1 ELSE 0 END)
            ON CONFLICT (chain_id, scope) DO UPDATE SET visitors = t.visitors + 1,
                repeat_visitors = t.repeat_visitors + excluded.repeat_visitors;
    ELSIF TG_OP = 'UPDATE' THEN
        IF (NEW.orders >= 2) <> (OLD.orders >= 2) THEN
            UPDATE scope_totals SET repeat_visitors = repeat_visitors + CASE WHEN NEW.orders >= 2 THEN 1 ELSE -1 END
                WHERE chain_id = NEW.chain_id AND scope = NEW.scope;
        END IF;
        IF NEW.first_at <> OLD.first_at THEN
            UPDATE guest_months SET cohort = rollup_month(NEW.first_at) WHERE guest_id = NEW.guest_id AND scope = NEW.scope;
        END IF;
    ELSE
        UPDATE scope_totals SET visitors = visitors - 1, repeat_visitors = repeat_visitors - CASE WHEN OLD.orders >= 2 THEN 1 ELSE 0 END
            WHERE chain_id = OLD.chain_id AND scope = OLD.scope;
        DELETE FROM guest_months WHERE guest_id = OLD.guest_id AND scope = OLD.scope;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER guest_visits_rollup AFTER INSERT OR UPDATE OR DELETE ON guest_visits
    FOR EACH ROW EXECUTE FUNCTION guest_visits_rollup();

CREATE FUNCTION guest_months_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE cohort_cells SET guests = guests - 1
            WHERE chain_id = OLD.chain_id AND scope = OLD.scope AND cohort = OLD.cohort AND month = OLD.month;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO cohort_cells AS c (chain_id, scope, cohort, month, guests) VALUES (NEW.chain_id, NEW.scope, NEW.cohort, NEW.month, 1)
            ON CONFLICT (chain_id, scope, cohort, month) DO UPDATE SET guests = c.guests + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER guest_months_rollup AFTER INSERT OR DELETE OR UPDATE OF cohort ON guest_months
    FOR EACH ROW EXECUTE FUNCTION guest_months_rollup();
