"""callqa.pipeline"""
