//! Sign-up, sign-in, tokens and accounts (SPEC §2).

use mstream_db::accounts::{self as repo, NewUser};
use mstream_db::{reviews as review_repo, tables, tx};
use mstream_kernel::user::UserId;
use mstream_kernel::write::parse_text;
use mstream_kernel::{Actor, FieldErrors, ListQuery, Mode, Record, Timestamp, User, WriteSet};
use serde_json::Value as Json;

use crate::audit;
use crate::catalog::Listed;
use crate::ctx::Ctx;
use crate::error::{query_error, ServiceError, ServiceResult};
use crate::policy::{require_admin, signed_in};
use crate::token_cache::TokenCache;
use crate::{hasher, password, reviews, token};
use std::sync::Arc;

/// The message for failed sign-ins, whatever the cause.
pub const BAD_CREDENTIALS: &str = "Unable to log in with provided credentials.";

/// A new account and its first token.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignedUp {
    /// The account's id.
    pub id: UserId,
    /// As typed.
    pub username: String,
    /// As typed.
    pub email: String,
    /// The first sign-in token (shown once).
    pub token: String,
}

/// What a CLI-made account needs.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Username.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Plain-text password (validated, then hashed).
    pub password: String,
    /// Whether it is an admin.
    pub is_admin: bool,
}

/// What a process knows of a presented token before looking it up.
#[derive(Debug, Clone)]
pub enum Known {
    /// Its user, current.
    User(mstream_kernel::User),
    /// It was valid when last looked up, and an account write happened
    /// since: look it up again.
    Stale,
    /// Never seen (or forgotten): look it up if the caller may cost one.
    Unknown,
}

/// Accounts and tokens.
#[derive(Clone)]
pub struct AccountService {
    ctx: Ctx,
    tokens: Arc<TokenCache>,
    /// A hash of a random password at the configured cost, checked when the
    /// username is unknown so that a failed sign-in takes as long either way.
    dummy_hash: Arc<str>,
}

/// NFKC, as Django's `normalize_username`: look-alike forms of a name
/// (full-width letters, ligatures, …) become the one name.
pub fn normalize_username(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfkc().collect()
}

/// The key usernames are unique and looked up by: normalised, then
/// compared case-insensitively.
pub fn username_key(name: &str) -> String {
    normalize_username(name).to_lowercase()
}

impl AccountService {
    /// Over `ctx`. Hashes the dummy password at the configured cost, once
    /// (blocking: call at start-up).
    pub fn new(ctx: Ctx) -> Self {
        let tokens = Arc::new(TokenCache::new(ctx.config().token_cache_ttl, 100_000));
        let random = format!("{:032x}", rand::random::<u128>());
        let dummy_hash = hasher::hash(&random, ctx.config().bcrypt_cost).unwrap_or_else(|e| {
            tracing::error!(cause = %e, "cannot make the dummy password hash");
            String::new()
        });
        Self {
            ctx,
            tokens,
            dummy_hash: dummy_hash.into(),
        }
    }

    /// The bcrypt cost of the hash checked for unknown usernames (equal to
    /// the configured cost, so that their sign-ins take as long as others).
    pub fn dummy_hash_cost(&self) -> Option<u32> {
        hasher::cost(&self.dummy_hash)
    }

    /// Who presents `token` (`Actor::Anonymous` when `None`).
    pub async fn authenticate(&self, token: Option<String>) -> ServiceResult<Actor> {
        let Some(token) = token else {
            return Ok(Actor::Anonymous);
        };
        let digest = token::digest(&token);
        // Read before the token is: what a lookup finds is never older
        // than the generation it is remembered under.
        let generation = if self.tokens.enabled() {
            let generation = self.ctx.generations().await?.accounts;
            if let Some(user) = self.tokens.lookup(&digest, generation) {
                return Ok(Actor::User(user));
            }
            generation
        } else {
            0
        };
        let user = self
            .ctx
            .run({
                let digest = digest.clone();
                move |conn| Ok(repo::user_by_token(conn, &digest)?)
            })
            .await?
            .ok_or(ServiceError::InvalidToken)?;
        self.tokens.remember(digest, user.clone(), generation);
        Ok(Actor::User(user))
    }

    /// What this process knows of `token` without a lookup: its user
    /// (cached, nothing revoked since), that it was valid a moment ago (a
    /// lookup is needed, as an account write happened since), or nothing.
    pub async fn cached_user(&self, token: &str) -> ServiceResult<Known> {
        let digest = token::digest(token);
        // An unknown token (a flood of random ones) costs no database work.
        if !self.tokens.enabled() || !self.tokens.holds(&digest) {
            return Ok(Known::Unknown);
        }
        let generation = self.ctx.generations().await?.accounts;
        Ok(match self.tokens.lookup(&digest, generation) {
            Some(user) => Known::User(user),
            None => Known::Stale,
        })
    }

    /// Runs an account write that revokes tokens or changes what a
    /// token's user may do. Such writes run in `tx::write_accounts`, which
    /// moves the accounts generation in their own transaction, so every
    /// process's token cache stops trusting what they changed as soon as
    /// they commit.
    async fn revoking<T, F>(&self, work: F) -> ServiceResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut mstream_db::AnyConn) -> ServiceResult<T> + Send + 'static,
    {
        self.ctx.run(work).await
    }

    /// Signs up (SPEC §2): validates every field, hashes the password off
    /// the async workers, stores the account and issues its first token.
    pub async fn signup(&self, body: &Json) -> ServiceResult<SignedUp> {
        let form = SignupForm::parse(body)?;
        let (username_key, email_key) = (username_key(&form.username), form.email.to_lowercase());
        let (taken_name, taken_email) = self
            .ctx
            .run({
                let (u, e) = (username_key.clone(), email_key.clone());
                move |conn| Ok(repo::taken(conn, &u, &e)?)
            })
            .await?;
        let mut errors = FieldErrors::new();
        if taken_name {
            errors.add("username", "A user with that username already exists.");
        }
        if taken_email {
            errors.add("email", "A user with that email already exists.");
        }
        errors.into_result()?;
        let account = NewAccount {
            username: form.username,
            email: form.email,
            password: form.password,
            is_admin: false,
        };
        let user = self.create_account(account).await?;
        let token = self.issue_token(user.id).await?;
        Ok(SignedUp {
            id: user.id,
            username: user.username,
            email: user.email,
            token,
        })
    }

    /// Stores an account whose fields are already valid (hashing off the
    /// async workers). Used by sign-up and by `createsuperuser`.
    pub async fn create_account(&self, account: NewAccount) -> ServiceResult<User> {
        let cost = self.ctx.config().bcrypt_cost;
        let password = account.password.clone();
        let hash = self
            .ctx
            .compute(move || hasher::hash(&password, cost))
            .await?;
        let now = Timestamp::now();
        let id = UserId::new();
        let username = normalize_username(&account.username);
        let row = NewUser {
            id: id.to_string(),
            username_key: username.to_lowercase(),
            username,
            email_key: account.email.to_lowercase(),
            email: account.email,
            password_hash: hash,
            is_admin: account.is_admin,
            created: now.naive_utc(),
            updated: now.naive_utc(),
        };
        self.ctx
            .run(move |conn| {
                tx::write(conn, |conn| {
                    repo::insert_user(conn, &row).map_err(|e| match repo::unique_field(&e) {
                        Some("username") => ServiceError::field(
                            "username",
                            "A user with that username already exists.",
                        ),
                        Some(_) => {
                            ServiceError::field("email", "A user with that email already exists.")
                        }
                        None => e.into(),
                    })?;
                    Ok(repo::user(conn, id)?)
                })
            })
            .await
    }

    /// Checks the password rules for a prospective account (for the CLI).
    pub fn check_new_password(
        password: &str,
        username: &str,
        email: &str,
    ) -> Result<(), Vec<String>> {
        let problems = password::validate_password(password, username, email);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Signs in: a new token for correct credentials; DRF's message otherwise.
    pub async fn login(&self, body: &Json) -> ServiceResult<String> {
        let mut errors = FieldErrors::new();
        let username = required_string(body, "username", &mut errors);
        let password = required_string(body, "password", &mut errors);
        errors.into_result()?;
        let (Some(username), Some(password)) = (username, password) else {
            return Err(ServiceError::field("non_field_errors", BAD_CREDENTIALS));
        };
        let key = username_key(&username);
        let found = self
            .ctx
            .run(move |conn| Ok(repo::credentials(conn, &key)?))
            .await?;
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, self.dummy_hash.to_string()),
        };
        let cost = self.ctx.config().bcrypt_cost;
        let (matches, upgraded) = self
            .ctx
            .compute(move || {
                let (matches, upgrade) = hasher::verify(&password, &hash);
                // A plain bcrypt hash from before pre-hashing: replaced now
                // that the password is known.
                let upgraded = if upgrade {
                    Some(hasher::hash(&password, cost)?)
                } else {
                    None
                };
                Ok((matches, upgraded))
            })
            .await?;
        match user {
            Some(user) if matches => {
                if let Some(hash) = upgraded {
                    let id = user.id;
                    self.ctx
                        .run(move |conn| {
                            tx::write(conn, |conn| {
                                Ok(repo::set_password(conn, id, &hash, Timestamp::now())?)
                            })
                        })
                        .await?;
                }
                self.issue_token(user.id).await
            }
            _ => Err(ServiceError::field("non_field_errors", BAD_CREDENTIALS)),
        }
    }

    async fn issue_token(&self, user: UserId) -> ServiceResult<String> {
        let token = token::generate().map_err(ServiceError::Internal)?;
        let digest = token::digest(&token);
        self.ctx
            .run(move |conn| {
                tx::write(conn, |conn| {
                    Ok(repo::insert_token(conn, &digest, user, Timestamp::now())?)
                })
            })
            .await?;
        Ok(token)
    }

    /// Revokes the presented token, or every token of the caller.
    pub async fn logout(&self, actor: &Actor, token: String, all: bool) -> ServiceResult<()> {
        let user = signed_in(actor)?.id;
        let digest = token::digest(&token);
        self.revoking(move |conn| {
            tx::write_accounts(conn, |conn| {
                if all {
                    repo::delete_tokens_of(conn, user)?;
                } else {
                    repo::delete_token(conn, &digest)?;
                }
                Ok(())
            })
        })
        .await
    }

    /// The caller's own account: `{id, username, email, is_admin,
    /// subscription, created}`.
    pub async fn me(&self, actor: &Actor) -> ServiceResult<Record> {
        let id = signed_in(actor)?.id.uuid();
        let mut record = self
            .ctx
            .run(move |conn| Ok(tables::USER.get(conn, id)?))
            .await?;
        record.take("updated");
        Ok(record)
    }

    /// Deletes the caller's account with its tokens, subscription and
    /// reviews, recomputing the ratings those reviews counted in, all in one
    /// transaction.
    pub async fn delete_account(&self, actor: &Actor) -> ServiceResult<()> {
        let user = signed_in(actor)?.id;
        self.revoking(move |conn| {
            tx::write_accounts(conn, |conn| {
                // The account first: no review of its owner is written from
                // here on, so the contents read next are all there are.
                if !review_repo::lock_account(conn, user.uuid())? {
                    return Err(ServiceError::InvalidToken);
                }
                let contents = review_repo::contents_reviewed_by(conn, user.uuid())?;
                review_repo::lock_contents(conn, &contents)?;
                review_repo::delete_reviews_by(conn, user.uuid())?;
                for content in contents {
                    reviews::recompute(conn, content)?;
                }
                Ok(repo::delete_user(conn, user)?)
            })
        })
        .await
    }

    /// Sets a new password (CLI `changepassword`) and revokes every token.
    pub async fn change_password(&self, username: &str, password: &str) -> ServiceResult<()> {
        let key = username_key(username);
        let user = self
            .ctx
            .run(move |conn| Ok(repo::user_by_username(conn, &key)?))
            .await?
            .ok_or(ServiceError::NotFound)?;
        if let Err(problems) = Self::check_new_password(password, &user.username, &user.email) {
            let mut errors = FieldErrors::new();
            for p in problems {
                errors.add("password", p);
            }
            return Err(errors.into());
        }
        let cost = self.ctx.config().bcrypt_cost;
        let password = password.to_owned();
        let hash = self
            .ctx
            .compute(move || hasher::hash(&password, cost))
            .await?;
        self.revoking(move |conn| {
            tx::write_accounts(conn, |conn| {
                repo::set_password(conn, user.id, &hash, Timestamp::now())?;
                Ok(repo::delete_tokens_of(conn, user.id)?)
            })
        })
        .await
    }

    /// Lists users for admins (`/api/users/`).
    pub async fn list_users(
        &self,
        actor: &Actor,
        pairs: Vec<(String, String)>,
    ) -> ServiceResult<Listed> {
        require_admin(actor)?;
        let query = ListQuery::parse(tables::USER.resource(), &pairs).map_err(query_error)?;
        let counts = self.ctx.counts();
        let listed = self
            .ctx
            .run(move |conn| Ok(counts.list(conn, &tables::USER, &query)?))
            .await?;
        Listed::from_db(listed)
    }

    /// One user, for admins.
    pub async fn get_user(&self, actor: &Actor, id: uuid::Uuid) -> ServiceResult<Record> {
        require_admin(actor)?;
        self.ctx
            .run(move |conn| Ok(tables::USER.get(conn, id)?))
            .await
    }

    /// Changes `is_admin` (the only writable field), for admins.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: uuid::Uuid,
        body: &Json,
        mode: Mode,
    ) -> ServiceResult<Record> {
        let admin = require_admin(actor)?.clone();
        let set = WriteSet::parse(tables::USER.resource(), body, mode)?;
        self.revoking(move |conn| {
            tx::write_accounts(conn, |conn| {
                let user = UserId::from_uuid(id);
                let before = tables::USER.get(conn, id)?;
                if let Some(is_admin) = set.bool("is_admin") {
                    repo::set_admin(conn, user, is_admin, Timestamp::now())?;
                }
                let after = tables::USER.get(conn, id)?;
                // Granting or revoking admin is an admin's write like any
                // other: the history shows who did it.
                let resource = tables::USER.resource().name;
                audit::note(conn, &admin, resource, id, Some(&before), Some(&after))?;
                Ok(after)
            })
        })
        .await
    }

    /// Whether an account with this username exists (CLI).
    pub async fn find_user(&self, username: &str) -> ServiceResult<Option<User>> {
        let key = username_key(username);
        self.ctx
            .run(move |conn| Ok(repo::user_by_username(conn, &key)?))
            .await
    }
}

fn required_string(body: &Json, field: &str, errors: &mut FieldErrors) -> Option<String> {
    match body.get(field) {
        None => {
            errors.add(field, "This field is required.");
            None
        }
        Some(Json::Null) => {
            errors.add(field, "This field may not be null.");
            None
        }
        Some(Json::String(s)) if s.is_empty() => {
            errors.add(field, "This field may not be blank.");
            None
        }
        Some(Json::String(s)) if s.contains('\0') => {
            errors.add(field, mstream_kernel::write::NULL_CHARACTERS);
            None
        }
        Some(Json::String(s)) => Some(s.clone()),
        Some(Json::Number(n)) => Some(n.to_string()),
        Some(_) => {
            errors.add(field, "Not a valid string.");
            None
        }
    }
}

struct SignupForm {
    username: String,
    email: String,
    password: String,
}

impl SignupForm {
    fn parse(body: &Json) -> ServiceResult<Self> {
        if !body.is_object() {
            return Err(FieldErrors::non_field(
                "Invalid data. Expected a dictionary, but got a non-object.",
            )
            .into());
        }
        let mut errors = FieldErrors::new();
        let username = match body.get("username") {
            None => {
                errors.add("username", "This field is required.");
                None
            }
            // Normalised before the length is checked, as Django's
            // UsernameField does: NFKC can lengthen a name (ﷺ is 18 letters).
            Some(raw) => match parse_text(raw, usize::MAX)
                .and_then(|name| parse_text(&Json::String(normalize_username(&name)), 150))
            {
                Ok(name) if valid_username(&name) => Some(name),
                Ok(_) => {
                    errors.add(
                        "username",
                        "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
                    );
                    None
                }
                Err(message) => {
                    errors.add("username", message);
                    None
                }
            },
        };
        let email = match body.get("email") {
            None => {
                errors.add("email", "This field is required.");
                None
            }
            Some(raw) => match parse_text(raw, 254) {
                Ok(email) if valid_email(&email) => Some(email),
                Ok(_) => {
                    errors.add("email", "Enter a valid email address.");
                    None
                }
                Err(message) => {
                    errors.add("email", message);
                    None
                }
            },
        };
        let password = required_string(body, "password", &mut errors);
        let confirm = required_string(body, "confirm_password", &mut errors);
        if let (Some(p), Some(c)) = (&password, &confirm) {
            if p != c {
                errors.add("confirm_password", "Passwords do not match.");
            } else {
                for problem in password::validate_password(
                    p,
                    username.as_deref().unwrap_or(""),
                    email.as_deref().unwrap_or(""),
                ) {
                    errors.add("password", problem);
                }
            }
        }
        errors.into_result()?;
        match (username, email, password) {
            (Some(username), Some(email), Some(password)) => Ok(Self {
                username,
                email,
                password,
            }),
            _ => Err(ServiceError::Internal(
                "signup form incomplete after validation".into(),
            )),
        }
    }
}

/// Django's username rule: letters, digits and `@.+-_`.
pub fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
}

/// Django's email rule, in short: one `@`, a non-empty local part without
/// spaces, and a domain of dot-separated labels with a TLD of two or more
/// letters (or `localhost`).
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || local.chars().any(|c| c.is_whitespace() || c == '@')
    {
        return false;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    if domain == "localhost" {
        return true;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_alphabetic() || c == '-'));
    labels.iter().all(label_ok) && tld_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_emails_follow_django() {
        assert!(valid_username("alice.b+c@d-e_f"));
        assert!(!valid_username("alice b"));
        assert!(!valid_username("alice/b"));
        assert!(valid_email("a.b@example.co"));
        assert!(valid_email("a@localhost"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("a b@example.com"));
        assert!(!valid_email("@example.com"));
        assert!(!valid_email("a@example.c"));
    }

    #[test]
    fn look_alike_usernames_share_a_key() {
        assert_eq!(username_key("ａｄｍｉｎ"), "admin");
        assert_eq!(username_key("ＡＤＭＩＮ"), username_key("admin"));
        assert_eq!(normalize_username("ﬁle"), "file");
    }

    #[test]
    fn a_username_is_as_long_as_its_normal_form() {
        // U+337F (one character) is four letters once normalised.
        let result = SignupForm::parse(&serde_json::json!({
            "username": "\u{337f}".repeat(40), "email": "a@example.com",
            "password": "Correct-horse-9", "confirm_password": "Correct-horse-9",
        }));
        let Err(ServiceError::Validation(errors)) = result else {
            panic!("160 letters once normalised are too long");
        };
        assert_eq!(
            serde_json::to_value(errors).unwrap()["username"][0],
            "Ensure this field has no more than 150 characters."
        );
        let fine = SignupForm::parse(&serde_json::json!({
            "username": "\u{337f}".repeat(30), "email": "a@example.com",
            "password": "Correct-horse-9", "confirm_password": "Correct-horse-9",
        }));
        assert_eq!(fine.ok().map(|f| f.username), Some("株式会社".repeat(30)));
    }
}
