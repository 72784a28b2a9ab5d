//! Open handles of recently served media files.
//!
//! A player fetches a video as a stream of small range requests. Resolving
//! the path (an `lstat` per component, to refuse symlinks out of the media
//! root), opening it and closing it again for every range had to run on the
//! blocking pool, and handing each request to that pool and back cost more
//! than serving the bytes (context switches and futex wake-ups were a third
//! of the server's CPU). A handle kept here lets the next range of the same
//! file skip all of it.
//!
//! A handle never outlives its file's name for long: every removal through
//! this process forgets it ([`OpenFiles::forget`]), and a reader that finds
//! the file unlinked by anyone else (its link count is zero) forgets it too
//! and serves a 404 as if it had not been cached. Stored names are never
//! reused (`content/<uuid>.<ext>`), so a name cannot come to mean other
//! bytes.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// An open media file and where it lives.
#[derive(Debug)]
pub struct OpenFile {
    /// The open file.
    pub file: File,
    /// Its path under the media root (for the MIME type and the name).
    pub path: PathBuf,
}

/// The handles, by the stored path they were requested under.
#[derive(Debug)]
pub struct OpenFiles {
    capacity: usize,
    entries: Mutex<HashMap<String, Arc<OpenFile>>>,
}

impl OpenFiles {
    /// Keeps at most `capacity` handles open (zero keeps none).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The handle of `stored`, if one is open.
    pub fn get(&self, stored: &str) -> Option<Arc<OpenFile>> {
        self.entries.lock().ok()?.get(stored).cloned()
    }

    /// Keeps `file` as the handle of `stored`; when full, another handle is
    /// closed first (once its last reader is done).
    pub fn insert(&self, stored: &str, file: OpenFile) -> Arc<OpenFile> {
        let file = Arc::new(file);
        if self.capacity == 0 {
            return file;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity && !entries.contains_key(stored) {
                if let Some(victim) = entries.keys().next().cloned() {
                    entries.remove(&victim);
                }
            }
            entries.insert(stored.to_owned(), Arc::clone(&file));
        }
        file
    }

    /// Closes the handle of `stored` (its file was removed or replaced).
    pub fn forget(&self, stored: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(stored);
        }
    }

    /// How many handles are open.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// Whether no handle is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{OpenFile, OpenFiles};

    fn open() -> OpenFile {
        let path = std::env::current_exe().unwrap();
        OpenFile {
            file: std::fs::File::open(&path).unwrap(),
            path,
        }
    }

    #[test]
    fn keeps_at_most_its_capacity_and_forgets_on_request() {
        let files = OpenFiles::new(2);
        files.insert("a", open());
        files.insert("b", open());
        files.insert("c", open());
        assert_eq!(files.len(), 2);
        assert!(files.get("c").is_some(), "the newest is kept");
        files.forget("c");
        assert!(files.get("c").is_none());
        let none = OpenFiles::new(0);
        none.insert("a", open());
        assert!(none.is_empty());
    }
}
