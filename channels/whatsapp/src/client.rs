//! The outbound side: [`WhatsAppChannel`] sends messages through the Cloud API with reqwest,
//! every call bounded by the configured timeout, and maps the Graph API's answers to
//! [`DeliveryResult`]s.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use regulars_core::channel::{
    Address, Capabilities, Channel, ChannelRequest, DeliveryResult, Message, WebhookError, WebhookOutcome,
};
use regulars_core::{Error, Result};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::{Value, json};

use crate::config::{AccessToken, AppSecret, TemplateConfig, VerifyToken, WhatsAppConfig, wa_me_number};
use crate::mapping::{self, Outgoing};
use crate::webhook;

/// One configured WhatsApp Business number, as a [`Channel`].
///
/// `Debug` shows the phone number id and the API root, never a secret.
#[derive(Clone)]
pub struct WhatsAppChannel {
    http: reqwest::Client,
    access_token: AccessToken,
    app_secret: AppSecret,
    verify_token: VerifyToken,
    phone_number_id: String,
    wa_me_number: Option<String>,
    /// `{api_url}/{api_version}/{phone_number_id}`, without a trailing `/`.
    number_url: String,
    templates: BTreeMap<String, TemplateConfig>,
    capabilities: Capabilities,
    request_timeout: Duration,
}

impl fmt::Debug for WhatsAppChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WhatsAppChannel")
            .field("phone_number_id", &self.phone_number_id)
            .field("number_url", &self.number_url)
            .field("templates", &self.templates.keys().collect::<Vec<_>>())
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

impl WhatsAppChannel {
    /// A channel for the number `config` describes. Makes no network call.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad key; [`Error::Internal`] when the HTTP
    /// client cannot be built.
    pub fn new(config: &WhatsAppConfig) -> Result<Self> {
        config.validate()?;
        let api_url = config.api_url()?;
        let request_timeout = config.request_timeout();
        let http = reqwest::Client::builder()
            .timeout(request_timeout)
            .connect_timeout(request_timeout)
            .user_agent(concat!("regulars-whatsapp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::internal_from("building the WhatsApp HTTP client", e))?;
        let number_url =
            format!("{}/{}/{}", api_url.as_str().trim_end_matches('/'), config.api_version, config.phone_number_id);
        Ok(Self {
            http,
            access_token: config.access_token.clone(),
            app_secret: config.app_secret.clone(),
            verify_token: config.verify_token.clone(),
            phone_number_id: config.phone_number_id.clone(),
            wa_me_number: config.display_phone_number.as_deref().and_then(wa_me_number).map(str::to_owned),
            number_url,
            templates: config.templates.clone(),
            capabilities: mapping::capabilities(),
            request_timeout,
        })
    }

    /// The business number's id on the Graph API.
    #[must_use]
    pub fn phone_number_id(&self) -> &str {
        &self.phone_number_id
    }

    /// The deep link that opens a chat with the business with `start <payload>` typed in
    /// (`https://wa.me/<number>?text=start%20<payload>`; `payload`: 1-64 of
    /// `A-Za-z0-9_-:.`), which arrives as [`InboundEvent::Start`](regulars_core::channel::InboundEvent::Start)
    /// when sent. `None` without `display_phone_number` in the configuration.
    #[must_use]
    pub fn start_link(&self, payload: &str) -> Option<String> {
        let number = self.wa_me_number.as_deref()?;
        let text: String = url::form_urlencoded::byte_serialize(format!("start {payload}").as_bytes()).collect();
        // `byte_serialize` writes spaces as `+`, which wa.me shows literally.
        Some(format!("https://wa.me/{number}?text={}", text.replace('+', "%20")))
    }

    /// Uploads a PNG to the number's media (`POST …/media`, multipart); `Ok` holds the media
    /// id.
    async fn upload(&self, png: Vec<u8>) -> std::result::Result<String, DeliveryResult> {
        let file = reqwest::multipart::Part::bytes(png)
            .file_name("card.png")
            .mime_str("image/png")
            .map_err(|e| DeliveryResult::PermanentFailure { reason: format!("building the upload: {e}") })?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", "image/png")
            .part("file", file);
        let request = self.http.post(format!("{}/media", self.number_url)).multipart(form);
        let body = self.call(request).await?;
        let id: Option<String> =
            serde_json::from_slice::<Value>(&body).ok().and_then(|v| v.get("id")?.as_str().map(str::to_owned));
        id.ok_or_else(|| DeliveryResult::TemporaryFailure { reason: "the media upload answered without an id".into() })
    }

    /// Sends one message object (the type-specific `part`) to `to`.
    async fn post_message(&self, to: &Address, part: Value) -> DeliveryResult {
        let mut body = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to.0});
        if let (Some(body), Value::Object(part)) = (body.as_object_mut(), part) {
            body.extend(part);
        }
        let request = self.http.post(format!("{}/messages", self.number_url)).json(&body);
        match self.call(request).await {
            Ok(answer) => DeliveryResult::Delivered { message_id: mapping::sent_message_id(&answer) },
            Err(failure) => failure,
        }
    }

    /// Runs one Graph API call; `Ok` holds a successful answer's body, `Err` the failure.
    async fn call(&self, request: reqwest::RequestBuilder) -> std::result::Result<Vec<u8>, DeliveryResult> {
        let answer = request.bearer_auth(self.access_token.expose()).send().await.map_err(|e| network_failure(&e))?;
        let status = answer.status();
        let retry_after = retry_after(answer.headers());
        let body = answer.bytes().await.map_err(|e| network_failure(&e))?;
        if status.is_success() {
            Ok(body.to_vec())
        } else {
            Err(mapping::delivery_failure(status.as_u16(), retry_after, &body, self.access_token.expose()))
        }
    }
}

/// A `Retry-After` header in seconds, if the answer has one.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

/// A transport failure, named by its kind only (reqwest's text would hold the URL).
fn network_failure(error: &reqwest::Error) -> DeliveryResult {
    let reason = if error.is_timeout() {
        "the Graph API did not answer in time"
    } else if error.is_connect() {
        "could not connect to the Graph API"
    } else {
        "network error talking to the Graph API"
    };
    DeliveryResult::TemporaryFailure { reason: reason.to_owned() }
}

#[async_trait]
impl Channel for WhatsAppChannel {
    fn kind(&self) -> &'static str {
        "whatsapp"
    }

    /// The configured `[templates.<key>]` (`earned`, `refunded`) as a [`Message::Template`] in
    /// the template language for `language` (the person's), with these body parameters;
    /// `None` when no template is configured for `key`.
    fn template(&self, key: &str, language: Option<&str>, params: Vec<String>) -> Option<Message> {
        self.templates.get(key).map(|template| template.message(language, params))
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    /// Text → `type:text`, or `type:interactive` with reply buttons (up to 3) or a list (up to
    /// 10 rows); photo → an upload to `media`, then `type:image` (or reply buttons with the
    /// image as header); location → `type:location`; template → `type:template`. See the crate
    /// docs for how buttons degrade.
    async fn send(&self, to: &Address, message: &Message) -> DeliveryResult {
        if to.0.is_empty() || to.0.len() > 20 || !to.0.bytes().all(|b| b.is_ascii_digit()) {
            return DeliveryResult::PermanentFailure { reason: format!("`{to}` is not a WhatsApp id (wa_id)") };
        }
        let outgoing = match mapping::render(message) {
            Ok(outgoing) => outgoing,
            Err(reason) => return DeliveryResult::PermanentFailure { reason },
        };
        // A send that times out may still have reached WhatsApp; the outbox sender decides
        // whether to retry (and risk a duplicate).
        match outgoing {
            Outgoing::Message(part) => self.post_message(to, part).await,
            Outgoing::Photo { png, message } => match self.upload(png).await {
                Ok(media_id) => self.post_message(to, message.json(&media_id)).await,
                Err(failure) => failure,
            },
        }
    }

    /// A `GET` is Meta's subscription check: the outcome's `reply` is the challenge to answer
    /// with (status 200), and a wrong verify token is `Unauthenticated` (answer 403). A `POST`
    /// is a notification signed with `X-Hub-Signature-256`.
    fn parse_webhook(&self, request: &ChannelRequest) -> std::result::Result<WebhookOutcome, WebhookError> {
        webhook::parse(&self.app_secret, &self.verify_token, request)
    }
}
