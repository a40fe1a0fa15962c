//! `sqlx::migrate!` embeds the migration files when this crate compiles; without this, a
//! new or changed migration would not rebuild the crate and the binary would run without it.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
