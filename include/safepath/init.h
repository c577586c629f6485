/* Process-wide start-up of the library: call once, before any other sp_* function, from the
 * program's main thread. */
#ifndef SAFEPATH_INIT_H
#define SAFEPATH_INIT_H

#include "safepath/err.h"

/* Initialise libsodium and make jansson wipe what it frees: decrypted personal data passes
 * through jansson's strings and objects, and freed memory must not keep it. */
int sp_init(void) SP_MUST;

#endif
