//! Queries whose `WHERE` depends on which filters are set.
//!
//! A clause such as `($1 IS NULL OR org_id = $1)` is planned once for every value, so
//! neither SQLite nor PostgreSQL (with a generic plan) can use an index on `org_id` for it.
//! [`Sql`] writes only the clauses of the filters that are set, each with a numbered
//! placeholder, and [`bind_all!`] binds the collected values in order.
//! The text comes only from literals in this crate; every value is bound, never spliced,
//! except a page's bounds: [`Sql::page`] writes them as integer literals (see there).

use chrono::NaiveDate;

/// A value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Date(NaiveDate),
}

/// SQL text built from literals, with its arguments.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(head: &'static str) -> Sql {
        Sql {
            text: head.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends literal SQL.
    pub fn push(&mut self, sql: &'static str) -> &mut Sql {
        self.text.push_str(sql);
        self
    }

    /// Binds a value and appends its placeholder (`$N`).
    pub fn arg(&mut self, a: Arg) -> &mut Sql {
        self.args.push(a);
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends ` LIMIT n OFFSET m` with the numbers written out, not bound. PostgreSQL
    /// cannot cost a plan for an unknown `OFFSET` (it assumes a tenth of the rows are
    /// skipped), so a statement with `OFFSET $n` never gets a cached generic plan: it is
    /// planned again at every execution, which cost a profile page a millisecond of
    /// database time. Written out, the statement of the first page is planned once per
    /// connection. Only `i64`s are ever written, so nothing a visitor sends reaches the text.
    pub fn page(&mut self, limit: i64, offset: i64) -> &mut Sql {
        self.text
            .push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        self
    }

    /// The text as sqlx takes it. Safe: built only from `&'static str` pieces and
    /// placeholders.
    pub fn sql(&self) -> sqlx::AssertSqlSafe<String> {
        sqlx::AssertSqlSafe(self.text.clone())
    }
}

/// Binds every argument of a [`Sql`] to a query, in order.
macro_rules! bind_all {
    ($query:expr, $sql:expr) => {{
        let mut q = $query;
        for a in &$sql.args {
            q = match a {
                $crate::filter::Arg::Text(s) => q.bind(s.clone()),
                $crate::filter::Arg::Int(i) => q.bind(*i),
                $crate::filter::Arg::Date(d) => q.bind(*d),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut s = Sql::new("SELECT 1 FROM t WHERE a = ");
        s.arg(Arg::Int(1))
            .push(" AND b = ")
            .arg(Arg::Text("x".into()));
        assert_eq!(s.text, "SELECT 1 FROM t WHERE a = $1 AND b = $2");
        assert_eq!(s.args.len(), 2);
    }

    #[test]
    fn a_page_writes_its_bounds_as_numbers() {
        let mut s = Sql::new("SELECT 1 FROM t WHERE a = ");
        s.arg(Arg::Int(1)).page(31, 0).push(" -- end");
        assert_eq!(
            s.text,
            "SELECT 1 FROM t WHERE a = $1 LIMIT 31 OFFSET 0 -- end"
        );
        assert_eq!(s.args.len(), 1);
    }
}
