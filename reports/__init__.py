"""Reports: ReportLab and CSV renderers. A frozen snapshot computed by ``pos`` in, bytes out."""
