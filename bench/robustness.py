#!/usr/bin/env python3
"""A grid of attacks x aggregators on one topology file and data split, one `gossip launch`
per cell (real processes over encrypted loopback TCP). Every cell's Byzantine peers run the
attack from round 0; the "none" row is the clean run with the same peers honest. Writes
OUT/robustness.json (one row a cell: attack, aggregator, f, the honest peers' average model's
test accuracy and their consensus error, rounds, wall time) and prints the table. A cell whose
run finished before is read back, not run again, so an interrupted grid picks up where it
stopped.

  bench/robustness.py --topology examples/ring8_fashion_mnist.json --byzantine 3 \\
      --attacks none sign_flip alie --aggregators mean median trimmed_mean:f=1 clipping:f=1 \\
      --out runs/robustness [-- extra gossip launch flags]

An aggregator is NAME or NAME:key=value,... ("krum:f=1,m=2"); an attack the same
("alie:z=2"). Values are JSON ("tau=0.5", "nnm=1").
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topology", required=True, help="the topology file (its training section is the job)")
    parser.add_argument("--byzantine", required=True, help="peer ids of the attackers, comma separated")
    parser.add_argument("--attacks", nargs="+", default=["none", "sign_flip", "alie"], help="'none' is the clean run")
    parser.add_argument("--aggregators", nargs="+", default=["mean", "median", "trimmed_mean:f=1", "clipping:f=1"])
    parser.add_argument("--out", default="runs/robustness")
    parser.add_argument("--gossip", default=os.environ.get("GOSSIP", "build/gossip"))
    parser.add_argument("extra", nargs="*", help="after --: flags for every gossip launch")
    args = parser.parse_args()

    byzantine = [int(peer) for peer in args.byzantine.split(",")]
    os.makedirs(args.out, exist_ok=True)
    results_path = os.path.join(args.out, "robustness.json")
    rows = []
    for attack in args.attacks:
        for aggregator in args.aggregators:
            rows.append(run_cell(args, byzantine, attack, aggregator))
            with open(results_path + ".tmp", "w") as out:
                json.dump(rows, out, indent=2)
            os.replace(results_path + ".tmp", results_path)
    print_table(rows, byzantine)
    print(f"rows in {results_path}")


def run_cell(args, byzantine, attack_spec, aggregator_spec):
    name = cell_name(attack_spec, aggregator_spec)
    run_dir = os.path.join(args.out, name)
    aggregator, aggregator_options = part(aggregator_spec)
    attack, attack_options = part(attack_spec)
    summary_path = os.path.join(run_dir, "summary.json")
    wall = None
    if not os.path.exists(summary_path):
        subprocess.run(["rm", "-rf", run_dir], check=True)
        settings = ["--aggregator", json.dumps({"kind": aggregator, **aggregator_options})]
        if attack != "none":
            entry = {"peers": byzantine, "attack": attack, **attack_options}
            settings += ["--set", "byzantine=" + json.dumps([entry])]
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
    if os.path.exists(summary_path):
        summary = json.load(open(summary_path))
        row.update({"honest_test_accuracy": summary.get("test_accuracy"),
                    "honest_consensus_error": summary.get("consensus_error_exact"),
                    "rounds": summary.get("rounds"), "wall_seconds": summary.get("wall_seconds", wall)})
    else:
        row.update({"honest_test_accuracy": None, "failed": True, "wall_seconds": wall})
    return row


def print_table(rows, byzantine):
    aggregators = list(dict.fromkeys(row["aggregator"] for row in rows))
    attacks = list(dict.fromkeys(row["attack"] for row in rows))
    width = max(14, *(len(a) for a in aggregators))
    print(f"honest peers' average model: test accuracy (Byzantine: {', '.join(map(str, byzantine))}; 'none': all honest)")
    print(f"{'attack':<14}" + "".join(f"{a:>{width + 2}}" for a in aggregators))
    for attack in attacks:
        cells = []
        for aggregator in aggregators:
            row = next(r for r in rows if r["attack"] == attack and r["aggregator"] == aggregator)
            accuracy = row.get("honest_test_accuracy")
            cells.append(f"{accuracy:>{width + 2}.4f}" if accuracy is not None else f"{'failed':>{width + 2}}")
        print(f"{attack:<14}" + "".join(cells))


if __name__ == "__main__":
    main()
