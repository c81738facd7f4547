"""Example-based detection: a per-category classifier over sentence embeddings and pinyin n-grams.

`banks` reads the example sentences, `noise` garbles text the way speech-to-text does, `units`
cuts a call into the sentences that get scored, `features` turns them into vectors, `detector`
loads the shipped model and scores a call, `training` builds and calibrates that model (needs
scikit-learn; nothing here is imported until a pack with an `examples` rule is evaluated).
"""
