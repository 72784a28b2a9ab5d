//! Each resource is written in three places here — its declaration (the
//! domain crate), its table mapping and its row type — and one more in
//! the migrations (`tests/api/schema.rs`). These tests make a field added
//! or renamed in one place only fail, instead of going missing from
//! responses or becoming a 500.

use std::collections::BTreeSet;

use mstream_kernel::resource::Derived;
use mstream_kernel::Kind;

use super::*;

const REPOS: [(&str, &Repo); 11] = [
    ("genre", &GENRE),
    ("parcontag", &PARENTAL_CONTROL_TAG),
    ("contype", &CONTENT_TYPE),
    ("artists", &ARTIST),
    ("contents", &CONTENT),
    ("conmediafile", &MEDIA_FILE),
    ("artconrelation", &RELATION),
    ("reviews", &REVIEW),
    ("submodels", &PLAN),
    ("submap", &SUBSCRIPTION),
    ("users", &USER),
];

/// Fields served outside the mapping: nested records attached by a
/// repo's `nested` loader, and URLs the API signs per request.
fn served_elsewhere(resource: &str, field: &str) -> bool {
    matches!(
        (resource, field),
        ("artists", "credits") | ("users", "subscription")
    )
}

#[test]
fn every_mapped_field_is_declared_and_every_declared_field_is_mapped() {
    for (name, repo) in REPOS {
        let resource = repo.resource();
        assert_eq!(resource.name, name);
        let declared: BTreeSet<&str> = resource.fields.iter().map(|f| f.name).collect();
        let mut mapped = BTreeSet::new();
        for column in repo.table.columns {
            mapped.insert(column.field);
        }
        for link in repo.table.links {
            mapped.insert(link.field);
            mapped.insert(link.names);
        }
        for derive in repo.table.derived {
            mapped.insert(match derive {
                crate::table::Derive::LabelOf { field, .. }
                | crate::table::Derive::Reverse { field, .. } => *field,
            });
        }
        let undeclared: Vec<_> = mapped.difference(&declared).collect();
        assert!(
            undeclared.is_empty(),
            "{name}: mapped, not declared: {undeclared:?}"
        );
        let unmapped: Vec<_> = declared
            .difference(&mapped)
            .filter(|field| !served_elsewhere(name, field))
            .collect();
        assert!(
            unmapped.is_empty(),
            "{name}: declared, not mapped: {unmapped:?}"
        );
        for field in resource.fields {
            if served_elsewhere(name, field.name) {
                assert!(
                    matches!(
                        field.kind,
                        Kind::Derived(Derived::ObjectList | Derived::Object)
                    ),
                    "{name}.{}: only nested records are attached outside the mapping",
                    field.name
                );
            }
        }
    }
}

#[test]
fn every_row_type_reads_exactly_the_mapped_columns() {
    for (name, repo) in REPOS {
        let read: BTreeSet<&str> = repo.row_fields().iter().copied().collect();
        assert_eq!(
            read.len(),
            repo.row_fields().len(),
            "{name}: a field read twice"
        );
        let columns: BTreeSet<&str> = repo.table.columns.iter().map(|c| c.field).collect();
        assert_eq!(
            read, columns,
            "{name}: the row type and the mapping's columns"
        );
    }
}

#[test]
fn references_are_mapped_to_their_label() {
    for (name, repo) in REPOS {
        for field in repo.resource().fields {
            match field.kind {
                Kind::Ref { .. } => {
                    let column = repo.table.column(field.name);
                    assert!(
                        column.is_some_and(|c| c.refers.is_some()),
                        "{name}.{}: a reference column names its label",
                        field.name
                    );
                }
                Kind::RefMany { .. } => assert!(
                    repo.table.link(field.name).is_some(),
                    "{name}.{}: a many-reference is a link table",
                    field.name
                ),
                _ => {}
            }
        }
    }
}
