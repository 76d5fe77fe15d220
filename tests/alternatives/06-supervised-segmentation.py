"""Other correct answers to exercise 06: each must get full marks for its question.

Each string replaces all answer cells of its question in a completed copy of the exercise
(tests/test_week_grading.py), so it defines every answer of the question, and the names later
questions use (``iou_per_class``, ``grey_px``, ``forest``, ``X_test_table``).
"""

ALTERNATIVES = {
    # the table built image by image; the same split
    "q1": ["""
X = np.stack([img.ravel() for img in images])
X_trval, X_test, y_trval, y_test = train_test_split(X, y, test_size=0.2, stratify=y,
                                                    random_state=7)
X_train, X_val, y_train, y_val = train_test_split(X_trval, y_trval, test_size=0.25,
                                                  stratify=y_trval, random_state=7)
"""],
    # the majority digit counted by hand, accuracies as means of a comparison
    "q2": ["""
dummy_class = int(np.bincount(y_train).argmax())
dummy_val_acc = float(np.mean(y_val == dummy_class))
guesser = DummyClassifier(strategy="stratified", random_state=0).fit(X_train, y_train)
stratified_val_acc = accuracy_score(y_val, guesser.predict(X_val))
"""],
    # accuracy_score instead of .score, and the refit on concatenated training + validation sets
    "q3": ["""
val_scores = np.array([accuracy_score(y_val, KNeighborsClassifier(n_neighbors=k)
                                      .fit(X_train, y_train).predict(X_val)) for k in ks])
best_k = ks[int(np.argmax(val_scores))]
final = KNeighborsClassifier(n_neighbors=best_k).fit(np.concatenate([X_train, X_val]),
                                                     np.concatenate([y_train, y_val]))
test_acc = final.score(X_test, y_test)
"""],
    # scikit-learn's jaccard_score instead of the confusion matrix; the dummy as a constant map
    "q5": ["""
from sklearn.metrics import jaccard_score


def iou_per_class(true, pred, n_classes=4):
    return jaccard_score(np.ravel(true), np.ravel(pred), labels=list(range(n_classes)),
                         average=None, zero_division=0)


iou_base = iou_per_class(test_truth, pred_base)
miou_base = iou_base.mean()
majority = np.bincount(y_px).argmax()
miou_dummy = iou_per_class(test_truth, np.full(test_truth.shape, majority)).mean()
"""],
    # another seed, all cores, jaccard_score for the IoU
    "q7": ["""
forest = RandomForestClassifier(n_estimators=20, random_state=1, n_jobs=2).fit(X_labelled, y_px)
X_test_table = features_test.reshape(192 * 192, 24)
pred_forest = forest.predict(X_test_table).reshape(192, 192)
iou_forest = jaccard_score(test_truth.ravel(), pred_forest.ravel(), average=None)
miou_forest = iou_forest.mean()
"""],
    # precision, recall and Dice from the confusion matrix
    "q8": ["""
cm = confusion_matrix(test_truth.ravel(), pred_forest.ravel(), labels=range(4))
tp = np.diag(cm)
precision_forest = tp / cm.sum(axis=0)
recall_forest = tp / cm.sum(axis=1)
dice_forest = 2 * tp / (cm.sum(axis=0) + cm.sum(axis=1))
"""],
    # accuracies as means of comparisons; a bigger position forest with another seed
    "q9": ["""
acc_train_pixels = float(np.mean(forest.predict(X_labelled) == y_px))
acc_new_sample = float(np.mean(pred_forest == test_truth))
where = RandomForestClassifier(n_estimators=50, random_state=1).fit(positions[train_idx], y_px)
acc_position_other = float(np.mean(where.predict(positions[other_idx]) == truth.ravel()[other_idx]))
acc_position_new = float(np.mean(where.predict(positions) == test_truth.ravel()))
"""],
    # a Pipeline with our own step names; the scaler read by position
    "q10": ["""
from sklearn.pipeline import Pipeline

table_train = np.hstack([features_train.reshape(-1, 24), positions])
table_test = np.hstack([features_test.reshape(-1, 24), positions])
pipe = Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier(n_neighbors=5))])
pipe.fit(table_train[train_idx], y_px)
miou_knn_scaled = float(iou_per_class(test_truth, pipe.predict(table_test)).mean())
scaler_mean = pipe[0].mean_
raw = KNeighborsClassifier(n_neighbors=5).fit(table_train[train_idx], y_px)
miou_knn_raw = float(iou_per_class(test_truth, raw.predict(table_test)).mean())
"""],
    # forests of 50 trees with another seed
    "q11": ["""
stroke_idx = pixels.brush_strokes(truth, strokes_per_class=2, length=40, width=5, seed=3)
same_n = pixels.scattered_labels(image.shape, count=len(stroke_idx), seed=3)


def miou_from(idx):
    rf = RandomForestClassifier(n_estimators=50, random_state=1)
    rf.fit(features_train.reshape(-1, 24)[idx], truth.ravel()[idx])
    return float(iou_per_class(test_truth, rf.predict(features_test.reshape(-1, 24))).mean())


miou_strokes, miou_same_n = miou_from(stroke_idx), miou_from(same_n)
"""],
    # scaling by hand instead of a pipeline, and another random_state for the network
    "q12": ["""
scaler = StandardScaler().fit(windows_train[many_idx])
net = MLPClassifier(hidden_layer_sizes=(16,), alpha=1.0, early_stopping=True,
                    n_iter_no_change=20, max_iter=300, random_state=2)
net.fit(scaler.transform(windows_train[many_idx]), truth.ravel()[many_idx])
pred_mlp = net.predict(scaler.transform(windows_test)).reshape(192, 192)
miou_mlp = float(iou_per_class(test_truth, pred_mlp).mean())
first_layer = net.coefs_[0]
n_epochs = net.n_iter_
"""],
}
