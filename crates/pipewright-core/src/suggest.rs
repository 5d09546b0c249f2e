//! "Did you mean" suggestions for names a user mistyped.

/// The candidate closest to `name`, when it is close enough to be a likely
/// typo (Jaro-Winkler similarity of at least 0.8).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_only_close_names() {
        let names = ["artifact-store", "image-pipeline"];
        assert_eq!(closest("artifact-stor", names), Some("artifact-store"));
        assert_eq!(closest("imagepipeline", names), Some("image-pipeline"));
        assert_eq!(closest("zzz", names), None);
    }
}
