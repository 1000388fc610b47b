//! What the plugin points see of an HTTP request: headers looked up case-insensitively,
//! independent of any web framework, so POS sources and channels verify and parse requests
//! without knowing axum.

use std::fmt;

/// HTTP headers of a request, looked up case-insensitively (`Webhook-Id` = `webhook-id`).
///
/// A header sent several times keeps every value; [`Headers::get`] returns the first.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    /// `(lower-case name, value)` in arrival order.
    entries: Vec<(String, String)>,
}

impl Headers {
    /// No headers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header (keeping earlier values of the same name).
    pub fn append(&mut self, name: &str, value: impl Into<String>) {
        self.entries.push((name.to_ascii_lowercase(), value.into()));
    }

    /// Sets a header, replacing every earlier value of that name.
    pub fn insert(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.append(name, value);
    }

    /// Removes every value of a header.
    pub fn remove(&mut self, name: &str) {
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The first value of a header.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in arrival order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every `(lower-case name, value)`, in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Signatures are not secrets, but an `Authorization` header a proxy adds may be.
        f.debug_map()
            .entries(self.entries.iter().map(|(n, v)| {
                let shown = if n == "authorization" || n == "cookie" { "***" } else { v.as_str() };
                (n.as_str(), shown)
            }))
            .finish()
    }
}

impl<N: AsRef<str>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Self::new();
        for (n, v) in iter {
            headers.append(n.as_ref(), v);
        }
        headers
    }
}
