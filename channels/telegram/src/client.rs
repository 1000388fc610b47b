//! The outbound side: [`TelegramChannel`] sends messages through teloxide's `Bot`, with every
//! call bounded by the configured timeout, and maps Telegram's answers to
//! [`DeliveryResult`]s.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use regulars_core::channel::{
    Address, Capabilities, Channel, ChannelRequest, DeliveryResult, InboundEvent, Message, WebhookError, WebhookOutcome,
};
use regulars_core::{Error, Result};
use teloxide::Bot;
use teloxide::RequestError;
use teloxide::payloads::{SendMessageSetters as _, SendPhotoSetters as _, SetWebhookSetters as _};
use teloxide::requests::Requester as _;
use teloxide::types::{CallbackQueryId, ChatId, InputFile};

use crate::config::{BotToken, TelegramConfig, WebhookSecret};
use crate::mapping::{self, Outgoing};
use crate::webhook;

/// One configured Telegram bot, as a [`Channel`]; also long polling and webhook setup.
///
/// `Debug` shows the bot's username and API root, never the token.
#[derive(Clone)]
pub struct TelegramChannel {
    pub(crate) bot: Bot,
    token: BotToken,
    webhook_secret: WebhookSecret,
    bot_username: String,
    api_url: url::Url,
    capabilities: Capabilities,
    pub(crate) request_timeout: Duration,
    pub(crate) poll_timeout: Duration,
}

impl fmt::Debug for TelegramChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramChannel")
            .field("bot_username", &self.bot_username)
            .field("api_url", &self.api_url.as_str())
            .field("mini_app", &self.capabilities.mini_app)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// Why a Bot API call other than a send failed (polling, webhook setup).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TelegramError {
    /// `getUpdates` while a webhook is set: call [`TelegramChannel::delete_webhook`] first.
    #[error("a webhook is set: long polling works only after deleting it")]
    WebhookActive,
    /// Flood control: try again after `retry_after`.
    #[error("rate limited: retry after {retry_after:?}")]
    RateLimited {
        /// How long Telegram asks to wait.
        retry_after: Duration,
    },
    /// Network trouble, a timeout or a Telegram 5xx: worth retrying.
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Telegram refused the call (bad token, bad parameters): retrying will not help.
    #[error("refused by the Bot API: {0}")]
    Refused(String),
}

impl TelegramError {
    /// How long to wait before trying again, when trying again can help.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            Self::Temporary(_) => Some(Duration::from_secs(1)),
            Self::WebhookActive | Self::Refused(_) => None,
        }
    }
}

impl TelegramChannel {
    /// A channel for the bot `config` describes. Makes no network call.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad key; [`Error::Internal`] when the HTTP
    /// client cannot be built.
    pub fn new(config: &TelegramConfig) -> Result<Self> {
        config.validate()?;
        let api_url = config.api_url()?;
        let request_timeout = config.request_timeout();
        let poll_timeout = config.poll_timeout();
        // The per-call deadlines below are the real bound; the client's own timeout only backs
        // them up, so it must let the longest call (a long poll) finish.
        let client = teloxide::net::default_reqwest_settings()
            .timeout(request_timeout + poll_timeout + Duration::from_secs(1))
            .connect_timeout(request_timeout)
            .build()
            .map_err(|e| Error::internal_from("building the Telegram HTTP client", e))?;
        let bot = Bot::with_client(config.token.expose(), client).set_api_url(api_url.clone());
        Ok(Self {
            bot,
            token: config.token.clone(),
            webhook_secret: config.webhook_secret.clone(),
            bot_username: config.bot_username.clone(),
            api_url,
            capabilities: mapping::capabilities(config.mini_app_url.is_some()),
            request_timeout,
            poll_timeout,
        })
    }

    /// The bot's username, without `@`.
    #[must_use]
    pub fn bot_username(&self) -> &str {
        &self.bot_username
    }

    /// The deep link that opens the bot with `/start <payload>`
    /// (`https://t.me/<bot>?start=<payload>`; `payload`: 1-64 of `A-Za-z0-9_-`).
    #[must_use]
    pub fn start_link(&self, payload: &str) -> String {
        format!("https://t.me/{}?start={payload}", self.bot_username)
    }

    /// Asks Telegram who the bot is (`getMe`): a start-up check that the token works and
    /// belongs to the configured `bot_username`.
    ///
    /// # Errors
    /// [`TelegramError::Refused`] for a bad token or a username other than the configured
    /// one; the others as for any call.
    pub async fn check_token(&self) -> std::result::Result<(), TelegramError> {
        let call = self.bot.get_me();
        let me = self.call(async move { call.await }).await?;
        match me.user.username.as_deref() {
            Some(name) if name.eq_ignore_ascii_case(&self.bot_username) => Ok(()),
            other => Err(TelegramError::Refused(format!(
                "the token belongs to @{}, not to the configured @{}",
                other.unwrap_or("?"),
                self.bot_username
            ))),
        }
    }

    /// Points Telegram at `url` for updates, with the configured secret token, so
    /// [`Channel::parse_webhook`] accepts them. Long polling stops working until
    /// [`TelegramChannel::delete_webhook`].
    ///
    /// # Errors
    /// [`TelegramError::Refused`] for a URL Telegram or this crate does not accept; the others
    /// as for any call.
    pub async fn set_webhook(&self, url: &str) -> std::result::Result<(), TelegramError> {
        let url = url::Url::parse(url).map_err(|e| TelegramError::Refused(format!("webhook URL: {e}")))?;
        let call = self.bot.set_webhook(url).secret_token(self.webhook_secret.expose().to_owned());
        self.call(async move { call.await }).await.map(drop)
    }

    /// Removes the webhook, so long polling works.
    ///
    /// # Errors
    /// As for any call.
    pub async fn delete_webhook(&self) -> std::result::Result<(), TelegramError> {
        let call = self.bot.delete_webhook();
        self.call(async move { call.await }).await.map(drop)
    }

    /// Runs one Bot API call within the request timeout, mapping its failure.
    pub(crate) async fn call<T>(
        &self,
        call: impl Future<Output = std::result::Result<T, RequestError>>,
    ) -> std::result::Result<T, TelegramError> {
        self.call_within(self.request_timeout, call).await
    }

    /// Runs one Bot API call within `limit`, mapping its failure.
    pub(crate) async fn call_within<T>(
        &self,
        limit: Duration,
        call: impl Future<Output = std::result::Result<T, RequestError>>,
    ) -> std::result::Result<T, TelegramError> {
        match tokio::time::timeout(limit, call).await {
            Err(_) => Err(TelegramError::Temporary(format!("no answer from the Bot API within {limit:?}"))),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.call_error(&e)),
        }
    }

    fn call_error(&self, error: &RequestError) -> TelegramError {
        let webhook_active = match error {
            RequestError::Api(teloxide::ApiError::CantGetUpdates) => true,
            RequestError::Api(teloxide::ApiError::Unknown(description)) => description.contains("webhook is active"),
            _ => false,
        };
        if webhook_active {
            return TelegramError::WebhookActive;
        }
        match mapping::delivery_failure(error, self.token.expose()) {
            DeliveryResult::RateLimited { retry_after } => TelegramError::RateLimited { retry_after },
            DeliveryResult::TemporaryFailure { reason } => TelegramError::Temporary(reason),
            DeliveryResult::Blocked { reason } | DeliveryResult::PermanentFailure { reason } => {
                TelegramError::Refused(reason)
            }
            other => TelegramError::Refused(format!("{other:?}")),
        }
    }

    /// The Bot API call for one rendered message.
    async fn deliver(
        &self,
        chat: ChatId,
        outgoing: Outgoing,
    ) -> std::result::Result<teloxide::types::Message, RequestError> {
        match outgoing {
            Outgoing::Text { text, markup } => {
                let mut call = self.bot.send_message(chat, text);
                if let Some(markup) = markup {
                    call = call.reply_markup(markup);
                }
                call.await
            }
            Outgoing::Photo { png, caption, markup } => {
                let mut call = self.bot.send_photo(chat, InputFile::memory(png).file_name("card.png"));
                if !caption.is_empty() {
                    call = call.caption(caption);
                }
                if let Some(markup) = markup {
                    call = call.reply_markup(markup);
                }
                call.await
            }
            Outgoing::Place { lat, lon, title, address } if title.is_empty() || address.is_empty() => {
                self.bot.send_location(chat, lat, lon).await
            }
            Outgoing::Place { lat, lon, title, address } => self.bot.send_venue(chat, lat, lon, title, address).await,
        }
    }
}

#[async_trait]
impl Channel for TelegramChannel {
    fn kind(&self) -> &'static str {
        "telegram"
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    /// Text → `sendMessage`, photo → `sendPhoto` (a multipart upload of the PNG), location →
    /// `sendVenue` (`sendLocation` without a title or address). Buttons are an inline keyboard
    /// (callback data, links, Mini Apps), or a one-time reply keyboard for a contact request;
    /// see the crate docs for how extra buttons degrade. No parse mode: text goes out as
    /// written, with nothing to escape.
    async fn send(&self, to: &Address, message: &Message) -> DeliveryResult {
        let Ok(chat) = to.0.parse::<i64>() else {
            return DeliveryResult::PermanentFailure { reason: format!("`{to}` is not a Telegram chat id") };
        };
        let outgoing = match mapping::render(message, &self.capabilities) {
            Ok(outgoing) => outgoing,
            Err(reason) => return DeliveryResult::PermanentFailure { reason },
        };
        // A send that times out may still have reached Telegram; the outbox sender decides
        // whether to retry (and risk a duplicate).
        match tokio::time::timeout(self.request_timeout, self.deliver(ChatId(chat), outgoing)).await {
            Err(_) => DeliveryResult::TemporaryFailure {
                reason: format!("no answer from the Bot API within {:?}", self.request_timeout),
            },
            Ok(Ok(sent)) => DeliveryResult::Delivered { message_id: Some(sent.id.0.to_string()) },
            Ok(Err(error)) => mapping::delivery_failure(&error, self.token.expose()),
        }
    }

    fn parse_webhook(&self, request: &ChannelRequest) -> std::result::Result<WebhookOutcome, WebhookError> {
        webhook::parse(&self.webhook_secret, &self.bot_username, request)
    }

    /// Answers the callback query of a button press (`answerCallbackQuery`), so the person's
    /// app stops its spinner.
    async fn acknowledge(&self, event: &InboundEvent) {
        let InboundEvent::Button { ack_id: Some(id), .. } = event else { return };
        let call = self.bot.answer_callback_query(CallbackQueryId(id.clone()));
        if let Err(error) = self.call(async move { call.await }).await {
            tracing::debug!(%error, "answerCallbackQuery failed; the press was handled anyway");
        }
    }
}
