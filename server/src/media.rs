//! `GET /media/{name}`: images a messenger fetches by URL. Viber takes pictures only as a
//! public URL (it has no upload API), so the card's QR is published here for a few minutes
//! ([`PublicMedia`], a [`MediaHost`]) and Viber's servers download it from
//! `{server.public_url}/media/<random name>.png`.
//!
//! Names are 128 random bits, so a URL cannot be guessed; an image is served for
//! [`MEDIA_TTL`] and then forgotten. The images live in this process's memory: several server
//! processes behind one address need sticky routing for `/media/`, or a shared store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rand::Rng as _;
use regulars_core::channel::MediaHost;

use crate::app::AppState;

/// How long a published image is served: time enough for the platform to fetch it (at once)
/// and for the person to open it on a second device.
pub const MEDIA_TTL: Duration = Duration::from_secs(15 * 60);

/// Most images kept at once (a QR is about 1 KB): past it, publishing waits for expiries and
/// photos go as their caption meanwhile.
const MAX_IMAGES: usize = 100_000;

/// A published image and when it was published.
type Published = (Instant, Arc<[u8]>);

/// Images published for messengers to fetch.
#[derive(Debug)]
pub struct PublicMedia {
    /// `https://…/media/`.
    base: String,
    images: Mutex<HashMap<String, Published>>,
}

impl PublicMedia {
    /// Images served under `public_url` (the server's public HTTPS root, `server.public_url`).
    #[must_use]
    pub fn new(public_url: &str) -> Self {
        Self { base: format!("{}/media/", public_url.trim_end_matches('/')), images: Mutex::default() }
    }

    /// The image published as `name`, while it is served.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Arc<[u8]>> {
        let images = self.images.lock().unwrap_or_else(PoisonError::into_inner);
        images.get(name).filter(|(at, _)| at.elapsed() < MEDIA_TTL).map(|(_, png)| png.clone())
    }
}

impl MediaHost for PublicMedia {
    fn publish_png(&self, png: &[u8]) -> Option<String> {
        let name = format!("{:032x}.png", rand::rng().random::<u128>());
        let mut images = self.images.lock().unwrap_or_else(PoisonError::into_inner);
        images.retain(|_, (at, _)| at.elapsed() < MEDIA_TTL);
        if images.len() >= MAX_IMAGES {
            tracing::warn!(images = images.len(), "too many published images; sending a photo as text");
            return None;
        }
        images.insert(name.clone(), (Instant::now(), Arc::from(png)));
        Some(format!("{}{name}", self.base))
    }
}

/// The media route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/media/{name}", get(media))
}

async fn media(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match state.media.as_ref().and_then(|media| media.get(&name)) {
        Some(png) => {
            ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "private, max-age=900")], png.to_vec())
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such image (they are served for 15 minutes)").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_images_get_unguessable_urls_under_the_public_root() {
        let media = PublicMedia::new("https://loyalty.example.com/");
        let url = media.publish_png(b"\x89PNG one").unwrap();
        let other = media.publish_png(b"\x89PNG two").unwrap();
        assert!(url.starts_with("https://loyalty.example.com/media/") && url.ends_with(".png"), "{url}");
        assert_ne!(url, other);
        let name = url.rsplit('/').next().unwrap();
        assert_eq!(name.len(), 32 + 4, "128 random bits in hex");
        assert_eq!(media.get(name).as_deref(), Some(&b"\x89PNG one"[..]));
        assert!(media.get("0000.png").is_none());
    }
}
