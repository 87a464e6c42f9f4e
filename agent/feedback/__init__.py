"""Implicit and explicit feedback on turns."""
