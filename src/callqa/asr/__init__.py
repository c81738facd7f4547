"""callqa.asr"""
