"""The hidden-state probe of `agentcoder probe` (src/evaluation/probe.h).

Per model variant and layer: a cross-validated logistic regression for
"needs the tool" and one for "calls the tool" on the hidden state of the
free episodes' last prompt token, the AUROC of each (out-of-fold scores)
with a bootstrap CI over episodes, and the cosine between the two fitted
directions.

    python probe.py INPUT.json OUTPUT.json

INPUT.json (written by probe.cpp):
    {"folds": k, "bootstrap": B, "seed": s, "layers": [l0, l1, ...],
     "groups": [{"variant": name, "width": D, "matrix": "X-0.f32",
                 "needs": [1, 0, null, ...], "calls": [1, 0, ...],
                 "tasks": ["task id", ...]}]}
The matrix file (beside INPUT.json) is float32, little-endian, one row per
episode of L*D values (layer after layer, in "layers" order). A null in
"needs" leaves that episode out of the needs probe only.

Each probe is StandardScaler + LogisticRegression (L2, C=1), k-fold
stratified with a task's episodes in one fold (StratifiedGroupKFold: one
task's prompt formats and samples share its text and, within a format, its
very hidden state, so splitting them would score a probe on rows it was
fitted on); k is lowered to the number of tasks with an episode in the
smaller class when that is under k. The CI resamples tasks.
Its direction is the fitted coefficient vector on all episodes, mapped
back to the hidden state's own coordinates (coef / scale), so that the
cosine compares directions in one space. Exit 3: numpy or scikit-learn
missing.
"""
import json
import os
import sys

try:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from scipy.stats import rankdata
except ImportError as error:
    print(f"the probe needs numpy and scikit-learn in the project's Python environment: {error}", file=sys.stderr)
    sys.exit(3)


def make_model():
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=10000))


def fit_label(x, y, tasks, folds, bootstrap, seed):
    """The probe of one label at one layer: its AUROC and CI, and its direction."""
    positives = int(y.sum())
    smaller = min(positives, len(y) - positives)
    out = {"n": int(len(y)), "positives": positives}
    if smaller < 2:
        out["why"] = f"{smaller} in the smaller class, 2 needed"
        return out, None
    smaller_label = 1 if positives == smaller else 0
    smaller_tasks = len(set(tasks[y == smaller_label]))
    if smaller_tasks < 2:
        out["why"] = f"the smaller class comes from {smaller_tasks} task, 2 needed"
        return out, None
    k = min(folds, smaller_tasks)
    cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    try:
        scores = cross_val_predict(make_model(), x, y, groups=tasks, cv=cv, method="decision_function")
    except ValueError as error:  # a fold left its training part with one class
        out["why"] = f"cross-validation failed: {error}"
        return out, None
    out["folds"] = k
    out["auroc"] = float(roc_auc_score(y, scores))
    resampled = bootstrap_aurocs(y, scores, tasks, bootstrap, seed)
    if len(resampled):
        out["ci_low"], out["ci_high"] = (float(v) for v in np.percentile(resampled, [2.5, 97.5]))
    fitted = make_model().fit(x, y)
    direction = fitted[-1].coef_[0] / fitted[0].scale_
    return out, direction


def bootstrap_aurocs(y, scores, tasks, resamples, seed):
    """AUROCs of `resamples` resamples of the tasks (with replacement, each
    drawn task bringing all its episodes), by the rank-sum formula (ties
    share their mean rank, as in roc_auc_score); resamples of one class,
    which have none, are left out."""
    if resamples <= 0:
        return np.array([])
    rng = np.random.default_rng(seed)
    names, index = np.unique(tasks, return_inverse=True)
    members = [np.flatnonzero(index == t) for t in range(len(names))]
    out = []
    for draw in rng.integers(0, len(names), (resamples, len(names))):
        pick = np.concatenate([members[t] for t in draw])
        yb, sb = y[pick], scores[pick]
        p = int(yb.sum())
        q = len(yb) - p
        if p == 0 or q == 0:
            continue
        out.append((rankdata(sb)[yb == 1].sum() - p * (p + 1) / 2) / (p * q))
    return np.array(out)


def cosine(a, b):
    if a is None or b is None:
        return None
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norm) if norm > 0 else None


def main():
    if len(sys.argv) != 3:
        print("usage: probe.py INPUT.json OUTPUT.json", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    folder = os.path.dirname(os.path.abspath(sys.argv[1]))
    layers = spec["layers"]
    result = {"layers": layers, "folds": spec["folds"], "bootstrap": spec["bootstrap"], "groups": []}
    for group in spec["groups"]:
        width = group["width"]
        calls = np.array(group["calls"], dtype=int)
        matrix = np.fromfile(os.path.join(folder, group["matrix"]), dtype="<f4")
        matrix = matrix.reshape(len(calls), len(layers) * width).astype(np.float64)
        has_need = np.array([v is not None for v in group["needs"]])
        needs = np.array([int(v) if v is not None else 0 for v in group["needs"]])[has_need]
        tasks = np.array(group["tasks"])
        per_layer = []
        for i, layer in enumerate(layers):
            x = matrix[:, i * width:(i + 1) * width]
            need_fit, need_dir = fit_label(x[has_need], needs, tasks[has_need], spec["folds"], spec["bootstrap"], spec["seed"])
            call_fit, call_dir = fit_label(x, calls, tasks, spec["folds"], spec["bootstrap"], spec["seed"])
            per_layer.append({"layer": layer, "needs": need_fit, "calls": call_fit, "cosine": cosine(need_dir, call_dir)})
        result["groups"].append({"variant": group["variant"], "width": width, "episodes": int(len(calls)),
                                 "layers": per_layer})
    with open(sys.argv[2], "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
