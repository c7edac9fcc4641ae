#!/usr/bin/env python3
"""A grid of attacks x aggregators on one topology file and data split, one `gossip launch`
per cell (real processes over encrypted loopback TCP). Every cell's Byzantine peers run the
attack from round 0; the "none" row is the clean run with the same peers honest. Writes
OUT/robustness.json (one row a cell: attack, aggregator, f, the honest peers' average model's
test accuracy and their consensus error, rounds, wall time) and prints the table. A cell whose
run finished before is read back, not run again, so an interrupted grid picks up where it
stopped.

  bench/robustness.py --topology bench/robustness/exponential8.json --byzantine 0,4 \\
      --attacks none sign_flip alie:z=2 --aggregators mean median trimmed_mean:f=1 clipping:f=1 \\
      --out runs/robustness [-- extra gossip launch flags]

An aggregator is NAME or NAME:key=value,... ("krum:f=1,m=2"); an attack the same
("alie:z=2"). Values are JSON ("tau=0.5", "nnm=1"). Without --byzantine the attackers are the
peers that the file's training.byzantine names. With --groups "0-4,5-9" the table gives, per
group, the mean test accuracy of its honest peers' own models instead: whether groups of peers
learn from each other.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def part(spec):
    """'trimmed_mean:f=1' -> ('trimmed_mean', {'f': 1})"""
    name, _, rest = spec.partition(":")
    options = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return name, options


def cell_name(attack, aggregator):
    """A folder name for the cell: 'alie:z=2' and 'trimmed_mean:f=1' -> 'alie_z2--trimmed_mean_f1'."""
    def clean(spec):
        return spec.replace(":", "_").replace(",", "_").replace("=", "")
    return f"{clean(attack)}--{clean(aggregator)}"


def peer_ranges(text):
    """'0-4,7' -> [0, 1, 2, 3, 4, 7]"""
    peers = []
    for item in filter(None, text.split(",")):
        first, _, last = item.partition("-")
        peers += range(int(first), int(last or first) + 1)
    return peers


def byzantine_of_file(path):
    training = json.load(open(path)).get("training", {})
    return sorted({peer for entry in training.get("byzantine", []) for peer in entry.get("peers", [])})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topology", required=True, help="the topology file (its training section is the job)")
    parser.add_argument("--byzantine", help="peer ids of the attackers, e.g. 0,4 or 5-14 (default: the file's)")
    parser.add_argument("--attacks", nargs="+", default=["none", "sign_flip", "alie"], help="'none' is the clean run")
    parser.add_argument("--aggregators", nargs="+", default=["mean", "median", "trimmed_mean:f=1", "clipping:f=1"])
    parser.add_argument("--groups", help="peer groups whose accuracy to report apart, e.g. 0-4,5-9 (one range each)")
    parser.add_argument("--out", default="runs/robustness")
    parser.add_argument("--gossip", default=os.environ.get("GOSSIP", "build/gossip"))
    parser.add_argument("extra", nargs="*", help="after --: flags for every gossip launch")
    args = parser.parse_args()

    byzantine = peer_ranges(args.byzantine) if args.byzantine else byzantine_of_file(args.topology)
    if not byzantine and any(part(attack)[0] != "none" for attack in args.attacks):
        sys.exit("robustness: no attackers: pass --byzantine or name them in the file's training.byzantine")
    groups = [peer_ranges(group) for group in args.groups.split(",")] if args.groups else None
    os.makedirs(args.out, exist_ok=True)
    results_path = os.path.join(args.out, "robustness.json")
    rows = []
    for attack in args.attacks:
        for aggregator in args.aggregators:
            rows.append(run_cell(args, byzantine, attack, aggregator, groups))
            with open(results_path + ".tmp", "w") as out:
                json.dump(rows, out, indent=2)
            os.replace(results_path + ".tmp", results_path)
    print_table(rows, byzantine, groups)
    print(f"rows in {results_path}")


def run_cell(args, byzantine, attack_spec, aggregator_spec, groups):
    name = cell_name(attack_spec, aggregator_spec)
    run_dir = os.path.join(args.out, name)
    aggregator, aggregator_options = part(aggregator_spec)
    attack, attack_options = part(attack_spec)
    summary_path = os.path.join(run_dir, "summary.json")
    wall = None
    if not os.path.exists(summary_path):
        subprocess.run(["rm", "-rf", run_dir], check=True)
        entries = [] if attack == "none" else [{"peers": byzantine, "attack": attack, **attack_options}]
        settings = ["--aggregator", json.dumps({"kind": aggregator, **aggregator_options}),
                    "--set", "byzantine=" + json.dumps(entries)]
        print(f"== {name}", file=sys.stderr, flush=True)
        started = time.time()
        with open(os.path.join(args.out, name + ".log"), "w") as log:
            subprocess.run([args.gossip, "launch", args.topology, "--run-dir", run_dir, *settings, *args.extra],
                           stdout=log, stderr=subprocess.STDOUT)
        wall = time.time() - started
    else:
        print(f"== {name} (done before)", file=sys.stderr, flush=True)
    row = {"attack": attack_spec, "aggregator": aggregator_spec, "f": aggregator_options.get("f"),
           "byzantine_peers": byzantine if attack != "none" else []}
    if not os.path.exists(summary_path):
        row.update({"honest_test_accuracy": None, "failed": True, "wall_seconds": wall})
        return row
    summary = json.load(open(summary_path))
    row.update({"honest_test_accuracy": summary.get("test_accuracy"),
                "honest_consensus_error": summary.get("consensus_error_exact"),
                "rounds": summary.get("rounds"), "wall_seconds": summary.get("wall_seconds", wall)})
    honest = [p for p in summary.get("per_peer", []) if "byzantine" not in p]
    # An honest peer that stopped (its loss diverged under the attack) leaves no average
    # model; the row says which peers stopped and at which round.
    stopped = [p for p in honest if p.get("failed")]
    if stopped:
        row["honest_stopped"] = [{"peer": p["peer"], "round": p.get("rounds_done"), "how": p["failed"]} for p in stopped]
    if groups:
        row["group_accuracy"] = []
        for group in groups:
            accuracies = [p["test_accuracy"] for p in honest if p["peer"] in group and "test_accuracy" in p]
            row["group_accuracy"].append(sum(accuracies) / len(accuracies) if accuracies else None)
    return row


def accuracy_text(accuracy):
    return f"{accuracy:.4f}" if accuracy is not None else "failed"


def cell_text(row):
    if row.get("honest_stopped"):
        return "diverged@" + str(min(p["round"] for p in row["honest_stopped"]))
    if "group_accuracy" in row:
        return " / ".join(accuracy_text(accuracy) for accuracy in row["group_accuracy"])
    return accuracy_text(row.get("honest_test_accuracy"))


def print_table(rows, byzantine, groups):
    aggregators = list(dict.fromkeys(row["aggregator"] for row in rows))
    attacks = list(dict.fromkeys(row["attack"] for row in rows))
    texts = {(row["attack"], row["aggregator"]): cell_text(row) for row in rows}
    width = max(14, *(len(a) for a in aggregators), *(len(t) for t in texts.values()))
    what = ("mean test accuracy of each group's honest peers (" + " / ".join(map(str, (f"{g[0]}-{g[-1]}" for g in groups))) + ")"
            if groups else "honest peers' average model: test accuracy")
    print(f"{what} (Byzantine: {', '.join(map(str, byzantine)) or 'none'}; 'none': all honest;"
          " diverged@R: an honest peer's loss diverged at round R)")
    attack_width = max(14, *(len(a) + 2 for a in attacks))
    print(f"{'attack':<{attack_width}}" + "".join(f"{a:>{width + 2}}" for a in aggregators))
    for attack in attacks:
        print(f"{attack:<{attack_width}}" + "".join(f"{texts[(attack, a)]:>{width + 2}}" for a in aggregators))


if __name__ == "__main__":
    main()
