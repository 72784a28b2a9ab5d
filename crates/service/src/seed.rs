//! Filling an empty database with a catalog: a small demo by default, or a
//! bulk one of a chosen size for benchmarks. Deterministic for a given seed.
//! Rows go in as multi-row INSERTs in large transactions, and each content's
//! stored rating is computed from the reviews generated for it, so the
//! seeded catalog obeys the same rules as one built through the API.

use std::collections::HashSet;

use mstream_db::seed::{
    self as rows, ArtistRow, ContentCast, ContentGenre, ContentRow, ContentTag, CreditRow,
    NamedRow, NamedTable, ReviewRow, SubscriptionRow, UserRow,
};
use mstream_db::AnyConn;
use mstream_kernel::Timestamp;
use mstream_reviews::{Rating, RatingSummary};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::error::{ServiceError, ServiceResult};

/// How much to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedPlan {
    /// Contents (films, shows).
    pub contents: usize,
    /// Artists (cast and directors).
    pub artists: usize,
    /// Signed-up, non-admin users.
    pub users: usize,
    /// Reviews; at most one per user per content, so at most
    /// `users × contents`.
    pub reviews: usize,
    /// The random seed: the same plan and seed give the same catalog.
    pub seed: u64,
}

impl SeedPlan {
    /// The demo catalog.
    pub const DEMO: SeedPlan = SeedPlan {
        contents: 40,
        artists: 60,
        users: 12,
        reviews: 120,
        seed: 42,
    };
}

/// What was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Contents made.
    pub contents: usize,
    /// Artists made.
    pub artists: usize,
    /// Users made.
    pub users: usize,
    /// Reviews made (may be fewer than asked, see [`SeedPlan::reviews`]).
    pub reviews: usize,
}

/// The password of every seeded user (it passes the password validators).
pub const SEEDED_PASSWORD: &str = "Seeded-viewer-2026";

const GENRES: &[&str] = &[
    "Drama",
    "Comedy",
    "Thriller",
    "Sci-Fi",
    "Horror",
    "Romance",
    "Documentary",
    "Animation",
    "Crime",
    "Fantasy",
    "Adventure",
    "Mystery",
    "Musical",
    "War",
    "Western",
];
const TAGS: &[&str] = &[
    "G", "PG", "PG-13", "R", "NC-17", "Violence", "Language", "Nudity", "Drugs",
];
const TYPES: &[&str] = &["Movie", "Show", "Documentary", "Short", "Mini-series"];
const PLANS: &[&str] = &["Basic", "Standard", "Premium"];
const ADJECTIVES: &[&str] = &[
    "Silent",
    "Crimson",
    "Hidden",
    "Last",
    "Broken",
    "Golden",
    "Endless",
    "Forgotten",
    "Midnight",
    "Distant",
    "Burning",
    "Frozen",
    "Secret",
    "Wild",
    "Hollow",
    "Electric",
    "Quiet",
    "Savage",
    "Velvet",
    "Iron",
    "Lonely",
    "Shattered",
    "Restless",
    "Northern",
    "Bitter",
    "Sacred",
];
const NOUNS: &[&str] = &[
    "River", "Empire", "Garden", "Signal", "Harbor", "Kingdom", "Orchard", "Frontier", "Mirror",
    "Station", "Horizon", "Lantern", "Promise", "Voyage", "Circuit", "Tide", "Canyon", "Archive",
    "Storm", "Valley", "Machine", "Letter", "Island", "Witness", "Engine", "Summer",
];
const FIRST: &[&str] = &[
    "Ava", "Liam", "Maya", "Noah", "Zoe", "Ethan", "Lena", "Omar", "Iris", "Hugo", "Nina", "Theo",
    "Clara", "Felix", "Rosa", "Jonas", "Mila", "Oscar", "Vera", "Leo", "Ines", "Milo", "Sara",
    "Ivan",
];
const LAST: &[&str] = &[
    "Moreau",
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Alvarez",
    "Brennan",
    "Kowalski",
    "Haddad",
    "Novak",
    "Fischer",
    "Costa",
    "Reyes",
    "Larsen",
    "Duarte",
    "Keller",
    "Sato",
    "Quinn",
    "Varga",
    "Abbott",
    "Mercer",
    "Rossi",
    "Nakamura",
    "Osei",
    "Petrov",
];
const WORDS: &[&str] = &[
    "a",
    "story",
    "of",
    "love",
    "loss",
    "and",
    "courage",
    "in",
    "the",
    "city",
    "where",
    "nothing",
    "is",
    "what",
    "it",
    "seems",
    "two",
    "strangers",
    "family",
    "secret",
    "journey",
    "across",
    "time",
    "war",
    "hope",
    "betrayal",
    "an",
    "unlikely",
    "friendship",
];

/// Fills an empty catalog as `plan` says; `password_hash` is the bcrypt
/// hash of [`SEEDED_PASSWORD`] (hashed once by the caller, off the async
/// workers). `progress(table, rows)` is called after every batch.
pub fn seed(
    conn: &mut AnyConn,
    plan: SeedPlan,
    password_hash: &str,
    progress: &mut dyn FnMut(&str, usize),
) -> ServiceResult<Seeded> {
    let existing = rows::contents_count(conn)?;
    if existing > 0 {
        return Err(ServiceError::field(
            "non_field_errors",
            format!("the catalog already has {existing} contents; seed fills an empty database"),
        ));
    }
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let start = Timestamp::now().as_utc();
    let mut tick = 0i64;
    // Every row gets its own instant, so orderings by `created` are total.
    let mut now = || {
        tick += 1;
        Timestamp::from_utc(start + chrono::Duration::microseconds(tick)).naive_utc()
    };
    let ids = |n: usize, rng: &mut StdRng| -> Vec<Uuid> { (0..n).map(|_| new_id(rng)).collect() };

    let mut named = |table: NamedTable,
                     names: &[&str],
                     ids: &[Uuid],
                     progress: &mut dyn FnMut(&str, usize)|
     -> ServiceResult<()> {
        let named_rows = names
            .iter()
            .zip(ids)
            .map(|(name, id)| NamedRow {
                id: *id,
                name: (*name).to_owned(),
                at: now(),
            })
            .collect();
        Ok(rows::insert_named(conn, table, named_rows, progress)?)
    };
    let genre_ids = ids(GENRES.len(), &mut rng);
    let tag_ids = ids(TAGS.len(), &mut rng);
    let type_ids = ids(TYPES.len(), &mut rng);
    let plan_ids = ids(PLANS.len(), &mut rng);
    named(NamedTable::Genres, GENRES, &genre_ids, progress)?;
    named(NamedTable::ParentalControlTags, TAGS, &tag_ids, progress)?;
    named(NamedTable::ContentTypes, TYPES, &type_ids, progress)?;
    named(NamedTable::Plans, PLANS, &plan_ids, progress)?;

    let artist_ids = ids(plan.artists, &mut rng);
    let artist_names = unique_names(
        &mut rng,
        plan.artists,
        |r| {
            format!(
                "{} {}",
                FIRST.choose(r).copied().unwrap_or("Ava"),
                LAST.choose(r).copied().unwrap_or("Quinn")
            )
        },
        70,
    );
    let about = |r: &mut StdRng, words: usize| -> String {
        let mut text: Vec<&str> = (0..words)
            .map(|_| WORDS.choose(r).copied().unwrap_or("story"))
            .collect();
        text.dedup();
        let mut s = text.join(" ");
        s.truncate(350);
        s
    };
    let artists = artist_ids
        .iter()
        .zip(&artist_names)
        .map(|(id, name)| ArtistRow {
            id: *id,
            name: name.clone(),
            about: about(&mut rng, 12),
            at: now(),
        })
        .collect();
    rows::insert(conn, artists, progress)?;

    // Users first, so reviews can be assigned before contents are written
    // with their rating already computed. Seeded names are lower-case ASCII,
    // so each is its own comparison key.
    let user_ids = ids(plan.users, &mut rng);
    let users = user_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let username = format!("viewer{}", i + 1);
            let email = format!("{username}@example.com");
            UserRow {
                id: *id,
                username_key: username.clone(),
                username,
                email_key: email.clone(),
                email,
                password_hash: password_hash.to_owned(),
                at: now(),
            }
        })
        .collect();
    rows::insert(conn, users, progress)?;

    let content_ids = ids(plan.contents, &mut rng);
    let content_names = unique_names(
        &mut rng,
        plan.contents,
        |r| {
            format!(
                "The {} {}",
                ADJECTIVES.choose(r).copied().unwrap_or("Last"),
                NOUNS.choose(r).copied().unwrap_or("River")
            )
        },
        70,
    );
    // Reviews: spread over contents round-robin, each by distinct users.
    let wanted = plan.reviews.min(plan.users.saturating_mul(plan.contents));
    let mut reviews: Vec<(usize, usize, u8)> = Vec::with_capacity(wanted);
    let mut summaries = vec![RatingSummary::EMPTY; plan.contents];
    if plan.contents > 0 && plan.users > 0 {
        let per_content = wanted / plan.contents;
        let extra = wanted % plan.contents;
        let mut users: Vec<usize> = (0..plan.users).collect();
        for (content, summary) in summaries.iter_mut().enumerate() {
            let n = per_content + usize::from(content < extra);
            users.shuffle(&mut rng);
            for &user in users.iter().take(n) {
                let stars: u8 = rng.random_range(0..=5);
                if let Some(rating) = Rating::new(i64::from(stars)) {
                    *summary = summary.with(rating);
                }
                reviews.push((content, user, stars));
            }
        }
    }
    let mut contents = Vec::with_capacity(plan.contents);
    let mut genres = Vec::new();
    let mut cast = Vec::new();
    let mut tags = Vec::new();
    let mut credits = Vec::new();
    for (i, (id, name)) in content_ids.iter().zip(&content_names).enumerate() {
        let summary = summaries[i];
        let kind = type_ids.choose(&mut rng).copied().unwrap_or_default();
        contents.push(ContentRow {
            id: *id,
            name: name.clone(),
            about: about(&mut rng, 20),
            type_id: kind,
            rating: summary.mean(),
            rating_sum: summary.sum(),
            reviews_count: summary.count(),
            at: now(),
        });
        let n = rng.random_range(1..=3usize);
        for genre in genre_ids.choose_multiple(&mut rng, n) {
            genres.push(ContentGenre(*id, *genre));
        }
        let n = rng.random_range(1..=2usize);
        for tag in tag_ids.choose_multiple(&mut rng, n) {
            tags.push(ContentTag(*id, *tag));
        }
        let n = rng.random_range(1..=5usize).min(artist_ids.len());
        for (k, artist) in artist_ids.choose_multiple(&mut rng, n).enumerate() {
            cast.push(ContentCast(*id, *artist));
            let relation = if k == 0 { "Director" } else { "Actor" };
            credits.push(CreditRow {
                id: new_id(&mut rng),
                artist_id: *artist,
                content_id: *id,
                relation: relation.to_owned(),
                at: now(),
            });
        }
    }
    rows::insert(conn, contents, progress)?;
    rows::insert(conn, genres, progress)?;
    rows::insert(conn, tags, progress)?;
    rows::insert(conn, cast, progress)?;
    rows::insert(conn, credits, progress)?;
    let made_reviews = reviews.len();
    let reviews = reviews
        .into_iter()
        .map(|(content, user, stars)| ReviewRow {
            id: new_id(&mut rng),
            content_id: content_ids[content],
            user_id: user_ids[user],
            title: format!("{} stars", stars),
            review: "Seen it; here is what I think.".to_owned(),
            rating: i64::from(stars),
            at: now(),
        })
        .collect();
    rows::insert(conn, reviews, progress)?;
    // A subscription for every other user, so the catalog shows both cases.
    let subscriptions = user_ids
        .iter()
        .step_by(2)
        .map(|user| SubscriptionRow {
            id: new_id(&mut rng),
            user_id: *user,
            plan_id: plan_ids.choose(&mut rng).copied().unwrap_or_default(),
            at: now(),
        })
        .collect();
    rows::insert(conn, subscriptions, progress)?;
    rows::finish(conn)?;
    Ok(Seeded {
        contents: plan.contents,
        artists: plan.artists,
        users: plan.users,
        reviews: made_reviews,
    })
}
fn new_id(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

fn unique_names(
    rng: &mut StdRng,
    count: usize,
    make: impl Fn(&mut StdRng) -> String,
    max: usize,
) -> Vec<String> {
    let mut seen = HashSet::with_capacity(count);
    let mut names = Vec::with_capacity(count);
    while names.len() < count {
        let base = make(rng);
        let mut name = base.clone();
        let mut n = 2;
        while seen.contains(&name) {
            name = format!("{base} {n}");
            n += 1;
        }
        name.truncate(max);
        if seen.insert(name.clone()) {
            names.push(name);
        }
    }
    names
}
