/* bench_normalise: what normalising names costs when a person is written, and what comparing
 * two names costs when candidates are scored. Persons of three parts (given, father, family)
 * are drawn with a fixed seed from name lists in Latin, Somali Latin, Arabic, Persian, Pashto,
 * Ge'ez and Cyrillic script; each is built with its keys (sp_match_name_build: our tables, ICU
 * for the scripts that need it, particles, skeleton and phonetic keys), then pairs of them are
 * compared (sp_match_name_compare). One thread, one normaliser; wall and CPU time. Not a test.
 *
 *   make -s PROFILE=gcc build
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude -Isrc bench/bench_normalise.c \
 *      build/gcc/libsafepath.a $(pkg-config --cflags --libs libsodium sqlite3 libpq jansson \
 *      icu-uc icu-i18n icu-io) -lpthread -lm -o build/gcc/bench/bench_normalise
 *   build/gcc/bench/bench_normalise [PERSONS]          (default 5000) */
#include <stdio.h>
#include <stdlib.h>

#include "safepath/normalise.h"

#include "clock.h"

/* A few names per script, each list its own script; Latin lists mix spellings on purpose. */
static const char *const latin[] = {"Mohamed", "Abdirahman", "Hussein", "Abd al-Rahman",
				    "Yohannes", "Tesfaye", "Fatima", "ould Ahmed", "Müller",
				    "José María", "Oleksandr", "bin Laden", "Amanuel", "Habtom"};
static const char *const somali[] = {"Maxamed", "Cabdi", "Xasan", "Cumar", "Faadumo",
				     "Cabdiraxmaan", "Xuseen", "Axmed"};
static const char *const arabic[] = {"محمد", "عبد الرحمن", "حسين", "فاطمة", "عبدالله",
				     "أحمد", "مصطفى", "الحسن", "يوسف", "عمر"};
static const char *const persian[] = {"علی‌رضا", "پرویز", "ژیلا", "ذبیح‌الله", "ګل محمد",
				      "ځلمی", "ملالۍ", "زرغونه"};
static const char *const geez[] = {"ሃብቶም", "ተስፋይ", "ዮሃንስ", "ፀጋይ", "ኣማኑኤል",
				   "ሓጎስ", "ወልደሚካኤል", "ኪዳነ"};
static const char *const cyrillic[] = {"Александр", "Олександр", "Хусейн", "Євген",
				       "Григорій", "Олексій", "Иван", "Мария"};

static const struct {
	const char *const *names;
	size_t n;
	const char *what;
} lists[] = {
	{latin, sizeof latin / sizeof *latin, "Latin"},
	{somali, sizeof somali / sizeof *somali, "Somali Latin"},
	{arabic, sizeof arabic / sizeof *arabic, "Arabic"},
	{persian, sizeof persian / sizeof *persian, "Persian and Pashto"},
	{geez, sizeof geez / sizeof *geez, "Ge'ez"},
	{cyrillic, sizeof cyrillic / sizeof *cyrillic, "Cyrillic"},
};
#define LISTS (sizeof lists / sizeof *lists)

static unsigned long long seed = 42;
static size_t draw(size_t n)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (size_t)(seed >> 33) % n;
}

static void report_build(const char *what, long persons, double w0, double c0)
{
	double w = now_s() - w0, c = user_s() + sys_s() - c0;
	printf("  normalise + keys, %-18s %8.2f µs wall %8.2f µs CPU %8.0f persons/s\n", what,
	       w * 1e6 / (double)persons, c * 1e6 / (double)persons, (double)persons / w);
}

int main(int argc, char **argv)
{
	long persons = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
	if (persons <= 0)
		return 2;
	struct sp_err err = {0};
	struct sp_normaliser *nz;
	double t0 = now_s();
	if (sp_normaliser_new(&nz, &err) != SP_OK) {
		fprintf(stderr, "bench_normalise: %s\n", err.msg);
		return 1;
	}
	double opened = now_s() - t0;
	struct sp_match_name *names = calloc((size_t)persons, sizeof *names);
	if (!names)
		return 1;
	printf("bench_normalise: %ld persons of three parts, scripts mixed, one thread\n", persons);
	printf("  open a normaliser (three ICU transliterators): %.3f ms\n", opened * 1e3);

	double w0 = now_s(), c0 = user_s() + sys_s();
	for (long i = 0; i < persons * (long)(LISTS + 1); i++) {
		/* first the mix, then each script alone */
		long k = i / persons;
		size_t l = k == 0 ? draw(LISTS) : (size_t)(k - 1);
		if (i % persons == 0 && i) {
			report_build(k == 1 ? "mixed" : lists[k - 2].what, persons, w0, c0);
			w0 = now_s();
			c0 = user_s() + sys_s();
		}
		struct sp_npart_in p[3] = {
			{SP_NPART_GIVEN, lists[l].names[draw(lists[l].n)], ""},
			{SP_NPART_FATHER, lists[l].names[draw(lists[l].n)], ""},
			{SP_NPART_FAMILY, lists[l].names[draw(lists[l].n)], ""},
		};
		if (sp_match_name_build(nz, p, 3, &names[i % persons], &err) != SP_OK) {
			fprintf(stderr, "bench_normalise: %s %s\n", err.field, err.msg);
			return 1;
		}
	}
	report_build(lists[LISTS - 1].what, persons, w0, c0);

	/* names now holds the last script's persons: draw the mix again for the comparisons */
	for (long i = 0; i < persons; i++) {
		size_t l = draw(LISTS);
		struct sp_npart_in p[3] = {
			{SP_NPART_GIVEN, lists[l].names[draw(lists[l].n)], ""},
			{SP_NPART_FATHER, lists[l].names[draw(lists[l].n)], ""},
			{SP_NPART_FAMILY, lists[l].names[draw(lists[l].n)], ""},
		};
		if (sp_match_name_build(nz, p, 3, &names[i], &err) != SP_OK)
			return 1;
	}
	long pairs = persons * 20;
	double sum = 0, w, c;
	w0 = now_s();
	c0 = user_s() + sys_s();
	for (long i = 0; i < pairs; i++) {
		struct sp_match_cmp r;
		sp_match_name_compare(&names[draw((size_t)persons)], &names[draw((size_t)persons)], &r);
		sum += r.best;
	}
	w = now_s() - w0;
	c = user_s() + sys_s() - c0;
	printf("  compare two names (mixed)          %8.2f µs wall %8.2f µs CPU %10.0f pairs/s\n",
	       w * 1e6 / (double)pairs, c * 1e6 / (double)pairs, (double)pairs / w);
	printf("  (mean best score %.3f: keeps the work from being optimised away)\n",
	       sum / (double)pairs);
	free(names);
	sp_normaliser_free(nz);
	return 0;
}
