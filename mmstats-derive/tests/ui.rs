//! Compile-time behaviour of `#[derive(MmStats)]`: models that compile, and
//! the error each kind of mistake produces.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
