fn main() {
    // embed_migrations! cannot see new migration folders without this.
    println!("cargo:rerun-if-changed=../../migrations");
}
