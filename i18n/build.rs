//! Embeds every `locales/<lang>/<area>.ftl` into the library, so a deployed binary needs no
//! locale files on disk. Generates `$OUT_DIR/embedded_locales.rs`, a sorted static table.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let locales = Path::new(&manifest_dir).join("locales");
    // Cargo rescans a watched directory recursively, so new files and edits both rebuild.
    println!("cargo::rerun-if-changed={}", locales.display());

    let mut files = Vec::new();
    for lang in fs::read_dir(&locales).expect("i18n/locales exists") {
        let lang = lang.expect("readable locales dir");
        if !lang.file_type().expect("file type").is_dir() {
            continue;
        }
        for file in fs::read_dir(lang.path()).expect("readable locale dir") {
            let path = file.expect("readable locale entry").path();
            if path.extension().is_some_and(|ext| ext == "ftl") {
                let locale = lang.file_name().to_string_lossy().into_owned();
                let area = path.file_name().expect("file name").to_string_lossy().into_owned();
                files.push((locale, area, path));
            }
        }
    }
    // Sorted so the generated table, and therefore the binary, is reproducible.
    files.sort();

    let mut code = String::from("&[\n");
    for (locale, area, path) in &files {
        writeln!(
            code,
            "    EmbeddedFile {{ locale: {locale:?}, area: {area:?}, source: include_str!({:?}) }},",
            path.display().to_string()
        )
        .expect("writing to a String cannot fail");
    }
    code.push_str("]\n");
    fs::write(Path::new(&out_dir).join("embedded_locales.rs"), code).expect("OUT_DIR is writable");
}
