//! `mstream seed`: progress display around the service's seeding.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mstream_service::seed::{seed, SeedPlan, Seeded, SEEDED_PASSWORD};
use mstream_service::{ServiceError, Services};

/// Seeds through `services`, showing progress on a terminal (a bar) or as
/// plain lines otherwise.
pub async fn run(
    services: &Services,
    plan: SeedPlan,
    bcrypt_cost: u32,
) -> Result<Seeded, ServiceError> {
    let hash = services
        .ctx
        .compute(move || mstream_service::hasher::hash(SEEDED_PASSWORD, bcrypt_cost))
        .await?;
    // Rows to write, roughly: contents with ~2 genres, ~1.5 tags, ~3 cast
    // and as many credits each, plus reviews, users, artists.
    let estimate = (plan.contents * 10
        + plan.reviews.min(plan.users * plan.contents)
        + plan.users
        + plan.artists) as u64;
    let terminal = std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(
        Some(estimate),
        if terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {msg:<24} [{bar:30}] {pos}/{len} rows ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let shown = bar.clone();
    let seeded = services
        .ctx
        .run(move |conn| {
            let mut current = String::new();
            let mut rows_in_table = 0usize;
            let mut progress = |table: &str, rows: usize| {
                if table != current {
                    if !terminal && !current.is_empty() {
                        eprintln!("seeded {current}: {rows_in_table} rows");
                    }
                    current = table.to_owned();
                    rows_in_table = 0;
                    shown.set_message(current.clone());
                }
                rows_in_table += rows;
                shown.inc(rows as u64);
            };
            let seeded = seed(conn, plan, &hash, &mut progress)?;
            if !terminal && !current.is_empty() {
                eprintln!("seeded {current}: {rows_in_table} rows");
            }
            Ok(seeded)
        })
        .await;
    bar.finish_and_clear();
    seeded
}
