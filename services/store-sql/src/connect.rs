//! Choosing and opening a backend from a database URL.

use crate::{PostgresStore, SqliteStore};
use careportal_domain::clock::Clock;
use careportal_store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub url: String,
    /// The data folder: the only place where a missing SQLite file may be created.
    pub data_dir: PathBuf,
    pub max_connections: u32,
    pub clock: Arc<dyn Clock>,
}

/// Opens the store the URL names. Refuses unknown schemes, and refuses to create an SQLite
/// file outside the data folder, so a typo in a path cannot silently start an empty portal.
pub async fn connect(options: &ConnectOptions) -> Result<Arc<dyn Store>, StoreError> {
    let url = options.url.trim();
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = sqlite_path(rest);
        let create = match &path {
            None => true, // in memory
            Some(path) if path.exists() => false,
            Some(path) => {
                if !inside(path, &options.data_dir) {
                    return Err(StoreError::Config(format!(
                        "database_url: het SQLite-bestand {} bestaat niet en ligt buiten de datamap {}; \
                         controleer het pad, of maak het bestand eerst aan",
                        path.display(),
                        options.data_dir.display()
                    )));
                }
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        StoreError::Config(format!("database_url: kan map {} niet maken: {e}", parent.display()))
                    })?;
                }
                true
            }
        };
        let store = SqliteStore::connect(url, create, options.max_connections, options.clock.clone()).await?;
        return Ok(Arc::new(store));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PostgresStore::connect(url, options.max_connections, options.clock.clone()).await?;
        return Ok(Arc::new(store));
    }
    let scheme = url.split(':').next().unwrap_or_default();
    Err(StoreError::Config(format!(
        "database_url: onbekend schema \"{scheme}\"; verwacht sqlite://pad/naar/bestand.db of postgres://…"
    )))
}

/// The file an `sqlite:` URL points at; None for an in-memory database.
fn sqlite_path(rest: &str) -> Option<PathBuf> {
    let rest = rest.split('?').next().unwrap_or_default();
    if rest == ":memory:" || rest.is_empty() {
        return None;
    }
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    Some(PathBuf::from(rest))
}

/// Whether `path` would lie inside `dir` once both are absolute (the file need not exist).
fn inside(path: &Path, dir: &Path) -> bool {
    let absolute = |p: &Path| -> Option<PathBuf> {
        let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().ok()?.join(p) };
        // Resolve `..` by hand for the part that does not exist yet.
        let mut out = PathBuf::new();
        for part in p.components() {
            match part {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                other => out.push(other),
            }
        }
        Some(out)
    };
    match (absolute(path), absolute(dir)) {
        (Some(path), Some(dir)) => path.starts_with(dir),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_path("//./data/x.db"), Some(PathBuf::from("./data/x.db")));
        assert_eq!(sqlite_path("data/x.db?mode=rwc"), Some(PathBuf::from("data/x.db")));
        assert_eq!(sqlite_path("///var/lib/x.db"), Some(PathBuf::from("/var/lib/x.db")));
        assert_eq!(sqlite_path(":memory:"), None);
    }

    #[test]
    fn inside_resolves_dots() {
        assert!(inside(Path::new("data/x.db"), Path::new("./data")));
        assert!(!inside(Path::new("data/../x.db"), Path::new("data")));
        assert!(!inside(Path::new("/tmp/x.db"), Path::new("/var/data")));
    }
}
