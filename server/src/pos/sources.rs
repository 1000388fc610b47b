//! The POS sources the server serves: each a driver (`Arc<dyn PosSource>`), the chain it
//! reports for, and the map from the POS's cafe references to regulars cafes.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, bail};
use regulars_core::ids::{CafeId, ChainId};
use regulars_core::pos::PosSource;
use regulars_core::pos::signature::{SignedSourceConfig, WebhookSecret};
use regulars_core::store::Store;
use regulars_octopos::OctoposSource;
use regulars_pos_webhook::WebhookSource;

use crate::config::{Config, PosKind};
use crate::demo;

/// The demo chain's POS secret: published in the README so anyone can post a purchase to a
/// demo server. Only ever used for the demo chain.
pub const DEMO_POS_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// The demo chain's POS source name.
pub const DEMO_POS_SOURCE: &str = "demo";

/// One served source.
#[derive(Debug, Clone)]
pub struct PosRoute {
    /// The driver.
    pub source: Arc<dyn PosSource>,
    /// The chain it reports for.
    pub chain: ChainId,
    /// The POS's cafe reference → cafe.
    pub cafes: HashMap<String, CafeId>,
}

/// Every served source, by name.
#[derive(Debug, Clone, Default)]
pub struct PosRoutes(HashMap<String, PosRoute>);

impl PosRoutes {
    /// The source named `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&PosRoute> {
        self.0.get(name)
    }

    /// Adds a source (replacing one of the same name).
    pub fn insert(&mut self, route: PosRoute) {
        self.0.insert(route.source.name().to_owned(), route);
    }

    /// The configured sources, plus the demo source when `demo.pos_source` is on and the demo
    /// chain exists. Every chain and cafe named in the configuration must exist.
    ///
    /// # Errors
    /// A message naming the offending `pos.sources[i]` key.
    pub async fn from_config(config: &Config, store: &dyn Store) -> anyhow::Result<Self> {
        let mut routes = Self::default();
        for (i, settings) in config.pos.sources.iter().enumerate() {
            let chain = store
                .chain_by_slug(&settings.chain)
                .await
                .with_context(|| format!("pos.sources[{i}].chain: no chain `{}`", settings.chain))?;
            let mut cafes = HashMap::new();
            for (reference, id) in &settings.cafes {
                let cafe = store
                    .cafe(chain.id, CafeId(*id))
                    .await
                    .with_context(|| format!("pos.sources[{i}].cafes.{reference}: no cafe {id} in `{}`", chain.slug))?;
                cafes.insert(reference.clone(), cafe.id);
            }
            if cafes.is_empty() {
                bail!("pos.sources[{i}].cafes: map at least one of the POS's cafe references to a cafe id");
            }
            let source = driver(settings.kind, &settings.signed()).with_context(|| format!("pos.sources[{i}]"))?;
            routes.insert(PosRoute { source, chain: chain.id, cafes });
        }
        if config.demo.pos_source
            && routes.get(DEMO_POS_SOURCE).is_none()
            && let Some(route) = demo_route(store).await?
        {
            tracing::info!(
                source = DEMO_POS_SOURCE,
                "serving the demo chain's POS source (its secret is in the README)"
            );
            routes.insert(route);
        }
        Ok(routes)
    }
}

/// Builds the driver of `kind`.
///
/// # Errors
/// When a setting is invalid.
pub fn driver(kind: PosKind, settings: &SignedSourceConfig) -> regulars_core::Result<Arc<dyn PosSource>> {
    Ok(match kind {
        PosKind::Webhook => Arc::new(WebhookSource::new(settings)?),
        PosKind::Octopos => Arc::new(OctoposSource::new(settings)?),
    })
}

/// The demo chain's generic webhook source, if the demo chain exists: cafes `dorcol` and
/// `vracar`, secret [`DEMO_POS_SECRET`].
///
/// # Errors
/// Storage errors.
pub async fn demo_route(store: &dyn Store) -> anyhow::Result<Option<PosRoute>> {
    let chain = match store.chain_by_slug(demo::DEMO_SLUG).await {
        Ok(chain) => chain,
        Err(e) if e.kind() == regulars_core::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let cafes = demo::pos_cafe_refs(store, chain.id).await?;
    let secret = WebhookSecret::parse(DEMO_POS_SECRET)?;
    let source = driver(PosKind::Webhook, &SignedSourceConfig::new(DEMO_POS_SOURCE, vec![secret]))?;
    Ok(Some(PosRoute { source, chain: chain.id, cafes }))
}
