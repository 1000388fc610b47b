//! `regulars chain add` and `regulars staff add|passwd|pair-terminal`: what an operator runs
//! to set up a real chain and its first owner without the demo. The owner does the rest
//! through the admin API.

use std::io::BufRead;

use anyhow::{Context, bail};
use regulars_core::auth::account::normalize_login;
use regulars_core::auth::token::{TokenKind, issue};
use regulars_core::auth::{NewTerminal, Secret};
use regulars_core::chain::NewChain;
use regulars_core::ids::CafeId;
use regulars_core::staff::{NewStaff, Role};
use regulars_core::store::Store;

use crate::api::session::{hash_new_password, hash_new_pin};

/// Reads a secret (a password or PIN) as the first line of `input`, so it never appears in
/// the shell's history or the process list.
///
/// # Errors
/// When `input` has no line.
pub fn read_secret(input: &mut impl BufRead, what: &str) -> anyhow::Result<Secret> {
    let mut line = String::new();
    input.read_line(&mut line).with_context(|| format!("reading the {what} from standard input"))?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        bail!("no {what} on standard input: type it and press Enter, or pipe it in");
    }
    Ok(Secret::new(secret))
}

/// Creates a chain; answers its id.
///
/// # Errors
/// When the store refuses (a slug that exists, a bad language).
pub async fn add_chain(store: &dyn Store, slug: &str, name: &str, language: &str) -> anyhow::Result<String> {
    let chain = store
        .create_chain(NewChain { slug: slug.into(), name: name.into(), default_language: language.into() })
        .await?;
    Ok(format!("chain `{}` created with id {}", chain.slug, chain.id))
}

/// What `regulars staff add` was given.
#[derive(Debug, Clone)]
pub struct StaffToAdd {
    /// The chain's slug.
    pub chain: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Cafe ids (owners: every cafe whatever this says).
    pub cafes: Vec<i64>,
    /// A login; with a new one, the password is read from standard input.
    pub login: Option<String>,
    /// Read a PIN from standard input (after the password, if any).
    pub pin: bool,
}

/// Adds a staff member (with a login: a new account and its password, or an existing
/// account of another chain); answers what was done.
///
/// # Errors
/// When the store or the password policy refuses.
pub async fn add_staff(store: &dyn Store, add: StaffToAdd, input: &mut impl BufRead) -> anyhow::Result<String> {
    let chain = store.chain_by_slug(&add.chain).await.with_context(|| format!("chain `{}`", add.chain))?;
    let login = add.login.as_deref().map(normalize_login).transpose()?;
    if let Some(login) = &login {
        match store.account_by_login(login).await {
            Ok(_) => {}
            Err(e) if e.kind() == regulars_core::ErrorKind::NotFound => {
                let password = read_secret(input, "password")?;
                store.create_account(login, hash_new_password("password", password).await?).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let cafes = add.cafes.iter().copied().map(CafeId).collect();
    let member = store
        .create_staff(
            chain.id,
            NewStaff { name: add.name, role: add.role, cafes, identity: None, login: login.clone() },
        )
        .await?;
    if add.pin {
        let pin = read_secret(input, "PIN")?;
        store.set_staff_pin(chain.id, member.id, Some(hash_new_pin("pin", pin).await?)).await?;
    }
    Ok(format!(
        "{} ({}) added to `{}` with id {}{}",
        member.name,
        member.role.as_str(),
        chain.slug,
        member.id,
        login.map(|l| format!("; signs in as `{l}`")).unwrap_or_default()
    ))
}

/// Sets a new password for `login`, read from standard input, and signs the account out
/// everywhere.
///
/// # Errors
/// When the account does not exist or the password policy refuses.
pub async fn set_password(store: &dyn Store, login: &str, input: &mut impl BufRead) -> anyhow::Result<String> {
    let login = normalize_login(login)?;
    let account = store.account_by_login(&login).await.with_context(|| format!("account `{login}`"))?;
    let password = read_secret(input, "new password")?;
    store.set_password(account.id, hash_new_password("password", password).await?).await?;
    let ended = store.end_sessions_of_account(account.id, chrono::Utc::now()).await?;
    Ok(format!("password of `{login}` changed; {ended} open session(s) ended"))
}

/// Pairs a terminal at `cafe` of `chain` on behalf of the chain's first owner and answers
/// its token, which the tablet keeps.
///
/// # Errors
/// When the chain, the cafe or an owner is missing.
pub async fn pair_terminal(store: &dyn Store, chain: &str, cafe: i64, name: &str) -> anyhow::Result<String> {
    let chain = store.chain_by_slug(chain).await.with_context(|| format!("chain `{chain}`"))?;
    let owner = store
        .list_staff(chain.id)
        .await?
        .into_iter()
        .find(|s| s.role == Role::Owner)
        .with_context(|| format!("chain `{}` has no owner yet: add one with `regulars staff add`", chain.slug))?;
    let token = issue(TokenKind::Terminal);
    let terminal = store
        .pair_terminal(
            chain.id,
            NewTerminal { cafe_id: CafeId(cafe), name: name.into(), paired_by: owner.id, token: token.hash },
        )
        .await?;
    Ok(format!(
        "terminal {} ({}) paired at cafe {}; its token, shown once, for the tablet:\n{}",
        terminal.id,
        terminal.name,
        terminal.cafe_id,
        token.plain.expose()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_read_as_one_line() {
        let mut input = std::io::Cursor::new("pass word 1\nsecond\n");
        assert_eq!(read_secret(&mut input, "password").unwrap().expose(), "pass word 1");
        assert_eq!(read_secret(&mut input, "PIN").unwrap().expose(), "second");
        assert!(read_secret(&mut input, "PIN").is_err());
    }
}
