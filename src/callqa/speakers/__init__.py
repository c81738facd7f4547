"""Speaker separation for mono calls: who said each word, agent or customer (`separate`)."""

from callqa.speakers.separate import Separation, separate

__all__ = ["Separation", "separate"]
