"""Pictures: RQ at several bin counts, galleries of augmented samples, benchmark plots."""
