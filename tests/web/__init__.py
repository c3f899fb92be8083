"""Web tests: the Flask test client against a real database."""
