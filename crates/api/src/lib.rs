//! mstream's HTTP layer (actix-web), thin by design: handlers parse the
//! request, call one use case and shape the response. Errors become HTTP in
//! [`error`] only.

pub mod body;
pub mod caller;
pub mod credentials;
pub mod error;
pub mod file_body;
pub mod front;
pub mod list;
pub mod observe;
pub mod openapi;
pub mod process;
pub mod registry;
pub mod routes;
pub mod slash;
pub mod throttle;
pub mod tus;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use mstream_service::Services;
use tracing_actix_web::TracingLogger;

pub use front::AllowedHosts;
pub use observe::{record_build_info, record_stream_bytes, record_upload_bytes};
pub use throttle::{ThrottleSettings, TrustedProxies};

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Largest JSON or form body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Longest wait for the next piece of a request body (408 beyond).
    pub body_timeout: std::time::Duration,
    /// The hosts this site answers to (400 for others).
    pub allowed_hosts: AllowedHosts,
    /// Request budgets and trusted proxies.
    pub throttle: ThrottleSettings,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            body_timeout: std::time::Duration::from_secs(60),
            allowed_hosts: AllowedHosts::default(),
            throttle: ThrottleSettings::default(),
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
    observe::handle();
    // One store of budgets for the whole process; with Redis configured,
    // each worker opens its own connection to it.
    let local_budgets = std::sync::Arc::new(throttle::gcra::LocalStore::default());
    let throttle_settings = state.settings.throttle.clone();
    let openapi = openapi::document_json();
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        // Middleware runs outside-in from the LAST `.wrap()`: the access
        // log and metrics (outermost, so they see every response, and the
        // access line is written outside the request's span), the request's
        // span and id, the front door (URI length, host, security headers),
        // the slash rule, identifying the caller and spending their budget,
        // HEAD served as GET, then the routes.
        let budgets = throttle::Budgets::new(&throttle_settings, local_budgets.clone());
        App::new()
            .app_data(data.clone())
            .app_data(web::Data::new(budgets))
            .configure(|cfg| routes::configure(cfg, openapi.clone()))
            .default_service(web::to(routes::not_found))
            .wrap(from_fn(routes::head_as_get))
            .wrap(from_fn(throttle::guard))
            .wrap(from_fn(slash::trailing_slash))
            .wrap(from_fn(front::guard))
            .wrap(TracingLogger::<observe::RequestSpan>::new())
            .wrap(from_fn(observe::observe))
    })
    .shutdown_timeout(30)
    .listen(listener)?;
    if let Some(workers) = workers {
        server = server.workers(workers.max(1));
    }
    Ok(server.run())
}
