# Grading a class (grader/batch.py): every submission of a folder built and
# graded with the instructor's grader, and the packages for the platforms.
#
#   make batch-grade SUBMISSIONS=<folder> LAB=<lab> [OUT=<dir>] [JOBS=<n>]
#                    [TIMEOUT=<seconds>] [GRADER_EXTRA=<dir>] [TEST=<-k expr>]
#                                         OUT/scores.csv (default build/batch-<lab>)
#   make autograder LAB=<lab> [GRADER_EXTRA=<dir>]
#                                         build/autograder-<lab>.zip for Gradescope

BATCH := $(PYTHON) grader/batch.py
BATCH_USAGE := usage: make batch-grade SUBMISSIONS=<folder> LAB=<lab> [OUT=<dir>] [JOBS=<n>] [TIMEOUT=<seconds>] [GRADER_EXTRA=<dir>] [TEST=<-k expr>]

batch-grade:
	@test -n "$(SUBMISSIONS)" -a -n "$(LAB)" || { echo "$(BATCH_USAGE)" >&2; exit 2; }
	$(BATCH) grade --submissions "$(SUBMISSIONS)" --lab "$(LAB)" $(if $(OUT),--out "$(OUT)") \
		$(if $(JOBS),--jobs $(JOBS)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) \
		$(if $(GRADER_EXTRA),--extra "$(GRADER_EXTRA)") $(if $(TEST),--test "$(TEST)")

autograder:
	@test -n "$(LAB)" || { echo "usage: make autograder LAB=<lab> [GRADER_EXTRA=<dir>]" >&2; exit 2; }
	$(BATCH) autograder-zip --lab "$(LAB)" --out build/autograder-$(LAB).zip \
		$(if $(GRADER_EXTRA),--extra "$(GRADER_EXTRA)")

.PHONY: batch-grade autograder
