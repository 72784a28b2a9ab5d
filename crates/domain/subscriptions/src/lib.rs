//! Subscription plans and the one subscription each user may hold.
//!
//! [`PLAN`] and [`SUBSCRIPTION`] are the declarations the server validates
//! and lists with; [`Plan`] and [`Subscription`] (with their bodies and
//! field enums) are the typed model.
//!
//! # Use it from your service
//!
//! ```
//! use mstream_kernel::{Name, PlanId, UserId, WriteShape};
//! use mstream_subscriptions::{NewPlan, NewSubscription, SubscriptionField, SubscriptionQuery};
//!
//! NewPlan { name: Name::parse("Premium")? }.validate().expect("valid");
//! let plan = PlanId::new();
//! NewSubscription { user: UserId::new(), plan }.validate().expect("valid");
//! let subscribers = SubscriptionQuery::new().filter(SubscriptionField::Plan, plan);
//! assert_eq!(subscribers.to_query_string(), format!("plan={plan}"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

use mstream_kernel::id::{PlanKind, SubscriptionKind};
use mstream_kernel::resource::{Derived, Field, Resource};
use mstream_kernel::{Name, Timestamp, UserId};
use serde::{Deserialize, Serialize};

pub use mstream_kernel::{PlanId, SubscriptionId};

/// A subscription plan (`/api/submodels/`).
pub static PLAN: Resource = Resource {
    name: "submodels",
    noun: "subscription plan",
    fields: &[
        Field::id(),
        Field::text("name", 70).listed().unique(),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// A user's subscription to a plan (`/api/submap/`); one per user.
pub static SUBSCRIPTION: Resource = Resource {
    name: "submap",
    noun: "user subscription",
    fields: &[
        Field::id(),
        Field::reference("user", "users")
            .filter()
            .search()
            .order()
            .unique(),
        Field::derived("user_user", Derived::Text),
        Field::reference("plan", "submodels")
            .filter()
            .search()
            .order(),
        Field::derived("plan_name", Derived::Text),
        Field::timestamp("created"),
        Field::timestamp("updated"),
    ],
};

/// A subscription plan as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Its id.
    pub id: PlanId,
    /// Unique.
    pub name: Name,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// The body that creates a plan (and replaces one with `PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPlan {
    /// Unique.
    pub name: Name,
}

/// A partial change to a plan (`PATCH`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanPatch {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
}

mstream_kernel::query_fields! {
    /// What a list of plans filters and orders by.
    pub enum PlanField for PLAN { Id = "id", Name = "name", Created = "created", Updated = "updated" }
}

/// A typed list query over plans.
pub type PlanQuery = mstream_kernel::Query<PlanField>;

mstream_kernel::impl_model!(Plan, PLAN, PlanKind, NewPlan, PlanPatch, PlanField);

/// A user's subscription as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// Its id.
    pub id: SubscriptionId,
    /// The subscriber (one subscription per user).
    pub user: UserId,
    /// The subscriber's username.
    pub user_user: Option<String>,
    /// The plan.
    pub plan: PlanId,
    /// The plan's name.
    pub plan_name: Option<String>,
    /// When it was made.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
}

/// The body that subscribes a user (and replaces a subscription with `PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSubscription {
    /// The subscriber.
    pub user: UserId,
    /// The plan.
    pub plan: PlanId,
}

/// A partial change to a subscription (`PATCH`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionPatch {
    /// Another subscriber.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// Another plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanId>,
}

mstream_kernel::query_fields! {
    /// What a list of subscriptions filters and orders by.
    pub enum SubscriptionField for SUBSCRIPTION {
        Id = "id", User = "user", Plan = "plan", Created = "created", Updated = "updated",
    }
}

/// A typed list query over subscriptions.
pub type SubscriptionQuery = mstream_kernel::Query<SubscriptionField>;

mstream_kernel::impl_model!(
    Subscription,
    SUBSCRIPTION,
    SubscriptionKind,
    NewSubscription,
    SubscriptionPatch,
    SubscriptionField
);

#[cfg(test)]
mod tests {
    use mstream_kernel::model::check_model;

    #[test]
    fn the_typed_models_match_their_declarations() {
        check_model::<super::Plan>().unwrap();
        check_model::<super::Subscription>().unwrap();
    }
}
