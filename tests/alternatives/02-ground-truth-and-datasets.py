"""Other correct answers to the questions of exercise 02 (see tests/test_week_grading.py).

Each code string replaces all answer cells of its question in a completed copy of the
exercise; it must get full marks for that question.
"""

ALTERNATIVES = {
    # another random stratified split, by hand: shuffle each class and cut it 30 / 30 / 140
    "q1": ['''
rng = np.random.default_rng(7)
parts = {"test": [], "val": [], "train": []}
for c in range(3):
    members = rng.permutation(np.flatnonzero(labels == c))
    parts["test"] += members[:30].tolist()
    parts["val"] += members[30:60].tolist()
    parts["train"] += members[60:].tolist()
ids_train, ids_val, ids_test = (np.array(parts[k]) for k in ("train", "val", "test"))
val_counts = np.bincount(labels[ids_val], minlength=3)
''',
    # scikit-learn's StratifiedShuffleSplit, twice
    '''
from sklearn.model_selection import StratifiedShuffleSplit

first = StratifiedShuffleSplit(n_splits=1, test_size=90, random_state=1)
rest_pos, test_pos = next(first.split(ids, labels))
ids_rest, ids_test = ids[rest_pos], ids[test_pos]
second = StratifiedShuffleSplit(n_splits=1, test_size=90, random_state=1)
train_pos, val_pos = next(second.split(ids_rest, labels[ids_rest]))
ids_train, ids_val = ids_rest[train_pos], ids_rest[val_pos]
val_counts = np.bincount(labels[ids_val])
'''],
    # the dummy by hand (the most frequent training class), accuracies as mean of hits
    "q3": ['''
majority = np.bincount(labels[ids_train]).argmax()
dummy_acc = float(np.mean(labels[ids_test] == majority))


def pipeline(k):
    return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=k))


val_acc = [float(np.mean(pipeline(k).fit(X_feat[ids_train], labels[ids_train])
                         .predict(X_feat[ids_val]) == labels[ids_val])) for k in ks]
best_k = ks[val_acc.index(max(val_acc))]
both = np.concatenate([ids_train, ids_val])
test_acc = float(np.mean(pipeline(best_k).fit(X_feat[both], labels[both])
                         .predict(X_feat[ids_test]) == labels[ids_test]))
'''],
    # a plain loop over the pairs; the worst mistake from divmod of the flat position
    "q4": ['''
cm_hand = np.zeros((10, 10), dtype=int)
for t, p_ in zip(digit_true, digit_pred):
    cm_hand[t, p_] += 1
acc_from_cm = float(np.diag(cm_hand).sum() / cm_hand.sum())
off = cm_hand - np.diag(np.diag(cm_hand))
worst_pair = tuple(int(v) for v in divmod(int(off.argmax()), 10))
'''],
    # every score from the 2 x 2 confusion matrices, counted by hand
    "q5": ['''
def confusion(y_true, y_pred):
    cm = np.zeros((2, 2), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5)).fit(X_feat[tr], labels[tr])
cm_knn = confusion(labels[te], model.predict(X_feat[te]))
cm_dummy = confusion(labels[te], np.zeros(len(te), dtype=int))   # always the common class
recall_knn = np.diag(cm_knn) / cm_knn.sum(axis=1)
acc_knn = np.trace(cm_knn) / cm_knn.sum()
acc_dummy = np.trace(cm_dummy) / cm_dummy.sum()
bal_acc_knn = recall_knn.mean()
bal_acc_dummy = (np.diag(cm_dummy) / cm_dummy.sum(axis=1)).mean()
'''],
    # another random balanced subset (other seed, permutation instead of choice)
    "q6": ['''
rng = np.random.default_rng(123)
squares = tr[labels[tr] == 1]
circles = rng.permutation(tr[labels[tr] == 0])[:len(squares)]
subset = np.concatenate([squares, circles])
model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5)).fit(X_feat[subset], labels[subset])
recall_subset = recall_score(labels[te], model.predict(X_feat[te]), average=None)
bal_acc_subset = float(recall_subset.mean())
'''],
    # other random splits (random_state=1) for both pipelines
    "q9": ['''
c_train, c_test = train_test_split(np.arange(len(groups)), test_size=0.3, stratify=y_copies, random_state=1)
leaky = KNeighborsClassifier(n_neighbors=1).fit(X_copies[c_train], y_copies[c_train])
acc_leaky = leaky.score(X_copies[c_test], y_copies[c_test])
share_leaked = float(np.mean([g in set(groups[c_train]) for g in groups[c_test]]))
acc_leaky_unseen = leaky.score(standardise(images[unseen]), labels[unseen])
o_train, o_test = train_test_split(originals, test_size=0.3, stratify=labels[originals], random_state=1)
keep = np.isin(groups, o_train)
honest = KNeighborsClassifier(n_neighbors=1).fit(X_copies[keep], y_copies[keep])
acc_honest = honest.score(standardise(images[o_test]), labels[o_test])
'''],
}
