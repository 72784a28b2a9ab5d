//! Django's four default password validators, with their messages: the
//! password may not be too similar to the username or email address, must
//! have at least 8 characters, may not be a common password (the `passwords`
//! crate's list of common passwords) and may not be entirely numeric. The
//! original service skipped these checks; SPEC §2 requires them.

/// The similarity (difflib's quick ratio) at which a password is refused.
const MAX_SIMILARITY: f64 = 0.7;
/// The fewest characters a password may have.
const MIN_LENGTH: usize = 8;

/// Checks `password` the way Django's four default validators do and returns
/// every message that applies, in Django's order (similarity, length,
/// common, numeric); an empty vector means the password is acceptable.
pub fn validate_password(password: &str, username: &str, email: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(attribute) = too_similar(
        password,
        &[(username, "username"), (email, "email address")],
    ) {
        problems.push(format!("The password is too similar to the {attribute}."));
    }
    if password.chars().count() < MIN_LENGTH {
        problems.push(format!(
            "This password is too short. It must contain at least {MIN_LENGTH} characters."
        ));
    }
    if passwords::analyzer::is_common_password(password.trim().to_lowercase()) {
        problems.push("This password is too common.".to_owned());
    }
    if !password.is_empty() && password.chars().all(char::is_numeric) {
        problems.push("This password is entirely numeric.".to_owned());
    }
    problems
}

/// The first attribute (as its verbose name) the password is too similar
/// to: the whole lower-cased value or any of its `\W+`-separated parts.
fn too_similar<'a>(password: &str, attributes: &[(&str, &'a str)]) -> Option<&'a str> {
    let password: Vec<char> = password.to_lowercase().chars().collect();
    attributes.iter().find_map(|(value, name)| {
        let value = value.to_lowercase();
        let parts = value
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .chain(std::iter::once(value.as_str()));
        for part in parts {
            let part: Vec<char> = part.chars().collect();
            if exceeds_maximum_length_ratio(password.len(), part.len()) {
                continue;
            }
            if quick_ratio(&password, &part) >= MAX_SIMILARITY {
                return Some(*name);
            }
        }
        None
    })
}

/// Django 4.2: a password much longer than the value cannot be "similar"
/// to it (this also skips empty parts).
fn exceeds_maximum_length_ratio(password_len: usize, value_len: usize) -> bool {
    let bound = MAX_SIMILARITY / 2.0 * password_len as f64;
    password_len >= 10 * value_len && (value_len as f64) < bound
}

/// Python's `difflib.SequenceMatcher(a, b).quick_ratio()`: twice the size
/// of the multiset intersection of the characters over the total length.
fn quick_ratio(a: &[char], b: &[char]) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    let mut available: std::collections::HashMap<char, usize> = std::collections::HashMap::new();
    for c in b {
        *available.entry(*c).or_default() += 1;
    }
    let mut matches = 0usize;
    for c in a {
        if let Some(n) = available.get_mut(c).filter(|n| **n > 0) {
            *n -= 1;
            matches += 1;
        }
    }
    2.0 * matches as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn quick_ratio_matches_python() {
        // difflib.SequenceMatcher(a="abcd", b="bcde").quick_ratio() == 0.75
        assert!((quick_ratio(&chars("abcd"), &chars("bcde")) - 0.75).abs() < 1e-12);
        assert_eq!(quick_ratio(&chars("aab"), &chars("abb")), 2.0 * 2.0 / 6.0);
    }

    #[test]
    fn each_validator_has_its_message() {
        assert_eq!(
            validate_password("zq8#", "bob", "bob@example.com"),
            ["This password is too short. It must contain at least 8 characters."]
        );
        assert_eq!(
            validate_password("12345678", "bob", "bob@example.com"),
            [
                "This password is too common.",
                "This password is entirely numeric."
            ]
        );
        assert_eq!(
            validate_password("Password", "bob", "bob@example.com"),
            ["This password is too common."]
        );
        assert_eq!(
            validate_password("alicealice1", "alicealice", "x@example.com"),
            ["The password is too similar to the username."]
        );
        assert_eq!(
            validate_password("wonderland9", "bob", "wonderland@example.com"),
            ["The password is too similar to the email address."]
        );
        assert!(validate_password("correct-Horse-battery-9", "bob", "bob@example.com").is_empty());
    }

    #[test]
    fn long_passwords_are_not_similar_to_short_values() {
        // "ab" is a part of the email; a 30-char password containing it is fine.
        assert!(exceeds_maximum_length_ratio(30, 2));
        assert!(validate_password("ab-very-long-unrelated-phrase-77", "zz", "ab@ab.io").is_empty());
    }
}
