use std::process::ExitCode;

use clap::Parser;
use mstream::cli::{self, Cli, Command};
use mstream::{telemetry, Settings};

fn main() -> ExitCode {
    // Fills in variables the real environment lacks; never overrides them.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    if let Err(error) = telemetry::init() {
        eprintln!("mstream: configuration error: {error}");
        return ExitCode::from(2);
    }
    let settings = match Settings::load_with(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("mstream: configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let command = cli
        .command
        .unwrap_or(Command::Serve(cli::ServeArgs::default()));
    match actix_web::rt::System::new().block_on(cli::run(command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(cli::Failure(message, code)) => {
            eprintln!("mstream: {message}");
            ExitCode::from(code)
        }
    }
}
