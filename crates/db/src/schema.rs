//! diesel's view of the tables the typed DSL touches (portable types only:
//! ids as text, UTC timestamps without zone).

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        username_key -> Text,
        email -> Text,
        email_key -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        created -> Timestamp,
        updated -> Timestamp,
    }
}

diesel::table! {
    auth_tokens (digest) {
        digest -> Text,
        user_id -> Text,
        created -> Timestamp,
    }
}

diesel::joinable!(auth_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, auth_tokens);
