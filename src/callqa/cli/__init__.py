"""callqa.cli"""
