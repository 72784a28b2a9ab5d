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

/// A user as `/user/me/` and `/api/users/` show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    /// The account's id.
    pub id: UserId,
    /// Unique, case-insensitively (NFKC-normalised).
    pub username: String,
    /// Unique, case-insensitively.
    pub email: String,
    /// Admins curate the catalog.
    pub is_admin: bool,
    /// The user's plan, if they subscribe.
    pub subscription: Option<AccountSubscription>,
    /// When the account was made.
    pub created: Timestamp,
    /// When it last changed (`/api/users/` only; `/user/me/` leaves it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<Timestamp>,
}

/// The plan an [`Account`] subscribes to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccountSubscription {
    /// The plan's id.
    pub plan: crate::PlanId,
    /// The plan's name.
    pub plan_name: Option<String>,
}

/// The one change admins may make to an account (`PATCH /api/users/<id>/`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccountPatch {
    /// Makes or unmakes an admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
}

/// The body of a `PUT /api/users/<id>/`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccountUpdate {
    /// Whether the account is an admin.
    pub is_admin: bool,
}

crate::query_fields! {
    /// What `/api/users/` filters and orders by.
    pub enum AccountField for USER {
        Id = "id", Username = "username", Email = "email", IsAdmin = "is_admin",
        Created = "created", Updated = "updated",
    }
}

/// A typed list query over accounts (`/api/users/`, admins only).
pub type AccountQuery = crate::Query<AccountField>;

crate::impl_model!(
    Account,
    USER,
    UserKind,
    AccountUpdate,
    AccountPatch,
    AccountField
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_account_matches_the_declaration() {
        crate::model::check_model::<Account>().unwrap();
    }
}
