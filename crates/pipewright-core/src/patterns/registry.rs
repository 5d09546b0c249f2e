//! Where a pattern pushes its image: an ECR repository it creates, or a
//! Docker Hub repository it logs in to with credentials kept in Secrets
//! Manager.

/// The registry an image is pushed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registry {
    /// An ECR repository named `repository`, created in the pattern's
    /// stack (scan on push, immutable tags but the moving one, retained).
    Ecr {
        /// The repository's name, e.g. `acme/app`.
        repository: String,
    },
    /// The Docker Hub repository `repository` (`owner/name`), logged in to
    /// with the username and access token of the Secrets Manager secret
    /// named `secret` (JSON keys `username` and `token`), which only the
    /// pushing project's role may read; its value never enters a template.
    DockerHub {
        /// The repository, `owner/name`.
        repository: String,
        /// The secret's name (not its value).
        secret: String,
    },
}

impl Registry {
    /// An ECR repository named `repository`, created by the pattern.
    pub fn ecr(repository: impl Into<String>) -> Self {
        Registry::Ecr {
            repository: repository.into(),
        }
    }

    /// The Docker Hub repository `repository`, with the credentials of the
    /// Secrets Manager secret named `secret`.
    pub fn docker_hub(repository: impl Into<String>, secret: impl Into<String>) -> Self {
        Registry::DockerHub {
            repository: repository.into(),
            secret: secret.into(),
        }
    }
}
