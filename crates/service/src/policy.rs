//! Who may call a use case: the checks every service makes before it
//! works, in one place so that the use cases import them rather than one
//! another.

use mstream_kernel::{Actor, User};

use crate::error::{ServiceError, ServiceResult};

/// The signed-in user, or 401.
pub fn signed_in(actor: &Actor) -> ServiceResult<&User> {
    actor.user().ok_or(ServiceError::Unauthenticated)
}

/// 401 for anonymous callers, 403 for non-admins.
pub fn require_admin(actor: &Actor) -> ServiceResult<&User> {
    let user = signed_in(actor)?;
    if user.is_admin {
        Ok(user)
    } else {
        Err(ServiceError::Forbidden)
    }
}
