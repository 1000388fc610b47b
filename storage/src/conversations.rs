//! Conversation state ([`ConversationRepo`]): one JSON row per (chain, messenger identity),
//! saved compare-and-set on its version with one conditional statement.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::conversation::{ConversationState, StoredConversation};
use regulars_core::guest::ChannelIdentity;
use regulars_core::ids::ChainId;
use regulars_core::store::ConversationRepo;
use regulars_core::{Error, Result};

use crate::chains::require_chain;
use crate::columns::{from_json, from_millis, now_millis, to_json};
use crate::error::corrupt;
use crate::schema::conversations;
use crate::store::{DbStore, read, write_tx};

#[async_trait]
impl ConversationRepo for DbStore {
    async fn conversation(&self, chain: ChainId, who: &ChannelIdentity) -> Result<Option<StoredConversation>> {
        let row: Option<(String, i64, i64)> = read!(self, |c| {
            Ok(conversations::table
                .filter(conversations::chain_id.eq(chain.get()))
                .filter(conversations::channel.eq(who.channel.as_str()))
                .filter(conversations::external_id.eq(&who.external_id))
                .select((conversations::state, conversations::version, conversations::updated_at))
                .first(c)
                .await
                .optional()?)
        })?;
        let Some((state, version, updated_at)) = row else { return Ok(None) };
        Ok(Some(StoredConversation {
            state: from_json("conversations.state", &state)?,
            version: u64::try_from(version).map_err(|e| corrupt("conversations.version", e))?,
            updated_at: from_millis("conversations.updated_at", updated_at)?,
        }))
    }

    async fn save_conversation(
        &self,
        chain: ChainId,
        who: &ChannelIdentity,
        state: &ConversationState,
        expected: Option<u64>,
    ) -> Result<u64> {
        let (channel, external_id, json) = (who.channel.as_str().to_owned(), who.external_id.clone(), to_json(state));
        let expected = expected.map(|v| i64::try_from(v).map_err(|_| Error::invalid("version", "too large")));
        let expected = expected.transpose()?;
        let version: i64 = write_tx!(self, |c| {
            let now = now_millis();
            match expected {
                None => {
                    require_chain!(c, chain);
                    let inserted = diesel::insert_into(conversations::table)
                        .values((
                            conversations::chain_id.eq(chain.get()),
                            conversations::channel.eq(&channel),
                            conversations::external_id.eq(&external_id),
                            conversations::state.eq(&json),
                            conversations::version.eq(1_i64),
                            conversations::updated_at.eq(now),
                        ))
                        .on_conflict_do_nothing()
                        .execute(c)
                        .await?;
                    if inserted == 0 {
                        return Err(Error::Conflict("the conversation was saved meanwhile".into()).into());
                    }
                    Ok(1)
                }
                Some(version) => {
                    let updated = diesel::update(
                        conversations::table
                            .filter(conversations::chain_id.eq(chain.get()))
                            .filter(conversations::channel.eq(&channel))
                            .filter(conversations::external_id.eq(&external_id))
                            .filter(conversations::version.eq(version)),
                    )
                    .set((
                        conversations::state.eq(&json),
                        conversations::version.eq(version + 1),
                        conversations::updated_at.eq(now),
                    ))
                    .execute(c)
                    .await?;
                    if updated == 0 {
                        require_chain!(c, chain);
                        return Err(Error::Conflict("the conversation was saved meanwhile".into()).into());
                    }
                    Ok(version + 1)
                }
            }
        })?;
        Ok(u64::try_from(version).unwrap_or(0))
    }
}
