#!/usr/bin/env python3
"""Bachelier (normal model) European options: an Altus custom kernel.

The Altus worker runtime starts this once per shard, writes one parameter set
per line of JSON on stdin and reads one output object per line on stdout, in the
same order. Parameters: type ("call"/"put"), forward, strike, volatility (normal,
in price units per square root of a year), maturity (years), rate (continuous,
for discounting; default 0). Outputs: price, delta (d price / d forward), vega
(d price / d volatility). Forwards and strikes may be negative (rates, spreads).
"""
import json
import math
import sys

INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def normal_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def bachelier(p):
    kind = p["type"]
    forward, strike = float(p["forward"]), float(p["strike"])
    volatility, maturity = float(p["volatility"]), float(p["maturity"])
    rate = float(p.get("rate", 0.0))
    if kind not in ("call", "put"):
        raise ValueError(f'type must be "call" or "put", got {kind!r}')
    if not volatility > 0 or not maturity > 0:
        raise ValueError("volatility and maturity must be > 0")
    discount = math.exp(-rate * maturity)
    stddev = volatility * math.sqrt(maturity)
    d = (forward - strike) / stddev
    density = math.exp(-0.5 * d * d) * INV_SQRT_2PI
    if kind == "call":
        price = (forward - strike) * normal_cdf(d) + stddev * density
        delta = normal_cdf(d)
    else:
        price = (strike - forward) * normal_cdf(-d) + stddev * density
        delta = -normal_cdf(-d)
    return {"price": discount * price, "delta": discount * delta, "vega": discount * math.sqrt(maturity) * density}


def main():
    count = 0
    for line in sys.stdin:
        params = json.loads(line)
        try:
            result = bachelier(params)
        except (KeyError, TypeError, ValueError) as error:
            # Declines this parameter set alone; the rest of the shard goes on.
            result = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(result) + "\n")
        count += 1
    # stderr goes to the pod log (altus logs <runId> --shard N).
    print(f"bachelier: priced {count} parameter sets", file=sys.stderr)


if __name__ == "__main__":
    main()
