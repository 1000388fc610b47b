//! Loopback fakes of the messenger platforms: real HTTP servers on `127.0.0.1:0` that speak
//! each platform's wire format, record every call for assertions and inject the platform's
//! failures, so a channel's real client is tested without the network.

pub mod telegram;
pub mod viber;
pub mod whatsapp;
