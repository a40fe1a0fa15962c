//! `sqlx::migrate!` embeds the migration folders at compile time; without this, a new
//! migration file would not rebuild the store and would silently be left out.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
