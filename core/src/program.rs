//! Loyalty programs: what a guest collects (points or stamps) and where (chain-wide or per cafe).
//!
//! The earning rules, tiers and rewards of a program are data ([`ProgramRules`]), stored per
//! program as JSON so they can change without a migration; the engine that applies them lives
//! in [`crate::rules`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::analytics::Balance;
use crate::ids::{ChainId, ProgramId};
use crate::rules::ProgramRules;
use crate::{Error, Result};

/// What a program counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProgramKind {
    /// Points earned per purchase and spent on rewards.
    Points,
    /// Visits toward a card of `card_size` stamps (e.g. the 7th coffee free).
    Stamps {
        /// Stamps that fill one card.
        card_size: u32,
    },
}

/// Where a wallet of the program is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramScope {
    /// One wallet per guest, earned and spent at every cafe of the chain.
    Chain,
    /// One wallet per guest per cafe.
    Cafe,
}

/// A loyalty program of a chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    /// Storage identifier.
    pub id: ProgramId,
    /// Owning chain.
    pub chain_id: ChainId,
    /// Display name, e.g. `Demo Points`.
    pub name: String,
    /// Points or stamps.
    pub kind: ProgramKind,
    /// Chain-wide or per cafe.
    pub scope: ProgramScope,
    /// Earning rules, tiers, rewards and expiry.
    pub rules: ProgramRules,
    /// When it stopped earning: sales after it earn nothing in it, while its balances, codes,
    /// refunds and history stay.
    #[serde(default)]
    pub archived_at: Option<DateTime<Utc>>,
}

impl Program {
    /// Whether new sales earn in it (it is not archived).
    #[must_use]
    pub fn is_earning(&self) -> bool {
        self.archived_at.is_none()
    }

    /// What its wallets hold: points, or stamps for a stamp card.
    #[must_use]
    pub fn balance(&self) -> Balance {
        match self.kind {
            ProgramKind::Points => Balance::Points,
            ProgramKind::Stamps { .. } => Balance::Stamps,
        }
    }

    /// The cost of its cheapest reward, in [`Program::balance`]'s unit: what a wallet needs to
    /// take a reward; `None` when no reward costs anything.
    #[must_use]
    pub fn cheapest_reward_cost(&self) -> Option<i64> {
        self.rules.rewards.iter().map(|r| r.cost).filter(|c| *c > 0).min()
    }
}

/// A change to a [`Program`]: the fields given are replaced, the rest kept. The kind and scope
/// cannot change (every wallet already holds that kind, in that scope); make a new program
/// instead. New rules take effect for sales after the change; entries already posted keep the
/// rule snapshot they were posted with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProgramUpdate {
    /// See [`Program::name`].
    pub name: Option<String>,
    /// See [`Program::rules`]: tiers and rewards are edited by giving the rules whole.
    pub rules: Option<ProgramRules>,
    /// `true` archives the program, `false` makes it earn again.
    pub archived: Option<bool>,
}

impl ProgramUpdate {
    /// `program` with this change applied and checked, archived or restored at `now`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field, as [`NewProgram::validate`].
    pub fn apply(&self, mut program: Program, now: DateTime<Utc>) -> Result<Program> {
        let this = self.clone();
        if let Some(name) = &this.name {
            crate::chain::non_empty("name", name)?;
        }
        if let Some(rules) = &this.rules {
            rules.validate_for(program.kind)?;
        }
        program.name = this.name.unwrap_or(program.name);
        program.rules = this.rules.unwrap_or(program.rules);
        program.archived_at = crate::chain::archived_at(program.archived_at, this.archived, now);
        Ok(program)
    }
}

/// What is needed to create a [`Program`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewProgram {
    /// See [`Program::name`].
    pub name: String,
    /// See [`Program::kind`].
    pub kind: ProgramKind,
    /// See [`Program::scope`].
    pub scope: ProgramScope,
    /// See [`Program::rules`].
    pub rules: ProgramRules,
}

impl NewProgram {
    /// Checks the program and its rules.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        crate::chain::non_empty("name", &self.name)?;
        if let ProgramKind::Stamps { card_size } = self.kind
            && !(1..=100).contains(&card_size)
        {
            return Err(Error::invalid("kind.card_size", "must be between 1 and 100"));
        }
        self.rules.validate_for(self.kind)
    }
}
