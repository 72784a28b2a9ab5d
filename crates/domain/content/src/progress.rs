//! Watch progress: where a signed-in user stopped in a media file, and the
//! "continue watching" list built from it (`/api/progress/`).

use mstream_kernel::{ContentId, FieldErrors, MediaFileId, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The fraction of a media file past which it counts as watched and leaves
/// "continue watching".
pub const FINISHED_FRACTION: f64 = 0.95;

/// The longest position or duration accepted, in seconds (a year): past it
/// a number is a client's bug, not a film.
pub const MAX_SECONDS: f64 = 366.0 * 24.0 * 3600.0;

/// A position to record (`PUT /api/progress/<media-id>/`): seconds from
/// the start, and the length of the media when the player knows it.
///
/// It parses rather than validates: a value of this type is within the
/// server's rules.
///
/// ```
/// use mstream_content::progress::WatchPosition;
///
/// let at = WatchPosition::new(95.5, Some(100.0))?;
/// assert!(at.is_finished());
///
/// let errors = WatchPosition::new(120.0, Some(100.0)).unwrap_err();
/// assert_eq!(
///     errors.messages("position"),
///     ["Ensure this value is less than or equal to the duration."]
/// );
/// # Ok::<(), mstream_kernel::FieldErrors>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPosition")]
pub struct WatchPosition {
    position: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<f64>,
}

#[derive(Deserialize)]
struct RawPosition {
    position: f64,
    #[serde(default)]
    duration: Option<f64>,
}

impl TryFrom<RawPosition> for WatchPosition {
    type Error = String;

    fn try_from(raw: RawPosition) -> Result<Self, Self::Error> {
        WatchPosition::new(raw.position, raw.duration).map_err(|e| {
            e.fields()
                .iter()
                .map(|(field, messages)| format!("{field}: {}", messages.join(" ")))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

impl WatchPosition {
    /// A position of `position` seconds into a media file `duration`
    /// seconds long (if known), or DRF's field errors.
    pub fn new(position: f64, duration: Option<f64>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_seconds(&mut errors, "position", position, 0.0);
        if let Some(duration) = duration {
            if !duration.is_finite() || duration <= 0.0 {
                errors.add("duration", "Ensure this value is greater than 0.");
            } else if duration > MAX_SECONDS {
                errors.add("duration", max_message());
            } else if errors.is_empty() && position > duration {
                errors.add(
                    "position",
                    "Ensure this value is less than or equal to the duration.",
                );
            }
        }
        if errors.is_empty() {
            Ok(Self { position, duration })
        } else {
            Err(errors)
        }
    }

    /// Reads a request body (`{"position": 12.5, "duration": 5400}`), with
    /// DRF's messages for what is missing or wrong.
    pub fn parse(body: &Json) -> Result<Self, FieldErrors> {
        let Some(object) = body.as_object() else {
            return Err(FieldErrors::non_field(
                "Invalid data. Expected a dictionary, but got a value of another type.",
            ));
        };
        let mut errors = FieldErrors::new();
        let position = match object.get("position") {
            None => {
                errors.add("position", "This field is required.");
                None
            }
            Some(value) => number(&mut errors, "position", value),
        };
        let duration = match object.get("duration") {
            None | Some(Json::Null) => None,
            Some(value) => number(&mut errors, "duration", value),
        };
        match (position, errors.is_empty()) {
            (Some(position), true) => Self::new(position, duration),
            _ => Err(errors),
        }
    }

    /// Seconds from the start.
    pub fn position(&self) -> f64 {
        self.position
    }

    /// The media's length in seconds, when the player reported it.
    pub fn duration(&self) -> Option<f64> {
        self.duration
    }

    /// This position against the media file's own duration (probed from
    /// its bytes by the HLS job), when it has one: that duration replaces
    /// the one the player sent, which may be rounded, an estimate from a
    /// partial download, or missing; a position past it is the end.
    ///
    /// ```
    /// use mstream_content::progress::WatchPosition;
    ///
    /// let player = WatchPosition::new(58.0, Some(60.0))?;
    /// assert!(player.is_finished());
    /// let measured = player.with_media_duration(Some(100.0));
    /// assert_eq!(measured.duration(), Some(100.0));
    /// assert!(!measured.is_finished());
    /// let past = WatchPosition::new(101.0, None)?.with_media_duration(Some(100.0));
    /// assert_eq!((past.position(), past.is_finished()), (100.0, true));
    /// # Ok::<(), mstream_kernel::FieldErrors>(())
    /// ```
    #[must_use]
    pub fn with_media_duration(self, media: Option<f64>) -> Self {
        match media.filter(|d| d.is_finite() && *d > 0.0 && *d <= MAX_SECONDS) {
            Some(duration) => Self {
                position: self.position.min(duration),
                duration: Some(duration),
            },
            None => self,
        }
    }

    /// Whether the position lies past [`FINISHED_FRACTION`] of a known
    /// duration.
    pub fn is_finished(&self) -> bool {
        is_finished(self.position, self.duration)
    }
}

/// One entry of "continue watching" (`GET /api/progress/`), or the stored
/// position of one media file (`GET /api/progress/<media-id>/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchProgress {
    /// Whose progress it is.
    pub user: UserId,
    /// The media file.
    pub media: MediaFileId,
    /// Its name.
    pub media_name: String,
    /// The content it belongs to.
    pub content: ContentId,
    /// That content's name.
    pub content_name: String,
    /// Seconds from the start.
    pub position: f64,
    /// The media's length in seconds, when known.
    pub duration: Option<f64>,
    /// Whether it counts as watched (past [`FINISHED_FRACTION`]).
    pub finished: bool,
    /// When the position was last recorded.
    pub updated: Timestamp,
}

/// Whether `position` lies past [`FINISHED_FRACTION`] of `duration`.
///
/// ```
/// use mstream_content::progress::is_finished;
/// assert!(is_finished(96.0, Some(100.0)));
/// assert!(!is_finished(94.0, Some(100.0)));
/// assert!(!is_finished(5000.0, None)); // length unknown: never finished
/// ```
pub fn is_finished(position: f64, duration: Option<f64>) -> bool {
    duration.is_some_and(|d| d > 0.0 && position >= FINISHED_FRACTION * d)
}

fn max_message() -> String {
    format!("Ensure this value is less than or equal to {MAX_SECONDS}.")
}

fn check_seconds(errors: &mut FieldErrors, field: &str, value: f64, min: f64) {
    if !value.is_finite() {
        errors.add(field, "A valid number is required.");
    } else if value < min {
        errors.add(
            field,
            format!("Ensure this value is greater than or equal to {min}."),
        );
    } else if value > MAX_SECONDS {
        errors.add(field, max_message());
    }
}

fn number(errors: &mut FieldErrors, field: &str, value: &Json) -> Option<f64> {
    let parsed = match value {
        Json::Number(n) => n.as_f64(),
        // DRF's FloatField accepts numeric strings.
        Json::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        Some(n) if n.is_finite() => Some(n),
        _ => {
            errors.add(field, "A valid number is required.");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_body_parses_with_drf_messages() {
        let ok = WatchPosition::parse(&json!({"position": 12.5, "duration": "100"})).unwrap();
        assert_eq!((ok.position(), ok.duration()), (12.5, Some(100.0)));
        let missing = WatchPosition::parse(&json!({})).unwrap_err();
        assert_eq!(missing.messages("position"), ["This field is required."]);
        let wrong = WatchPosition::parse(&json!({"position": "soon", "duration": 0})).unwrap_err();
        assert_eq!(wrong.messages("position"), ["A valid number is required."]);
        let negative = WatchPosition::parse(&json!({"position": -1})).unwrap_err();
        assert_eq!(
            negative.messages("position"),
            ["Ensure this value is greater than or equal to 0."]
        );
        let zero = WatchPosition::parse(&json!({"position": 1, "duration": 0})).unwrap_err();
        assert_eq!(
            zero.messages("duration"),
            ["Ensure this value is greater than 0."]
        );
        assert!(WatchPosition::parse(&json!([1]))
            .unwrap_err()
            .has("non_field_errors"));
    }

    #[test]
    fn the_wire_shape_refuses_what_new_refuses() {
        let ok: WatchPosition = serde_json::from_str(r#"{"position": 3}"#).unwrap();
        assert_eq!(ok.duration(), None);
        assert!(serde_json::from_str::<WatchPosition>(r#"{"position": -3}"#).is_err());
        assert_eq!(
            serde_json::to_value(WatchPosition::new(3.0, Some(9.0)).unwrap()).unwrap(),
            json!({"position": 3.0, "duration": 9.0})
        );
    }
}
