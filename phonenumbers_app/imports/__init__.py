"""Bulk import of phone numbers (see phonenumbers_app.imports.service)."""
