//! The csv dataset on small tables written by hand and on the shipped data.

use super::*;

fn table(text: &str, config: impl FnOnce(&mut CsvConfig)) -> Result<CsvDataset, ComponentError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, text).unwrap();
    let mut c = CsvConfig { path, target: Columns::One("y".into()), task: Some(Task::Regression), ..CsvConfig::default() };
    config(&mut c);
    CsvDataset::from_config(c)
}

fn error(text: &str, config: impl FnOnce(&mut CsvConfig)) -> String {
    table(text, config).unwrap_err().to_string()
}

#[test]
fn regression_standardises_with_the_training_rows_only() {
    let mut data = table("a,b,y\n1,10,100\n3,10,300\n5,10,1000\n", |_| ()).unwrap();
    let schema = data.schema();
    assert_eq!(schema.describe(), "`features` f32[2], `target` f32[1]");
    data.fit(&[0, 1]).unwrap();
    let sample = data.get(2).unwrap();
    // a: mean 2, std 1 → (5 - 2) / 1 = 3; b is constant → centred with std 1; y: mean 200, std 100.
    assert_eq!(sample.floats(0).unwrap(), &[3.0, 0.0]);
    assert_eq!(sample.floats(1).unwrap(), &[8.0]);
    let fitted = data.schema();
    assert_eq!(fitted.field("target").unwrap().scaling.as_ref().unwrap().mean, vec![200.0]);
}

#[test]
fn classification_maps_labels_to_classes_and_a_validation_table_adopts_them() {
    let mut data = table("x,kind\n1,b\n2,a\n3,c\n", |c| {
        c.target = Columns::One("kind".into());
        c.task = Some(Task::Classification);
    })
    .unwrap();
    let field = data.schema().field("target").cloned().unwrap();
    assert_eq!((field.classes, field.names.clone().unwrap()), (Some(3), vec!["a".to_string(), "b".into(), "c".into()]));
    assert_eq!(data.get(0).unwrap().ints(1).unwrap(), &[1]);
    data.fit(&[0, 1, 2]).unwrap();
    let mut val = table("x,kind\n1,c\n2,c\n", |c| {
        c.target = Columns::One("kind".into());
        c.task = Some(Task::Classification);
    });
    assert!(val.is_err(), "one class only is refused");
    val = table("x,kind\n1,c\n2,d\n", |c| {
        c.target = Columns::One("kind".into());
        c.task = Some(Task::Classification);
    });
    let error = val.unwrap().adopt(&data.schema()).unwrap_err().to_string();
    assert!(error.contains("t.csv:3: label `d` is not one of the training table's classes (a, b, c)"), "{error}");
}

#[test]
fn integer_labels_sort_numerically() {
    assert_eq!(class_names(&["10".into(), "2".into(), "1".into(), "2".into()]), ["1", "2", "10"]);
}

#[test]
fn bad_cells_name_file_line_and_column() {
    let e = error("a,b,y\n1,2,3\n1,x,3\n", |_| ());
    assert!(e.contains("t.csv:3:2 (column `b`): `x` is not a number"), "{e}");
    let e = error("a,b,y\n1,2,3\n1,,3\n", |_| ());
    assert!(e.contains("t.csv:3:2 (column `b`): missing value"), "{e}");
    let e = error("a,b,y\n1,2,3\n1,inf,3\n", |_| ());
    assert!(e.contains("`inf` is not a finite number"), "{e}");
    let e = error("a,b,y\n1,2,3\n1,2\n", |_| ());
    assert!(e.contains("t.csv:3: the row has 2 cells but the header has 3"), "{e}");
    let e = error("", |_| ());
    assert!(e.contains("t.csv: the file is empty"), "{e}");
    let e = error("a,b,y\n1,2,3\n", |_| ());
    assert!(e.contains("the table has 1 data row; it needs at least 2"), "{e}");
    let e = error("a,a,y\n1,2,3\n1,2,3\n", |_| ());
    assert!(e.contains("column `a` appears twice"), "{e}");
}

#[test]
fn bad_column_choices_are_config_errors() {
    let e = error("age,bmi,y\n1,2,3\n1,2,3\n", |c| c.features = Columns::Many(vec!["bmx".into()]));
    assert!(e.contains("names column `bmx`, which the header does not have; did you mean `bmi`?"), "{e}");
    let e = error("a,b,y\n1,2,3\n1,2,3\n", |c| c.features = Columns::Many(vec!["a".into(), "y".into()]));
    assert!(e.contains("column `y` is both a feature and the target"), "{e}");
    let e = error("a,b,y\n1,2,3\n1,2,3\n", |c| c.features = Columns::One("z*".into()));
    assert!(e.contains("`z*` matches no column"), "{e}");
    let e = error("a,b,y\n1,2,3\n1,2,3\n", |c| c.task = None);
    assert!(e.contains("set `task: regression` or `task: classification`"), "{e}");
}

#[test]
fn globs_select_columns_in_file_order() {
    let data = table("s2,age,s1,y\n1,2,3,4\n5,6,7,8\n", |c| c.features = Columns::One("s*".into())).unwrap();
    assert_eq!(data.feature_names, ["s2", "s1"]);
}

#[test]
fn the_shipped_tables_load() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let diabetes = CsvDataset::from_config(CsvConfig {
        path: root.join("diabetes.csv"),
        target: Columns::One("progression".into()),
        task: Some(Task::Regression),
        ..CsvConfig::default()
    })
    .unwrap();
    assert_eq!((diabetes.len(), diabetes.schema().describe()), (442, "`features` f32[10], `target` f32[1]".to_string()));
    let iris = CsvDataset::from_config(CsvConfig {
        path: root.join("iris.csv"),
        target: Columns::One("species".into()),
        task: Some(Task::Classification),
        ..CsvConfig::default()
    })
    .unwrap();
    assert_eq!((iris.len(), iris.schema().field("target").unwrap().classes), (150, Some(3)));
}
