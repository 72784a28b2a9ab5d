//! Accounts and their sign-in tokens (stored only as SHA-256 digests).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use mstream_kernel::user::UserId;
use mstream_kernel::{Timestamp, User};

use crate::conn::AnyConn;
use crate::error::{DbError, DbResult};
use crate::rows::parse_id;
use crate::schema::{auth_tokens, users};

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    username: String,
    email: String,
    is_admin: bool,
    created: NaiveDateTime,
    updated: NaiveDateTime,
}

impl UserRow {
    fn into_user(self) -> DbResult<User> {
        Ok(User {
            id: UserId::from_uuid(parse_id(&self.id)?),
            username: self.username,
            email: self.email,
            is_admin: self.is_admin,
            created: Timestamp::from_naive_utc(self.created),
            updated: Timestamp::from_naive_utc(self.updated),
        })
    }
}

/// A new account.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    /// Its id (hyphenated UUID).
    pub id: String,
    /// As typed.
    pub username: String,
    /// Lower-cased, for case-insensitive uniqueness and sign-in.
    pub username_key: String,
    /// As typed.
    pub email: String,
    /// Lower-cased, for case-insensitive uniqueness.
    pub email_key: String,
    /// bcrypt hash.
    pub password_hash: String,
    /// Admin flag.
    pub is_admin: bool,
    /// Creation time.
    pub created: NaiveDateTime,
    /// Same as `created`.
    pub updated: NaiveDateTime,
}

/// The column a unique violation on `users` means, as a wire field name.
pub fn unique_field(error: &DbError) -> Option<&'static str> {
    match error {
        DbError::Unique { columns, .. } if columns.iter().any(|c| c == "username_key") => {
            Some("username")
        }
        DbError::Unique { columns, .. } if columns.iter().any(|c| c == "email_key") => {
            Some("email")
        }
        _ => None,
    }
}

/// Stores a new account.
pub fn insert_user(conn: &mut AnyConn, user: &NewUser) -> DbResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

/// Whether a username or email (lower-cased keys) is taken: (username, email).
pub fn taken(conn: &mut AnyConn, username_key: &str, email_key: &str) -> DbResult<(bool, bool)> {
    let username = users::table
        .filter(users::username_key.eq(username_key))
        .select(users::id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    let email = users::table
        .filter(users::email_key.eq(email_key))
        .select(users::id)
        .first::<String>(conn)
        .optional()?
        .is_some();
    Ok((username, email))
}

/// The account signing in as `username_key`, with its password hash.
pub fn credentials(conn: &mut AnyConn, username_key: &str) -> DbResult<Option<(User, String)>> {
    let row = users::table
        .filter(users::username_key.eq(username_key))
        .select((UserRow::as_select(), users::password_hash))
        .first::<(UserRow, String)>(conn)
        .optional()?;
    row.map(|(user, hash)| Ok((user.into_user()?, hash)))
        .transpose()
}

/// One account by id.
pub fn user(conn: &mut AnyConn, id: UserId) -> DbResult<User> {
    users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first::<UserRow>(conn)?
        .into_user()
}

/// The account a token digest belongs to (one indexed lookup).
pub fn user_by_token(conn: &mut AnyConn, digest: &str) -> DbResult<Option<User>> {
    auth_tokens::table
        .inner_join(users::table)
        .filter(auth_tokens::digest.eq(digest))
        .select(UserRow::as_select())
        // No `.first()`: its bound `LIMIT ?` makes SQLite re-prepare the
        // cached statement on every call, and this runs on every
        // authenticated request. The digest is unique.
        .load::<UserRow>(conn)?
        .into_iter()
        .next()
        .map(UserRow::into_user)
        .transpose()
}

/// Records a new token digest for `user`.
pub fn insert_token(
    conn: &mut AnyConn,
    digest: &str,
    user: UserId,
    now: Timestamp,
) -> DbResult<()> {
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::digest.eq(digest),
            auth_tokens::user_id.eq(user.to_string()),
            auth_tokens::created.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Revokes one token.
pub fn delete_token(conn: &mut AnyConn, digest: &str) -> DbResult<()> {
    diesel::delete(auth_tokens::table.filter(auth_tokens::digest.eq(digest))).execute(conn)?;
    Ok(())
}

/// Revokes every token of `user`.
pub fn delete_tokens_of(conn: &mut AnyConn, user: UserId) -> DbResult<()> {
    diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(user.to_string())))
        .execute(conn)?;
    Ok(())
}

/// Replaces the password hash (callers also revoke the tokens).
pub fn set_password(conn: &mut AnyConn, user: UserId, hash: &str, now: Timestamp) -> DbResult<()> {
    let changed = diesel::update(users::table.find(user.to_string()))
        .set((
            users::password_hash.eq(hash),
            users::updated.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Makes or unmakes an admin.
pub fn set_admin(conn: &mut AnyConn, user: UserId, is_admin: bool, now: Timestamp) -> DbResult<()> {
    let changed = diesel::update(users::table.find(user.to_string()))
        .set((
            users::is_admin.eq(is_admin),
            users::updated.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Deletes an account (its tokens, reviews and subscription cascade).
pub fn delete_user(conn: &mut AnyConn, user: UserId) -> DbResult<()> {
    let changed = diesel::delete(users::table.find(user.to_string())).execute(conn)?;
    if changed == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// The account named `username_key`, if any.
pub fn user_by_username(conn: &mut AnyConn, username_key: &str) -> DbResult<Option<User>> {
    users::table
        .filter(users::username_key.eq(username_key))
        .select(UserRow::as_select())
        .first::<UserRow>(conn)
        .optional()?
        .map(UserRow::into_user)
        .transpose()
}
