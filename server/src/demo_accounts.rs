//! The demo chain's staff accounts, published in the README like the demo POS secret, so a
//! newcomer can sign in at once: an owner, a manager of Dorćol, a barista with a PIN, and one
//! till terminal paired at Dorćol.
//!
//! Because their secrets are public, a server listening on anything but loopback refuses to
//! start with the demo chain present unless `demo.allow_public = true` ([`refuse_public`]).

use std::net::SocketAddr;

use regulars_core::auth::account::normalize_login;
use regulars_core::auth::password::hash_secret;
use regulars_core::auth::token::digest;
use regulars_core::auth::{NewTerminal, Secret};
use regulars_core::chain::Chain;
use regulars_core::ids::CafeId;
use regulars_core::staff::{NewStaff, Role};
use regulars_core::store::Store;
use regulars_core::{Error, Result};

/// The demo owner's login and password.
pub const DEMO_OWNER: (&str, &str) = ("demo-owner", "demo-owner-password");
/// The demo manager's (of Dorćol) login and password.
pub const DEMO_MANAGER: (&str, &str) = ("demo-manager", "demo-manager-password");
/// The demo barista's PIN, valid on the demo terminal.
pub const DEMO_BARISTA_PIN: &str = "1234";
/// The demo terminal's token (Dorćol's till), as the tablet would keep it.
pub const DEMO_TERMINAL_TOKEN: &str = "rgp_demo-till-token-published-in-the-readme-000";

/// Creates the demo staff of `chain` (whose first cafe is Dorćol).
///
/// # Errors
/// Whatever the store reports; [`Error::Conflict`] when a demo login already exists.
pub async fn seed(store: &dyn Store, chain: &Chain, cafes: &[CafeId]) -> Result<()> {
    let dorcol = *cafes.first().ok_or_else(|| Error::internal("the demo chain has no cafe"))?;
    let mut owner = None;
    for ((login, password), name, role) in
        [(DEMO_OWNER, "Ana Owner", Role::Owner), (DEMO_MANAGER, "Marko Manager", Role::Manager)]
    {
        let login = normalize_login(login)?;
        let password = Secret::new(password);
        let hash = tokio::task::spawn_blocking(move || hash_secret(&password))
            .await
            .map_err(|e| Error::internal_from("hashing a demo password", e))??;
        store.create_account(&login, hash).await?;
        let cafes = if role == Role::Owner { cafes.to_vec() } else { vec![dorcol] };
        let member = store
            .create_staff(chain.id, NewStaff { name: name.into(), role, cafes, identity: None, login: Some(login) })
            .await?;
        owner.get_or_insert(member.id);
    }
    let barista = store
        .create_staff(
            chain.id,
            NewStaff {
                name: "Milica Barista".into(),
                role: Role::Barista,
                cafes: vec![dorcol],
                identity: None,
                login: None,
            },
        )
        .await?;
    let pin = tokio::task::spawn_blocking(|| hash_secret(&Secret::new(DEMO_BARISTA_PIN)))
        .await
        .map_err(|e| Error::internal_from("hashing the demo PIN", e))??;
    store.set_staff_pin(chain.id, barista.id, Some(pin)).await?;
    let paired_by = owner.ok_or_else(|| Error::internal("no demo owner"))?;
    store
        .pair_terminal(
            chain.id,
            NewTerminal {
                cafe_id: dorcol,
                name: "Dorćol till".into(),
                paired_by,
                token: digest(&Secret::new(DEMO_TERMINAL_TOKEN)),
            },
        )
        .await?;
    Ok(())
}

/// Refuses to serve the demo chain's published accounts and POS secret on a non-loopback
/// address, unless the operator said so.
///
/// # Errors
/// A message saying what to do.
pub fn refuse_public(listen: SocketAddr, demo_present: bool, allow_public: bool) -> anyhow::Result<()> {
    if demo_present && !listen.ip().is_loopback() && !allow_public {
        anyhow::bail!(
            "server.listen is {listen}, reachable from other machines, and the demo chain is here: its accounts \
             (demo-owner / demo-owner-password), PIN and POS secret are published in the README. Listen on \
             127.0.0.1, remove the demo chain (a fresh database with demo.seed_when_empty = false), or set \
             demo.allow_public = true if you really mean it"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_refused_on_public_addresses_only() {
        let public: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert!(refuse_public(public, true, false).is_err());
        assert!(refuse_public(public, true, true).is_ok());
        assert!(refuse_public(public, false, false).is_ok());
        assert!(refuse_public(local, true, false).is_ok());
        assert!(regulars_core::auth::token::looks_like(
            regulars_core::auth::token::TokenKind::Terminal,
            DEMO_TERMINAL_TOKEN
        ));
    }
}
