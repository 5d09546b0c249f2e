//! The files synth owns on disk: `stacks/*.{yaml,yml,json}` and
//! `buildspecs/**/*.{yml,yaml}` below an output directory. `plan` compares
//! them with an assembly (that is `synth --check`); `apply` writes what
//! changed and removes files of stacks that no longer exist.
//!
//! One comparison serves every command: [`plan`] (the whole tree, for
//! `synth` and `synth --check`), [`plan_stacks`] (the files of named stacks,
//! for `synth STACK..`), and [`stale`] on top of `plan_stacks`, with which
//! `deploy` refuses a stack with a stale file and `drift` reports one as
//! layer 1.

use super::{Artifact, Assembly};
use crate::Error;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The directory of templates, relative to the output directory.
pub const STACKS_DIR: &str = "stacks";
/// The directory of buildspecs, relative to the output directory.
pub const BUILDSPECS_DIR: &str = "buildspecs";

/// What synth does to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// The file does not exist yet.
    Create,
    /// The file exists with other contents.
    Update,
    /// The file belongs to no stack of the app any more.
    Remove,
    /// The file is current.
    Unchanged,
}

/// One file and what synth does to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// The path relative to the output directory, with `/` separators.
    pub path: String,
    /// What happens to it.
    pub change: Change,
}

/// Compares the files on disk below `root` with the assembly; the result is
/// sorted by path.
pub fn plan(root: &Path, assembly: &Assembly) -> Result<Vec<FileChange>, Error> {
    let wanted: BTreeMap<String, &str> = assembly.files().into_iter().collect();
    let mut existing = Vec::new();
    list(
        root,
        STACKS_DIR,
        false,
        &["yaml", "yml", "json"],
        &mut existing,
    )?;
    list(root, BUILDSPECS_DIR, true, &["yaml", "yml"], &mut existing)?;

    let mut changes = BTreeMap::new();
    for (path, contents) in &wanted {
        let full = root.join(path);
        let change = match fs::read(&full) {
            Ok(bytes) if bytes == contents.as_bytes() => Change::Unchanged,
            Ok(_) => Change::Update,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Change::Create,
            Err(source) => {
                return Err(Error::Io {
                    action: "read",
                    path: full,
                    source,
                });
            }
        };
        changes.insert(path.clone(), change);
    }
    for path in existing {
        changes.entry(path).or_insert(Change::Remove);
    }
    Ok(changes
        .into_iter()
        .map(|(path, change)| FileChange { path, change })
        .collect())
}

/// The paths of the files `stacks` own: each template and its buildspecs.
pub fn owned_paths(stacks: &[&Artifact]) -> Vec<String> {
    stacks
        .iter()
        .flat_map(|s| {
            std::iter::once(s.template_path()).chain(s.files.iter().map(|f| f.path.clone()))
        })
        .collect()
}

/// Compares only the files `stacks` own with the assembly, sorted by path;
/// nothing is marked [`Change::Remove`].
pub fn plan_stacks(
    root: &Path,
    assembly: &Assembly,
    stacks: &[&Artifact],
) -> Result<Vec<FileChange>, Error> {
    let owned = owned_paths(stacks);
    Ok(plan(root, assembly)?
        .into_iter()
        .filter(|c| owned.contains(&c.path))
        .collect())
}

/// The files of `stacks` that differ from the code, as `path: stale` or
/// `path: missing`, sorted by path; empty when every file is current.
pub fn stale(root: &Path, assembly: &Assembly, stacks: &[&Artifact]) -> Result<Vec<String>, Error> {
    Ok(plan_stacks(root, assembly, stacks)?
        .into_iter()
        .filter_map(|c| match c.change {
            Change::Create => Some(format!("{}: missing", c.path)),
            Change::Update => Some(format!("{}: stale", c.path)),
            Change::Remove | Change::Unchanged => None,
        })
        .collect())
}

/// Writes created and updated files (through a temporary file and a rename,
/// so an interrupted synth never leaves half a template) and removes files
/// marked [`Change::Remove`].
pub fn apply(root: &Path, assembly: &Assembly, changes: &[FileChange]) -> Result<(), Error> {
    let wanted: BTreeMap<String, &str> = assembly.files().into_iter().collect();
    for c in changes {
        let full = root.join(&c.path);
        match c.change {
            Change::Unchanged => {}
            Change::Create | Change::Update => {
                let contents = wanted.get(&c.path).copied().unwrap_or_default();
                write_atomic(&full, contents)?;
            }
            Change::Remove => fs::remove_file(&full).map_err(|source| Error::Io {
                action: "remove",
                path: full.clone(),
                source,
            })?,
        }
    }
    Ok(())
}

fn write_atomic(path: &Path, contents: &str) -> Result<(), Error> {
    let io = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io("create", dir))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".pipewright-tmp");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, contents).map_err(io("write", &tmp))?;
    fs::rename(&tmp, path).map_err(io("write", path))
}

/// Lists owned files below `root/dir` as relative `/`-separated paths.
fn list(
    root: &Path,
    dir: &str,
    recursive: bool,
    extensions: &[&str],
    out: &mut Vec<String>,
) -> Result<(), Error> {
    let full = root.join(dir);
    let entries = match fs::read_dir(&full) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(Error::Io {
                action: "list",
                path: full,
                source,
            });
        }
    };
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            action: "list",
            path: full.clone(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{dir}/{name}");
        let file_type = entry.file_type().map_err(|source| Error::Io {
            action: "list",
            path: entry.path(),
            source,
        })?;
        if file_type.is_dir() {
            if recursive {
                list(root, &rel, true, extensions, out)?;
            }
        } else if Path::new(&name)
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            out.push(rel);
        }
    }
    Ok(())
}
