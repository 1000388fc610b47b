//! The portal's stylesheet and script, compiled into the binary: nothing is fetched from a
//! CDN or built by npm, at build time or run time.
//!
//! Each asset is served under a name holding a hash of its content
//! (`/portal/assets/portal.3f9a….css`), so browsers may keep it for a year and a new build
//! is never served a stale copy.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One embedded file.
struct Asset {
    stem: &'static str,
    extension: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 3] = [
    Asset {
        stem: "portal",
        extension: "css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../assets/portal.css"),
    },
    Asset {
        stem: "portal",
        extension: "js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/portal.js"),
    },
    Asset {
        stem: "icon",
        extension: "svg",
        content_type: "image/svg+xml",
        body: include_str!("../../assets/icon.svg"),
    },
];

/// FNV-1a of the content: a cache key, not a security measure.
fn content_hash(body: &str) -> String {
    let hash = body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{:012x}", hash & 0xffff_ffff_ffff)
}

static NAMES: LazyLock<Vec<String>> =
    LazyLock::new(|| ASSETS.iter().map(|a| format!("{}.{}.{}", a.stem, content_hash(a.body), a.extension)).collect());

/// The URL of the stylesheet.
#[must_use]
pub fn stylesheet_url() -> String {
    format!("/portal/assets/{}", NAMES[0])
}

/// The URL of the script.
#[must_use]
pub fn script_url() -> String {
    format!("/portal/assets/{}", NAMES[1])
}

/// The URL of the icon.
#[must_use]
pub fn icon_url() -> String {
    format!("/portal/assets/{}", NAMES[2])
}

/// `GET /portal/assets/{name}`: an embedded asset by its hashed name.
pub async fn serve(Path(name): Path<String>) -> Response {
    match NAMES.iter().position(|n| *n == name) {
        Some(i) => (
            [
                (header::CONTENT_TYPE, ASSETS[i].content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            ASSETS[i].body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "no such asset")
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_change_with_content() {
        assert_ne!(content_hash("a"), content_hash("b"));
        assert!(stylesheet_url().ends_with(".css") && script_url().ends_with(".js"));
        assert_ne!(stylesheet_url(), script_url());
    }
}
