//! The owner portal's roll-ups: read here, written by the triggers of the
//! `portal_rollups` migration in the same transaction as the rows they count.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::analytics::{
    Balance, CohortCell, Counters, GuestVisits, HourIndex, HourlyStats, MonthIndex, RewardCodeCount, Scope,
    ScopeTotals, TierCount, VisitOrder,
};
use regulars_core::ids::{CafeId, ChainId, GuestId, ProgramId};
use regulars_core::rules::codes::RewardCodeStatus;
use regulars_core::store::AnalyticsRepo;
use regulars_core::wallet::Wallet;
use regulars_core::{Error, Result};

use crate::columns::{from_millis, to_millis};
use crate::error::{DbError, corrupt};
use crate::ledger::WalletRow;
use crate::schema::{cohort_cells, guest_visits, hourly_stats, programs, reward_codes, scope_totals, wallets};
use crate::store::{Backend, DbStore, read};

/// Whether `program` is the chain's: the loyalty figures then count by program alone, inside
/// an index on `(program_id, ...)`, instead of reading every wallet for its chain.
macro_rules! program_of_chain {
    ($c:ident, $chain:expr, $program:expr) => {{
        let owned: i64 = programs::table
            .filter(programs::id.eq($program.get()))
            .filter(programs::chain_id.eq($chain.get()))
            .select(count_star())
            .first($c)
            .await?;
        owned > 0
    }};
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = hourly_stats)]
struct HourlyRow {
    cafe_id: i64,
    hour: i64,
    orders: i64,
    revenue_minor: i64,
    refunded_minor: i64,
    points_earned: i64,
    stamps_earned: i64,
    points_redeemed: i64,
    rewards_redeemed: i64,
    new_guests: i64,
    referrals: i64,
}

impl From<HourlyRow> for HourlyStats {
    fn from(r: HourlyRow) -> Self {
        Self {
            cafe: (r.cafe_id != 0).then_some(CafeId(r.cafe_id)),
            hour: r.hour,
            counters: Counters {
                orders: r.orders,
                revenue_minor: r.revenue_minor,
                refunded_minor: r.refunded_minor,
                points_earned: r.points_earned,
                stamps_earned: r.stamps_earned,
                points_redeemed: r.points_redeemed,
                rewards_redeemed: r.rewards_redeemed,
                new_guests: r.new_guests,
                referrals: r.referrals,
            },
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = guest_visits)]
struct VisitsRow {
    guest_id: i64,
    orders: i64,
    spend_minor: i64,
    first_at: i64,
    last_at: i64,
}

impl VisitsRow {
    fn into_visits(self) -> Result<GuestVisits> {
        Ok(GuestVisits {
            guest: GuestId(self.guest_id),
            orders: self.orders,
            spend_minor: self.spend_minor,
            first_at: from_millis("guest_visits.first_at", self.first_at)?,
            last_at: from_millis("guest_visits.last_at", self.last_at)?,
        })
    }
}

#[async_trait]
impl AnalyticsRepo for DbStore {
    async fn hourly_stats(
        &self,
        chain: ChainId,
        cafes: Option<&[CafeId]>,
        from: HourIndex,
        until: HourIndex,
    ) -> Result<Vec<HourlyStats>> {
        let cafes: Option<Vec<i64>> = cafes.map(|c| c.iter().map(|c| c.get()).collect());
        let rows: Vec<HourlyRow> = read!(self, |c| {
            let mut query = hourly_stats::table
                .filter(hourly_stats::chain_id.eq(chain.get()))
                .filter(hourly_stats::hour.ge(from))
                .filter(hourly_stats::hour.lt(until))
                .order((hourly_stats::hour.asc(), hourly_stats::cafe_id.asc()))
                .select(HourlyRow::as_select())
                .into_boxed();
            if let Some(cafes) = &cafes {
                query = query.filter(hourly_stats::cafe_id.eq_any(cafes.clone()));
            }
            Ok(query.load(c).await?)
        })?;
        Ok(rows.into_iter().map(HourlyStats::from).filter(|h| h.counters != Counters::default()).collect())
    }

    async fn scope_totals(&self, chain: ChainId, scope: Scope) -> Result<ScopeTotals> {
        let row: Option<(i64, i64, i64, i64)> = read!(self, |c| {
            Ok(scope_totals::table
                .filter(scope_totals::chain_id.eq(chain.get()))
                .filter(scope_totals::scope.eq(scope.key()))
                .select((
                    scope_totals::guests,
                    scope_totals::visitors,
                    scope_totals::repeat_visitors,
                    scope_totals::visits,
                ))
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.map_or_else(ScopeTotals::default, |(guests, visitors, repeat_visitors, visits)| ScopeTotals {
            guests,
            visitors,
            repeat_visitors,
            visits,
        }))
    }

    async fn cohort_cells(&self, chain: ChainId, scope: Scope, since: MonthIndex) -> Result<Vec<CohortCell>> {
        let rows: Vec<(i64, i64, i64)> = read!(self, |c| {
            Ok(cohort_cells::table
                .filter(cohort_cells::chain_id.eq(chain.get()))
                .filter(cohort_cells::scope.eq(scope.key()))
                .filter(cohort_cells::cohort.ge(since))
                .filter(cohort_cells::guests.ne(0))
                .order((cohort_cells::cohort.asc(), cohort_cells::month.asc()))
                .select((cohort_cells::cohort, cohort_cells::month, cohort_cells::guests))
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(|(cohort, month, guests)| CohortCell { cohort, month, guests }).collect())
    }

    async fn guest_visits(&self, chain: ChainId, scope: Scope, guests: &[GuestId]) -> Result<Vec<GuestVisits>> {
        if guests.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = guests.iter().map(|g| g.get()).collect();
        let rows: Vec<VisitsRow> = read!(self, |c| {
            Ok(guest_visits::table
                .filter(guest_visits::chain_id.eq(chain.get()))
                .filter(guest_visits::scope.eq(scope.key()))
                .filter(guest_visits::guest_id.eq_any(ids.clone()))
                .select(VisitsRow::as_select())
                .load(c)
                .await?)
        })?;
        rows.into_iter().map(VisitsRow::into_visits).collect()
    }

    async fn top_guests(
        &self,
        chain: ChainId,
        scope: Scope,
        order: VisitOrder,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<GuestVisits>> {
        let limit = i64::from(limit.clamp(1, 1000));
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let rows: Vec<VisitsRow> = read!(self, |c| {
            let query = guest_visits::table
                .filter(guest_visits::chain_id.eq(chain.get()))
                .filter(guest_visits::scope.eq(scope.key()))
                .select(VisitsRow::as_select())
                .limit(limit)
                .offset(offset)
                .into_boxed();
            let query = match order {
                VisitOrder::Spend => query.order((guest_visits::spend_minor.desc(), guest_visits::guest_id.desc())),
                VisitOrder::Orders => query.order((guest_visits::orders.desc(), guest_visits::guest_id.desc())),
                VisitOrder::LastVisit => query.order((guest_visits::last_at.desc(), guest_visits::guest_id.desc())),
            };
            Ok(query.load(c).await?)
        })?;
        rows.into_iter().map(VisitsRow::into_visits).collect()
    }

    async fn count_reward_eligible(&self, chain: ChainId, program: ProgramId, points: i64, stamps: i64) -> Result<u64> {
        if points <= 0 && stamps <= 0 {
            return Ok(0);
        }
        // A program counts in points or in stamps: one side is an index range count
        // (wallets_points, wallets_stamps).
        // The program is the chain's or nothing counts; then the count is by program alone,
        // so it stays inside the index (program, points) instead of reading every wallet.
        let total: i64 = read!(self, |c| {
            if !program_of_chain!(c, chain, program) {
                return Ok(0);
            }
            let query = wallets::table.filter(wallets::program_id.eq(program.get())).select(count_star()).into_boxed();
            let query = match (points > 0, stamps > 0) {
                (true, false) => query.filter(wallets::points.ge(points)),
                (false, _) => query.filter(wallets::stamps.ge(stamps)),
                (true, true) => query.filter(wallets::points.ge(points).or(wallets::stamps.ge(stamps))),
            };
            Ok(query.first::<i64>(c).await?)
        })?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    async fn balance_histogram(
        &self,
        chain: ChainId,
        program: ProgramId,
        balance: Balance,
        floors: &[i64],
    ) -> Result<Vec<u64>> {
        if floors.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::invalid("floors", "must ascend"));
        }
        let floors = floors.to_vec();
        // One index range count per floor (wallets_points, wallets_stamps); a bucket is the
        // difference of two neighbours. Nothing reads the wallets themselves.
        let at_least: Vec<i64> = read!(self, |c| {
            if !program_of_chain!(c, chain, program) {
                return Ok(vec![0; floors.len()]);
            }
            let mut counts = Vec::with_capacity(floors.len());
            for floor in &floors {
                let query = wallets::table.filter(wallets::program_id.eq(program.get())).select(count_star());
                let n: i64 = match balance {
                    Balance::Points => query.filter(wallets::points.ge(*floor)).first(c).await?,
                    Balance::Stamps => query.filter(wallets::stamps.ge(*floor)).first(c).await?,
                };
                counts.push(n);
            }
            Ok(counts)
        })?;
        let bucket = |i: usize| at_least[i] - at_least.get(i + 1).copied().unwrap_or(0);
        Ok((0..at_least.len()).map(|i| u64::try_from(bucket(i)).unwrap_or(0)).collect())
    }

    async fn tier_counts(&self, chain: ChainId, program: ProgramId) -> Result<Vec<TierCount>> {
        let rows: Vec<(Option<String>, i64)> = read!(self, |c| {
            if !program_of_chain!(c, chain, program) {
                return Ok(Vec::new());
            }
            // By program alone, inside the index (program_id, tier).
            Ok(wallets::table
                .filter(wallets::program_id.eq(program.get()))
                .group_by(wallets::tier)
                .select((wallets::tier, count_star()))
                .load(c)
                .await?)
        })?;
        let mut tiers: Vec<TierCount> =
            rows.into_iter().map(|(tier, n)| TierCount { tier, wallets: u64::try_from(n).unwrap_or(0) }).collect();
        tiers.sort_by(|a, b| b.wallets.cmp(&a.wallets).then_with(|| a.tier.cmp(&b.tier)));
        Ok(tiers)
    }

    async fn wallets_by_balance(
        &self,
        chain: ChainId,
        program: ProgramId,
        balance: Balance,
        at_least: i64,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<Wallet>> {
        let limit = i64::from(limit.clamp(1, 1000));
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let rows: Vec<WalletRow> = read!(self, |c| {
            let query = wallets::table
                .filter(wallets::chain_id.eq(chain.get()))
                .filter(wallets::program_id.eq(program.get()))
                .select(WalletRow::as_select())
                .limit(limit)
                .offset(offset)
                .into_boxed();
            let query = match balance {
                Balance::Points => {
                    query.filter(wallets::points.ge(at_least)).order((wallets::points.desc(), wallets::id.desc()))
                }
                Balance::Stamps => {
                    query.filter(wallets::stamps.ge(at_least)).order((wallets::stamps.desc(), wallets::id.desc()))
                }
            };
            Ok(query.load(c).await?)
        })?;
        Ok(rows.into_iter().map(WalletRow::into_wallet).collect::<Result<Vec<_>, _>>()?)
    }

    async fn reward_code_counts(
        &self,
        chain: ChainId,
        cafes: Option<&[CafeId]>,
        since: DateTime<Utc>,
    ) -> Result<Vec<RewardCodeCount>> {
        let cafe_ids: Option<Vec<i64>> = cafes.map(|cafes| cafes.iter().map(|c| c.get()).collect());
        let since = to_millis(since);
        let rows: Vec<(String, String, i64)> = read!(self, |c| {
            let mut query = reward_codes::table
                .filter(reward_codes::chain_id.eq(chain.get()))
                .filter(reward_codes::issued_at.ge(since))
                .group_by((reward_codes::reward_name, reward_codes::status))
                .select((reward_codes::reward_name, reward_codes::status, count_star()))
                .into_boxed();
            if let Some(ids) = &cafe_ids {
                query = query.filter(
                    reward_codes::used_at_cafe
                        .eq_any(ids.clone())
                        .or(reward_codes::used_at_cafe.is_null().and(reward_codes::cafe_id.eq_any(ids.clone()))),
                );
            }
            Ok(query.load(c).await?)
        })?;
        let mut counts = rows
            .into_iter()
            .map(|(reward_name, status, n)| {
                Ok(RewardCodeCount {
                    reward_name,
                    status: RewardCodeStatus::parse(&status).map_err(|e| corrupt("reward_codes.status", e))?,
                    codes: u64::try_from(n).unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        counts.sort_by(|a, b| a.reward_name.cmp(&b.reward_name).then_with(|| a.status.as_str().cmp(b.status.as_str())));
        Ok(counts)
    }

    async fn compact_rollups(&self) -> Result<u64> {
        match &self.backend {
            // One writer: SQLite's triggers update the rows themselves.
            Backend::Sqlite(_) => Ok(0),
            Backend::Postgres(db) => {
                #[derive(QueryableByName)]
                struct Folded {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    rollup_compact: i64,
                }
                let mut conn = db.conn().await?;
                let folded: Folded = diesel::sql_query("SELECT rollup_compact()")
                    .get_result(&mut *conn)
                    .await
                    .map_err(crate::error::DbError::from)?;
                Ok(u64::try_from(folded.rollup_compact).unwrap_or(0))
            }
        }
    }
}
