"""SQL repositories. They read and write; they never commit (the unit of work does)."""
