//! Checking a JUnit report as CI systems read it: validated against the
//! Jenkins JUnit schema (`tests/fixtures/jenkins-junit-10.xsd`) by Python's
//! `xmlschema`, pinned and installed into a venv under the target directory
//! on first use, and parsed into JSON for the test to check.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// The packages installed, pinned.
const PACKAGES: [&str; 2] = ["xmlschema==3.4.3", "elementpath==4.8.0"];

/// The venv's Python, set up once per test process.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("junit-xsd-venv");
        let python = venv.join("bin").join("python");
        let how = format!(
            "the JUnit tests need Python 3 with venv and pip, and PyPI (or a pip mirror): \
             install them (e.g. apt-get install python3-venv python3-pip), or make the venv by \
             hand: python3 -m venv {} && {}/bin/pip install {}",
            venv.display(),
            venv.display(),
            PACKAGES.join(" ")
        );
        let ready = |python: &Path| {
            Command::new(python)
                .args(["-c", "import xmlschema, sys; sys.exit(xmlschema.__version__ != '3.4.3')"])
                .status()
                .is_ok_and(|status| status.success())
        };
        if !ready(&python) {
            let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).status();
            assert!(made.is_ok_and(|status| status.success()), "could not make a venv: {how}");
            let installed = Command::new(venv.join("bin").join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(PACKAGES)
                .status();
            assert!(installed.is_ok_and(|status| status.success()), "pip install failed: {how}");
            assert!(ready(&python), "xmlschema is not importable: {how}");
        }
        python
    })
}

/// The report at `report`, validated against the schema and parsed:
/// `{"tag", "attrs", "text", "children"}` for each element.
#[track_caller]
pub fn validated(report: &Path) -> Value {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures");
    let output = Command::new(python())
        .arg(fixtures.join("junit_check.py"))
        .arg(fixtures.join("jenkins-junit-10.xsd"))
        .arg(report)
        .output()
        .expect("Python runs");
    assert!(
        output.status.success(),
        "{} breaks the schema: {}",
        report.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the checker prints JSON")
}

/// The children of `element` named `tag`.
pub fn children<'a>(element: &'a Value, tag: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    element["children"].as_array().into_iter().flatten().filter(move |child| child["tag"] == tag)
}
