#!/bin/bash
# Run every line of QUEUE (one_run.py arguments), two at a time, one thread each.
# bash benchmarks/recipe_search/run_queue.sh QUEUE [extra arguments for every line]
queue=$1; shift
export PYTHONPATH=$PWD/src
xargs -P 2 -L 1 -I{} bash -c "${PYTHON:-python} benchmarks/recipe_search/one_run.py {} $* --threads 1 --log benchmarks/recipe_search/log.jsonl >/dev/null 2>&1" < "$queue"
