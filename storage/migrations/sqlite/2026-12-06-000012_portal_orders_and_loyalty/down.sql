DROP INDEX reward_codes_issued;
DROP INDEX wallets_tier;
DROP INDEX shifts_cafe;
DROP INDEX purchases_cafe_time;
DROP INDEX purchases_time;
