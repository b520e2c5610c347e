/* rest_parse.h: MLflow REST replies (JSON text) merged into the model.
 * Pure: no curl, no I/O, so it is unit tested and fuzzed on its own.
 * Every function checks types and says where a reply went wrong:
 * "runs[3].info.start_time: expected a number, got a string". */
#ifndef MLTOP_REST_PARSE_H
#define MLTOP_REST_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "store/model.h"

/* An error reply: {"error_code": "...", "message": "..."}. Fills *code
 * and *message (owned; NULL when absent). Returns 0 when the body was
 * such an object, -1 otherwise (not JSON, or another shape). */
int rest_parse_error(const char *body, size_t len, char **code,
		     char **message);

/* experiments/search: upsert each experiment (id, name,
 * artifact_location, lifecycle_stage, creation_time, last_update_time,
 * tags) and set its `seen` flag. *next gets next_page_token (owned) or
 * NULL. Returns the number of experiments, or -1 with *err. */
int rest_parse_experiments(struct model *m, const char *body, size_t len,
			   char **next, char **err);

/* runs/search ({"runs": [...]}) or runs/get ({"run": {...}}): upsert each
 * run into the experiment its info.experiment_id names (created in the
 * model if new), set info fields, replace params and tags, set each
 * data.metrics entry as its series' latest point, derive name and
 * parent_id (tags mlflow.runName, mlflow.parentRunId), set `seen`.
 * Metric values: a number, or the strings "NaN", "Infinity",
 * "-Infinity". *max_start gets the largest start_time seen (may be NULL).
 * Returns the number of runs, or -1 with *err. */
int rest_parse_runs(struct model *m, const char *body, size_t len,
		    char **next, int64_t *max_start, char **err);
/* The same; *got gets the runs/search reply's runs in its order (owned;
 * as many entries as returned, NULL where none; NULL on failure). */
int rest_parse_runs_got(struct model *m, const char *body, size_t len,
			char **next, int64_t *max_start, char **err,
			struct run ***got);

/* metrics/get-history: append to ser the points that sort after its last
 * one by (step, timestamp, value). Returns the number of points in the
 * reply, or -1 with *err. */
int rest_parse_history(struct series *ser, const char *body, size_t len,
		       char **next, char **err);

/* metrics/get-history-bulk-interval: points carry run_id; append each
 * run's new points (as rest_parse_history does) to the series `key` of
 * that run, found anywhere in the model (unknown runs are skipped).
 * Returns the number of points, or -1 with *err. */
int rest_parse_bulk_history(struct model *m, const char *key,
			    const char *body, size_t len, char **err);

/* registered-models/search: upsert each model (timestamps, description,
 * tags, aliases, latest_version from latest_versions, is_prompt), set
 * `seen`. Returns the number of models, or -1 with *err. */
int rest_parse_models(struct model *m, const char *body, size_t len,
		      char **next, char **err);
/* model-versions/search ({"model_versions": [...]}): upsert each version
 * of rm (Deleted_Internal left out), set `seen`; or registered-models/get
 * ({"registered_model": {...}}): replace rm's tags and aliases. Returns
 * the number of versions, or -1 with *err. */
int rest_parse_versions(struct registered_model *rm, const char *body,
			size_t len, char **next, char **err);

#endif
