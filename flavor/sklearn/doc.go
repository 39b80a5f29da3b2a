// Package sklearn serves scikit-learn models in pure Go. It reads the
// model.pkl that pickle.dump, joblib.dump (including its NumpyArrayWrapper
// arrays and zlib/gzip compression) and MLflow's sklearn flavor write, and
// predicts without Python.
//
// # Safety
//
// A pickle is a program that may call any importable Python function, so
// unpickling a hostile model.pkl with Python runs the attacker's code. This
// package uses a restricted unpickler (gopickle with a FindClass hook):
// only an allow-list of scikit-learn classes and numpy reconstruction
// functions, identified by module and name, is rebuilt, and each is rebuilt
// as inert Go data. Any other global ends the load with an error such as
// `refused global "os.system"` (or `unsupported estimator
// sklearn.svm._classes.SVC` for a scikit-learn class the package does not
// implement); nothing is ever executed. Declared lengths, array shapes,
// tree child indexes, nesting depth and the memory the rebuilt model needs
// are checked against the file before anything is allocated, so a corrupt
// or hostile file is a load error wrapping flavor.ErrCorrupt or
// flavor.ErrUnsupported, not a crash.
//
// # Estimators
//
// Pipeline, ColumnTransformer (with "drop", "passthrough" and remainder),
// StandardScaler, MinMaxScaler, SimpleImputer, OneHotEncoder,
// FunctionTransformer(func=None), LogisticRegression (binary, multinomial,
// one-vs-rest), LinearRegression, Ridge, Lasso, DecisionTree and ExtraTree
// classifiers and regressors, RandomForest and ExtraTrees classifiers and
// regressors, GradientBoosting classifiers (binary, multiclass,
// exponential) and regressors (any loss; init "zero", a Dummy estimator or
// any supported estimator), DummyClassifier and DummyRegressor, as pickled
// by scikit-learn 1.2. Trees compare float32(x) <= threshold in double
// precision, exactly as scikit-learn does after casting X to float32.
//
// # Inputs
//
// When every input column is numeric the model takes one float64 tensor
// named "input" of shape [batch, n_features] (float32 and int64 are
// accepted too); NaN marks a missing value for an imputer. When a
// OneHotEncoder or SimpleImputer was fitted on string columns (typically
// inside a ColumnTransformer fitted on a pandas DataFrame), the model takes
// one 1-D tensor per input column instead, in column order and named by
// column: string tensors for categorical columns, float64 for the others.
// Signature.Columns names the columns from feature_names_in_, or x0..xN-1
// when the model was fitted on an unnamed array.
//
// # Outputs
//
// Classifiers return flavor.OutputPredictions (the class labels predict()
// returns: int64 when classes_ are integers, string when they are strings)
// and flavor.OutputProbabilities ([batch, n_classes] float64, predict_proba;
// Signature.Classes names the columns). Regressors return
// flavor.OutputPredictions as float64 [batch], or [batch, n_targets] for
// multi-target models.
package sklearn
