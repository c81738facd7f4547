"""callqa.text: normalisation and pinyin helpers for matching noisy ASR text."""
