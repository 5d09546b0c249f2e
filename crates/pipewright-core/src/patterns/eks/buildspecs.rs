//! The buildspecs the EKS system runs by default: the image build, the
//! manifests build (Kustomize or Helm) and the deploy. Each is also the
//! starting copy synth writes under `buildspecs/` for a repository that
//! keeps its own.

use crate::buildspec::{BuildSpec, steps};

/// kubectl version the deploy installs.
pub const KUBECTL_VERSION: &str = "1.30.4";
/// Kustomize version the Kustomize manifests build installs.
pub const KUSTOMIZE_VERSION: &str = "5.4.3";
/// Helm version the Helm manifests build installs.
pub const HELM_VERSION: &str = "3.15.4";

/// The source identifier (and pipeline artifact name) of the application
/// repository in the manifests build: `$CODEBUILD_SRC_DIR_Application`.
pub const APPLICATION: &str = "Application";

/// The image build: log in to ECR, build the image tagged with the short
/// commit (with `BASE_REPOSITORY` as a build argument when `base_mirror`),
/// and push it unless the repository already has that tag, which the log
/// then says: a re-run of the same commit (a manifests-only change) passes
/// instead of being refused by the immutable repository.
pub fn image(base_mirror: bool) -> BuildSpec {
    let build_arg = if base_mirror {
        r#" --build-arg "BASE_REPOSITORY=$BASE_REPOSITORY_URI""#
    } else {
        ""
    };
    BuildSpec::new()
        .exported(["IMAGE_URI", "IMAGE_TAG"])
        .pre_build([
            steps::ecr_login_for("REPOSITORY_URI"),
            steps::short_commit("IMAGE_TAG"),
            r#"IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG""#.to_owned(),
        ])
        .build([
            format!(r#"docker build{build_arg} --tag "$IMAGE_URI" ."#),
            steps::unless_image_exists(
                "REPOSITORY_URI",
                "IMAGE_TAG",
                r#"docker push "$IMAGE_URI""#,
            ),
        ])
}

/// The image tag the manifests build uses: the application's short commit.
fn image_tag() -> String {
    format!(r#"IMAGE_TAG="$(git -C "$CODEBUILD_SRC_DIR_{APPLICATION}" rev-parse --short=7 HEAD)""#)
}

/// The Kustomize manifests build: for each of `stages`, `overlays/<stage>`
/// with the application's image at its commit, into `build/<stage>.yaml`.
pub fn kustomize(stages: &[&str]) -> BuildSpec {
    BuildSpec::new()
        .variable("KUSTOMIZE_VERSION", KUSTOMIZE_VERSION)
        .install([
            r#"curl -fsSL "https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv${KUSTOMIZE_VERSION}/kustomize_v${KUSTOMIZE_VERSION}_linux_amd64.tar.gz" | tar -xz -C /usr/local/bin kustomize"#,
        ])
        .build([
            image_tag(),
            r#"IMAGE="$REPOSITORY_URI:$IMAGE_TAG""#.to_owned(),
            "mkdir -p build".to_owned(),
            format!(
                "for stage in {}; do\n  (cd \"overlays/$stage\" && kustomize edit set image \"app=$IMAGE\") &&\n  kustomize build \"overlays/$stage\" > \"build/$stage.yaml\" || exit 1\ndone",
                stages.join(" ")
            ),
        ])
        .artifact_files(["build/**/*"])
}

/// The Helm manifests build: for each of `stages`, `helm template` of the
/// chart at `chart` as release `release` with `values/<stage>.yaml` and
/// the application's image at its commit, into `build/<stage>.yaml`.
pub fn helm(chart: &str, release: &str, stages: &[&str]) -> BuildSpec {
    BuildSpec::new()
        .variable("HELM_VERSION", HELM_VERSION)
        .install([
            r#"curl -fsSL "https://get.helm.sh/helm-v${HELM_VERSION}-linux-amd64.tar.gz" | tar -xz -C /usr/local/bin --strip-components 1 linux-amd64/helm"#,
        ])
        .build([
            image_tag(),
            "mkdir -p build".to_owned(),
            format!(
                "for stage in {}; do\n  helm template \"{release}\" \"{chart}\" --values \"values/$stage.yaml\" --set \"image.repository=$REPOSITORY_URI\" --set \"image.tag=$IMAGE_TAG\" > \"build/$stage.yaml\" || exit 1\ndone",
                stages.join(" ")
            ),
        ])
        .artifact_files(["build/**/*"])
}

/// The deploy: switch to the deployment's role first (`update-kubeconfig
/// --role-arn` alone still calls DescribeCluster with the build's own
/// credentials), write the kubeconfig of the deployment's cluster and
/// region, apply its manifest.
pub fn deploy() -> BuildSpec {
    BuildSpec::new()
        .variable("KUBECTL_VERSION", KUBECTL_VERSION)
        .install([
            r#"curl -fsSLo /usr/local/bin/kubectl "https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/amd64/kubectl""#,
            "chmod +x /usr/local/bin/kubectl",
        ])
        .assume_role("DEPLOY_ROLE_ARN")
        .build([
            r#"aws eks update-kubeconfig --name "$EKS_CLUSTER_NAME" --region "$EKS_CLUSTER_REGION""#,
            r#"kubectl apply -f "$MANIFEST_PATH""#,
        ])
}
