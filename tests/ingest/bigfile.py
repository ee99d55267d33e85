"""A large valid template CSV (unique metric x area x period x breakdown), written in chunks."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_big_csv(path: Path, n_rows: int, tag: str = "big", metric: str = "unmet_need_ocu") -> int:
    from metrics.areas import default_geography

    areas = [a.code for a in default_geography().utlas()]
    periods = [f"{y}/{(y + 1) % 100:02d}" for y in range(2010, 2022)]
    per_bd = len(areas) * len(periods)
    n_bd = -(-n_rows // per_bd)
    rng = np.random.default_rng(1)
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("metric_key,area_code,period,breakdown,value,count,denominator,source\n")
        for b in range(n_bd):
            lines = []
            den = rng.integers(500, 5000, per_bd)
            cnt = (den * rng.uniform(0.2, 0.8, per_bd)).round()
            i = 0
            for a in areas:
                for p in periods:
                    if written >= n_rows:
                        break
                    lines.append(
                        f"{metric},{a},{p},{tag} {b},{cnt[i] / den[i] * 100:.6f},{cnt[i]:.0f},{den[i]},{tag}\n"
                    )
                    i += 1
                    written += 1
            fh.writelines(lines)
    return written
