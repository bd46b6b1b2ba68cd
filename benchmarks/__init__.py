"""Side-by-side benchmarks of ntlab against its peers; results go to benchmarks/results/."""
