"""callqa.audio"""
