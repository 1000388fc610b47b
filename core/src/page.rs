//! Cursor pagination: stable under inserts, cheap at any depth (keyset, not OFFSET).

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// An opaque position in a listing. Clients pass back what they were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cursor(i64);

impl Cursor {
    /// A cursor after the item with storage key `key`.
    #[must_use]
    pub fn after(key: i64) -> Self {
        Self(key)
    }

    /// The storage key the next page starts after.
    #[must_use]
    pub fn key(self) -> i64 {
        self.0
    }
}

impl From<Cursor> for String {
    fn from(c: Cursor) -> Self {
        format!("c{:x}", c.0)
    }
}

impl TryFrom<String> for Cursor {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.strip_prefix('c')
            .and_then(|hex| i64::from_str_radix(hex, 16).ok())
            .map(Self)
            .ok_or_else(|| Error::invalid("cursor", "not a cursor this server issued"))
    }
}

/// Which page to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Start after this cursor; `None` for the first page.
    pub after: Option<Cursor>,
    /// Items per page, 1..=[`PageRequest::MAX_LIMIT`].
    pub limit: u32,
}

impl PageRequest {
    /// The largest page size.
    pub const MAX_LIMIT: u32 = 1000;

    /// The first page of `limit` items.
    #[must_use]
    pub fn first(limit: u32) -> Self {
        Self { after: None, limit }
    }

    /// The limit clamped to 1..=[`PageRequest::MAX_LIMIT`].
    #[must_use]
    pub fn clamped_limit(&self) -> i64 {
        i64::from(self.limit.clamp(1, Self::MAX_LIMIT))
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first(50)
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items, in listing order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in order: the extra row, if present,
    /// only proves a next page exists and is dropped.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> i64) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next = if has_more { rows.last().map(|r| Cursor::after(key(r))) } else { None };
        Self { items: rows, next }
    }

    /// One page of a short listing read whole, in ascending `key` order (a chain's cafes, its
    /// staff), with the same cursors as a listing the store pages itself.
    pub fn of_listing(items: impl IntoIterator<Item = T>, page: PageRequest, key: impl Fn(&T) -> i64) -> Self {
        let after = page.after.map(Cursor::key);
        let limit = page.clamped_limit();
        let rows = items
            .into_iter()
            .filter(|item| after.is_none_or(|after| key(item) > after))
            .take(usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1))
            .collect();
        Self::from_rows(rows, limit, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor::after(12345);
        assert_eq!(Cursor::try_from(String::from(c)).unwrap(), c);
        assert!(Cursor::try_from("12345".to_string()).is_err());
        assert!(Cursor::try_from("czz".to_string()).is_err());
    }

    #[test]
    fn a_listing_read_whole_pages_like_the_store() {
        let first = Page::of_listing([1, 2, 3, 5], PageRequest::first(2), |v| *v);
        assert_eq!((first.items.as_slice(), first.next), ([1, 2].as_slice(), Some(Cursor::after(2))));
        let rest = Page::of_listing([1, 2, 3, 5], PageRequest { after: first.next, limit: 2 }, |v| *v);
        assert_eq!((rest.items.as_slice(), rest.next), ([3, 5].as_slice(), None));
    }

    #[test]
    fn page_drops_the_probe_row() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |v| *v);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next, Some(Cursor::after(2)));
        let last = Page::from_rows(vec![1, 2], 2, |v| *v);
        assert_eq!(last.next, None);
    }
}
