//! Users and the caller of a use case.

use crate::{Id, Timestamp};

/// Marker for user ids.
#[derive(Debug)]
pub enum UserKind {}
/// The id of a user.
pub type UserId = Id<UserKind>;

/// An account, as every layer sees it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The account's id.
    pub id: UserId,
    /// Unique, case-insensitively.
    pub username: String,
    /// Unique, case-insensitively.
    pub email: String,
    /// Admins curate the catalog.
    pub is_admin: bool,
    /// When the account was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// Who is calling a use case; authorisation decisions take one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// No credentials were presented.
    Anonymous,
    /// A signed-in user (admin or not).
    User(User),
}

impl Actor {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::Anonymous => None,
            Actor::User(user) => Some(user),
        }
    }

    /// Whether the caller is a signed-in admin.
    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|u| u.is_admin)
    }
}

use crate::resource::{Derived, Field, Resource};

/// Users as the admin API lists them (`/api/users/`). Only `is_admin` is
/// writable there; accounts are made by signing up.
pub static USER: Resource = Resource {
    name: "users",
    noun: "user",
    fields: &[
        Field::id(),
        Field::text("username", 150).listed().read_only(),
        Field::text("email", 254).listed().read_only(),
        Field::bool("is_admin").writable().filter().order(),
        Field::derived("subscription", Derived::Object),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};
