//! Schema tests: the SQLite and PostgreSQL migration sets have the same files and describe
//! the same schema (tables, column types and nullability, primary keys, foreign keys, unique
//! indexes).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{postgres, sqlite};

use ketnoi_db::Db;
use std::collections::BTreeMap;

/// Column: (type class, nullable). Per table: columns, primary key, foreign keys, unique indexes.
#[derive(Debug, PartialEq, Default)]
struct Table {
    columns: BTreeMap<String, (String, bool)>,
    primary_key: Vec<String>,
    foreign_keys: Vec<(String, String, String)>,
    unique: Vec<(String, Vec<String>)>,
}

fn type_class(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    match t.as_str() {
        "integer" | "bigint" | "int8" | "int4" => "integer",
        "text" | "character varying" => "text",
        "datetime" | "timestamp with time zone" | "timestamptz" => "timestamp",
        "boolean" | "bool" => "boolean",
        "jsonb" | "json" => "json",
        "real" | "double precision" => "real",
        "date" => "date",
        other => return format!("other:{other}"),
    }
    .to_owned()
}

async fn sqlite_schema(db: &Db) -> BTreeMap<String, Table> {
    let Db::Sqlite(p) = db else {
        panic!("not sqlite")
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let mut table = Table::default();
        let cols: Vec<(String, String, bool, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (name, ty, notnull, pkpos) in cols {
            // SQLite lets PRIMARY KEY columns be NULL unless declared otherwise; an INTEGER
            // PRIMARY KEY is the rowid and never NULL.
            let nullable = !notnull && pkpos == 0;
            table
                .columns
                .insert(name.clone(), (type_class(&ty), nullable));
            if pkpos > 0 {
                pk.push((pkpos, name));
            }
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        let fks: Vec<(String, String, String)> =
            sqlx::query_as("SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list($1)")
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
        table.foreign_keys = fks;
        table.foreign_keys.sort();
        let idx: Vec<(String, bool, String)> =
            sqlx::query_as("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
        for (name, unique, origin) in idx {
            if !unique || origin == "pk" {
                continue;
            }
            let cols: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(p)
                    .await
                    .unwrap();
            table.unique.push((name, cols));
        }
        table.unique.sort();
        out.insert(t, table);
    }
    out
}

async fn postgres_schema(db: &Db) -> BTreeMap<String, Table> {
    let Db::Postgres(p) = db else {
        panic!("not postgres")
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let mut table = Table::default();
        let cols: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        for (name, ty, nullable) in cols {
            table
                .columns
                .insert(name, (type_class(&ty), nullable == "YES"));
        }
        table.primary_key = sqlx::query_scalar(
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        let mut fks: Vec<(String, String, String)> = sqlx::query_as(
            // Column pairs by position (`unnest` of both key arrays), so a composite key
            // gives its pairs, not every column against every referenced one.
            "SELECT a.attname::text, cf.relname::text, af.attname::text FROM pg_constraint c \
             CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, fcol) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
             JOIN pg_class cf ON cf.oid = c.confrelid \
             JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = k.fcol \
             WHERE c.contype = 'f' AND c.conrelid = $1::regclass",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        fks.sort();
        table.foreign_keys = fks;
        let idx: Vec<(String, Vec<String>)> = sqlx::query_as(
            "SELECT ic.relname::text, array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) \
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::regclass AND i.indisunique AND NOT i.indisprimary GROUP BY ic.relname",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        table.unique = idx;
        table.unique.sort();
        out.insert(t, table);
    }
    out
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_are_equivalent() {
    let Some(pg) = postgres().await else { return };
    let lite = sqlite().await;
    let a = sqlite_schema(&lite.db).await;
    let b = postgres_schema(&pg.db).await;
    assert!(
        a.len() >= 6,
        "expected the foundation tables, found {:?}",
        a.keys()
    );
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "same tables"
    );
    for (name, table) in &a {
        assert_eq!(
            Some(table),
            b.get(name),
            "table {name} differs (left SQLite, right PostgreSQL)"
        );
    }
}

#[test]
fn both_backends_have_the_same_migration_files() {
    let list = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    assert_eq!(list("sqlite"), list("postgres"));
}

/// Sensitive groups (poor households, ethnic minorities, disabilities, land conversion,
/// layoffs) are counts per cooperative and period, never rows about a person (Decree
/// 13/2023/NĐ-CP): every column that names one is a whole-number count in `coop_reports`,
/// and that table has no column about a person (a name, a phone, a user the row is about).
#[tokio::test]
async fn sensitive_groups_are_only_counts_never_per_person() {
    let lite = sqlite().await;
    let schema = sqlite_schema(&lite.db).await;
    let sensitive = [
        "poor", "minority", "ethnic", "disab", "land", "laid_off", "layoff",
    ];
    let mut found = Vec::new();
    for (table, t) in &schema {
        for (column, (class, _)) in &t.columns {
            if sensitive.iter().any(|s| column.contains(s)) {
                assert_eq!(
                    table, "coop_reports",
                    "{table}.{column} names a sensitive group"
                );
                assert_eq!(class, "integer", "{column} is a count");
                assert!(column.ends_with("_women"), "{column} counts women workers");
                found.push(column.clone());
            }
        }
    }
    assert_eq!(found.len(), 5, "the five groups: {found:?}");
    let reports = &schema["coop_reports"];
    for column in reports.columns.keys() {
        for personal in [
            "name", "phone", "email", "person", "birth", "address", "id_card", "cccd",
        ] {
            assert!(
                !column.contains(personal),
                "coop_reports.{column} is about a person"
            );
        }
    }
    // The only users it refers to are who changed and who decided the report.
    let mut refs: Vec<&str> = reports
        .foreign_keys
        .iter()
        .filter(|(_, to, _)| to == "users")
        .map(|(from, _, _)| from.as_str())
        .collect();
    refs.sort_unstable();
    assert_eq!(refs, ["decided_by", "updated_by"]);
}
