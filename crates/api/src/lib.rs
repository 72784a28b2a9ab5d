//! mstream's HTTP layer (actix-web), thin by design: handlers parse the
//! request, call one use case and shape the response. Errors become HTTP in
//! [`error`] only.

pub mod body;
pub mod caller;
pub mod error;
pub mod list;
pub mod routes;
pub mod slash;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use mstream_service::Services;
use tracing_actix_web::TracingLogger;

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Largest JSON or form body accepted (413 beyond).
    pub max_body_bytes: usize,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// What handlers share.
pub struct AppState {
    /// The use cases.
    pub services: Services,
    /// HTTP settings.
    pub settings: ApiSettings,
}

/// Starts serving on `listener`; the returned server stops gracefully on
/// SIGTERM/SIGINT, finishing in-flight requests first.
pub fn serve(
    listener: TcpListener,
    state: AppState,
    workers: Option<usize>,
) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
            .wrap(from_fn(slash::trailing_slash))
            .wrap(TracingLogger::default())
    })
    .shutdown_timeout(30)
    .listen(listener)?;
    if let Some(workers) = workers {
        server = server.workers(workers.max(1));
    }
    Ok(server.run())
}
