//! mstream's HTTP layer (actix-web), thin by design: handlers parse the
//! request, call one use case and shape the response. Errors become HTTP in
//! [`error`] only.

pub mod body;
pub mod caller;
pub mod error;
pub mod file_body;
pub mod list;
pub mod observe;
pub mod openapi;
pub mod process;
pub mod routes;
pub mod slash;
pub mod throttle;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use mstream_service::Services;
use tracing_actix_web::TracingLogger;

pub use observe::{record_build_info, record_stream_bytes, record_upload_bytes};
pub use throttle::{ThrottleSettings, TrustedProxies};

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Largest JSON or form body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Request budgets and trusted proxies.
    pub throttle: ThrottleSettings,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
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
    let limiters = throttle::Limiters::new(&state.settings.throttle)?;
    let openapi = openapi::document_json();
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        // Middleware runs outside-in from the LAST `.wrap()`: the access
        // log and metrics (outermost, so they see every response, and the
        // access line is written outside the request's span), the request's
        // span and id, the slash rule, identifying the caller, then the
        // per-address and per-user budgets, HEAD served as GET, then the
        // routes.
        App::new()
            .app_data(data.clone())
            .configure(|cfg| routes::configure(cfg, openapi.clone()))
            .default_service(web::to(routes::not_found))
            .wrap(from_fn(routes::head_as_get))
            .wrap(limiters.users())
            .wrap(limiters.anonymous())
            .wrap(from_fn(throttle::identify))
            .wrap(from_fn(slash::trailing_slash))
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
