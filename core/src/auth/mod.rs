//! Who is asking, and what they may do: accounts and passwords, PINs on paired terminals,
//! sessions, API tokens, and the one authorization [`policy`].
//!
//! Nothing here speaks HTTP: the server reads cookies and headers, asks the store for the
//! session or token by its digest ([`token::digest`]), builds a [`policy::Principal`] and asks
//! it before every action.

pub mod account;
pub mod password;
pub mod permission;
pub mod policy;
pub mod secret;
pub mod token;

pub use account::{Account, ApiToken, NewApiToken, NewSession, NewTerminal, Session, Terminal};
pub use permission::Permission;
pub use policy::{Action, CafeFilter, Principal, Target, Via};
pub use secret::{Secret, SecretHash};
