//! Templates over the 51,200 bytes CloudFormation takes inline
//! (`TemplateBody`) go through S3: uploaded to a staging bucket in the
//! stack's account and region, under a key made of the template's own
//! SHA-256 (the same template is the same object, and a change set never
//! reads a template other than the one it was made from), and passed as
//! `TemplateURL`. CloudFormation takes up to 1 MB that way; synth refuses
//! more.
//!
//! The bucket is the account's bootstrap stack's
//! (`pipewright_core::bootstrap::template_bucket_name`: encrypted,
//! versioned, public access blocked, objects expiring), or one the caller
//! names (`--template-bucket`). 7 of the 399 real templates of the corpus
//! the import tests read are over the inline limit (issue #22).

use super::api::Target;
use super::error::CloudError;
use super::values::ErrorCode;
use crate::bootstrap::template_bucket_name;
use sha2::{Digest, Sha256};

/// The largest template body CloudFormation accepts inline.
pub const MAX_INLINE_BODY: usize = 51_200;

/// Which bucket stages a large template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// The bootstrap stack's bucket of the stack's account and region.
    Bootstrap {
        /// The account.
        account: String,
    },
    /// A bucket the caller names (`--template-bucket`).
    Named(String),
}

impl Bucket {
    /// The bucket's name in `region`.
    pub fn name(&self, region: &str) -> String {
        match self {
            Bucket::Bootstrap { account } => template_bucket_name(account, region),
            Bucket::Named(name) => name.clone(),
        }
    }
}

/// The key a template is staged under: `STACK/SHA256.yaml` (or `.json`).
pub fn key(stack: &str, body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let ext = if body.trim_start().starts_with('{') {
        "json"
    } else {
        "yaml"
    };
    format!("{stack}/{hex}.{ext}")
}

/// The `TemplateURL` of `key` in `bucket` of `region` (virtual-hosted
/// style, which CloudFormation reads).
pub fn url(bucket: &str, region: &str, key: &str) -> String {
    format!("https://{bucket}.s3.{region}.amazonaws.com/{key}")
}

/// Uploads `body` of `stack` to `bucket` and returns its `TemplateURL`.
pub(crate) async fn stage(
    target: &Target,
    stack: &str,
    body: &str,
    bucket: &Bucket,
) -> Result<String, CloudError> {
    let name = bucket.name(&target.region);
    let key = key(stack, body);
    match target.put_template(stack, &name, &key, body).await {
        Ok(()) => Ok(url(&name, &target.region, &key)),
        Err(CloudError::Api {
            code: ErrorCode::NoSuchBucket,
            ..
        }) => Err(CloudError::NoTemplateBucket {
            stack: stack.to_owned(),
            bytes: body.len(),
            bucket: name,
            region: target.region.clone(),
            bootstrap: match bucket {
                Bucket::Bootstrap { account } => Some(account.clone()),
                Bucket::Named(_) => None,
            },
        }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_staged_under_its_own_hash() {
        let k = key("app", "Resources: {}\n");
        assert!(k.starts_with("app/") && k.ends_with(".yaml"), "{k}");
        assert_eq!(k.len(), "app/".len() + 64 + ".yaml".len());
        assert_eq!(k, key("app", "Resources: {}\n"));
        assert_ne!(k, key("app", "Resources: {}\n\n"));
        assert!(key("app", "{\"Resources\": {}}").ends_with(".json"));
        assert_eq!(
            url("b", "eu-west-1", "app/x.yaml"),
            "https://b.s3.eu-west-1.amazonaws.com/app/x.yaml"
        );
        assert_eq!(
            Bucket::Bootstrap {
                account: "111111111111".into()
            }
            .name("eu-west-1"),
            "pipewright-templates-111111111111-eu-west-1"
        );
    }
}
