/* Golden error files (jansson's test suites' shape): every DIR/NAME.json with its expected
 * errors in DIR/NAME.err, one "POINTER: message" line each. Include after cmocka.h. */
#ifndef SAFEPATH_TEST_GOLDEN_H
#define SAFEPATH_TEST_GOLDEN_H

#include <stdio.h>
#include <string.h>

/* For a directory entry NAME.json (0 for any other name): its text into text (at most tcap
 * bytes, *len of them) and the NUL-ended text of NAME.err into want, the test failing when
 * either cannot be read; 1. path gets the .json file's path for messages. */
__attribute__((unused)) static int golden_pair(const char *dir, const char *name, char *path,
					       size_t pcap, char *text, size_t tcap, size_t *len,
					       char *want, size_t wcap)
{
	size_t n = strlen(name);
	if (n < 6 || strcmp(name + n - 5, ".json") != 0)
		return 0;
	char errpath[512];
	snprintf(path, pcap, "%s/%s", dir, name);
	snprintf(errpath, sizeof errpath, "%s/%.*s.err", dir, (int)(n - 5), name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	*len = fread(text, 1, tcap, f);
	fclose(f);
	f = fopen(errpath, "rb");
	if (!f)
		fail_msg("%s has no %s", path, errpath);
	size_t wl = fread(want, 1, wcap - 1, f);
	want[wl] = '\0';
	fclose(f);
	return 1;
}

#endif
