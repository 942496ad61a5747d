//! Did-you-mean: the closest known names to a misspelt one, and enrichment of serde's messages.

/// The known names closest to `unknown` (Jaro-Winkler ≥ 0.8, one edit or transposition per four
/// letters, or one containing the other), best first.
pub fn closest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let unknown_lower = unknown.to_lowercase();
    let mut scored: Vec<(f64, &str)> = known
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let score = strsim::jaro_winkler(&unknown_lower, &lower);
            let contains = !unknown_lower.is_empty() && !lower.is_empty()
                && (lower.contains(&unknown_lower) || unknown_lower.contains(&lower));
            let edits = strsim::osa_distance(&unknown_lower, &lower);
            let near = edits <= (unknown_lower.chars().count() / 4).max(1);
            (score >= 0.8 || contains || near).then_some((score.max(if near { 0.8 } else { 0.0 }), candidate))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().map(|(_, name)| name).take(3).collect()
}

/// `", did you mean `x`?"` for the closest name, or an empty string.
pub fn did_you_mean<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    match closest(unknown, known).first() {
        Some(best) => format!(", did you mean `{best}`?"),
        None => String::new(),
    }
}

/// Replaces the expected-names list of serde's `unknown field`/`unknown variant` messages with a
/// did-you-mean when one name is close; leaves other messages as they are.
pub fn enrich_serde_message(message: &str) -> String {
    for marker in ["unknown field `", "unknown variant `"] {
        let Some(start) = message.find(marker) else { continue };
        let rest = &message[start + marker.len()..];
        let Some(end) = rest.find('`') else { continue };
        let unknown = &rest[..end];
        let expected = &rest[end..];
        let known: Vec<&str> = expected.split('`').skip(2).step_by(2).collect();
        let hint = did_you_mean(unknown, known.iter().copied());
        if hint.is_empty() {
            return message.to_string();
        }
        // serde's text goes on with ", expected ..."; the suggestion replaces that list.
        let name_end = start + marker.len() + end + 1;
        return format!("{}{}", &message[..name_end], hint);
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_close_names() {
        assert_eq!(closest("lattent_dim", ["latent_dim", "channels"]), vec!["latent_dim"]);
        assert_eq!(closest("xyz", ["latent_dim", "channels"]), Vec::<&str>::new());
        assert_eq!(closest("vea", ["vae", "mlp-classifier"]), vec!["vae"], "a transposition");
        assert_eq!(did_you_mean("modles", ["models", "metrics"]), ", did you mean `models`?");
    }

    #[test]
    fn enriches_serde_unknown_field() {
        let message = "unknown field `lattent_dim`, expected `latent_dim` or `channels`";
        assert_eq!(
            enrich_serde_message(message),
            "unknown field `lattent_dim`, did you mean `latent_dim`?"
        );
        let far = "unknown field `zzz`, expected `latent_dim` or `channels`";
        assert_eq!(enrich_serde_message(far), far);
        assert_eq!(enrich_serde_message("missing field `name`"), "missing field `name`");
    }
}
