"""callqa.audio: decoding recordings, their declared length, and the channels' speakers."""

from callqa.audio.decode import AudioError, TooLong, check_length
from callqa.audio.info import AudioInfo, probe

__all__ = ["AudioError", "AudioInfo", "TooLong", "check_length", "probe"]
