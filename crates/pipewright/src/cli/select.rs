//! Choosing stacks by name or glob (`image-*`), with a suggestion for a
//! mistyped name.

use crate::suggest;

/// A stack argument that matched nothing.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// A name that is no stack.
    #[error("unknown stack `{name}`")]
    Unknown {
        /// The name given.
        name: String,
        /// The closest stack name.
        suggestion: Option<String>,
        /// Every stack name.
        available: Vec<String>,
    },
    /// A glob that matched no stack.
    #[error("no stack matches `{pattern}`")]
    NoMatch {
        /// The pattern given.
        pattern: String,
        /// Every stack name.
        available: Vec<String>,
    },
    /// A glob that does not parse.
    #[error("invalid pattern `{pattern}`: {reason}")]
    BadPattern {
        /// The pattern given.
        pattern: String,
        /// Why it does not parse.
        reason: String,
    },
}

impl SelectError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        let list = |names: &[String]| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            SelectError::Unknown {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            SelectError::Unknown { available, .. } | SelectError::NoMatch { available, .. } => {
                Some(format!("the stacks are {}", list(available)))
            }
            SelectError::BadPattern { .. } => None,
        }
    }
}

/// The names among `all` that `args` select, in the order of `all`; every
/// stack when `args` is empty.
pub fn select(all: &[&str], args: &[String]) -> Result<Vec<String>, SelectError> {
    if args.is_empty() {
        return Ok(all.iter().map(|s| (*s).to_owned()).collect());
    }
    let available = || all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut chosen = vec![false; all.len()];
    for arg in args {
        if arg.contains(['*', '?', '[']) {
            let pattern = glob::Pattern::new(arg).map_err(|e| SelectError::BadPattern {
                pattern: arg.clone(),
                reason: e.msg.to_owned(),
            })?;
            let mut any = false;
            for (i, name) in all.iter().enumerate() {
                if pattern.matches(name) {
                    chosen[i] = true;
                    any = true;
                }
            }
            if !any {
                return Err(SelectError::NoMatch {
                    pattern: arg.clone(),
                    available: available(),
                });
            }
        } else {
            match all.iter().position(|n| n == arg) {
                Some(i) => chosen[i] = true,
                None => {
                    return Err(SelectError::Unknown {
                        name: arg.clone(),
                        suggestion: suggest::closest(arg, all.iter().copied()).map(str::to_owned),
                        available: available(),
                    });
                }
            }
        }
    }
    Ok(all
        .iter()
        .zip(chosen)
        .filter(|(_, c)| *c)
        .map(|(n, _)| (*n).to_owned())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_globs_keep_app_order() {
        let all = [
            "artifact-store",
            "image-pipeline",
            "image-pipeline-connection",
        ];
        let args = vec!["image-*".to_owned(), "artifact-store".to_owned()];
        assert_eq!(select(&all, &args).unwrap(), all.to_vec());
        let err = select(&all, &["image-pipline".to_owned()]).unwrap_err();
        assert_eq!(err.to_string(), "unknown stack `image-pipline`");
        assert_eq!(err.hint().unwrap(), "did you mean `image-pipeline`?");
        let err = select(&all, &["web-*".to_owned()]).unwrap_err();
        assert_eq!(err.to_string(), "no stack matches `web-*`");
    }
}
