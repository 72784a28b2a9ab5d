//! The benchmark's reference server: the machine's ceiling for an HTTP
//! response of a given size.
//!
//! `ceiling --port P DIR` reads every regular file of `DIR` into memory once
//! at start-up and serves `GET /<file name>` with those bytes as
//! `application/json`, on as many workers as mstream uses
//! (`MSTREAM__SERVER__WORKERS`, else one per core). No database, no
//! authentication, no serialisation: what is left is actix-web, the kernel
//! and the loopback, which is what `bench/run.sh` divides mstream's numbers
//! by.

use std::collections::HashMap;
use std::io::{Error, ErrorKind};
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web::{Bytes, Data, Path};
use actix_web::{App, HttpResponse, HttpServer};

type Bodies = Arc<HashMap<String, Bytes>>;

async fn body(bodies: Data<Bodies>, name: Path<String>) -> HttpResponse {
    match bodies.get(name.as_str()) {
        Some(bytes) => HttpResponse::Ok()
            .content_type("application/json")
            .body(bytes.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}

fn usage(message: &str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("{message}; usage: ceiling [--port P] [--host H] DIR"),
    )
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut port: u16 = std::env::var("CEILING_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8001);
    let mut host = String::from("127.0.0.1");
    let mut dir: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or_else(|| usage("--port needs a value"))?;
                port = value.parse().map_err(|_| usage("bad --port"))?;
            }
            "--host" => host = args.next().ok_or_else(|| usage("--host needs a value"))?,
            _ if dir.is_none() => dir = Some(PathBuf::from(arg)),
            _ => return Err(usage("one directory only")),
        }
    }
    let dir = dir.ok_or_else(|| usage("no directory"))?;

    let mut bodies = HashMap::new();
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            bodies.insert(name, Bytes::from(std::fs::read(entry.path())?));
        }
    }
    let bodies: Bodies = Arc::new(bodies);

    let workers = std::env::var("MSTREAM__SERVER__WORKERS")
        .ok()
        .and_then(|w| w.parse::<usize>().ok())
        .filter(|w| *w > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));

    // Not mstream's router (clippy.toml steers route registration through
    // mstream_api::routes): the reference server the benchmark divides by.
    #[allow(clippy::disallowed_methods)]
    HttpServer::new(move || {
        App::new()
            .app_data(Data::new(bodies.clone()))
            .route("/{name}", actix_web::web::get().to(body))
    })
    .workers(workers)
    .bind((host.as_str(), port))?
    .run()
    .await
}
