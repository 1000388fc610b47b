//! Who is looking at a page, in which language, at which cafes: [`Viewer`] and the shared
//! frame of every page ([`Chrome`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use regulars_core::analytics::Scope;
use regulars_core::auth::policy::{Action, CafeFilter, Target};
use regulars_core::chain::{Cafe, Chain};
use regulars_core::ids::CafeId;
use regulars_core::staff::Staff;
use regulars_core::{Error, ErrorKind};
use regulars_i18n::{FluentArgs, LanguageIdentifier, Localizer, text_direction};

use super::PortalError;
use super::assets;
use crate::api::Caller;
use crate::api::caller::cookie;
use crate::app::AppState;

/// The cookie holding the language picked in the portal.
pub const LANG_COOKIE: &str = "regulars_lang";

/// The language of a request: the portal's language cookie, else the browser's
/// `Accept-Language`, else English.
#[must_use]
pub fn request_language(i18n: &Localizer, headers: &HeaderMap) -> LanguageIdentifier {
    let picked = cookie(headers, LANG_COOKIE);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(|v| {
        v.split(',').map(|tag| tag.split(';').next().unwrap_or("").trim()).find(|tag| !tag.is_empty() && *tag != "*")
    });
    i18n.negotiate(picked.as_deref(), accept, "en")
}

/// A signed-in person looking at the portal.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Who they are, as the API knows them.
    pub caller: Caller,
    /// Their staff record in the chain they act in.
    pub staff: Staff,
    /// That chain.
    pub chain: Chain,
    /// The chain's cafes they see, open ones first by name.
    pub cafes: Vec<Cafe>,
    /// Their language.
    pub lang: LanguageIdentifier,
    /// The other chains they may switch to (id, name), theirs included.
    pub chains: Vec<(i64, String)>,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = request_language(&state.i18n, &parts.headers);
        let caller = match Caller::from_request_parts(parts, state).await {
            Ok(caller) => caller,
            Err(e) if e.0.kind() == ErrorKind::Unauthenticated => {
                let next = parts.uri.path_and_query().map_or("/portal/", |p| p.as_str()).to_owned();
                return Err(PortalError::SignIn { next });
            }
            Err(e) => return Err(e.0.into()),
        };
        let chain_id = caller.principal.chain_id;
        let staff = state.store.staff(chain_id, caller.principal.staff_id).await?;
        let chain = state.store.chain(chain_id).await?;
        let filter = caller.principal.cafes();
        let mut cafes: Vec<Cafe> =
            state.store.list_cafes(chain_id).await?.into_iter().filter(|c| filter.admits(c.id)).collect();
        cafes.sort_by(|a, b| a.archived_at.is_some().cmp(&b.archived_at.is_some()).then_with(|| a.name.cmp(&b.name)));
        let chains = match (&staff.login, caller.account) {
            (Some(login), Some(_)) => {
                let mut chains = Vec::new();
                for member in state.store.staff_of_account(login).await? {
                    let name = state.store.chain(member.chain_id).await?.name;
                    chains.push((member.chain_id.get(), name));
                }
                chains
            }
            _ => vec![(chain.id.get(), chain.name.clone())],
        };
        Ok(Self { caller, staff, chain, cafes, lang, chains })
    }
}

impl Viewer {
    /// Whether they see the whole chain (an owner) rather than some cafes.
    #[must_use]
    pub fn sees_whole_chain(&self) -> bool {
        self.caller.principal.cafes() == CafeFilter::All
    }

    /// The scope a page's `cafe` parameter asks for: `all` (or nothing) is the chain for
    /// those who see it, else their first cafe; a cafe they do not see is not found.
    ///
    /// # Errors
    /// [`Error::NotFound`] for a cafe of another chain or outside theirs; [`Error::InvalidInput`]
    /// for a value that is neither `all` nor a number.
    pub fn scope(&self, cafe: Option<&str>) -> Result<Scope, Error> {
        match cafe.map(str::trim).filter(|c| !c.is_empty() && *c != "all") {
            Some(text) => {
                let id: i64 = text.parse().map_err(|_| Error::invalid("cafe", "a cafe's id or `all`"))?;
                self.cafes
                    .iter()
                    .find(|c| c.id.get() == id)
                    .map(|c| Scope::Cafe(c.id))
                    .ok_or_else(|| Error::not_found(CafeId::ENTITY, id))
            }
            None if self.sees_whole_chain() => Ok(Scope::Chain),
            None => self
                .cafes
                .first()
                .map(|c| Scope::Cafe(c.id))
                .ok_or_else(|| Error::Forbidden("you work at no cafe of this chain; ask an owner".into())),
        }
    }

    /// [`Viewer::scope`] for the figures (dashboard, analytics): managers and owners, at
    /// their cafes.
    ///
    /// # Errors
    /// As [`Viewer::scope`]; [`Error::Forbidden`] for a barista or a token without
    /// `analytics:read`.
    pub fn figures_scope(&self, cafe: Option<&str>) -> Result<Scope, Error> {
        let scope = self.scope(cafe)?;
        let target = match scope {
            Scope::Chain => Target::Chain(self.chain.id),
            Scope::Cafe(cafe) => Target::Cafe(self.chain.id, cafe),
        };
        self.caller.principal.require(Action::ViewAnalytics, target)?;
        Ok(scope)
    }

    /// The cafes a listing of `scope` reads: the one cafe, else the viewer's own when they
    /// do not see the whole chain, else every cafe (`None`).
    #[must_use]
    pub fn cafe_ids(&self, scope: Scope) -> Option<Vec<CafeId>> {
        match (scope, self.caller.principal.cafes()) {
            (Scope::Cafe(cafe), _) => Some(vec![cafe]),
            (Scope::Chain, CafeFilter::Only(mine)) => Some(mine),
            (Scope::Chain, CafeFilter::All) => None,
        }
    }

    /// The cafes a scope covers.
    #[must_use]
    pub fn cafes_of(&self, scope: Scope) -> Vec<&Cafe> {
        match scope {
            Scope::Chain => self.cafes.iter().collect(),
            Scope::Cafe(id) => self.cafes.iter().filter(|c| c.id == id).collect(),
        }
    }
}

/// One link of the navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Where it goes.
    pub href: &'static str,
    /// Its text.
    pub label: String,
    /// Whether it is the page shown.
    pub current: bool,
}

/// One choice of a picker (cafe, chain, language).
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// What people read.
    pub label: String,
    /// Whether it is the one in use.
    pub selected: bool,
}

/// The frame every page shares: language and direction, navigation, the chain switcher
/// and the cafe filter, and the texts.
pub struct Chrome<'a> {
    /// `lang` attribute.
    pub lang: String,
    /// `dir` attribute: `ltr` or `rtl`.
    pub dir: &'static str,
    /// The page's title.
    pub title: String,
    /// The stylesheet's URL.
    pub css: String,
    /// The script's URL.
    pub js: String,
    /// The icon's URL.
    pub icon: String,
    /// The navigation.
    pub nav: Vec<NavLink>,
    /// Who is signed in.
    pub staff_name: String,
    /// The chain's name.
    pub chain_name: String,
    /// Chains to switch to (shown when more than one).
    pub chains: Vec<Choice>,
    /// The cafe filter's choices.
    pub cafes: Vec<Choice>,
    /// The languages to switch to.
    pub languages: Vec<Choice>,
    /// The path of this page, for the language links to come back to.
    pub path: String,
    localizer: &'a Localizer,
    language: LanguageIdentifier,
}

/// The pages of the navigation: (path, message id).
const NAV: [(&str, &str); 6] = [
    ("/portal/", "portal-nav-dashboard"),
    ("/portal/guests", "portal-nav-guests"),
    ("/portal/orders", "portal-nav-orders"),
    ("/portal/loyalty", "portal-nav-loyalty"),
    ("/portal/analytics", "portal-nav-analytics"),
    ("/portal/events", "portal-nav-events"),
];

impl<'a> Chrome<'a> {
    /// The frame of page `path` (one of the navigation's) for `viewer`, in scope `scope`.
    #[must_use]
    pub fn new(state: &'a AppState, viewer: &Viewer, path: &str, title_id: &str, scope: Option<Scope>) -> Self {
        let localizer: &Localizer = &state.i18n;
        let t = |id: &str| localizer.format(&viewer.lang, id, None);
        let mut cafes = Vec::new();
        if let Some(scope) = scope {
            if viewer.sees_whole_chain() {
                cafes.push(Choice {
                    value: "all".into(),
                    label: t("portal-filter-all-cafes"),
                    selected: scope == Scope::Chain,
                });
            }
            cafes.extend(viewer.cafes.iter().map(|c| Choice {
                value: c.id.get().to_string(),
                label: c.name.clone(),
                selected: scope == Scope::Cafe(c.id),
            }));
        }
        Self {
            lang: viewer.lang.to_string(),
            dir: text_direction(&viewer.lang).as_html_dir(),
            title: t(title_id),
            css: assets::stylesheet_url(),
            js: assets::script_url(),
            icon: assets::icon_url(),
            nav: NAV.iter().map(|(href, id)| NavLink { href, label: t(id), current: *href == path }).collect(),
            staff_name: viewer.staff.name.clone(),
            chain_name: viewer.chain.name.clone(),
            chains: viewer
                .chains
                .iter()
                .map(|(id, name)| Choice {
                    value: id.to_string(),
                    label: name.clone(),
                    selected: *id == viewer.chain.id.get(),
                })
                .collect(),
            cafes,
            languages: languages(localizer, &viewer.lang),
            path: path.to_owned(),
            localizer,
            language: viewer.lang.clone(),
        }
    }

    /// The text of message `id` in the viewer's language.
    #[must_use]
    pub fn t(&self, id: &str) -> String {
        self.localizer.format(&self.language, id, None)
    }

    /// The text of message `id` with one argument.
    #[must_use]
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name, value.to_owned());
        self.localizer.format(&self.language, id, Some(&args))
    }
}

/// The loaded languages, each named in itself (`bot-language-name` of that locale).
#[must_use]
pub fn languages(localizer: &Localizer, current: &LanguageIdentifier) -> Vec<Choice> {
    localizer
        .languages()
        .into_iter()
        .map(|lang| Choice {
            value: lang.to_string(),
            label: localizer.format(&lang, "bot-language-name", None),
            selected: lang == *current,
        })
        .collect()
}
