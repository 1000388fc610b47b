-- The owner portal's orders list and loyalty page read by these instead of scanning.
-- Orders by the time of the sale, latest first: of the chain, and of one cafe.
CREATE INDEX purchases_time ON purchases (chain_id, occurred_at);
CREATE INDEX purchases_cafe_time ON purchases (chain_id, cafe_id, occurred_at);
-- Who was on duty at a cafe when a sale was made.
CREATE INDEX shifts_cafe ON shifts (chain_id, cafe_id, opened_at);
-- Wallets by tier, counted inside the index.
CREATE INDEX wallets_tier ON wallets (program_id, tier);
-- Reward codes issued in a period.
CREATE INDEX reward_codes_issued ON reward_codes (chain_id, issued_at);
