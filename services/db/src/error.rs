//! Storage errors. Unique-constraint violations are recognised here, once, for both engines.

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique index refused the write; `index` is the index name (e.g. `users_email_key`).
    #[error("unique constraint {index} violated")]
    Unique { index: String },
    #[error("unsupported database URL (expected sqlite: or postgres://)")]
    UnsupportedUrl,
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sqlx(sqlx::Error),
    /// The row the change is about does not exist (any more).
    #[error("not found")]
    NotFound,
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// The SQLite file's permissions could not be set.
    #[error("database file: {0}")]
    File(#[from] std::io::Error),
}

pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// Index names of the unique constraints, as declared in both migration sets. SQLite reports
/// `UNIQUE constraint failed: users.email`, PostgreSQL the index name; both map to the name.
const UNIQUE_INDEXES: &[(&str, &str)] = &[
    ("users_email_key", "users.email"),
    ("users_phone_key", "users.phone"),
    ("organisations_slug_key", "organisations.slug"),
    ("organisations_external_id_key", "organisations.external_id"),
    ("partners_slug_key", "partners.slug"),
    (
        "memberships_pkey",
        "memberships.user_id, memberships.org_id",
    ),
];

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            let index = match db.constraint() {
                Some(name) => name.to_owned(),
                None => {
                    let msg = db.message();
                    UNIQUE_INDEXES
                        .iter()
                        .find(|(_, cols)| msg.ends_with(cols))
                        .map(|(name, _)| (*name).to_owned())
                        .unwrap_or_else(|| msg.to_owned())
                }
            };
            return DbError::Unique { index };
        }
        DbError::Sqlx(e)
    }
}

impl DbError {
    /// The unique index that refused the write, if that is what happened.
    pub fn unique_index(&self) -> Option<&str> {
        match self {
            DbError::Unique { index } => Some(index),
            _ => None,
        }
    }
}
