"""Colours of the map's clusters, shared by the window and the rendered image.

Clusters get categorical colours a colour-blind reader can tell apart (Okabe–Ito and
friends); with more clusters than colours a colour is reused only far from where it
is already used (greedy over the cluster centres), so neighbours differ. A point
HDBSCAN leaves as noise takes a lighter shade of its nearest cluster's colour
(``nearest_cluster`` of the stored map): a 6k-paper map is not mostly grey.
Colours are ``0xAARRGGBB`` ``uint32`` values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

CATEGORICAL = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#882255",
    "#44AA99", "#117733", "#332288", "#AA4499",
)  # fmt: skip
OTHER = "#B8B8B8"
NOISE_LIGHTEN = 0.55
"""How far a noise point's colour moves towards white (0: its cluster's, 1: white)."""

U32 = npt.NDArray[np.uint32]


def argb(hex_colour: str) -> int:
    return 0xFF000000 | int(hex_colour.lstrip("#"), 16)


def lighten(colours: npt.ArrayLike, amount: float = NOISE_LIGHTEN) -> U32:
    """Each ``0xAARRGGBB`` colour mixed towards white by ``amount`` (alpha kept)."""
    c = np.asarray(colours, dtype=np.uint32)
    channels = np.stack([(c >> s) & 0xFF for s in (16, 8, 0)]).astype(np.float64)
    mixed = np.rint(channels + (255.0 - channels) * amount).astype(np.uint32)
    out: U32 = (c & 0xFF000000) | (mixed[0] << 16) | (mixed[1] << 8) | mixed[2]
    return out


def palette_indices(centres: Sequence[tuple[float, float]], n_colours: int) -> list[int]:
    """A palette index per cluster (in the order given: largest first): a colour not
    used yet while there is one, then the colour whose nearest use is farthest away
    (ties: the lower index)."""
    used: list[list[tuple[float, float]]] = [[] for _ in range(n_colours)]
    out = []
    for cx, cy in centres:
        best, best_d = 0, -1.0
        for k in range(n_colours):
            d = min((np.hypot(cx - x, cy - y) for x, y in used[k]), default=np.inf)
            if d > best_d:
                best, best_d = k, d
        used[best].append((cx, cy))
        out.append(best)
    return out


def cluster_colours(
    clusters_of: npt.ArrayLike,
    nearest_cluster: npt.ArrayLike | None,
    cluster_ids: Sequence[int],
    centres: Sequence[tuple[float, float]],
) -> U32:
    """One colour per point: its cluster's, a lighter one for a noise point near a
    cluster, grey for a point with no cluster at all. ``cluster_ids``/``centres``: the
    named clusters, largest first."""
    lab = np.asarray(clusters_of, dtype=np.int64)
    near = lab if nearest_cluster is None else np.asarray(nearest_cluster, dtype=np.int64)
    out = np.full(lab.shape[0], argb(OTHER), dtype=np.uint32)
    if not len(cluster_ids):
        return out
    picks = palette_indices(centres, len(CATEGORICAL))
    top = max(int(max(cluster_ids)), int(near.max(initial=-1))) + 1
    lut = np.full(top + 1, argb(OTHER), dtype=np.uint32)  # the last entry: no cluster
    for cid, k in zip(cluster_ids, picks, strict=True):
        lut[int(cid)] = argb(CATEGORICAL[k])
    member = lab >= 0
    out[member] = lut[np.minimum(lab[member], top)]
    shade = ~member & (near >= 0)
    out[shade] = lighten(lut[np.minimum(near[shade], top)])
    # a nearest cluster without a name (never stored) stays grey
    out[shade & (near >= 0) & ~np.isin(near, np.asarray(cluster_ids))] = argb(OTHER)
    return out


def flag_colours(flags: npt.ArrayLike, on: str = "#D55E00") -> U32:
    """One colour for the papers a flag marks ("has my runs", "has reported results"),
    the pale grey of ``OTHER`` for the rest."""
    f = np.asarray(flags, dtype=bool)
    out: U32 = np.where(f, np.uint32(argb(on)), np.uint32(argb(OTHER))).astype(np.uint32)
    return out
