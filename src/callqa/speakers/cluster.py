"""Two voices on one channel: which timed word was said by which voice, and how surely.

Speakers take turns in pauses, so the words are first grouped into stretches between pauses of
PAUSE_S or more (on the example calls 41 of 44 changes of speaker fell in such a pause). A stretch
is described by how the call's own background model (a small Gaussian mixture over all its speech
frames' cepstra and pitch, `features.frame_features`) has to move to fit it: the MAP-adapted means,
a "supervector". Averaging over the mixture's components takes out much of what was said, which
swamps the voice in raw cepstra (clustering the stretches' mean cepstra gave 82% of the characters
to the right voice on the downmixed examples, supervectors 91%). The stretches are then split in two
by Ward clustering, which does not insist on halves (the collector talks most of the time).

A stretch's sureness is its silhouette: how much nearer it lies to its own voice's centre than to
the other's (1: clearly one voice; 0: between the two).
"""

from __future__ import annotations

from collections.abc import Sequence
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


def stretches(words: Sequence[Word]) -> list[list[int]]:
    """Indices of consecutive words, grouped between pauses of PAUSE_S or more."""
    out: list[list[int]] = []
    for i, w in enumerate(words):
        if out and w.start_s - words[i - 1].end_s < PAUSE_S:
            out[-1].append(i)
        else:
            out.append([i])
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
    groups = stretches(words)
    frames = [np.array([f for i in g for f in range(*spans[i]) if speech[f]], dtype=np.int64) for g in groups]
    heard = np.zeros(n, bool)
    for f in frames:
        heard[f] = True
    if heard.sum() < MIN_FRAMES or sum(f.size > 0 for f in frames) < 2:
        return None
    z = _normalised(features[:n], heard)
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
