//! Compile-time rules of the derives: one trybuild case per mistake in `tests/ui/`, each
//! with the `.stderr` a user sees. Regenerate with `TRYBUILD=overwrite` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
