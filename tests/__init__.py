"""Test suite; a package so test modules can import tests.helpers."""
