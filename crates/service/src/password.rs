//! TEMPORARY stub, replaced by the real validators.
/// Stub.
pub fn validate_password(password: &str, _username: &str, _email: &str) -> Vec<String> {
    if password.chars().count() < 8 {
        vec!["This password is too short. It must contain at least 8 characters.".into()]
    } else {
        vec![]
    }
}
