/* Shared by the screening fuzz targets: libsodium (sp_init) and tests/data/protocols loaded
 * once (the targets run from the repository's root, as tests/fuzz/run.sh does), with the test
 * protocol every answer and expression is checked against. Included once per target. */
#ifndef SAFEPATH_FUZZ_PROTOCOL_INIT_H
#define SAFEPATH_FUZZ_PROTOCOL_INIT_H

#include <stdlib.h>

#include "safepath/init.h"
#include "safepath/protocol.h"

static struct sp_protocols *fuzz_reg;
static const struct sp_protocol *fuzz_p;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct sp_diag d;
	sp_diag_init(&d);
	if (sp_init() != SP_OK || sp_protocols_load("tests/data/protocols", &fuzz_reg, &d) != SP_OK)
		abort();
	fuzz_p = sp_protocols_lookup(fuzz_reg, "test-labour@1");
	if (!fuzz_p)
		abort();
	sp_diag_free(&d);
	return 0;
}

#endif
