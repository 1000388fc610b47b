//! Long polling for Telegram bots configured with `mode = "polling"`: for a laptop or any
//! server without a public HTTPS URL. Updates go through the same path as webhooks.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Bot, inbound};
use crate::app::AppState;

/// How long to wait before polling again after an update could not be handled because
/// storage was down (Telegram keeps it: the offset is only confirmed by the next poll).
const STORAGE_RETRY: Duration = Duration::from_secs(2);

/// Starts one polling task per polling bot; they stop when `stop` turns true.
pub fn spawn(state: &AppState, stop: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    state
        .bots
        .polling()
        .iter()
        .map(|(bot, telegram)| {
            let (state, bot, telegram, mut stop) = (state.clone(), bot.clone(), telegram.clone(), stop.clone());
            tokio::spawn(async move {
                tokio::select! {
                    () = poll(&state, &bot, &telegram) => {}
                    _ = stop.wait_for(|stopped| *stopped) => {}
                }
            })
        })
        .collect()
}

async fn poll(state: &AppState, bot: &Arc<Bot>, telegram: &regulars_telegram::TelegramChannel) {
    tracing::info!(chain = %bot.slug, bot = telegram.bot_username(), "long polling Telegram");
    if let Err(e) = telegram.delete_webhook().await {
        tracing::warn!(error = %e, "could not remove a webhook before polling");
    }
    let updates = telegram.updates(0);
    futures::pin_mut!(updates);
    while let Some(update) = updates.next().await {
        match update {
            Ok(event) => {
                while let Err(e) = inbound::handle_events(state, bot, vec![event.clone()], chrono::Utc::now()).await {
                    tracing::warn!(error = %e.report(), "storage unavailable; handling the update again shortly");
                    tokio::time::sleep(STORAGE_RETRY).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "polling Telegram failed"),
        }
    }
    tracing::warn!(chain = %bot.slug, "Telegram polling ended (a webhook is set, or the token was refused)");
}
