//! The files synth owns on disk: `stacks/*.{yaml,yml,json}` and
//! `buildspecs/**/*.{yml,yaml}` below an output directory. A [`Tree`]
//! compares them with synthesized stacks, one stack at a time, and can stage
//! what changed and publish it once synth has succeeded; that is `synth` and
//! `synth --check`, which thereby never hold more than one stack's rendered
//! text. [`plan`] and [`apply`] do the same for a whole [`Assembly`].
//!
//! One comparison serves every command: [`Tree`] (for `synth`), [`plan`]
//! (the whole tree), [`plan_stacks`] (the files of named stacks), and
//! [`stale`] on top of `plan_stacks`, with which `deploy` refuses a stack
//! with a stale file and `drift` reports one as layer 1.

use super::{Artifact, Assembly};
use crate::Error;
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
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

/// The files below an output directory, compared with synthesized stacks as
/// they are added. A tree made with [`Tree::stage`] also writes each
/// created or updated file beside its target (`<file>.pipewright-tmp`), so
/// that the stack's text can be dropped at once; [`Tree::publish`] renames
/// them into place, and a tree dropped unpublished (synth found a problem,
/// or a write failed) removes them, leaving the directory as it was.
#[derive(Debug)]
pub struct Tree {
    root: PathBuf,
    stage: bool,
    /// Every path added, and how it compares with the file on disk.
    wanted: BTreeMap<String, Change>,
    /// Temporary files written, and the file each replaces.
    staged: Vec<(PathBuf, PathBuf)>,
    /// A buffer for reading files, reused from one to the next.
    buffer: Vec<u8>,
}

impl Tree {
    /// A tree that compares and writes nothing (`synth --check`).
    pub fn compare(root: &Path) -> Self {
        Self::new(root, false)
    }

    /// A tree that stages created and updated files for [`Tree::publish`].
    pub fn stage(root: &Path) -> Self {
        Self::new(root, true)
    }

    fn new(root: &Path, stage: bool) -> Self {
        Self {
            root: root.to_path_buf(),
            stage,
            wanted: BTreeMap::new(),
            staged: Vec::new(),
            buffer: Vec::new(),
        }
    }

    /// Compares a stack's template and buildspecs with the files on disk,
    /// and stages those that differ.
    pub fn add(&mut self, artifact: &Artifact) -> Result<(), Error> {
        self.add_file(artifact.template_path(), &artifact.body)?;
        for f in &artifact.files {
            self.add_file(f.path.clone(), &f.contents)?;
        }
        Ok(())
    }

    fn add_file(&mut self, path: String, contents: &str) -> Result<(), Error> {
        let full = self.root.join(&path);
        let change = match self.same(&full, contents.as_bytes()) {
            Ok(true) => Change::Unchanged,
            Ok(false) => Change::Update,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Change::Create,
            Err(source) => {
                return Err(Error::Io {
                    action: "read",
                    path: full,
                    source,
                });
            }
        };
        if self.stage && change != Change::Unchanged {
            let tmp = write_staged(&full, contents)?;
            // A file two stacks both write is staged once, with the
            // contents of the later stack.
            if !self.wanted.contains_key(&path) || !self.staged.iter().any(|(t, _)| *t == tmp) {
                self.staged.push((tmp, full));
            }
        }
        self.wanted.insert(path, change);
        Ok(())
    }

    /// Whether the file at `path` holds exactly `contents`; a file of
    /// another length is not read.
    fn same(&mut self, path: &Path, contents: &[u8]) -> std::io::Result<bool> {
        let mut file = fs::File::open(path)?;
        if file.metadata()?.len() != contents.len() as u64 {
            return Ok(false);
        }
        self.buffer.clear();
        file.read_to_end(&mut self.buffer)?;
        Ok(self.buffer == contents)
    }

    /// What synth does to each file added, sorted by path; with `removals`,
    /// also the owned files on disk that no stack added, as
    /// [`Change::Remove`].
    pub fn changes(&self, removals: bool) -> Result<Vec<FileChange>, Error> {
        let mut changes = self.wanted.clone();
        if removals {
            let mut existing = Vec::new();
            list(
                &self.root,
                STACKS_DIR,
                false,
                &["yaml", "yml", "json"],
                &mut existing,
            )?;
            list(
                &self.root,
                BUILDSPECS_DIR,
                true,
                &["yaml", "yml"],
                &mut existing,
            )?;
            for path in existing {
                changes.entry(path).or_insert(Change::Remove);
            }
        }
        Ok(changes
            .into_iter()
            .map(|(path, change)| FileChange { path, change })
            .collect())
    }

    /// Moves every staged file into place and removes the files that
    /// `changes` mark [`Change::Remove`].
    pub fn publish(mut self, changes: &[FileChange]) -> Result<(), Error> {
        let mut staged = std::mem::take(&mut self.staged).into_iter();
        while let Some((tmp, path)) = staged.next() {
            if let Err(source) = fs::rename(&tmp, &path) {
                // Not published: the drop removes it and those after it.
                self.staged.push((tmp, path.clone()));
                self.staged.extend(staged);
                return Err(Error::Io {
                    action: "write",
                    path,
                    source,
                });
            }
        }
        for c in changes.iter().filter(|c| c.change == Change::Remove) {
            let full = self.root.join(&c.path);
            fs::remove_file(&full).map_err(|source| Error::Io {
                action: "remove",
                path: full,
                source,
            })?;
        }
        Ok(())
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        for (tmp, _) in &self.staged {
            // Best effort: a leftover temporary file is never read as a
            // template (its extension is not one synth owns).
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Compares the files on disk below `root` with the assembly; the result is
/// sorted by path.
pub fn plan(root: &Path, assembly: &Assembly) -> Result<Vec<FileChange>, Error> {
    let mut tree = Tree::compare(root);
    for s in &assembly.stacks {
        tree.add(s)?;
    }
    tree.changes(true)
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
    let tmp = temporary(path);
    fs::write(&tmp, contents).map_err(io("write", &tmp))?;
    fs::rename(&tmp, path).map_err(io("write", path))
}

/// Writes `contents` beside `path`, as the temporary file that
/// [`write_atomic`] would rename, and returns its path.
fn write_staged(path: &Path, contents: &str) -> Result<PathBuf, Error> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|source| Error::Io {
            action: "create",
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let tmp = temporary(path);
    fs::write(&tmp, contents).map_err(|source| Error::Io {
        action: "write",
        path: tmp.clone(),
        source,
    })?;
    Ok(tmp)
}

/// The temporary file a file is written to before it is renamed into place.
fn temporary(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".pipewright-tmp");
    PathBuf::from(tmp)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::App;
    use crate::app::{Format, Stack};
    use crate::template::Resource;

    /// A directory of the test's own below the system's temporary
    /// directory, removed when the test ends.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("pipewright-files-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            Self(dir)
        }

        /// Every file below the directory, relative and sorted.
        fn files(&self) -> Vec<String> {
            fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
                let Ok(entries) = fs::read_dir(dir) else {
                    return;
                };
                for entry in entries.flatten() {
                    let name = format!("{rel}{}", entry.file_name().to_string_lossy());
                    if entry.path().is_dir() {
                        walk(&entry.path(), &format!("{name}/"), out);
                    } else {
                        out.push(name);
                    }
                }
            }
            let mut out = Vec::new();
            walk(&self.0, "", &mut out);
            out.sort();
            out
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn topic(name: &str) -> Stack {
        let mut stack = Stack::new(name);
        stack.add_resource("Topic", Resource::new("AWS::SNS::Topic"));
        stack
    }

    #[test]
    fn a_published_tree_holds_what_synth_made() {
        let dir = Scratch::new("published");
        let mut tree = Tree::stage(&dir.0);
        App::new()
            .stack(topic("a"))
            .synth_each(Format::Yaml, |a| tree.add(&a))
            .unwrap();
        let changes = tree.changes(true).unwrap();
        assert_eq!(
            changes,
            [FileChange {
                path: "stacks/a.yaml".to_owned(),
                change: Change::Create,
            }]
        );
        tree.publish(&changes).unwrap();
        assert_eq!(dir.files(), ["stacks/a.yaml"]);

        let mut tree = Tree::compare(&dir.0);
        App::new()
            .stack(topic("a"))
            .synth_each(Format::Yaml, |a| tree.add(&a))
            .unwrap();
        assert_eq!(tree.changes(true).unwrap()[0].change, Change::Unchanged);
    }

    #[test]
    fn a_tree_dropped_unpublished_leaves_the_directory_as_it_was() {
        let dir = Scratch::new("dropped");
        // A second resource `Topic` in `b` is found when `b` is built,
        // after `a` went to the sink and was staged.
        let mut bad = topic("b");
        bad.add_resource("Topic", Resource::new("AWS::SNS::Topic"));
        let mut tree = Tree::stage(&dir.0);
        let mut handed = Vec::new();
        let result = App::new()
            .stack(topic("a"))
            .stack(bad)
            .synth_each(Format::Yaml, |a| {
                handed.push(a.name.clone());
                tree.add(&a)
            });
        assert!(matches!(result, Err(Error::Synth(_))), "{result:?}");
        assert_eq!(handed, ["a"]);
        assert_eq!(dir.files(), ["stacks/a.yaml.pipewright-tmp"]);
        drop(tree);
        assert!(dir.files().is_empty(), "{:?}", dir.files());
    }
}
