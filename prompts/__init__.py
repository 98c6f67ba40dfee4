"""Prompt templates (*.md, $var placeholders) and JSON schemas, shipped as package data."""
