/* The synthetic person generator (tools/gen_persons, docs/generator.md): the shapes of its
 * hand-written name tables (names.c) and of the sources of population it draws from. */
#ifndef GEN_PERSONS_GEN_H
#define GEN_PERSONS_GEN_H

#include <stddef.h>

#define GP_MAX_ROM 6 /* romanisations of one name, the most common first */

/* One name: as written in the source's own script (NULL for a Latin-only source) and its
 * romanisations. */
struct gp_name {
	const char *orig;
	const char *rom[GP_MAX_ROM];
};

struct gp_list {
	const struct gp_name *names;
	size_t n;
};

/* How a source's names are built (role order as registered). */
enum gp_structure {
	GP_PATRONYMIC,    /* given + father's + grandfather's given names, no family name */
	GP_FATHER_FAMILY, /* given + father's given name + family name */
	GP_GIVEN_FAMILY,  /* given + family name */
};

/* A word before the father's name ("bin Ahmed", "ould Ahmed") and its spellings: the name's
 * romanisation i takes the particle's i % GP_PARTICLE_ROM. */
#define GP_PARTICLE_ROM 2
struct gp_particle {
	const char *orig;
	const char *rom[GP_PARTICLE_ROM];
};

struct gp_nationality {
	const char *code;     /* ISO 3166-1 alpha-2 */
	unsigned share;       /* per million of the source's persons */
	enum gp_structure structure;
	unsigned second;      /* per million: father's name (GP_FATHER_FAMILY) or grandfather's
			       * (GP_PATRONYMIC) present */
	unsigned family;      /* per million: family name present (not GP_PATRONYMIC) */
	const struct gp_particle *particle; /* before the father's name, or NULL */
	const char *lang;     /* first language */
	const char *lang2;    /* a second language, or NULL */
	unsigned lang2_share; /* per million: the second language is recorded too */
};

struct gp_source {
	const char *id;
	unsigned share;       /* per million of all persons */
	const char *script;   /* ISO 15924 of orig; NULL when names are only romanised */
	/* per million of records: the original script only, the romanisation only (both: the
	 * rest); a source without a script always has the romanisation only */
	unsigned orig_only, rom_only;
	struct gp_list male, female, family;
	const struct gp_nationality *nat;
	size_t n_nat;
};

extern const struct gp_source gp_sources[];
extern const size_t gp_n_sources;

#endif
