//! Named profiles: one organization's settings (its base URL, its id, and
//! where its credential comes from) kept under a name in a TOML file, so that
//! `--profile staging` replaces exporting variables by hand.
//!
//! The file is the one `EI_PIPELINE_CONFIG` names, or else `config.toml` in
//! the `ei-pipeline` folder of the platform's config directory. `--profile
//! NAME` (or `EI_PROFILE`) selects a profile; without one, the profile named
//! `default` applies when the file has one. A file that does not exist holds
//! no profile: that is an error only when a profile was asked for.
//!
//! A profile never holds a key: it names the environment variable or the file
//! that does, and nothing here writes the file. A key file that its group or
//! others can read is refused. What a profile gives fills in only what the
//! command line and the environment left out ([`Profile::fill`]): a profile's
//! credential is read only when neither an API key nor a JWT was given.
//!
//! Every file is read through a bound ([`MAX_FILE_BYTES`]), only when it is a
//! regular file (a FIFO would block, `/dev/zero` never ends), and every name,
//! path and message shown is escaped ([`text`]).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use ei_api_ext::SecretString;
use serde::Deserialize;
use toml::Spanned;

use crate::text;

/// The environment variable naming the profile to use (`--profile` wins).
pub const ENV_PROFILE: &str = "EI_PROFILE";
/// The environment variable naming the profiles file, in place of the one in
/// the platform's config directory (when set and not empty).
pub const ENV_CONFIG: &str = "EI_PIPELINE_CONFIG";
/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";
/// The most a profiles file or a key file may hold: far more than either
/// needs, little enough to read whole.
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The profile `requested` names (from `--profile` or `EI_PROFILE`), or else
/// the `default` one if there is one, from the profiles file
/// [`ConfigFile::locate`] finds. An empty name is none, as an empty
/// variable is unset (`EI_PROFILE=$MAYBE` in a CI job).
pub fn select(requested: Option<&str>) -> Result<Option<Profile>, ProfileError> {
    let requested = requested.filter(|name| !name.is_empty());
    match (ConfigFile::locate(), requested) {
        (Some(file), requested) => file.select(requested),
        (None, Some(profile)) => {
            Err(ProfileError::NoConfigDirectory { profile: profile.to_owned() })
        }
        (None, None) => Ok(None),
    }
}

/// The profiles file: where it is, and why there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFile {
    path: PathBuf,
    named_by_variable: bool,
}

impl ConfigFile {
    /// The file `EI_PIPELINE_CONFIG` names, or else
    /// `<config dir>/ei-pipeline/config.toml`; `None` when the variable is
    /// not set and the platform has no config directory (no home directory).
    pub fn locate() -> Option<Self> {
        if let Some(path) = std::env::var_os(ENV_CONFIG).filter(|path| !path.is_empty()) {
            return Some(Self::named(path.into()));
        }
        let base = directories::BaseDirs::new()?;
        Some(Self {
            path: base.config_dir().join("ei-pipeline").join("config.toml"),
            named_by_variable: false,
        })
    }

    /// The file at `path`, as `EI_PIPELINE_CONFIG` would name it.
    fn named(path: PathBuf) -> Self {
        Self { path, named_by_variable: true }
    }

    /// The profile `requested` names (from `--profile` or `EI_PROFILE`), or
    /// else the file's `default` profile, if it has one.
    pub fn select(&self, requested: Option<&str>) -> Result<Option<Profile>, ProfileError> {
        let text = match read_bounded(&self.path) {
            Ok(bytes) => utf8(bytes).map_err(|problem| self.problem(problem))?,
            Err(FileProblem::Missing) => {
                return match requested {
                    Some(profile) => Err(ProfileError::NoFile {
                        profile: profile.to_owned(),
                        file: self.clone(),
                    }),
                    None => Ok(None),
                }
            }
            Err(problem) => return Err(self.problem(problem)),
        };
        let shape: FileShape = toml::from_str(&text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            self.invalid(&text, offset, &explained(error.message()))
        })?;
        let name = requested.unwrap_or(DEFAULT_PROFILE);
        let Some(entry) = shape.profiles.get(name) else {
            return match requested {
                Some(profile) => Err(ProfileError::Unknown {
                    profile: profile.to_owned(),
                    path: self.path.clone(),
                    known: shape.profiles.keys().cloned().collect(),
                }),
                None => Ok(None),
            };
        };
        self.profile(name, entry, &text).map(Some)
    }

    /// The profile `name`, its fields checked, and its key files' relative
    /// paths taken from the profiles file's folder.
    fn profile(&self, name: &str, entry: &Entry, text: &str) -> Result<Profile, ProfileError> {
        let not_empty = |value: &Option<Spanned<String>>| -> Result<Option<String>, ProfileError> {
            match value {
                Some(value) if value.get_ref().trim().is_empty() => {
                    Err(self.invalid(text, value.span().start, "this value is empty"))
                }
                Some(value) => Ok(Some(value.get_ref().trim().to_owned())),
                None => Ok(None),
            }
        };
        let folder = self.path.parent().unwrap_or(Path::new(""));
        let credential = |variable: &Option<Spanned<String>>,
                          file: &Option<Spanned<PathBuf>>,
                          what: &str|
         -> Result<Option<CredentialSource>, ProfileError> {
            match (not_empty(variable)?, file) {
                (Some(_), Some(file)) => Err(self.invalid(
                    text,
                    file.span().start,
                    &format!("give the {what} one source: a variable or a file, not both"),
                )),
                (Some(variable), None) => Ok(Some(CredentialSource::Variable(variable))),
                (None, Some(file)) if file.get_ref().as_os_str().is_empty() => {
                    Err(self.invalid(text, file.span().start, "this value is empty"))
                }
                (None, Some(file)) => Ok(Some(CredentialSource::File(folder.join(file.get_ref())))),
                (None, None) => Ok(None),
            }
        };
        Ok(Profile {
            name: name.to_owned(),
            base_url: not_empty(&entry.base_url)?,
            organization_id: entry.organization_id,
            api_key: credential(&entry.api_key_env, &entry.api_key_file, "API key")?,
            jwt: credential(&entry.jwt_env, &entry.jwt_file, "JWT")?,
        })
    }

    fn problem(&self, problem: FileProblem) -> ProfileError {
        ProfileError::File { path: self.path.clone(), problem }
    }

    fn invalid(&self, text: &str, offset: usize, message: &str) -> ProfileError {
        let (line, column) = line_and_column(text.as_bytes(), offset);
        ProfileError::Invalid { path: self.path.clone(), line, column, message: message.to_owned() }
    }
}

impl fmt::Display for ConfigFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = if self.named_by_variable {
            format!("named by {ENV_CONFIG}")
        } else {
            "the platform's config directory".to_owned()
        };
        write!(f, "{} ({origin})", text::path(&self.path))
    }
}

/// The file, as it is written: unknown keys are refused, so that a typo (or
/// a key written where its variable's name belongs) is said, not ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    profiles: BTreeMap<String, Entry>,
}

/// One `[profiles.NAME]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    base_url: Option<Spanned<String>>,
    organization_id: Option<i64>,
    api_key_env: Option<Spanned<String>>,
    api_key_file: Option<Spanned<PathBuf>>,
    jwt_env: Option<Spanned<String>>,
    jwt_file: Option<Spanned<PathBuf>>,
}

/// A profile, read and checked; its credential is read when used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    name: String,
    base_url: Option<String>,
    organization_id: Option<i64>,
    api_key: Option<CredentialSource>,
    jwt: Option<CredentialSource>,
}

/// Where a profile's credential comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum CredentialSource {
    /// The environment variable of this name.
    Variable(String),
    /// This file, private to its owner.
    File(PathBuf),
}

/// Which settings the command line or the environment gave: those win over
/// the profile's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Given {
    /// `--base-url` or `EI_API_ENDPOINT`.
    pub base_url: bool,
    /// `--org` or `EI_ORGANIZATION_ID`.
    pub organization: bool,
    /// An API key or a JWT, by flag or variable: the profile's credential,
    /// of either kind, is then not used (nor read).
    pub credential: bool,
}

/// What a profile adds to the settings given.
#[derive(Debug, Default)]
pub struct Filled {
    /// The base URL.
    pub base_url: Option<String>,
    /// The organization's id, as `--org` takes it.
    pub organization_id: Option<String>,
    /// The API key.
    pub api_key: Option<SecretString>,
    /// The JWT.
    pub jwt: Option<SecretString>,
}

impl Profile {
    /// The profile's settings for what `given` leaves out, its credential
    /// read from the variable (`variable` looks one up) or the file it names.
    pub fn fill(
        &self,
        given: Given,
        variable: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Filled, ProfileError> {
        let read = |source: &Option<CredentialSource>, what: &'static str| match source {
            Some(source) if !given.credential => self.read(source, what, &variable).map(Some),
            _ => Ok(None),
        };
        Ok(Filled {
            base_url: self.base_url.clone().filter(|_| !given.base_url),
            organization_id: self
                .organization_id
                .filter(|_| !given.organization)
                .map(|id| id.to_string()),
            api_key: read(&self.api_key, "API key")?,
            jwt: read(&self.jwt, "JWT")?,
        })
    }

    fn read(
        &self,
        source: &CredentialSource,
        what: &'static str,
        variable: &impl Fn(&str) -> Option<OsString>,
    ) -> Result<SecretString, ProfileError> {
        match source {
            CredentialSource::Variable(name) => {
                let problem = match variable(name).map(OsString::into_string) {
                    None => VariableProblem::Unset,
                    Some(Err(_)) => VariableProblem::NotUnicode,
                    Some(Ok(value)) if value.trim().is_empty() => VariableProblem::Empty,
                    Some(Ok(value)) => return Ok(SecretString::new(value.trim())),
                };
                Err(ProfileError::Variable {
                    profile: self.name.clone(),
                    what,
                    variable: name.clone(),
                    problem,
                })
            }
            CredentialSource::File(path) => {
                read_key(path).map_err(|problem| ProfileError::File { path: path.clone(), problem })
            }
        }
    }
}

/// The key in the file at `path`: private to its owner, UTF-8, one trailing
/// newline dropped, not empty, on one line.
fn read_key(path: &Path) -> Result<SecretString, FileProblem> {
    check_private(path)?;
    let mut key = utf8(read_bounded(path)?)?;
    if key.ends_with('\n') {
        key.pop();
        if key.ends_with('\r') {
            key.pop();
        }
    }
    if key.trim().is_empty() {
        return Err(FileProblem::Empty);
    }
    if key.chars().any(char::is_control) {
        return Err(FileProblem::ControlCharacter);
    }
    Ok(SecretString::new(key))
}

/// Refuses a key file its group or others may read or write.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), FileProblem> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = metadata(path)?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(FileProblem::NotPrivate { mode });
    }
    Ok(())
}

/// Windows keeps access in ACLs, which a mode cannot say: the file is not
/// checked there.
#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), FileProblem> {
    Ok(())
}

/// The file's metadata, when it is a regular file (after symbolic links).
fn metadata(path: &Path) -> Result<std::fs::Metadata, FileProblem> {
    let metadata = std::fs::metadata(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => FileProblem::Missing,
        _ => FileProblem::Io(error),
    })?;
    if !metadata.is_file() {
        return Err(FileProblem::NotAFile);
    }
    Ok(metadata)
}

/// The bytes of a regular file of at most [`MAX_FILE_BYTES`]. Opening a FIFO
/// would wait for a writer, so only a regular file is opened; the read is
/// bounded whatever the file claims its size is.
fn read_bounded(path: &Path) -> Result<Vec<u8>, FileProblem> {
    metadata(path)?;
    let file = std::fs::File::open(path).map_err(FileProblem::Io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(FileProblem::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge);
    }
    Ok(bytes)
}

/// The bytes as text, or where they stop being UTF-8.
fn utf8(bytes: Vec<u8>) -> Result<String, FileProblem> {
    String::from_utf8(bytes).map_err(|error| {
        let (line, column) = line_and_column(error.as_bytes(), error.utf8_error().valid_up_to());
        FileProblem::NotUtf8 { line, column }
    })
}

/// A message of the TOML reader, without the value it may quote (a key put
/// where an organization's id belongs), and with a hint for a key written
/// into the file.
fn explained(message: &str) -> String {
    const QUOTING: [&str; 2] = ["invalid type: string ", "invalid value: string "];
    let mut explained = match (
        QUOTING.iter().find(|start| message.starts_with(*start)),
        message.rfind(", expected"),
    ) {
        (Some(start), Some(expected)) if expected > start.len() => {
            format!("{}(not shown){}", start, &message[expected..])
        }
        _ => message.to_owned(),
    };
    if ["unknown field `api_key`", "unknown field `jwt`"].iter().any(|key| message.starts_with(key))
    {
        explained.push_str(
            "; a profile never holds a credential: it names the variable (api_key_env, jwt_env) \
             or the file (api_key_file, jwt_file) that does",
        );
    }
    explained
}

/// The line and column (from 1, columns in characters) of byte `offset`.
fn line_and_column(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line_start = before.iter().rposition(|&byte| byte == b'\n').map_or(0, |at| at + 1);
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, column)
}

/// Why a profile could not be used. Every one is a usage error (exit 2); none
/// shows a key.
#[derive(Debug)]
pub enum ProfileError {
    /// A profile was asked for, and there is no profiles file.
    NoFile {
        /// The profile asked for.
        profile: String,
        /// Where the file was looked for.
        file: ConfigFile,
    },
    /// A profile was asked for, and the platform has no config directory.
    NoConfigDirectory {
        /// The profile asked for.
        profile: String,
    },
    /// The file has no profile of that name.
    Unknown {
        /// The profile asked for.
        profile: String,
        /// The profiles file.
        path: PathBuf,
        /// The profiles it has.
        known: Vec<String>,
    },
    /// The profiles file, or a key file, could not be used.
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: FileProblem,
    },
    /// The profiles file is not TOML, or not in the shape of one.
    Invalid {
        /// The profiles file.
        path: PathBuf,
        /// Where (from 1).
        line: usize,
        /// Where (from 1, in characters).
        column: usize,
        /// What is wrong there.
        message: String,
    },
    /// The variable a profile names for its credential cannot give it.
    Variable {
        /// The profile.
        profile: String,
        /// `API key` or `JWT`.
        what: &'static str,
        /// The variable's name.
        variable: String,
        /// What is wrong with it.
        problem: VariableProblem,
    },
}

/// What is wrong with a file.
#[derive(Debug)]
pub enum FileProblem {
    /// It does not exist.
    Missing,
    /// It is not a regular file (a directory, a FIFO, a device).
    NotAFile,
    /// It could not be read.
    Io(std::io::Error),
    /// It holds more than [`MAX_FILE_BYTES`].
    TooLarge,
    /// It is not UTF-8 from there on.
    NotUtf8 {
        /// The line (from 1).
        line: usize,
        /// The column (from 1, in characters).
        column: usize,
    },
    /// A key file is empty (or only a newline).
    Empty,
    /// A key file holds a control character (a second line, a tab).
    ControlCharacter,
    /// A key file its group or others can access.
    NotPrivate {
        /// Its permission bits.
        mode: u32,
    },
}

/// What is wrong with a credential's variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariableProblem {
    /// It is not set.
    Unset,
    /// It is set, to nothing but blanks.
    Empty,
    /// Its value is not Unicode.
    NotUnicode,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::NoFile { profile, file } => write!(
                f,
                "profile `{}`: there is no profiles file {file}; create it, or set {ENV_CONFIG} \
                 to the one to use",
                text::name(profile)
            ),
            ProfileError::NoConfigDirectory { profile } => write!(
                f,
                "profile `{}`: this system has no config directory (no home directory); set \
                 {ENV_CONFIG} to the profiles file",
                text::name(profile)
            ),
            ProfileError::Unknown { profile, path, known } => {
                write!(f, "no profile `{}` in {}: ", text::name(profile), text::path(path))?;
                if known.is_empty() {
                    f.write_str("it has none")
                } else {
                    let known: Vec<_> =
                        known.iter().map(|name| format!("`{}`", text::name(name))).collect();
                    write!(f, "it has {}", known.join(", "))
                }
            }
            ProfileError::File { path, problem } => {
                let path = text::path(path);
                match problem {
                    FileProblem::Missing => write!(f, "{path} does not exist"),
                    FileProblem::NotAFile => write!(f, "{path} is not a regular file"),
                    FileProblem::Io(error) => write!(f, "cannot read {path}: {error}"),
                    FileProblem::TooLarge => {
                        write!(f, "{path} is larger than {MAX_FILE_BYTES} bytes: it cannot be a key or profiles file")
                    }
                    FileProblem::NotUtf8 { line, column } => {
                        write!(f, "{path}:{line}:{column}: not UTF-8 from here on")
                    }
                    FileProblem::Empty => write!(f, "{path} is empty: it should hold the key"),
                    FileProblem::ControlCharacter => write!(
                        f,
                        "{path} holds a control character (a second line, a tab): it should \
                         hold the key alone, on one line"
                    ),
                    FileProblem::NotPrivate { mode } => write!(
                        f,
                        "{path} holds a key and others than its owner can access it (mode \
                         {mode:03o}); make it private with: chmod 600 {path}"
                    ),
                }
            }
            ProfileError::Invalid { path, line, column, message } => {
                write!(f, "{}:{line}:{column}: {}", text::path(path), text::message(message))
            }
            ProfileError::Variable { profile, what, variable, problem } => {
                let problem = match problem {
                    VariableProblem::Unset => "is not set",
                    VariableProblem::Empty => "is empty",
                    VariableProblem::NotUnicode => "is not Unicode",
                };
                write!(
                    f,
                    "{}, which profile `{}` names for its {what}, {problem}",
                    text::name(variable),
                    text::name(profile)
                )
            }
        }
    }
}

impl std::error::Error for ProfileError {}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ei_profile_unit_test_key_0001";

    /// A profiles file holding `contents` in a folder of its own.
    fn profiles_file(contents: &str) -> (tempfile::TempDir, ConfigFile) {
        let directory = tempfile::tempdir().expect("a temp dir");
        let path = directory.path().join("config.toml");
        std::fs::write(&path, contents).expect("writes");
        (directory, ConfigFile::named(path))
    }

    fn staging() -> Profile {
        let (_directory, file) = profiles_file(
            "[profiles.staging]\nbase_url = \"http://127.0.0.1:1/v1\"\norganization_id = 7\n\
             api_key_env = \"STAGING_KEY\"\njwt_env = \"STAGING_JWT\"\n",
        );
        file.select(Some("staging")).unwrap().expect("the profile")
    }

    /// The environment of a test: `STAGING_KEY` and `STAGING_JWT` set.
    fn variables(name: &str) -> Option<OsString> {
        match name {
            "STAGING_KEY" => Some(KEY.into()),
            "STAGING_JWT" => Some("jwt".into()),
            _ => None,
        }
    }

    #[test]
    fn the_profile_fills_what_nothing_else_gave() {
        let filled = staging().fill(Given::default(), variables).unwrap();
        assert_eq!(filled.base_url.as_deref(), Some("http://127.0.0.1:1/v1"));
        assert_eq!(filled.organization_id.as_deref(), Some("7"));
        assert_eq!(filled.api_key.as_ref().map(SecretString::expose), Some(KEY));
        assert_eq!(filled.jwt.as_ref().map(SecretString::expose), Some("jwt"));
        assert!(!format!("{filled:?}").contains(KEY), "{filled:?}");
    }

    #[test]
    fn what_was_given_wins_setting_by_setting() {
        let base_url = Given { base_url: true, ..Given::default() };
        let filled = staging().fill(base_url, variables).unwrap();
        assert_eq!(filled.base_url, None);
        assert_eq!(filled.organization_id.as_deref(), Some("7"));

        let organization = Given { organization: true, ..Given::default() };
        let filled = staging().fill(organization, variables).unwrap();
        assert_eq!(filled.organization_id, None);
        assert!(filled.base_url.is_some() && filled.api_key.is_some());

        // A credential given, of either kind, replaces both of the profile's,
        // and their variables are not read.
        let credential = Given { credential: true, ..Given::default() };
        let filled = staging().fill(credential, |_| panic!("read a variable")).unwrap();
        assert!(filled.api_key.is_none() && filled.jwt.is_none());
        assert!(filled.base_url.is_some() && filled.organization_id.is_some());
    }

    #[test]
    fn a_variable_that_is_not_set_or_empty_is_named() {
        let error = staging().fill(Given::default(), |_| None).unwrap_err();
        assert!(matches!(
            &error,
            ProfileError::Variable { variable, problem: VariableProblem::Unset, .. }
                if variable == "STAGING_KEY"
        ));
        let error = staging().fill(Given::default(), |_| Some(" \n".into())).unwrap_err();
        assert!(error
            .to_string()
            .contains("STAGING_KEY, which profile `staging` names for its API key, is empty"));
    }

    #[test]
    fn no_file_is_no_profile_unless_one_was_asked_for() {
        let directory = tempfile::tempdir().expect("a temp dir");
        let missing = ConfigFile::named(directory.path().join("none.toml"));
        assert_eq!(missing.select(None).unwrap(), None);
        let error = missing.select(Some("staging")).unwrap_err();
        assert!(matches!(error, ProfileError::NoFile { .. }), "{error:?}");
        // A file without the profile `default`: none.
        let (_directory, file) = profiles_file("[profiles.staging]\norganization_id = 1\n");
        assert_eq!(file.select(None).unwrap(), None);
        let (_directory, file) = profiles_file("[profiles.default]\norganization_id = 1\n");
        assert_eq!(file.select(None).unwrap().map(|profile| profile.name), Some("default".into()));
    }

    #[test]
    fn a_key_file_is_trimmed_of_one_newline_and_relative_to_the_profiles_file() {
        let (directory, file) = profiles_file("[profiles.s]\napi_key_file = \"keys/s\"\n");
        std::fs::create_dir(directory.path().join("keys")).unwrap();
        let key = directory.path().join("keys/s");
        std::fs::write(&key, format!("{KEY}\r\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let profile = file.select(Some("s")).unwrap().unwrap();
        let filled = profile.fill(Given::default(), |_| None).unwrap();
        assert_eq!(filled.api_key.as_ref().map(SecretString::expose), Some(KEY));
    }

    #[test]
    fn a_quoted_value_is_not_repeated() {
        let (_directory, file) =
            profiles_file(&format!("[profiles.s]\norganization_id = \"{KEY}\"\n"));
        let error = file.select(Some("s")).unwrap_err().to_string();
        assert!(!error.contains(KEY), "{error}");
        assert!(error.contains(":2:19: invalid type: string (not shown), expected i64"), "{error}");
    }

    #[test]
    fn lines_and_columns_count_from_one_in_characters() {
        assert_eq!(line_and_column(b"ab", 0), (1, 1));
        assert_eq!(line_and_column("a\n\u{e9}x".as_bytes(), 4), (2, 2));
        assert_eq!(line_and_column(b"a", 99), (1, 2));
    }
}
