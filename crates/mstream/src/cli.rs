//! The command line: `serve` (default), `migrate`, `createsuperuser`,
//! `changepassword`.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Parser, Subcommand};
use mstream_service::accounts::{valid_email, valid_username, NewAccount};
use mstream_service::{AccountService, ServiceError};

use crate::config::Settings;
use crate::startup::{open_cli_database, services, Application, StartupError};

/// mstream: the media-streaming catalog service.
#[derive(Debug, Parser)]
#[command(name = "mstream", version, about)]
pub struct Cli {
    /// A TOML file read after config/default.toml and
    /// config/<MSTREAM_ENV>.toml, before the MSTREAM__… variables.
    #[arg(long, global = true, value_name = "FILE", env = "MSTREAM_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `serve`'s flags; each overrides its setting from files and variables.
#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [setting: server.host, env: MSTREAM__SERVER__HOST; default 127.0.0.1]
    #[arg(long)]
    pub host: Option<String>,
    /// Port to listen on, 0 for any free one [setting: server.port, env: MSTREAM__SERVER__PORT; default 8000]
    #[arg(long)]
    pub port: Option<u16>,
    /// HTTP worker threads [setting: server.workers, env: MSTREAM__SERVER__WORKERS; default: one per core]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
}

impl ServeArgs {
    /// Applies the flags given over `settings`.
    pub fn apply(&self, settings: &mut Settings) {
        if let Some(host) = &self.host {
            settings.server.host.clone_from(host);
        }
        if let Some(port) = self.port {
            settings.server.port = port;
        }
        if let Some(workers) = self.workers {
            settings.server.workers = Some(usize::from(workers));
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Create an admin account.
    Createsuperuser {
        /// Username (prompted for when missing on a terminal).
        #[arg(long)]
        username: Option<String>,
        /// Email address (prompted for when missing on a terminal).
        #[arg(long)]
        email: Option<String>,
        /// Never prompt: take the password from MSTREAM_SUPERUSER_PASSWORD.
        #[arg(long)]
        noinput: bool,
    },
    /// Fill an empty database with a catalog: a demo by default, or a bulk
    /// one of the given size.
    Seed {
        /// Contents to make (default: demo size).
        #[arg(long)]
        contents: Option<usize>,
        /// Artists to make.
        #[arg(long)]
        artists: Option<usize>,
        /// Non-admin users to make (password: see the output).
        #[arg(long)]
        users: Option<usize>,
        /// Reviews to make (at most one per user per content).
        #[arg(long)]
        reviews: Option<usize>,
        /// Random seed: the same seed gives the same catalog.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Set a user's password (revokes their tokens).
    Changepassword {
        /// The account.
        username: String,
    },
}

/// A command's failure: the message and the exit code.
#[derive(Debug)]
pub struct Failure(pub String, pub u8);

type Outcome = Result<(), Failure>;

fn fail(message: impl Into<String>) -> Failure {
    Failure(message.into(), 1)
}

/// Runs `command` to completion.
pub async fn run(command: Command, settings: Settings) -> Outcome {
    match command {
        Command::Serve(args) => {
            let mut settings = settings;
            args.apply(&mut settings);
            let host = settings.server.host.clone();
            let app = Application::build(settings).map_err(|e| match e {
                StartupError::Config(why) => Failure(format!("configuration error: {why}"), 2),
                other => fail(other.to_string()),
            })?;
            println!("{}", banner(&host, app.port()));
            app.run_until_stopped()
                .await
                .map_err(|e| fail(e.to_string()))
        }
        Command::Migrate => {
            open_cli_database(&settings).map_err(|e| fail(e.to_string()))?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Createsuperuser {
            username,
            email,
            noinput,
        } => {
            let accounts = accounts(&settings)?;
            createsuperuser(&accounts, username, email, noinput).await
        }
        Command::Seed {
            contents,
            artists,
            users,
            reviews,
            seed,
        } => {
            let demo = mstream_service::seed::SeedPlan::DEMO;
            let plan = mstream_service::seed::SeedPlan {
                contents: contents.unwrap_or(demo.contents),
                artists: artists.unwrap_or(demo.artists),
                users: users.unwrap_or(demo.users),
                reviews: reviews.unwrap_or(demo.reviews),
                seed,
            };
            let pool = open_cli_database(&settings).map_err(|e| fail(e.to_string()))?;
            let services = services(&settings, pool).map_err(|e| fail(e.to_string()))?;
            let started = std::time::Instant::now();
            let made = crate::seed::run(&services, plan, settings.auth.bcrypt_cost)
                .await
                .map_err(|e| fail(describe(e)))?;
            println!(
                "Seeded {} contents, {} artists, {} users, {} reviews in {:.1} s. Users viewer1…viewer{} sign in with password {}",
                made.contents,
                made.artists,
                made.users,
                made.reviews,
                started.elapsed().as_secs_f64(),
                made.users,
                mstream_service::seed::SEEDED_PASSWORD
            );
            Ok(())
        }
        Command::Changepassword { username } => {
            let accounts = accounts(&settings)?;
            let user = accounts
                .find_user(&username)
                .await
                .map_err(|e| fail(describe(e)))?
                .ok_or_else(|| fail(format!("user '{username}' does not exist")))?;
            let interactive = std::io::stdin().is_terminal();
            println!("Changing password for user '{}'", user.username);
            // As Django's: on a terminal a weak password is explained and
            // asked for again; without one it is refused.
            let password = loop {
                let password = prompt_new_password()?;
                match AccountService::check_new_password(&password, &user.username, &user.email) {
                    Ok(()) => break password,
                    Err(problems) if interactive => eprintln!("{}", problems.join("\n")),
                    Err(problems) => return Err(fail(problems.join(" "))),
                }
            };
            accounts
                .change_password(&username, &password)
                .await
                .map_err(|e| fail(describe(e)))?;
            println!("Password changed successfully for user '{username}'.");
            Ok(())
        }
    }
}

/// What a newcomer wants to know once the server is up: where it listens
/// and the three pages to open.
fn banner(host: &str, port: u16) -> String {
    // An unspecified address listens everywhere; this machine reaches it
    // as localhost.
    let reachable = match host {
        "0.0.0.0" | "::" | "[::]" => "localhost",
        other => other,
    };
    let base = if reachable.contains(':') && !reachable.starts_with('[') {
        format!("http://[{reachable}]:{port}")
    } else {
        format!("http://{reachable}:{port}")
    };
    format!(
        "mstream {} listening on {host}:{port}\n  API:   {base}/api/\n  docs:  {base}/api/docs/\n  admin: {base}/admin/",
        env!("CARGO_PKG_VERSION")
    )
}

fn accounts(settings: &Settings) -> Result<AccountService, Failure> {
    let pool = open_cli_database(settings).map_err(|e| fail(e.to_string()))?;
    Ok(services(settings, pool)
        .map_err(|e| fail(e.to_string()))?
        .accounts)
}

/// A use case's refusal as a sentence: field errors as `field: message`,
/// but messages about no field (`non_field_errors`) alone.
fn describe(error: ServiceError) -> String {
    match error {
        ServiceError::Validation(errors) => {
            let value = serde_json::to_value(&errors).unwrap_or_default();
            let Some(fields) = value.as_object() else {
                return errors.to_string();
            };
            let mut parts = Vec::new();
            for (field, messages) in fields {
                let messages: Vec<String> = match messages {
                    serde_json::Value::Array(list) => list
                        .iter()
                        .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                        .collect(),
                    other => vec![other.to_string()],
                };
                let messages = messages.join(" ");
                if field == "non_field_errors" {
                    parts.push(messages);
                } else {
                    parts.push(format!("{field}: {messages}"));
                }
            }
            parts.join("; ")
        }
        other => other.to_string(),
    }
}

async fn createsuperuser(
    accounts: &AccountService,
    username: Option<String>,
    email: Option<String>,
    noinput: bool,
) -> Outcome {
    let interactive = !noinput && std::io::stdin().is_terminal();
    let username = match username {
        Some(u) => u,
        None if interactive => prompt("Username: ")?,
        None => {
            return Err(fail(
                "--username is required with --noinput or without a terminal",
            ))
        }
    };
    if !valid_username(&username) || username.chars().count() > 150 {
        return Err(fail(
            "Enter a valid username: up to 150 letters, digits and @/./+/-/_ characters.",
        ));
    }
    if accounts
        .find_user(&username)
        .await
        .map_err(|e| fail(describe(e)))?
        .is_some()
    {
        return Err(fail("Error: That username is already taken."));
    }
    let email = match email {
        Some(e) => e,
        None if interactive => prompt("Email address: ")?,
        None => {
            return Err(fail(
                "--email is required with --noinput or without a terminal",
            ))
        }
    };
    if !valid_email(&email) {
        return Err(fail("Error: Enter a valid email address."));
    }
    let password = if interactive {
        loop {
            let password = prompt_new_password()?;
            match AccountService::check_new_password(&password, &username, &email) {
                Ok(()) => break password,
                Err(problems) => eprintln!("{}", problems.join("\n")),
            }
        }
    } else {
        let password = std::env::var("MSTREAM_SUPERUSER_PASSWORD").map_err(|_| {
            fail("MSTREAM_SUPERUSER_PASSWORD must be set with --noinput or without a terminal")
        })?;
        AccountService::check_new_password(&password, &username, &email)
            .map_err(|p| fail(p.join(" ")))?;
        password
    };
    accounts
        .create_account(NewAccount {
            username,
            email,
            password,
            is_admin: true,
        })
        .await
        .map_err(|e| fail(describe(e)))?;
    println!("Superuser created successfully.");
    Ok(())
}

fn prompt(label: &str) -> Result<String, Failure> {
    print!("{label}");
    std::io::stdout().flush().map_err(|e| fail(e.to_string()))?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| fail(e.to_string()))?;
    Ok(line.trim().to_owned())
}

fn prompt_new_password() -> Result<String, Failure> {
    if !std::io::stdin().is_terminal() {
        return std::env::var("MSTREAM_SUPERUSER_PASSWORD")
            .map_err(|_| fail("no terminal to prompt on: set MSTREAM_SUPERUSER_PASSWORD"));
    }
    loop {
        let first = rpassword::prompt_password("Password: ").map_err(|e| fail(e.to_string()))?;
        let second =
            rpassword::prompt_password("Password (again): ").map_err(|e| fail(e.to_string()))?;
        if first == second {
            return Ok(first);
        }
        eprintln!("Error: Your passwords didn't match.");
    }
}
