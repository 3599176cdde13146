//! Links the `rebound` binary as a position-dependent executable on Linux.
//!
//! A position-independent one (the default) is relocated by the dynamic
//! loader at every start: about 18,000 pointers in its vtables and
//! constant tables, ~0.4M instructions, and a copy-on-write page fault for
//! each of the ~90 pages they lie in, before `main` runs; a short run
//! (`rebound classify` of a few emails) pays that every time. Linked at a
//! fixed address, those pointers are written once, by the linker. (The
//! price: the executable's own code and data are not placed at a random
//! address; libraries, heap and stack still are.) The library, tests and
//! benchmarks are linked as before.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
