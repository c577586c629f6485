/* The identify wing's internal header: limits shared by its files (jurisdictions and deadlines
 * here; protocols, rules and the engine add theirs). */
#ifndef SAFEPATH_IDENTIFY_INTERNAL_H
#define SAFEPATH_IDENTIFY_INTERNAL_H

#include "safepath/jurisdiction.h"

/* A JSON pointer into a jurisdiction file: the size of struct sp_err's field. */
#define SP_JUR_PTR_SIZE 128
#define SP_JUR_ID_MAX 40
/* The longest IANA zone id is under 32 bytes ("America/Argentina/ComodRivadavia"). */
#define SP_JUR_TZ_MAX 64

#endif
