# The scripts here run as subprocesses of tests; never import them during collection (doctest-modules).
collect_ignore = ["train_script.py", "ddp_script.py", "ddp_metrics.py", "gpu_check.py"]
