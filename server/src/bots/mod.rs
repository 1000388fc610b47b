//! The messenger bots the server runs: one per configured `[[channels.<kind>]]` table, each for
//! one chain.
//!
//! Every bot's inbound updates, whether posted to its webhook route ([`routes`]) or fetched by
//! long polling ([`polling`]), go through one path ([`inbound::handle_events`]): the
//! conversation answers, the replies are rendered in the person's language and sent back
//! through the same bot. Its notifications go out through the outbox sender, one task per bot
//! ([`Bots::outbox_bots`]).

pub mod inbound;
pub mod polling;
pub mod routes;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::Context as _;
use regulars_core::channel::{Channel, MediaHost};
use regulars_core::ids::ChainId;
use regulars_core::store::Store;

use crate::config::{ChannelsConfig, TelegramMode};
use crate::outbox::OutboxBot;

/// One bot: a channel serving one chain.
#[derive(Debug)]
pub struct Bot {
    /// The chain it serves.
    pub chain: ChainId,
    /// The chain's slug, as in its webhook route `/channels/{kind}/{slug}/webhook`.
    pub slug: String,
    /// The channel.
    pub channel: Arc<dyn Channel>,
    /// The link a referral payload is appended to (`https://t.me/<bot>?start=`), if the
    /// platform has deep links.
    pub invite_link: Option<String>,
}

/// Every bot, by route.
#[derive(Debug, Default)]
pub struct Bots {
    by_route: HashMap<(String, String), Arc<Bot>>,
    /// Telegram bots with their concrete client (token check, polling).
    telegram: Vec<(Arc<Bot>, Arc<regulars_telegram::TelegramChannel>)>,
    /// Which of them long-poll.
    polling: Vec<(Arc<Bot>, Arc<regulars_telegram::TelegramChannel>)>,
}

impl Bots {
    /// The bots of `[channels]`, each resolved to its chain; channels that fetch images by URL
    /// (Viber) publish them on `media` when there is one.
    ///
    /// # Errors
    /// An unknown chain slug, a second bot of one kind for one chain, or a bot whose settings
    /// its channel refuses, naming the table.
    pub async fn from_config(
        config: &ChannelsConfig,
        store: &dyn Store,
        media: Option<Arc<dyn MediaHost>>,
    ) -> anyhow::Result<Self> {
        let mut bots = Self::default();
        for (i, settings) in config.telegram.iter().enumerate() {
            let key = format!("channels.telegram[{i}]");
            let chain = resolve_chain(store, &settings.chain, &key).await?;
            let telegram = Arc::new(
                regulars_telegram::TelegramChannel::new(&settings.bot)
                    .with_context(|| format!("{key}: invalid bot"))?,
            );
            bots.add_telegram(chain, &settings.chain, telegram, settings.mode).with_context(|| key.clone())?;
        }
        for (i, settings) in config.whatsapp.iter().enumerate() {
            let key = format!("channels.whatsapp[{i}]");
            let chain = resolve_chain(store, &settings.chain, &key).await?;
            let channel = regulars_whatsapp::WhatsAppChannel::new(&settings.bot)
                .with_context(|| format!("{key}: invalid settings"))?;
            let invite_link = channel.start_link("");
            let bot = Bot { chain, slug: settings.chain.clone(), channel: Arc::new(channel), invite_link };
            bots.add(bot).with_context(|| key.clone())?;
        }
        for (i, settings) in config.viber.iter().enumerate() {
            let key = format!("channels.viber[{i}]");
            let chain = resolve_chain(store, &settings.chain, &key).await?;
            let mut channel =
                regulars_viber::ViberChannel::new(&settings.bot).with_context(|| format!("{key}: invalid settings"))?;
            if let Some(media) = &media {
                channel = channel.with_media_host(media.clone());
            }
            let invite_link = Some(channel.start_link(""));
            let bot = Bot { chain, slug: settings.chain.clone(), channel: Arc::new(channel), invite_link };
            bots.add(bot).with_context(|| key.clone())?;
        }
        Ok(bots)
    }

    /// Adds a bot (the server's config does this; tests add bots over loopback fakes).
    ///
    /// # Errors
    /// When the chain already has a bot of that kind: one bot per chain and messenger.
    pub fn add(&mut self, bot: Bot) -> anyhow::Result<Arc<Bot>> {
        let key = (bot.channel.kind().to_owned(), bot.slug.clone());
        if self.by_route.contains_key(&key) {
            anyhow::bail!("chain `{}` already has a {} bot", key.1, key.0);
        }
        let bot = Arc::new(bot);
        self.by_route.insert(key, bot.clone());
        Ok(bot)
    }

    /// Adds a Telegram bot for chain `slug`, taking updates by webhook or by long polling.
    ///
    /// # Errors
    /// As [`Bots::add`].
    pub fn add_telegram(
        &mut self,
        chain: ChainId,
        slug: &str,
        telegram: Arc<regulars_telegram::TelegramChannel>,
        mode: TelegramMode,
    ) -> anyhow::Result<Arc<Bot>> {
        let invite_link = Some(telegram.start_link(""));
        let bot = Bot { chain, slug: slug.to_owned(), channel: telegram.clone(), invite_link };
        let bot = self.add(bot)?;
        self.telegram.push((bot.clone(), telegram.clone()));
        if mode == TelegramMode::Polling {
            self.polling.push((bot.clone(), telegram));
        }
        Ok(bot)
    }

    /// The bot of messenger `kind` for the chain `slug`.
    #[must_use]
    pub fn get(&self, kind: &str, slug: &str) -> Option<Arc<Bot>> {
        self.by_route.get(&(kind.to_owned(), slug.to_owned())).cloned()
    }

    /// Every bot.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Bot>> {
        self.by_route.values()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_route.is_empty()
    }

    /// The Telegram bots, with their clients.
    #[must_use]
    pub fn telegram(&self) -> &[(Arc<Bot>, Arc<regulars_telegram::TelegramChannel>)] {
        &self.telegram
    }

    /// The Telegram bots that long-poll instead of taking webhooks.
    #[must_use]
    pub fn polling(&self) -> &[(Arc<Bot>, Arc<regulars_telegram::TelegramChannel>)] {
        &self.polling
    }

    /// The outbox sender's bots: each sends its chain's notifications, to guests who used its
    /// messenger last among the chain's.
    #[must_use]
    pub fn outbox_bots(&self) -> Vec<OutboxBot> {
        let mut kinds_of: BTreeMap<ChainId, Vec<String>> = BTreeMap::new();
        for bot in self.by_route.values() {
            kinds_of.entry(bot.chain).or_default().push(bot.channel.kind().to_owned());
        }
        self.by_route
            .values()
            .map(|bot| OutboxBot {
                channel: bot.channel.clone(),
                chain: Some(bot.chain),
                reachable_on: kinds_of.get(&bot.chain).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// The conversation's invite links: `<kind>:<chain id>` → the bot's deep link base.
    #[must_use]
    pub fn invite_links(&self) -> BTreeMap<String, String> {
        self.by_route
            .values()
            .filter_map(|bot| Some((format!("{}:{}", bot.channel.kind(), bot.chain), bot.invite_link.clone()?)))
            .collect()
    }
}

async fn resolve_chain(store: &dyn Store, slug: &str, key: &str) -> anyhow::Result<ChainId> {
    match store.chain_by_slug(slug).await {
        Ok(chain) => Ok(chain.id),
        Err(e) if e.kind() == regulars_core::ErrorKind::NotFound => {
            anyhow::bail!("{key}.chain: no chain `{slug}` in the database")
        }
        Err(e) => Err(e).with_context(|| format!("{key}.chain: looking up `{slug}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TelegramBotSettings;

    fn telegram(chain: &str) -> TelegramBotSettings {
        let bot: regulars_telegram::TelegramConfig = toml::from_str(
            r#"
            token = "123456789:AAHk3Vq-Tsecret_part_of_the_token"
            webhook_secret = "s3cr3t_Webhook-token"
            bot_username = "regulars_demo_bot"
            "#,
        )
        .unwrap();
        TelegramBotSettings { chain: chain.into(), mode: TelegramMode::Webhook, bot }
    }

    #[tokio::test]
    async fn bots_resolve_their_chain_once_per_messenger() {
        let (store, _dir) = regulars_testkit::sqlite_store().await;
        crate::demo::seed(store.clone()).await.unwrap();
        let config = ChannelsConfig { telegram: vec![telegram(crate::demo::DEMO_SLUG)], ..ChannelsConfig::default() };
        let bots = Bots::from_config(&config, &*store, None).await.unwrap();
        let bot = bots.get("telegram", crate::demo::DEMO_SLUG).expect("the demo chain's bot");
        assert_eq!(bot.invite_link.as_deref(), Some("https://t.me/regulars_demo_bot?start="));
        assert_eq!(bots.outbox_bots().len(), 1);
        assert!(bots.invite_links().contains_key(&format!("telegram:{}", bot.chain)));
        assert!(bots.get("viber", crate::demo::DEMO_SLUG).is_none());

        let unknown = ChannelsConfig { telegram: vec![telegram("nowhere")], ..ChannelsConfig::default() };
        let err = Bots::from_config(&unknown, &*store, None).await.unwrap_err();
        assert!(format!("{err:#}").contains("channels.telegram[0].chain"), "{err:#}");
        let twice = ChannelsConfig {
            telegram: vec![telegram(crate::demo::DEMO_SLUG), telegram(crate::demo::DEMO_SLUG)],
            ..ChannelsConfig::default()
        };
        let err = Bots::from_config(&twice, &*store, None).await.unwrap_err();
        assert!(format!("{err:#}").contains("already has a telegram bot"), "{err:#}");
    }
}
