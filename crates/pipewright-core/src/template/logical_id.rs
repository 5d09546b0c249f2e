//! Logical IDs: the names of resources, parameters, conditions, mappings and
//! outputs inside a template.
//!
//! CloudFormation accepts `^[A-Za-z0-9]{1,255}$`. pipewright never rewrites an
//! ID to make it fit (no hash suffixes, no stripped characters): an invalid ID
//! is an error that names it, so what a reviewer reads in code is exactly what
//! appears in the template.

use std::borrow::Borrow;
use std::fmt;

/// The longest logical ID CloudFormation accepts.
pub const MAX_LEN: usize = 255;

/// A name's ASCII words, each capitalized, joined: `junit-results` →
/// `JunitResults`, `eu-prod` → `EuProd`. The part of a logical ID made
/// from a name a user chose; empty when the name has no letter or digit.
pub fn pascal_case(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A validated logical ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogicalId(String);

/// Why a string is not a valid logical ID.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidLogicalId {
    /// The ID is empty.
    #[error("logical ID is empty: use 1 to 255 ASCII letters and digits")]
    Empty,
    /// The ID is longer than [`MAX_LEN`].
    #[error("logical ID `{id}` is {len} characters long: the limit is 255")]
    TooLong {
        /// The first characters of the rejected ID.
        id: String,
        /// Its length in characters.
        len: usize,
    },
    /// The ID contains a character other than an ASCII letter or digit.
    #[error("logical ID `{id}` contains `{ch}`: use only ASCII letters and digits")]
    BadChar {
        /// The rejected ID.
        id: String,
        /// The first offending character.
        ch: char,
    },
}

impl LogicalId {
    /// Validates `id` as a logical ID.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidLogicalId> {
        let id = id.into();
        if id.is_empty() {
            return Err(InvalidLogicalId::Empty);
        }
        if let Some(ch) = id.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(InvalidLogicalId::BadChar { id, ch });
        }
        if id.len() > MAX_LEN {
            let len = id.len();
            let mut short: String = id.chars().take(24).collect();
            short.push_str("...");
            return Err(InvalidLogicalId::TooLong { id: short, len });
        }
        Ok(Self(id))
    }

    /// The ID as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogicalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Borrow<str> for LogicalId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for LogicalId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for LogicalId {
    type Error = InvalidLogicalId;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_and_digits() {
        assert_eq!(LogicalId::new("Bucket1").unwrap().as_str(), "Bucket1");
        assert!(LogicalId::new("a".repeat(255)).is_ok());
    }

    #[test]
    fn rejects_with_exact_messages() {
        assert_eq!(
            LogicalId::new("").unwrap_err().to_string(),
            "logical ID is empty: use 1 to 255 ASCII letters and digits"
        );
        assert_eq!(
            LogicalId::new("My-Bucket").unwrap_err().to_string(),
            "logical ID `My-Bucket` contains `-`: use only ASCII letters and digits"
        );
        assert_eq!(
            LogicalId::new("Bücket").unwrap_err().to_string(),
            "logical ID `Bücket` contains `ü`: use only ASCII letters and digits"
        );
        assert_eq!(
            LogicalId::new("A".repeat(256)).unwrap_err().to_string(),
            "logical ID `AAAAAAAAAAAAAAAAAAAAAAAA...` is 256 characters long: the limit is 255"
        );
    }
}
