#!/usr/bin/env python3
"""Draws tls_bench's results as one SVG (no matplotlib needed): handshake rates per scenario (log scale),
bulk throughput, and heap per connection (a TLS 1.2 and a TLS 1.3 handshake), for sanstls, mbedTLS's own stack, OpenSSL and the crypto floor
(and sanstls on the libcrypto provider with its floor, when the run has them: --stacks ...,sanstls-libcrypto).

    bazel run --config=opt //tools:tls_bench -- --out /tmp/bench.json
    python3 tools/bench/plot.py /tmp/bench.json docs/benchmark.svg
"""
import json
import math
import sys

STACKS = [("sanstls", "#1f77b4"), ("mbedtls", "#ff7f0e"), ("openssl", "#2ca02c"), ("floor", "#7f7f7f"),
          ("sanstls-libcrypto", "#9467bd"), ("floor-libcrypto", "#c7c7c7")]


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Svg:
    def __init__(self, width, height):
        self.w, self.h, self.items = width, height, []

    def rect(self, x, y, w, h, fill, title=None):
        t = f"<title>{esc(title)}</title>" if title else ""
        self.items.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}">{t}</rect>')

    def line(self, x1, y1, x2, y2, color="#ccc"):
        self.items.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}"/>')

    def text(self, x, y, s, size=11, anchor="start", rotate=None, weight="normal"):
        r = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
        self.items.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-family="sans-serif" '
                          f'text-anchor="{anchor}" font-weight="{weight}"{r}>{esc(s)}</text>')

    def write(self, path):
        with open(path, "w") as f:
            f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
                    f'viewBox="0 0 {self.w} {self.h}">\n<rect width="100%" height="100%" fill="white"/>\n')
            f.write("\n".join(self.items))
            f.write("\n</svg>\n")


def bars(svg, x0, y0, w, h, title, groups, series, values, unit, log=False):
    """groups: x labels; series: [(name, color)]; values[(group, name)] -> number or None."""
    svg.text(x0 + w / 2, y0 - 8, title, size=13, anchor="middle", weight="bold")
    vals = [v for v in values.values() if v]
    if not vals:
        return
    top = max(vals) * 1.1
    bottom = min(vals) / 2 if log else 0.0

    def ypos(v):
        if log:
            return y0 + h - h * (math.log10(v) - math.log10(bottom)) / (math.log10(top) - math.log10(bottom))
        return y0 + h - h * v / top

    # grid
    if log:
        e = math.floor(math.log10(bottom))
        while 10 ** e <= top:
            if 10 ** e >= bottom:
                y = ypos(10 ** e)
                svg.line(x0, y, x0 + w, y)
                svg.text(x0 - 4, y + 4, f"{10 ** e:g}", size=9, anchor="end")
            e += 1
    else:
        step = 10 ** math.floor(math.log10(top / 2))
        v = 0.0
        while v <= top:
            y = ypos(v)
            svg.line(x0, y, x0 + w, y)
            svg.text(x0 - 4, y + 4, f"{v:g}", size=9, anchor="end")
            v += step if top / step < 12 else step * 5
    svg.text(x0 - 40, y0 + h / 2, unit, size=10, anchor="middle", rotate=-90)
    gw = w / len(groups)
    bw = gw * 0.8 / len(series)
    for gi, g in enumerate(groups):
        for si, (name, color) in enumerate(series):
            v = values.get((g, name))
            if not v:
                continue
            x = x0 + gi * gw + gw * 0.1 + si * bw
            y = ypos(v)
            svg.rect(x, y, bw - 1, y0 + h - y, color, f"{g} {name}: {v:.1f} {unit}")
        # labels shrink to fit their group (about 0.55 em per character in sans-serif)
        size = max(6, min(10, int(gw * 0.95 / (0.55 * max(1, len(g))))))
        svg.text(x0 + gi * gw + gw / 2, y0 + h + 14, g, size=size, anchor="middle")
    svg.line(x0, y0 + h, x0 + w, y0 + h, "#000")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot.py RESULTS.json OUT.svg")
    doc = json.load(open(sys.argv[1]))
    rows = doc["rows"]
    get = {(r["scenario"], r["stack"], r["side"], r["metric"]): r["value"] for r in rows}
    scen = []
    for r in rows:
        if r["scenario"] not in scen and r["scenario"] != "primitive" and not r["scenario"].startswith("scale"):
            scen.append(r["scenario"])
    hs = [s for s in scen if not s.startswith("bulk")]
    bulk = [s for s in scen if s.startswith("bulk")]
    # The stacks the run measured (--stacks): sanstls-libcrypto and floor-libcrypto only when asked for.
    ran = {r["stack"] for r in rows}
    stacks = [s for s in STACKS if s[0] in ran]
    svg = Svg(1000, 1310)
    svg.text(500, 22, "tls_bench: sanstls vs mbedTLS's TLS stack vs OpenSSL vs the crypto floor", size=15,
             anchor="middle", weight="bold")
    svg.text(500, 40, doc.get("machine", ""), size=10, anchor="middle")
    x = 500 - len(stacks) * 130 / 2
    for i, (name, color) in enumerate(stacks):
        svg.rect(x + i * 130, 50, 12, 12, color)
        svg.text(x + 16 + i * 130, 60, name, size=11)
    bars(svg, 80, 100, 880, 230, "Handshakes per second, client + server in one process (log scale; *13_* = TLS 1.3)", hs, stacks,
         {(s, st): get.get((s, st, "pair", "hs/s")) for s in hs for st, _ in stacks}, "handshakes/s", log=True)
    bars(svg, 80, 400, 400, 200, "Bulk, one way, 16 KiB writes (pair)", bulk, stacks,
         {(s, st): get.get((s, st, "pair", "MiB/s")) for s in bulk for st, _ in stacks}, "MiB/s")
    bars(svg, 560, 400, 400, 200, "Bulk: receiving side alone", bulk, stacks,
         {(s, st): get.get((s, st, "server", "MiB/s")) for s in bulk for st, _ in stacks}, "MiB/s")
    mem_stacks = [s for s in stacks if not s[0].startswith("floor")]  # the floor has no connections
    groups = ["client idle", "server idle", "client peak", "server peak", "client idle+data", "server idle+data"]
    metric = {"idle": "heap_idle", "peak": "heap_peak", "idle+data": "heap_idle_after_data"}
    # TLS 1.2 and TLS 1.3 (issue 8; mbedTLS 2.28 has no TLS 1.3, so its bars are absent there).
    for y, base in ((680, "full_ecdsa_x25519"), (1000, "full13_ecdsa_x25519")):
        vals = {}
        for g in groups:
            side, what = g.split(" ")
            for st, _ in mem_stacks:
                v = get.get((base, st, side, metric[what]))
                vals[(g, st)] = v / 1024 if v else None
        title = f"Heap per connection, KiB ({base}; requested bytes, counted by tls_bench)"
        if base.startswith("full13") and (base, "mbedtls", "pair", "n/a") in get:
            title += "; mbedTLS: n/a"
        bars(svg, 80, y, 880, 240, title, groups, mem_stacks, vals, "KiB")
    svg.text(500, 1300, "Made by tools/bench/plot.py from tls_bench --out JSON. " + doc.get("command", ""), size=9,
             anchor="middle")
    svg.write(sys.argv[2])


if __name__ == "__main__":
    main()
