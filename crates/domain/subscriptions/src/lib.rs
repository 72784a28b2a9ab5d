//! Subscription plans and the one subscription each user may hold.

use mstream_kernel::resource::{Derived, Field, Resource};

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
