//! Indexing a folder: which files are images, and which class each belongs to.
//!
//! A folder with sub-folders is labelled: each sub-folder (sorted by name) is a class and holds
//! that class's images. A folder with none is unlabelled. Entries whose name starts with `.`
//! (`.DS_Store`, `.ipynb_checkpoints`) are skipped, as are files whose extension is not listed;
//! sub-folders of class folders are not searched. Everything is sorted by name, so the index is
//! the same on every machine.

use std::path::{Path, PathBuf};

use frameworm_core::ComponentError;

/// The images found, and the classes when the folder is labelled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    /// Class names (sub-folder names, sorted); empty for an unlabelled folder.
    pub classes: Vec<String>,
    /// Every image with its class index (`None` when unlabelled), class by class, sorted by name.
    pub files: Vec<(PathBuf, Option<usize>)>,
}

/// The entries of `dir` that are not hidden, sorted by file name, split into (folders, files).
fn entries(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), ComponentError> {
    let io = |source| ComponentError::Io { path: dir.display().to_string(), source };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            paths.push(entry.path());
        }
    }
    paths.sort();
    // `is_dir` follows symbolic links, so a linked class folder counts as one.
    Ok(paths.into_iter().partition(|path| path.is_dir()))
}

/// Whether `path` ends in one of `extensions` (lowercase, without the dot), ignoring case.
fn has_extension(path: &Path, extensions: &[String]) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| extensions.iter().any(|wanted| wanted.eq_ignore_ascii_case(extension)))
}

/// Indexes `dir`, keeping files with one of `extensions` (lowercase, without the dot).
pub fn index(dir: &Path, extensions: &[String]) -> Result<Index, ComponentError> {
    let name = dir.display();
    let listed = extensions.join(", ");
    let (folders, files) = entries(dir)?;
    let images: Vec<PathBuf> = files.into_iter().filter(|path| has_extension(path, extensions)).collect();
    if folders.is_empty() {
        if images.is_empty() {
            return Err(ComponentError::Invalid(format!(
                "{name}: no images (extensions {listed}) and no class sub-folders; `dataset.dir` must name a folder \
                 of images, or of one sub-folder of images per class"
            )));
        }
        return Ok(Index { classes: Vec::new(), files: images.into_iter().map(|path| (path, None)).collect() });
    }
    if let Some(stray) = images.first() {
        return Err(ComponentError::Invalid(format!(
            "{name}: has class sub-folders but also {} image(s) outside them (first: {}); move them into a class \
             folder, or remove the sub-folders for an unlabelled data set",
            images.len(),
            stray.display()
        )));
    }
    let mut index = Index::default();
    for (class, folder) in folders.iter().enumerate() {
        let (_, files) = entries(folder)?;
        let before = index.files.len();
        index
            .files
            .extend(files.into_iter().filter(|path| has_extension(path, extensions)).map(|path| (path, Some(class))));
        if index.files.len() == before {
            return Err(ComponentError::Invalid(format!(
                "{}: class folder holds no images (extensions {listed}); add some or remove the folder",
                folder.display()
            )));
        }
        index.classes.push(folder.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default());
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, b"").unwrap();
    }

    fn extensions() -> Vec<String> {
        vec!["png".into(), "jpg".into()]
    }

    fn names(index: &Index, root: &Path) -> Vec<(String, Option<usize>)> {
        index
            .files
            .iter()
            .map(|(path, label)| (path.strip_prefix(root).unwrap().to_string_lossy().into_owned(), *label))
            .collect()
    }

    #[test]
    fn class_folders_are_sorted_and_label_their_images() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["zebra/b.PNG", "zebra/a.jpg", "ant/x.png", "ant/notes.txt", "ant/.hidden.png", ".git/c.png"] {
            touch(&dir.path().join(file));
        }
        touch(&dir.path().join("README.md"));
        let index = index(dir.path(), &extensions()).unwrap();
        assert_eq!(index.classes, vec!["ant", "zebra"]);
        assert_eq!(
            names(&index, dir.path()),
            vec![("ant/x.png".into(), Some(0)), ("zebra/a.jpg".into(), Some(1)), ("zebra/b.PNG".into(), Some(1))]
        );
    }

    #[test]
    fn flat_folder_is_unlabelled() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["2.png", "1.JPG", "skip.gif"] {
            touch(&dir.path().join(file));
        }
        let index = index(dir.path(), &extensions()).unwrap();
        assert!(index.classes.is_empty());
        assert_eq!(names(&index, dir.path()), vec![("1.JPG".into(), None), ("2.png".into(), None)]);
    }

    #[test]
    fn empty_and_ambiguous_folders_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let message = index(dir.path(), &extensions()).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("{}: no images (extensions png, jpg)", dir.path().display())),
            "{message}"
        );

        touch(&dir.path().join("cats/readme.txt"));
        let message = index(dir.path(), &extensions()).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("{}: class folder holds no images", dir.path().join("cats").display())),
            "{message}"
        );

        touch(&dir.path().join("cats/a.png"));
        touch(&dir.path().join("stray.png"));
        let message = index(dir.path(), &extensions()).unwrap_err().to_string();
        assert!(message.contains("1 image(s) outside them (first: ") && message.contains("stray.png"), "{message}");

        let missing = dir.path().join("missing");
        let error = index(&missing, &extensions()).unwrap_err();
        assert!(matches!(&error, ComponentError::Io { path, .. } if *path == missing.display().to_string()), "{error}");
    }
}
