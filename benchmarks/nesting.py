"""How deep a query may nest before pyoxigraph overflows its native stack.

pyoxigraph parses and evaluates by recursion, so a deeply nested query ends the process
with SIGSEGV, not an exception. For each construct this finds, by bisection, the deepest
nesting that a thread with a given stack size survives (each try in a child process),
and the depth our own reader (d4sme_kg.sparql) measures for it. The query limit
(``sparql.MAX_NESTING``) is set well below the smallest of these.

    python benchmarks/nesting.py                   # 8 MiB and 64 MiB thread stacks
    python benchmarks/nesting.py --stack 2 --stack 64
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable

from d4sme_kg.sparql import _depth, _tokens

# Each builds a query nested ``n`` levels deep.
CONSTRUCTS: dict[str, Callable[[int], str]] = {
    "STR()": lambda n: "SELECT (" + "STR(" * n + '"x"' + ")" * n + " AS ?x) {}",
    "CONCAT()": lambda n: "SELECT (" + "CONCAT(" * n + '"x"' + ")" * n + " AS ?x) {}",
    "IF()": lambda n: "SELECT (" + "IF(true," * n + "1" + ",0)" * n + " AS ?x) {}",
    "( )": lambda n: "SELECT (" + "(" * n + "1" + ")" * n + " AS ?x) {}",
    "+ chain": lambda n: "SELECT (" + "1+" * n + "1 AS ?x) {}",
    "&& chain": lambda n: "SELECT (" + "true&&" * n + "true AS ?x) {}",
    "|| chain": lambda n: "SELECT * { FILTER(" + "?a=1||" * n + "?a=1) }",
    "! prefix": lambda n: "SELECT (" + "!" * n + "true AS ?x) {}",
    "- prefix": lambda n: "SELECT (" + "-" * n + "1 AS ?x) {}",
    "EXISTS": lambda n: "SELECT * {" + " FILTER EXISTS {" * n + "}" * n + " }",
    "NOT EXISTS": lambda n: "SELECT * {" + " FILTER NOT EXISTS {" * n + "}" * n + " }",
    "{ }": lambda n: "SELECT * " + "{" * n + "}" * n,
    "UNION chain": lambda n: "SELECT * { " + "{} UNION " * n + "{} }",
    "MINUS chain": lambda n: "SELECT * { {} " + "MINUS {} " * n + "}",
    "OPTIONAL chain": lambda n: "SELECT * { " + "OPTIONAL { ?s ?p ?o } " * n + "}",
    "BIND chain": lambda n: "SELECT * { " + "".join(f"BIND(1 AS ?v{i}) " for i in range(n)) + "}",
    "sub-select": lambda n: "SELECT * " + "{ SELECT * " * n + "{}" + " }" * n,
    "path ( )": lambda n: "SELECT * { ?s " + "(" * n + "<p>" + ")" * n + " ?o }",
    "path / chain": lambda n: "SELECT * { ?s " + "<p>/" * n + "<p> ?o }",
    "path | chain": lambda n: "SELECT * { ?s " + "<p>|" * n + "<p> ?o }",
    "path ^ prefix": lambda n: "SELECT * { ?s " + "^" * n + "<p> ?o }",
    "collection": lambda n: "SELECT * { " + "(" * n + ")" * n + " <p> ?o }",
    "[ ] lists": lambda n: "SELECT * { ?s " + "<p> [ " * n + "<p> ?o" + " ]" * n + " }",
    "<< >>": lambda n: "SELECT * { " + "<< " * n + "<s> <p> <o>" + " <p> <o> >>" * n + " <p> ?o }",
    "< run": lambda n: "SELECT * {" + "<" * n,
    "GRAPH": lambda n: "SELECT * { " + "GRAPH ?g { " * n + "}" * n + " }",
}

_CHILD = """
import sys, threading
import pyoxigraph as ox
threading.stack_size({stack})
query = sys.stdin.read()
def run():
    try:
        result = ox.Store().query(query)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except Exception:
        pass  # a syntax or evaluation error is survival
thread = threading.Thread(target=run)
thread.start()
thread.join()
"""


def survives(query: str, stack_mib: int, seconds: float = 20.0) -> bool:
    """True unless the child dies; one still evaluating after ``seconds`` survived so far
    (the server's time limit, not the stack, is what stops such a query)."""
    child = _CHILD.format(stack=stack_mib * 1024 * 1024)
    try:
        done = subprocess.run(
            [sys.executable, "-c", child],
            input=query.encode(),
            capture_output=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        return True
    return done.returncode == 0


def deepest(build: Callable[[int], str], stack_mib: int, ceiling: int) -> int:
    """The largest n <= ceiling that survives (bisection on a monotone outcome)."""
    if survives(build(ceiling), stack_mib):
        return ceiling
    low, high = 0, ceiling  # low survives, high does not
    while high - low > max(1, low // 50):
        middle = (low + high) // 2
        if survives(build(middle), stack_mib):
            low = middle
        else:
            high = middle
    return low


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", type=int, action="append", help="thread stack, MiB")
    parser.add_argument("--ceiling", type=int, default=20_000, help="deepest nesting tried")
    parser.add_argument("--only", action="append", help="constructs to try (names above)")
    args = parser.parse_args()
    stacks = args.stack or [8, 64]
    names = args.only or list(CONSTRUCTS)
    print(
        "| construct | "
        + " | ".join(f"{s} MiB survives" for s in stacks)
        + " | our bound at 100 levels |"
    )
    print("|---|" + "---|" * (len(stacks) + 1))
    for name in names:
        build = CONSTRUCTS[name]
        found = [deepest(build, stack, args.ceiling) for stack in stacks]
        ours = _depth(_tokens(build(100)))[0]
        cells = " | ".join(f"{n:,}" for n in found)
        shown = name.replace("|", "\\|")
        print(f"| {shown} | {cells} | {ours} |", flush=True)


if __name__ == "__main__":
    main()
