/* The LLVMFuzzerInitialize of the targets whose decoders check codes: libsodium and the
 * wiping allocator (sp_init), then the iso-codes lists (without them every input with a code
 * is refused and nothing deep is reached). Included once, by the target's only source file. */
#ifndef SAFEPATH_FUZZ_CODES_INIT_H
#define SAFEPATH_FUZZ_CODES_INIT_H

#include <stdlib.h>

#include "safepath/codes.h"
#include "safepath/init.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct sp_err err = {0};
	if (sp_init() != SP_OK || sp_codes_load(&err) != SP_OK)
		abort();
	return 0;
}

#endif
