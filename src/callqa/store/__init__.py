"""callqa.store"""
