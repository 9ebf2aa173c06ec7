"""The PySide6 desktop application: widgets, lazy table models and the background-call
runner (:mod:`ui.ops`). Only :mod:`ui.bootstrap` wires the database; everything else
talks to ``pos.services`` through :mod:`ui.ops`, never on the GUI thread."""

from ui import pyside_fix

pyside_fix.apply()
