"""The app's fonts, icons and stylesheets, shipped in the wheel as package data.

Not code: this file only makes the folder an importable package, so that
``importlib.resources.files("resources")`` finds it wherever the app runs (the repository,
an editable install, or a wheel installed into any environment).
"""
