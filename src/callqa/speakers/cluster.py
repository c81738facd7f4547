"""Two voices on one channel: which timed word was said by which voice, and how surely.

Speakers take turns in pauses, so the words are first grouped into stretches between pauses of
PAUSE_S or more (on the example calls 41 of 44 changes of speaker fell in such a pause). A stretch
is described by how the call's own background model (a small Gaussian mixture over all its speech
frames' cepstra and pitch, `features.frame_features`) has to move to fit it: the MAP-adapted means,
a "supervector". Averaging over the mixture's components takes out much of what was said, which
swamps the voice in raw cepstra (clustering the stretches' mean cepstra gave 82% of the characters
to the right voice on the downmixed examples, supervectors 91%). A long stretch is first cut where the
audio pauses and the voice on either side differs (`_changes`: the word times can close up a turn's
pause). The stretches are then split in two by Ward clustering, which does not insist on halves (the
collector talks most of the time).

A stretch's sureness is its silhouette: how much nearer it lies to its own voice's centre than to
the other's (1: clearly one voice; 0: between the two).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.mixture import GaussianMixture

from callqa.audio.channels import FRAME_S
from callqa.speakers.features import CEPSTRA
from callqa.transcript import Word

PAUSE_S = 0.3  # a pause this long between words may be a change of speaker
COMPONENTS = 2  # the background model's components (2 to 6 measured alike; more overfit short calls)
RELEVANCE = 4.0  # MAP relevance factor: a stretch of few frames stays near the background model
MIN_FRAMES = 50  # 1 s of speech in all: fewer and there is nothing to cluster
# Looking for a change of voice inside a stretch (`_changes`): measured on the downmixed examples
# (bench/bench_speakers.py) and m04 together. With every stretch examined attribution fell to 88.4%;
# a higher price for the second voice (1.5, 2) missed m04's turn; these keep 90.3% and find it.
LONG_STRETCH_S = 6.0  # only a stretch longer than this is examined
CHANGE_WINDOW_S = 3.0  # the voiced frames this far on either side of a pause are compared
BIC_WEIGHT = 1.0  # the price of a second voice (the Bayesian information criterion's lambda)


@dataclass(frozen=True)
class Voices:
    """Per word, the voice (0 or 1) and the sureness of its stretch (silhouette, -1 to 1); and the
    distance between the two voices' centres (small when one voice was split in two: 0.46-1.17 on
    one channel of the stereo examples, 1.10-2.03 on their two channels mixed)."""

    labels: np.ndarray
    sureness: np.ndarray
    separation: float


def word_spans(words: Sequence[Word], n_frames: int) -> list[tuple[int, int]]:
    """[start, end) frames of each word, at least one frame each, within the call."""
    spans = []
    for w in words:
        lo = min(max(0, int(w.start_s / FRAME_S)), max(0, n_frames - 1))
        hi = min(max(lo + 1, int(np.ceil(w.end_s / FRAME_S))), n_frames)
        spans.append((lo, hi))
    return spans


def pauses(speech: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of each run of PAUSE_S or more without voice in the audio itself."""
    quiet = np.concatenate([[False], ~speech.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    runs = zip(edges[::2], edges[1::2], strict=True)
    return [(lo * FRAME_S, hi * FRAME_S) for lo, hi in runs if hi - lo >= PAUSE_S / FRAME_S]


def stretches(words: Sequence[Word]) -> list[list[int]]:
    """Indices of consecutive words, grouped between pauses of PAUSE_S or more."""
    out: list[list[int]] = []
    for i, w in enumerate(words):
        if out and w.start_s - words[i - 1].end_s < PAUSE_S:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _cuts_at_pauses(words: Sequence[Word], quiet: Sequence[tuple[float, float]]) -> set[int]:
    """The words (index > 0) that begin after a pause in the audio: for each pause, the boundary
    between two words nearest to it, when it lies within PAUSE_S of the pause."""
    if len(words) < 2 or not quiet:
        return set()
    bounds = np.array([(words[i - 1].end_s + words[i].start_s) / 2 for i in range(1, len(words))])
    out = set()
    for start, end in quiet:
        if start <= words[0].start_s or end >= words[-1].end_s:
            continue  # the silence before the first word or after the last parts nothing
        distance = np.maximum(0.0, np.maximum(start - bounds, bounds - end))
        k = int(np.argmin(distance))
        if distance[k] <= PAUSE_S:
            out.add(k + 1)
    return out


def _normalised(features: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """Cepstra and log F0, z-scored over the speech frames; unvoiced frames get the mean pitch (no
    evidence either way)."""
    x = np.array(features[:, : CEPSTRA + 1], dtype=np.float64)
    voiced = (x[:, CEPSTRA] > 0) & speech
    x[~voiced, CEPSTRA] = float(np.mean(x[voiced, CEPSTRA])) if voiced.any() else 0.0
    return (x - x[speech].mean(axis=0)) / (x[speech].std(axis=0) + 1e-6)


def _supervectors(z: np.ndarray, speech: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """Per group of frames, the background model's MAP-adapted means, scaled to unit variance and
    weighted by the components' weights (flattened)."""
    ubm = GaussianMixture(COMPONENTS, covariance_type="diag", reg_covar=1e-2, random_state=0).fit(z[speech])
    scale = np.sqrt(ubm.weights_)[:, None] / np.sqrt(ubm.covariances_)
    out = np.zeros((len(groups), ubm.means_.size))
    for g, frames in enumerate(groups):
        if frames.size:
            resp = ubm.predict_proba(z[frames])
            adapted = (resp.T @ z[frames] + RELEVANCE * ubm.means_) / (resp.sum(axis=0)[:, None] + RELEVANCE)
            out[g] = ((adapted - ubm.means_) * scale).ravel()
    return out


def _silhouettes(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per point, (distance to the other centre - to its own) / the larger of the two."""
    centres = np.array([points[labels == v].mean(axis=0) for v in (0, 1)])
    d = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)
    own, other = d[np.arange(len(points)), labels], d[np.arange(len(points)), 1 - labels]
    return (other - own) / np.maximum(np.maximum(own, other), 1e-9)


def voices(features: np.ndarray, speech: np.ndarray, words: Sequence[Word]) -> Voices | None:
    """The two voices of a mono call's timed words (in time order); None when there is too little
    speech to tell. `speech`: per frame, whether it carries voice (above the channel's floor)."""
    n = min(features.shape[0], speech.size)
    spans = word_spans(words, n)

    def voiced(group: list[int]) -> np.ndarray:
        return np.array([f for i in group for f in range(*spans[i]) if speech[f]], dtype=np.int64)

    groups = stretches(words)
    frames = [voiced(g) for g in groups]
    heard = np.zeros(n, bool)
    for f in frames:
        heard[f] = True
    if heard.sum() < MIN_FRAMES:
        return None
    z = _normalised(features[:n], heard)
    cuts = _cuts_at_pauses(words, pauses(speech[:n]))
    groups = [part for g in groups for part in _changes(g, cuts, words, lambda p: z[voiced(p)])]
    frames = [voiced(g) for g in groups]
    if sum(f.size > 0 for f in frames) < 2:
        return None
    points = _supervectors(z, heard, frames)
    labels = AgglomerativeClustering(2, linkage="ward").fit_predict(points)
    sure = _silhouettes(points, labels)
    centres = np.array([points[labels == v].mean(axis=0) for v in (0, 1)])
    sure[[f.size == 0 for f in frames]] = 0.0  # a stretch with no voiced frame tells nothing
    word_labels = np.zeros(len(words), np.int8)
    word_sure = np.zeros(len(words))
    for g, label, s in zip(groups, labels, sure, strict=True):
        word_labels[g], word_sure[g] = label, s
    return Voices(word_labels, word_sure, float(np.linalg.norm(centres[0] - centres[1])))


def _changes(
    group: list[int], cuts: set[int], words: Sequence[Word], frames_of: Callable[[list[int]], np.ndarray]
) -> list[list[int]]:
    """A stretch cut where the voice changes: at each pause in the audio (`cuts`, from
    `_cuts_at_pauses`) where two Gaussians fit the voiced frames of up to CHANGE_WINDOW_S on either
    side better than one does, by more than the Bayesian information criterion's price for the
    second. The speech model's word times can close up the pause at a change of turn (m04: the
    agent's 「…还款吗」 and the customer's 「你再打我…」 both at 22.58 s, with a 0.62 s pause in the
    audio from 22.66 s), so a stretch may hold both voices; cutting at every pause instead left
    parts too short to tell voices apart (attribution on the downmixed examples 90.3% -> 85.4%)."""
    if words[group[-1]].end_s - words[group[0]].start_s <= LONG_STRETCH_S:
        return [group]
    out, last = [], 0
    for k in range(1, len(group)):
        if group[k] not in cuts:
            continue
        at = words[group[k]].start_s
        left = [i for i in group[last:k] if words[i].end_s >= at - CHANGE_WINDOW_S]
        right = [i for i in group[k:] if words[i].start_s <= at + CHANGE_WINDOW_S]
        a, b = frames_of(left), frames_of(right)
        if min(len(a), len(b)) >= MIN_FRAMES and _bic_gain(a, b) > 0:
            out.append(group[last:k])
            last = k
    return [*out, group[last:]]


def _bic_gain(left: np.ndarray, right: np.ndarray) -> float:
    """How much better two diagonal Gaussians fit `left` and `right` (frames x dims) than one, less
    the information criterion's price for the second (> 0: a change of voice)."""
    both = np.concatenate([left, right])
    n, d = both.shape

    def spread(x: np.ndarray) -> float:
        return float(np.sum(np.log(x.var(axis=0) + 1e-6)))

    fit = 0.5 * (n * spread(both) - len(left) * spread(left) - len(right) * spread(right))
    return fit - BIC_WEIGHT * 0.5 * (2 * d) * np.log(n)
