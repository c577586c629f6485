/* Internal to the Fellegi–Sunter files of src/match/: the "parameters" object that model files
 * (fsmodel.c) and stored parameters (fsparams.c) share. */
#ifndef SAFEPATH_MATCH_MATCH_H
#define SAFEPATH_MATCH_MATCH_H

#include <jansson.h>

#include "safepath/fsmodel.h"

/* Read a parameters object for model m (its comparisons already parsed) into out. A
 * "model" member is required when with_model (stored parameters) and refused otherwise (a
 * model file's own). Errors name the member's JSON pointer from the object. */
int fs_params_read(const struct sp_fs_model *m, json_t *j, bool with_model,
		   struct sp_fs_params *out, struct sp_err *err);

#endif
